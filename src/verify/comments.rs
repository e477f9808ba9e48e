//! Footer and inline comments with their replies, matched by (container title, parent body,
//! body, and for inline threads the anchor text) as a multiset: what the source holds once more
//! than the destination is missing; matched threads are then compared by resolution.

use std::collections::{BTreeMap, HashMap};

use super::difference::Difference;
use super::expected::Bodies;
use super::pair::{Pair, titles};
use crate::diagnostic::Code;
use crate::snapshot::{CommentType, SpaceSnapshot, Spool};

/// What identifies a comment across sites.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    container: String,
    inline: bool,
    /// The canonical body of the comment replied to; empty for a top-level comment.
    parent: String,
    body: String,
    /// Inline comments: the text the thread is anchored to.
    selection: String,
}

impl Key {
    fn item(&self) -> String {
        let kind = if self.inline { "inline comment" } else { "comment" };
        let mut item = format!("{kind} on \"{}\": {}", self.container, excerpt(&self.body));
        if !self.parent.is_empty() {
            item = format!(
                "reply on \"{}\" to {}: {}",
                self.container,
                excerpt(&self.parent),
                excerpt(&self.body)
            );
        }
        item
    }

    fn state(&self) -> String {
        if self.selection.is_empty() {
            "present".into()
        } else {
            format!("anchored to \"{}\"", self.selection)
        }
    }
}

/// The text of a body without its tags, cut short, for an item.
fn excerpt(body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for ch in body.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 60 {
        format!("\"{}…\"", text.chars().take(60).collect::<String>())
    } else {
        format!("\"{text}\"")
    }
}

/// Comments of one space by key, each with its resolution (empty for footer comments). `canonical` puts a body in the compared form.
fn counted(
    space: &SpaceSnapshot,
    spool: &Spool,
    canonical: &dyn Fn(&str, &str) -> String,
) -> std::io::Result<BTreeMap<Key, Vec<String>>> {
    let titles = titles(space);
    let mut bodies: HashMap<&str, String> = HashMap::new();
    let mut out = BTreeMap::new();
    // Parents come before their replies in a snapshot.
    for c in &space.comments {
        let Some(title) = titles.get(c.container_id.as_str()) else { continue };
        let body = canonical(&spool.get(c.body)?, title);
        let parent = c.parent_id.as_deref().and_then(|p| bodies.get(p)).cloned().unwrap_or_default();
        bodies.insert(c.id.as_str(), body.clone());
        let key = Key {
            container: title.to_string(),
            inline: c.kind == CommentType::Inline,
            parent,
            body,
            selection: c.selection.clone().unwrap_or_default(),
        };
        out.entry(key).or_insert_with(Vec::new).push(c.resolution.clone().unwrap_or_default());
    }
    Ok(out)
}

/// Compares the comments of one space pair.
pub fn compare(pair: &Pair<'_>, bodies: &Bodies<'_>) -> std::io::Result<Vec<Difference>> {
    let key = &pair.source.key;
    let source = counted(pair.source, pair.source_spool, &|body, title| bodies.source(body, key, title))?;
    let destination = counted(pair.destination, pair.destination_spool, &|body, _| bodies.destination(body))?;
    let mut out = Vec::new();
    let none = Vec::new();
    for (k, expected) in &source {
        let actual = destination.get(k).unwrap_or(&none);
        let (mut expected, mut actual) = unmatched(expected, actual);
        // Threads present on both sides but resolved differently.
        while let (Some(e), Some(a)) = (expected.last(), actual.last()) {
            out.push(Difference::new(pair.scope, Code::VerifyCommentDiffers, k.item(), *e, *a));
            expected.pop();
            actual.pop();
        }
        for _ in expected {
            out.push(Difference::new(pair.scope, Code::VerifyCommentMissing, k.item(), k.state(), ""));
        }
        for _ in actual {
            out.push(Difference::new(pair.scope, Code::VerifyCommentExtra, k.item(), "", k.state()));
        }
    }
    for (k, actual) in &destination {
        if !source.contains_key(k) {
            for _ in actual {
                out.push(Difference::new(pair.scope, Code::VerifyCommentExtra, k.item(), "", k.state()));
            }
        }
    }
    Ok(out)
}

/// The resolutions left on each side once equal ones are paired off.
fn unmatched<'a>(expected: &'a [String], actual: &'a [String]) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut left: Vec<&str> = actual.iter().map(String::as_str).collect();
    let mut right = Vec::new();
    for e in expected {
        match left.iter().position(|a| a == e) {
            Some(i) => {
                left.remove(i);
            }
            None => right.push(e.as_str()),
        }
    }
    (right, left)
}
