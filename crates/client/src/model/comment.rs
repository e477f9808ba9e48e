//! Footer and inline comments (v2).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::content::{Bodies, Body, Version};
use super::id;

/// A footer or inline comment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub status: Option<String>,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub page_id: Option<String>,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub blog_post_id: Option<String>,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub parent_comment_id: Option<String>,
    pub version: Option<Version>,
    pub body: Option<Bodies>,
    /// Inline comments: `open`, `resolved`, `dangling`, ...
    pub resolution_status: Option<String>,
    pub properties: Option<InlineProperties>,
}

/// A listed comment as far as its thread goes. The v2 lists name the page or blog post of a root
/// comment, but a reply may name only its parent comment.
#[derive(Debug, Clone, Copy)]
pub struct ThreadLink<'a> {
    pub id: &'a str,
    /// The page or blog post it names, if it names one.
    pub container: Option<&'a str>,
    /// The comment it replies to.
    pub parent: Option<&'a str>,
}

/// How many replies up a thread [`containers`] follows before it gives up (a cycle, or a thread
/// deeper than Confluence allows).
pub const MAX_REPLY_DEPTH: usize = 64;

/// The page or blog post each of `comments` sits on, in the same order: a comment that names
/// none is followed up through its parents (among `comments`) to one that does; `None` when the
/// walk ends at a parent not listed or goes past [`MAX_REPLY_DEPTH`].
pub fn containers<'a>(comments: impl IntoIterator<Item = ThreadLink<'a>>) -> Vec<Option<&'a str>> {
    let links: Vec<ThreadLink<'a>> = comments.into_iter().collect();
    let by_id: HashMap<&str, &ThreadLink<'a>> = links.iter().map(|c| (c.id, c)).collect();
    links
        .iter()
        .map(|link| {
            let mut cursor = link;
            for _ in 0..MAX_REPLY_DEPTH {
                if let Some(id) = cursor.container {
                    return Some(id);
                }
                cursor = by_id.get(cursor.parent?)?;
            }
            cursor.container
        })
        .collect()
}

impl Comment {
    /// The storage-format body, if it was asked for.
    pub fn storage(&self) -> Option<&str> {
        self.body.as_ref()?.storage.as_ref().map(|b| b.value.as_str())
    }

    /// The marker that anchors an inline root comment in its page's body.
    pub fn marker_ref(&self) -> Option<&str> {
        self.properties.as_ref()?.inline_marker_ref.as_deref().filter(|r| !r.is_empty())
    }
}

/// Where an inline comment is anchored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InlineProperties {
    pub inline_marker_ref: Option<String>,
    pub inline_original_selection: Option<String>,
}

/// Where a new comment goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentParent {
    Page(String),
    BlogPost(String),
    /// A reply.
    Comment(String),
}

/// The text an inline root comment is anchored to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InlineSelection {
    pub text_selection: String,
    pub text_selection_match_count: u32,
    pub text_selection_match_index: u32,
}

/// What `create_*_comment` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub parent: CommentParent,
    pub body: Body,
    /// Required for inline root comments; ignored for footer comments and replies.
    pub inline_selection: Option<InlineSelection>,
}

#[cfg(test)]
mod thread_tests {
    use super::*;

    fn link(
        id: &'static str,
        container: Option<&'static str>,
        parent: Option<&'static str>,
    ) -> ThreadLink<'static> {
        ThreadLink { id, container, parent }
    }

    #[test]
    fn replies_take_the_container_of_their_root() {
        let listed = [
            link("reply2", None, Some("reply1")),
            link("root", Some("page"), None),
            link("reply1", None, Some("root")),
            link("orphan", None, Some("gone")),
            link("loop1", None, Some("loop2")),
            link("loop2", None, Some("loop1")),
        ];
        assert_eq!(containers(listed), [Some("page"), Some("page"), Some("page"), None, None, None]);
    }

    #[test]
    fn the_walk_stops_after_the_longest_thread() {
        let ids: Vec<String> = (0..=MAX_REPLY_DEPTH + 1).map(|i| format!("c{i}")).collect();
        let chain = |depth: usize| {
            let links = (0..=depth).map(|i| ThreadLink {
                id: &ids[i],
                container: (i == 0).then_some("page"),
                parent: i.checked_sub(1).map(|p| ids[p].as_str()),
            });
            containers(links)[depth]
        };
        assert_eq!(chain(MAX_REPLY_DEPTH), Some("page"));
        assert_eq!(chain(MAX_REPLY_DEPTH + 1), None);
    }
}
