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

/// An organization the admin key belongs to (`GET /v1/orgs`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Org {
    pub id: String,
    pub attributes: Option<OrgAttributes>,
}

/// What an organization is called.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrgAttributes {
    pub name: Option<String>,
}

/// A group of the organization's directory, with the site it belongs to when known.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrgGroup {
    pub id: String,
    pub name: String,
    /// The site name (`acme` for acme.atlassian.net), when the directory is per site.
    pub site: Option<String>,
    pub cloud_id: Option<String>,
    pub member_count: Option<u64>,
    /// Whether membership grants product access (and counts towards the licence).
    pub grants_access: Option<bool>,
}

/// A member of an organization group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrgGroupMember {
    pub account_id: String,
}
