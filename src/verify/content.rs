//! Pages, folders and blog posts: presence by title, tree shape and sibling order, statuses,
//! blog dates, bodies after the expected rewrites, labels and restrictions.

use std::collections::{BTreeSet, HashMap};

use super::difference::Difference;
use super::expected::{Anchor, Bodies, excerpts};
use super::pair::{Pair, named, titled};
use crate::diagnostic::Code;
use crate::snapshot::{Content, ContentType, Restrictions, SpaceSnapshot, Subject};

/// Compares the content of one space pair; bodies are read from the spools one at a time.
pub fn compare(pair: &Pair<'_>, bodies: &Bodies<'_>) -> std::io::Result<Vec<Difference>> {
    let mut out = Vec::new();
    let scope = pair.scope;
    let destination = titled(pair.destination);
    let source = titled(pair.source);
    let (source_by_id, destination_by_id) = (by_id(pair.source), by_id(pair.destination));
    for c in pair.source.pages.iter().chain(&pair.source.blog_posts) {
        let Some(d) = destination.get(&(c.kind, c.title.as_str())) else {
            out.push(Difference::new(scope, Code::VerifyContentMissing, named(c), "present", "absent"));
            continue;
        };
        let item = named(c);
        let (expected_parent, actual_parent) =
            (parent_title(&source_by_id, c), parent_title(&destination_by_id, d));
        if expected_parent != actual_parent {
            out.push(Difference::new(
                scope,
                Code::VerifyTreeDiffers,
                format!("{item}: parent"),
                expected_parent,
                actual_parent,
            ));
        }
        if c.status != d.status {
            out.push(Difference::new(scope, Code::VerifyStatusDiffers, item.clone(), &c.status, &d.status));
        }
        if c.kind == ContentType::BlogPost && instant(&c.created_at) != instant(&d.created_at) {
            out.push(Difference::new(
                scope,
                Code::VerifyDateDiffers,
                item.clone(),
                instant(&c.created_at),
                instant(&d.created_at),
            ));
        }
        if c.kind != ContentType::Folder {
            let expected = bodies.source(&pair.source_spool.get(c.body)?, &pair.source.key, &c.title, &c.id);
            let actual = bodies.destination(&pair.destination_spool.get(d.body)?);
            if expected.canonical != actual.canonical {
                let (expected, actual) = excerpts(&expected.canonical, &actual.canonical);
                out.push(Difference::new(scope, Code::VerifyBodyDiffers, item.clone(), expected, actual));
            }
            if expected.anchors != actual.anchors {
                out.push(Difference::new(
                    scope,
                    Code::VerifyMarkersDiffer,
                    item.clone(),
                    Anchor::describe(&expected.anchors),
                    Anchor::describe(&actual.anchors),
                ));
            }
        }
        out.extend(labels(pair, &item, &c.labels, &d.labels));
        out.extend(restrictions(pair, &item, &c.restrictions, &d.restrictions));
    }
    // The homepage the destination made with the space stands in for a source homepage the
    // credentials could not read (so it was not copied): it is not extra content.
    let homepage_unread = pair.source.homepage_id.as_deref().is_none_or(|h| !source_by_id.contains_key(h));
    for d in pair.destination.pages.iter().chain(&pair.destination.blog_posts) {
        if homepage_unread && pair.destination.homepage_id.as_deref() == Some(d.id.as_str()) {
            continue;
        }
        if !source.contains_key(&(d.kind, d.title.as_str())) {
            out.push(Difference::new(scope, Code::VerifyContentExtra, named(d), "absent", "present"));
        }
    }
    out.extend(sibling_order(pair));
    Ok(out)
}

/// Label differences of one item (a page, a blog post or the space).
pub fn labels(pair: &Pair<'_>, item: &str, source: &[String], destination: &[String]) -> Vec<Difference> {
    let source: BTreeSet<&String> = source.iter().collect();
    let destination: BTreeSet<&String> = destination.iter().collect();
    let missing = source
        .difference(&destination)
        .map(|l| Difference::new(pair.scope, Code::VerifyLabelMissing, format!("{item}: label {l}"), *l, ""));
    let extra = destination
        .difference(&source)
        .map(|l| Difference::new(pair.scope, Code::VerifyLabelExtra, format!("{item}: label {l}"), "", *l));
    missing.chain(extra).collect()
}

fn restrictions(
    pair: &Pair<'_>,
    item: &str,
    source: &Restrictions,
    destination: &Restrictions,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for (operation, expected, actual) in
        [("read", &source.read, &destination.read), ("update", &source.update, &destination.update)]
    {
        let (expected, actual) = (subjects(expected), subjects(actual));
        if expected != actual {
            out.push(Difference::new(
                pair.scope,
                Code::VerifyRestrictionDiffers,
                format!("{item}: {operation} restrictions"),
                expected,
                actual,
            ));
        }
    }
    out
}

/// Subjects in words, sorted: `group:marketing user:5b10…`.
pub fn subjects(list: &[Subject]) -> String {
    let mut words: Vec<String> = list.iter().map(subject).collect();
    words.sort();
    words.dedup();
    words.join(" ")
}

pub fn subject(s: &Subject) -> String {
    match s {
        Subject::User(id) => format!("user:{id}"),
        Subject::Group(name) => format!("group:{name}"),
        Subject::Anonymous => "anonymous".into(),
    }
}

/// Pages and folders of a space by id.
fn by_id(space: &SpaceSnapshot) -> HashMap<&str, &Content> {
    space.pages.iter().map(|c| (c.id.as_str(), c)).collect()
}

fn parent_title(pages: &HashMap<&str, &Content>, content: &Content) -> String {
    content
        .parent_id
        .as_deref()
        .and_then(|p| pages.get(p))
        .map(|p| format!("{} \"{}\"", super::pair::noun(p.kind), p.title))
        .unwrap_or_else(|| "top level".into())
}

/// The same instant however the site writes it.
fn instant(at: &Option<String>) -> String {
    let Some(at) = at else { return String::new() };
    at.parse::<jiff::Timestamp>().map(|t| t.to_string()).unwrap_or_else(|_| at.clone())
}

/// Children of each parent in sibling order, compared over the titles both sides hold (a
/// missing page is reported once, not again as an order difference).
fn sibling_order(pair: &Pair<'_>) -> Vec<Difference> {
    let children = |space: &SpaceSnapshot| {
        let pages = by_id(space);
        let mut by_parent: HashMap<String, Vec<(ContentType, String)>> = HashMap::new();
        for c in &space.pages {
            by_parent.entry(parent_title(&pages, c)).or_default().push((c.kind, c.title.clone()));
        }
        by_parent
    };
    let (source, destination) = (children(pair.source), children(pair.destination));
    let mut parents: Vec<&String> = source.keys().collect();
    parents.sort();
    let mut out = Vec::new();
    for parent in parents {
        let Some(actual) = destination.get(parent) else { continue };
        let expected = &source[parent];
        let common = |list: &[(ContentType, String)], other: &[(ContentType, String)]| -> Vec<String> {
            let other: std::collections::HashSet<&(ContentType, String)> = other.iter().collect();
            list.iter().filter(|c| other.contains(c)).map(|(_, t)| t.clone()).collect()
        };
        let (e, a) = (common(expected, actual), common(actual, expected));
        if e != a {
            out.push(Difference::new(
                pair.scope,
                Code::VerifyTreeDiffers,
                format!("children of {parent}: sibling order"),
                e.join(" | "),
                a.join(" | "),
            ));
        }
    }
    out
}
