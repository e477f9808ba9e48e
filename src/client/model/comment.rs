//! Footer and inline comments (v2).

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
