//! One selected space on both sides, and the title matching every comparison starts from.

use std::collections::HashMap;

use super::difference::Scope;
use crate::snapshot::{Content, ContentType, SpaceSnapshot, Spool};

/// A selected space as the source holds it and as the destination holds its copy.
pub struct Pair<'a> {
    pub scope: Scope,
    pub source: &'a SpaceSnapshot,
    pub destination: &'a SpaceSnapshot,
    pub source_spool: &'a Spool,
    pub destination_spool: &'a Spool,
}

/// Content by kind and title: titles are kept by a copy and unique per kind in a space.
pub type Titled<'a> = HashMap<(ContentType, &'a str), &'a Content>;

/// Every page, folder and blog post of a space by kind and title.
pub fn titled(space: &SpaceSnapshot) -> Titled<'_> {
    space.pages.iter().chain(&space.blog_posts).map(|c| ((c.kind, c.title.as_str()), c)).collect()
}

/// Content ids → titles of a space (for attachments and comments, which name their container).
pub fn titles(space: &SpaceSnapshot) -> HashMap<&str, &str> {
    space.pages.iter().chain(&space.blog_posts).map(|c| (c.id.as_str(), c.title.as_str())).collect()
}

impl Pair<'_> {
    /// Source content id → destination content id, for content with the same kind and title.
    pub fn matched_ids(&self) -> Vec<(String, String)> {
        let destination = titled(self.destination);
        self.source
            .pages
            .iter()
            .chain(&self.source.blog_posts)
            .filter_map(|c| {
                destination.get(&(c.kind, c.title.as_str())).map(|d| (c.id.clone(), d.id.clone()))
            })
            .collect()
    }
}

/// How an item names a page, folder or blog post: `page "Launch plan"`.
pub fn named(content: &Content) -> String {
    format!("{} \"{}\"", noun(content.kind), content.title)
}

pub fn noun(kind: ContentType) -> &'static str {
    match kind {
        ContentType::Page => "page",
        ContentType::BlogPost => "blog post",
        ContentType::Folder => "folder",
    }
}
