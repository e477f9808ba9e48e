//! Spaces and their permissions.

use serde::{Deserialize, Serialize};

use super::id;

/// A space (v2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Space {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub key: String,
    pub name: String,
    /// `global`, `personal`, `collaboration`, `knowledge_base`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `current` or `archived`.
    pub status: Option<String>,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub homepage_id: Option<String>,
    pub author_id: Option<String>,
    pub created_at: Option<String>,
    pub description: Option<SpaceDescription>,
}

/// A space description (`include-description` / `description-format`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SpaceDescription {
    pub plain: Option<super::content::Body>,
    pub view: Option<super::content::Body>,
}

/// A space created through v1 (`POST /wiki/rest/api/space`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreatedSpace {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub key: String,
    pub name: String,
    pub homepage: Option<CreatedHomepage>,
}

/// The homepage a new space comes with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreatedHomepage {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub title: Option<String>,
}

/// What `create_space` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSpace {
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    /// The permissions the space is created with. Empty: the site's default space permissions
    /// apply; otherwise the space has only these, so the creator's own belong among them.
    pub permissions: Vec<NewSpacePermission>,
}

/// One space permission (v2): a principal may do an operation on a target type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpacePermission {
    #[serde(default, deserialize_with = "id::opt_id")]
    pub id: Option<String>,
    pub principal: Principal,
    pub operation: PermissionOperation,
}

/// Who a permission names: `user` (account id), `group` (group id), `role`, or anonymous access.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Principal {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub id: Option<String>,
}

/// `{key: "read", targetType: "space"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionOperation {
    pub key: String,
    pub target_type: String,
}

/// A v1 permission grant (`POST /wiki/rest/api/space/{key}/permission`), one per call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSpacePermission {
    /// `user` (identifier = account id) or `group` (identifier = group name or id).
    pub subject_type: String,
    pub identifier: String,
    /// e.g. `read`, `create`, `delete`, `administer`, `export`, `restrict_content`.
    pub operation: String,
    /// e.g. `space`, `page`, `blogpost`, `comment`, `attachment`.
    pub target: String,
}
