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
    /// Related policies, entitlements and features; entitlements carry the product plan.
    #[serde(default)]
    pub relationships: Option<std::collections::BTreeMap<String, Vec<serde_json::Value>>>,
}

impl Workspace {
    /// The plan of the workspace's entitlement (`free`, `standard`, ...), when listed.
    pub fn plan(&self) -> Option<String> {
        self.relationships.as_ref()?.values().flatten().find_map(|item| {
            let attributes = item.get("attributes")?;
            attributes.get("plan").or_else(|| attributes.get("planKey"))?.as_str().map(str::to_lowercase)
        })
    }
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
    /// Licensed users now, and the most the plan allows.
    pub usage: Option<u64>,
    pub capacity: Option<u64>,
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
