//! Groups (v1). Group ids differ between sites: match groups by name.

use serde::Deserialize;

use super::id;

/// A group of a site.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Group {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}
