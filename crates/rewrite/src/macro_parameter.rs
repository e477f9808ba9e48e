//! Macro parameters whose text names spaces or a page, e.g.
//! `<ac:parameter ac:name="spaceKey">DOC</ac:parameter>` in `include` or
//! `<ac:parameter ac:name="spaces">DOC,OPS</ac:parameter>` in `contentbylabel`. Parameters holding
//! an `ac:link` are handled as the `ri:page` inside them; this module handles plain-text values.

use super::context::Context;
use super::entity;
use super::reference::{Outcome, Reference, ReferenceKind};
use super::resolver::{Resolution, Resolver};

/// What a parameter's text means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// One space key (`spaceKey`, `space`).
    SpaceKey,
    /// A comma-separated list of space keys (`spaces`), with `@self`-style keywords left alone.
    SpaceKeys,
    /// A page, as `Title` or `KEY:Title` (`page`, `root`).
    Page,
}

/// Confluence's own macros whose parameters name spaces or pages.
const MACROS: &[&str] = &[
    "attachments",
    "blog-posts",
    "children",
    "content-report-table",
    "contentbylabel",
    "create-from-template",
    "excerpt-include",
    "include",
    "listlabels",
    "livesearch",
    "page-index",
    "pagetree",
    "pagetreesearch",
    "popular-labels",
    "recently-updated",
    "recently-used-labels",
    "related-labels",
    "space-attachments",
    "space-details",
    "spaces",
    "task-report",
    "viewfile",
];

/// The meaning of parameter `name` in macro `macro_name`, if it names spaces or pages.
pub fn meaning(macro_name: &str, name: &str) -> Option<Meaning> {
    if !MACROS.contains(&macro_name) {
        return None;
    }
    match name {
        "spaceKey" | "space" => Some(Meaning::SpaceKey),
        "spaces" => Some(Meaning::SpaceKeys),
        "page" | "root" => Some(Meaning::Page),
        _ => None,
    }
}

/// Rewrites a parameter's raw text (as written, entities escaped), pushing one reference per
/// space or page it names. Returns the new raw text when it changed.
pub fn rewrite(
    meaning: Meaning,
    name: &str,
    raw: &str,
    offset: usize,
    ctx: &Context,
    resolver: &impl Resolver,
    references: &mut Vec<Reference>,
) -> Option<String> {
    let text = entity::decode(raw);
    let new_text = match meaning {
        Meaning::SpaceKey => {
            let key = text.trim();
            if key.is_empty() || is_keyword(key) {
                return None;
            }
            space(key, name, offset, resolver, references).map(|new| text.replacen(key, &new, 1))
        }
        Meaning::SpaceKeys => {
            let mut changed = false;
            let parts: Vec<String> = text
                .split(',')
                .map(|part| {
                    let key = part.trim();
                    if key.is_empty() || is_keyword(key) {
                        return part.to_owned();
                    }
                    match space(key, name, offset, resolver, references) {
                        Some(new) => {
                            changed = true;
                            part.replacen(key, &new, 1)
                        }
                        None => part.to_owned(),
                    }
                })
                .collect();
            changed.then(|| parts.join(","))
        }
        Meaning::Page => page(&text, name, offset, ctx, resolver, references),
    }?;
    Some(entity::escape_text(&new_text).into_owned())
}

fn is_keyword(value: &str) -> bool {
    value.starts_with('@') || value.contains('(')
}

fn space(
    key: &str,
    name: &str,
    offset: usize,
    resolver: &impl Resolver,
    references: &mut Vec<Reference>,
) -> Option<String> {
    let original = format!("{name}={key}");
    let (outcome, new, reason) = match resolver.space_key(key) {
        Resolution::Rewritten(new) if new != key => (Outcome::Rewritten, Some(new), None),
        Resolution::Rewritten(_) | Resolution::Unchanged => (Outcome::Unchanged, None, None),
        Resolution::External => (Outcome::KeptExternal, None, Some("space outside the plan".to_owned())),
        Resolution::Unresolved(reason) => (Outcome::Unresolved, None, Some(reason)),
        Resolution::Pending(reason) => (Outcome::Pending, None, Some(reason)),
    };
    references.push(Reference {
        kind: ReferenceKind::MacroParameter,
        original,
        outcome,
        replacement: new.as_ref().map(|new| format!("{name}={new}")),
        reason,
        offset,
    });
    new
}

fn page(
    text: &str,
    name: &str,
    offset: usize,
    ctx: &Context,
    resolver: &impl Resolver,
    references: &mut Vec<Reference>,
) -> Option<String> {
    let value = text.trim();
    if value.is_empty() || is_keyword(value) {
        return None;
    }
    let (key, title) = match value.split_once(':') {
        Some((key, title)) if !key.is_empty() && !key.contains(' ') => (Some(key), title),
        _ => (None, value),
    };
    let space_key = key.unwrap_or(&ctx.space_key);
    let original = format!("{name}={value}");
    let mut reference = Reference {
        kind: ReferenceKind::MacroParameter,
        original,
        outcome: Outcome::Unchanged,
        replacement: None,
        reason: None,
        offset,
    };
    let new_title = match resolver.page(space_key, title) {
        Resolution::Rewritten(new) => Some(new),
        Resolution::Unchanged => None,
        Resolution::External => {
            reference.outcome = Outcome::KeptExternal;
            reference.reason = Some("page outside the plan".to_owned());
            references.push(reference);
            return None;
        }
        Resolution::Unresolved(reason) | Resolution::Pending(reason) => {
            reference.outcome = Outcome::Unresolved;
            reference.reason = Some(reason);
            references.push(reference);
            return None;
        }
    };
    let new_key = key.and_then(|key| match resolver.space_key(key) {
        Resolution::Rewritten(new) if new != key => Some(new),
        _ => None,
    });
    let new_value = match (new_key.as_deref().or(key), new_title.as_deref().unwrap_or(title)) {
        (Some(key), title) => format!("{key}:{title}"),
        (None, title) => title.to_owned(),
    };
    let result = (new_value != value).then(|| {
        reference.outcome = Outcome::Rewritten;
        reference.replacement = Some(format!("{name}={new_value}"));
        text.replacen(value, &new_value, 1)
    });
    references.push(reference);
    result
}
