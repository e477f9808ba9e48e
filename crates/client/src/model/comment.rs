//! Footer and inline comments (v2).

use serde::{Deserialize, Serialize};

use super::content::{Bodies, Body, Version};
use super::id;
use crate::ids::{Id, IdMap};

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

/// How a listed comment hangs in its thread: the page or blog post it names (the v2 lists name
/// it for a root comment, but a reply may name only its parent), and the comment it replies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadLink {
    pub container: Option<Id>,
    pub parent: Option<Id>,
}

impl ThreadLink {
    pub fn new(container: Option<&str>, parent: Option<&str>) -> ThreadLink {
        ThreadLink { container: container.map(Id::new), parent: parent.map(Id::new) }
    }
}

/// How many replies up a thread [`Threads::container`] follows before it gives up (a cycle, or
/// a thread deeper than Confluence allows).
pub const MAX_REPLY_DEPTH: usize = 64;

/// The threads of listed comments, by comment id, held compactly (ids as [`Id`]s) so that a
/// site's comments need not stay in memory to find the page each is on.
#[derive(Debug, Default)]
pub struct Threads {
    links: IdMap<ThreadLink>,
}

impl Threads {
    /// Notes comment `id`'s link (a second link for the same id replaces the first).
    pub fn add(&mut self, id: &str, link: ThreadLink) {
        self.links.insert_str(id, link);
    }

    /// The page or blog post of a comment whose own link is `own`: the one it names, else its
    /// parent's, up the thread among the comments added; `None` when the walk ends at a parent
    /// not added or goes past [`MAX_REPLY_DEPTH`].
    pub fn container(&self, own: &ThreadLink) -> Option<Id> {
        let mut cursor = own;
        for _ in 0..MAX_REPLY_DEPTH {
            if let Some(id) = &cursor.container {
                return Some(id.clone());
            }
            cursor = self.links.get_id(cursor.parent.as_ref()?)?;
        }
        cursor.container.clone()
    }
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

    fn threads(listed: &[(&str, Option<&str>, Option<&str>)]) -> Threads {
        let mut threads = Threads::default();
        for (id, container, parent) in listed {
            threads.add(id, ThreadLink::new(*container, *parent));
        }
        threads
    }

    #[test]
    fn replies_take_the_container_of_their_root() {
        let listed = [
            ("reply2", None, Some("reply1")),
            ("root", Some("page"), None),
            ("reply1", None, Some("root")),
            ("orphan", None, Some("gone")),
            ("loop1", None, Some("loop2")),
            ("loop2", None, Some("loop1")),
        ];
        let threads = threads(&listed);
        let found: Vec<Option<String>> = listed
            .iter()
            .map(|(_, c, p)| threads.container(&ThreadLink::new(*c, *p)).map(|id| id.to_string()))
            .collect();
        let page = Some("page".to_string());
        assert_eq!(found, [page.clone(), page.clone(), page, None, None, None]);
        let own = ThreadLink::new(Some("blog-7"), Some("root"));
        assert_eq!(threads.container(&own), Some(Id::new("blog-7")), "the page a comment names comes first");
        assert_eq!(threads.container(&ThreadLink::new(None, None)), None);
    }

    #[test]
    fn the_walk_stops_after_the_longest_thread() {
        let ids: Vec<String> = (0..=MAX_REPLY_DEPTH + 1).map(|i| format!("{}", 1000 + i)).collect();
        let mut threads = Threads::default();
        for (i, id) in ids.iter().enumerate() {
            let parent = i.checked_sub(1).map(|p| ids[p].as_str());
            threads.add(id, ThreadLink::new((i == 0).then_some("page"), parent));
        }
        let chain = |depth: usize| threads.container(&ThreadLink::new(None, Some(&ids[depth - 1])));
        assert_eq!(chain(MAX_REPLY_DEPTH), Some(Id::new("page")));
        assert_eq!(chain(MAX_REPLY_DEPTH + 1), None);
    }
}
