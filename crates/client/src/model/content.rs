//! Pieces shared by pages, blog posts, attachments and comments: versions and bodies.

use serde::{Deserialize, Serialize};

/// A content version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub number: u64,
    pub created_at: Option<String>,
    pub author_id: Option<String>,
    pub message: Option<String>,
    pub minor_edit: Option<bool>,
}

/// A body in one representation (`storage` for copying).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Body {
    pub representation: String,
    pub value: String,
}

impl Body {
    /// A storage-format body.
    pub fn storage(value: impl Into<String>) -> Self {
        Self { representation: "storage".into(), value: value.into() }
    }
}

/// The bodies a v2 answer carries (`body-format=storage` fills `storage`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Bodies {
    pub storage: Option<Body>,
}

/// Links of a v2 entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Links {
    pub webui: Option<String>,
    pub tinyui: Option<String>,
    pub download: Option<String>,
}

/// Content that holds attachments, comments, labels and properties.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Container {
    Page(String),
    BlogPost(String),
}

impl Container {
    /// The v2 collection: `pages` or `blogposts`.
    pub fn v2_collection(&self) -> &'static str {
        match self {
            Self::Page(_) => "pages",
            Self::BlogPost(_) => "blogposts",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Self::Page(id) | Self::BlogPost(id) => id,
        }
    }
}

impl std::fmt::Display for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Page(id) => write!(f, "page {id}"),
            Self::BlogPost(id) => write!(f, "blog post {id}"),
        }
    }
}
