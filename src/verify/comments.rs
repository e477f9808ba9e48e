//! Footer and inline comments with their replies, matched by (container title, parent body,
//! body) as a multiset: what the source holds once more than the destination is missing; matched
//! threads are then compared by where they are anchored (the text their marker covers in the
//! page's body, each segment's place among that text's repeats) and by resolution.

use std::collections::{BTreeMap, HashMap};

use super::difference::Difference;
use super::expected::Bodies;
use super::pair::{Pair, titles};
use crate::diagnostic::Code;
use crate::rewrite::InlineMarker;
use crate::snapshot::{CommentType, Content, SpaceSnapshot, Spool};

/// What identifies a comment across sites.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    container: String,
    inline: bool,
    /// The canonical body of the comment replied to; empty for a top-level comment.
    parent: String,
    body: String,
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

/// Comments of one space by key, each with its state: for an inline thread where its marker sits
/// and its resolution, for others nothing. `canonical` puts a body in the compared form.
fn counted(
    space: &SpaceSnapshot,
    spool: &Spool,
    canonical: &dyn Fn(&str, &str, &str) -> String,
) -> std::io::Result<BTreeMap<Key, Vec<String>>> {
    let titles = titles(space);
    let containers: HashMap<&str, &Content> =
        space.pages.iter().chain(&space.blog_posts).map(|c| (c.id.as_str(), c)).collect();
    let mut markers: HashMap<&str, HashMap<String, Vec<InlineMarker>>> = HashMap::new();
    let mut bodies: HashMap<&str, String> = HashMap::new();
    let mut out = BTreeMap::new();
    // Parents come before their replies in a snapshot.
    for c in &space.comments {
        let Some(title) = titles.get(c.container_id.as_str()) else { continue };
        let body = canonical(&spool.get(c.body)?, title, &c.container_id);
        let parent = c.parent_id.as_deref().and_then(|p| bodies.get(p)).cloned().unwrap_or_default();
        bodies.insert(c.id.as_str(), body.clone());
        let inline = c.kind == CommentType::Inline;
        let mut state = Vec::new();
        if inline && c.parent_id.is_none() {
            if !markers.contains_key(c.container_id.as_str())
                && let Some(container) = containers.get(c.container_id.as_str())
            {
                let mut by_ref: HashMap<String, Vec<InlineMarker>> = HashMap::new();
                for marker in crate::rewrite::anchors(&spool.get(container.body)?) {
                    by_ref.entry(marker.ref_id.clone()).or_default().push(marker);
                }
                markers.insert(c.container_id.as_str(), by_ref);
            }
            let segments = c
                .marker_ref
                .as_deref()
                .and_then(|r| markers.get(c.container_id.as_str())?.get(r))
                .map(Vec::as_slice)
                .unwrap_or_default();
            state.push(anchored(segments));
        }
        if let Some(resolution) = c.resolution.as_deref().filter(|r| !r.is_empty()) {
            state.push(resolution.to_owned());
        }
        let key = Key { container: title.to_string(), inline, parent, body };
        out.entry(key).or_insert_with(Vec::new).push(state.join(", "));
    }
    Ok(out)
}

/// Where a thread's marker sits, in words: `anchored to "a" (2 of 3) + "b" (1 of 1)`.
fn anchored(segments: &[InlineMarker]) -> String {
    if segments.is_empty() {
        return "not anchored in the body".into();
    }
    let parts: Vec<String> = segments
        .iter()
        .map(|m| format!("\"{}\" ({} of {})", m.text, m.match_index + 1, m.match_count))
        .collect();
    format!("anchored to {}", parts.join(" + "))
}

/// Compares the comments of one space pair.
pub fn compare(pair: &Pair<'_>, bodies: &Bodies<'_>) -> std::io::Result<Vec<Difference>> {
    let key = &pair.source.key;
    let source = counted(pair.source, pair.source_spool, &|body, title, container| {
        bodies.source(body, key, title, container).canonical
    })?;
    let destination =
        counted(pair.destination, pair.destination_spool, &|body, _, _| bodies.destination(body).canonical)?;
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
        for e in expected {
            out.push(Difference::new(pair.scope, Code::VerifyCommentMissing, k.item(), present(e), ""));
        }
        for a in actual {
            out.push(Difference::new(pair.scope, Code::VerifyCommentExtra, k.item(), "", present(a)));
        }
    }
    for (k, actual) in &destination {
        if !source.contains_key(k) {
            for a in actual {
                out.push(Difference::new(pair.scope, Code::VerifyCommentExtra, k.item(), "", present(a)));
            }
        }
    }
    Ok(out)
}

/// A comment's state as the value of a missing or extra row.
fn present(state: &str) -> String {
    if state.is_empty() { "present".into() } else { state.to_owned() }
}

/// The states left on each side once equal ones are paired off.
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
