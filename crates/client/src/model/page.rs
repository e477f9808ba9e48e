//! Pages and blog posts (v2).

use serde::{Deserialize, Serialize};

use super::content::{Bodies, Body, Links, Version};
use super::id;

/// A page (v2). `body` is filled when listed or fetched with `body-format=storage`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    /// `current`, `draft`, `archived`, `trashed`.
    pub status: Option<String>,
    pub title: String,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub space_id: Option<String>,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub parent_id: Option<String>,
    /// `page`, `folder`, `whiteboard`, `database`, `embed`.
    pub parent_type: Option<String>,
    pub position: Option<i64>,
    pub author_id: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: Option<String>,
    pub version: Option<Version>,
    pub body: Option<Bodies>,
    #[serde(rename = "_links")]
    pub links: Option<Links>,
}

impl Page {
    /// The storage-format body, if it was asked for.
    pub fn storage(&self) -> Option<&str> {
        self.body.as_ref()?.storage.as_ref().map(|b| b.value.as_str())
    }
}

/// A blog post (v2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlogPost {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub status: Option<String>,
    pub title: String,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub space_id: Option<String>,
    pub author_id: Option<String>,
    pub created_at: Option<String>,
    pub version: Option<Version>,
    pub body: Option<Bodies>,
    #[serde(rename = "_links")]
    pub links: Option<Links>,
}

/// A blog post read as a page without a place in the tree: for code that handles both alike.
impl From<BlogPost> for Page {
    fn from(post: BlogPost) -> Page {
        Page {
            id: post.id,
            status: post.status,
            title: post.title,
            space_id: post.space_id,
            parent_id: None,
            parent_type: None,
            position: None,
            author_id: post.author_id,
            owner_id: None,
            created_at: post.created_at,
            version: post.version,
            body: post.body,
            links: post.links,
        }
    }
}

impl BlogPost {
    /// The storage-format body, if it was asked for.
    pub fn storage(&self) -> Option<&str> {
        self.body.as_ref()?.storage.as_ref().map(|b| b.value.as_str())
    }
}

/// A child in the page tree (`direct-children`, `descendants`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeNode {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub status: Option<String>,
    pub title: Option<String>,
    /// `page`, `folder`, `whiteboard`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub parent_id: Option<String>,
    pub child_position: Option<i64>,
    pub depth: Option<u32>,
}

/// What `create_page` sends (`POST /pages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPage {
    pub space_id: String,
    pub status: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub body: Body,
}

/// What `update_page` sends (`PUT /pages/{id}`); `version_number` = current + 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUpdate {
    pub id: String,
    pub status: String,
    pub title: String,
    pub body: Body,
    pub version_number: u64,
    pub version_message: Option<String>,
    /// Moves the page under another parent in the same space.
    pub parent_id: Option<String>,
}

/// What `create_blog_post` sends (`POST /blogposts`); `created_at` back-dates the post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewBlogPost {
    pub space_id: String,
    pub status: String,
    pub title: String,
    pub body: Body,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// Where `move_page` puts a page relative to a target (v1 `move/{position}/{targetId}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovePosition {
    Before,
    After,
    /// As the last child of the target.
    Append,
}

impl MovePosition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
            Self::Append => "append",
        }
    }
}
