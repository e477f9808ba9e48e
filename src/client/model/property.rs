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
