//! Pages, blog posts and folders: versioned content in a space tree.

use serde::{Deserialize, Serialize};

use super::{Body, Label, Property, Restrictions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    Page,
    #[serde(rename = "blogpost")]
    BlogPost,
    Folder,
}

impl ContentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::Page => "page",
            ContentKind::BlogPost => "blogpost",
            ContentKind::Folder => "folder",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentStatus {
    Current,
    Archived,
    Trashed,
    Draft,
}

impl ContentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentStatus::Current => "current",
            ContentStatus::Archived => "archived",
            ContentStatus::Trashed => "trashed",
            ContentStatus::Draft => "draft",
        }
    }

    pub fn parse(s: &str) -> Option<ContentStatus> {
        Some(match s {
            "current" => ContentStatus::Current,
            "archived" => ContentStatus::Archived,
            "trashed" => ContentStatus::Trashed,
            "draft" => ContentStatus::Draft,
            _ => return None,
        })
    }
}

/// One version of a page, blog post or comment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub number: u32,
    pub created_at: String,
    pub author_id: String,
    pub message: String,
    pub minor_edit: bool,
    pub body: Body,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Content {
    pub id: u64,
    pub kind: ContentKind,
    pub space_id: u64,
    pub title: String,
    pub status: ContentStatus,
    /// Parent page or folder (pages and folders only).
    pub parent_id: Option<u64>,
    /// Position among siblings; lower comes first.
    pub position: i64,
    pub author_id: String,
    pub owner_id: String,
    pub created_at: String,
    /// Oldest first; never empty.
    pub versions: Vec<Version>,
    pub labels: Vec<Label>,
    pub restrictions: Restrictions,
    /// Account ids of users who liked it.
    pub likes: Vec<String>,
    pub properties: Vec<Property>,
}

impl Content {
    pub fn current(&self) -> &Version {
        self.versions.last().expect("content always has a version")
    }
}
