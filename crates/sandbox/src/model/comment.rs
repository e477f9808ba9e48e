//! Footer and inline comments, with replies and inline markers.

use serde::{Deserialize, Serialize};

use super::{ContentStatus, Property, Version};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    Footer,
    Inline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionStatus {
    Open,
    Reopened,
    Resolved,
    Dangling,
}

impl ResolutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionStatus::Open => "open",
            ResolutionStatus::Reopened => "reopened",
            ResolutionStatus::Resolved => "resolved",
            ResolutionStatus::Dangling => "dangling",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    pub kind: CommentKind,
    /// Page or blog post the comment is on.
    pub container_id: u64,
    /// Set on replies.
    pub parent_comment_id: Option<u64>,
    pub status: ContentStatus,
    pub created_at: String,
    pub versions: Vec<Version>,
    /// Inline root comments: the `ac:ref` of the marker in the page body.
    pub inline_marker_ref: Option<String>,
    pub inline_original_selection: Option<String>,
    pub resolution_status: Option<ResolutionStatus>,
    pub properties: Vec<Property>,
}

impl Comment {
    pub fn current(&self) -> &Version {
        self.versions.last().expect("comment always has a version")
    }
}
