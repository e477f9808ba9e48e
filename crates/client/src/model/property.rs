//! Content properties (v2): JSON values stored on pages and blog posts by key. confcopy also
//! uses one to mark what it created, so re-runs recognise it.

use serde::{Deserialize, Serialize};

use super::content::Version;
use super::id;

/// A content property.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContentProperty {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub key: String,
    #[serde(default)]
    pub value: serde_json::Value,
    pub version: Option<Version>,
}

/// What `create_*_property` sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewContentProperty {
    pub key: String,
    pub value: serde_json::Value,
}

/// Anything that holds v2 properties: `/{collection}/{id}/properties`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyHolder {
    Space(String),
    Page(String),
    BlogPost(String),
    Folder(String),
    Comment(String),
    Attachment(String),
}

impl PropertyHolder {
    /// The v2 collection the holder's properties live under.
    pub fn v2_collection(&self) -> &'static str {
        match self {
            Self::Space(_) => "spaces",
            Self::Page(_) => "pages",
            Self::BlogPost(_) => "blogposts",
            Self::Folder(_) => "folders",
            Self::Comment(_) => "comments",
            Self::Attachment(_) => "attachments",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Self::Space(id)
            | Self::Page(id)
            | Self::BlogPost(id)
            | Self::Folder(id)
            | Self::Comment(id)
            | Self::Attachment(id) => id,
        }
    }
}

impl std::fmt::Display for PropertyHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Self::Space(_) => "space",
            Self::Page(_) => "page",
            Self::BlogPost(_) => "blog post",
            Self::Folder(_) => "folder",
            Self::Comment(_) => "comment",
            Self::Attachment(_) => "attachment",
        };
        write!(f, "{kind} {}", self.id())
    }
}
