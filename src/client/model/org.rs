//! The organization admin API (`api.atlassian.com/admin`).

use serde::Deserialize;

/// A user of an organization (`GET /v1/orgs/{orgId}/users`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrgUser {
    pub account_id: String,
    pub account_type: Option<String>,
    /// `active`, `inactive`, `closed`.
    pub account_status: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub product_access: Vec<ProductAccess>,
}

/// A product a user can use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductAccess {
    pub key: Option<String>,
    pub name: Option<String>,
    pub url: Option<String>,
    pub last_active: Option<String>,
}

/// The answer to creating a group in the organization directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedOrgGroup {
    pub group_id: Option<String>,
    pub message: Option<String>,
}

/// A workspace (product instance) of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Workspace {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub attributes: Option<WorkspaceAttributes>,
}

/// What a workspace is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceAttributes {
    pub name: Option<String>,
    /// `confluence`, `jira-software`, ...
    #[serde(rename = "type")]
    pub product: Option<String>,
    pub host_url: Option<String>,
    pub status: Option<String>,
}
