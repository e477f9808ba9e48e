//! Content properties: JSON values under a key, versioned.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Property {
    pub id: u64,
    pub key: String,
    pub value: serde_json::Value,
    pub version: u32,
    pub created_at: String,
    pub author_id: String,
}
