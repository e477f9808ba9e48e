//! Spaces: key, name, description, type, status, labels, homepage, permissions, old keys.

use serde::{Deserialize, Serialize};

use super::{Label, Property, SpacePermission};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceType {
    Global,
    Personal,
}

impl SpaceType {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceType::Global => "global",
            SpaceType::Personal => "personal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceStatus {
    Current,
    Archived,
}

impl SpaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceStatus::Current => "current",
            SpaceStatus::Archived => "archived",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Space {
    pub id: u64,
    pub key: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: SpaceType,
    pub status: SpaceStatus,
    pub author_id: String,
    pub created_at: String,
    pub homepage_id: Option<u64>,
    pub labels: Vec<Label>,
    pub permissions: Vec<SpacePermission>,
    /// Keys this space used to have; they stay reserved for it.
    pub historical_keys: Vec<String>,
    pub properties: Vec<Property>,
}
