//! An Atlassian organization: owns sites, has admins and API keys for the admin API.

use serde::{Deserialize, Serialize};

/// An organization in Atlassian Administration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Organization {
    /// Organization id as used in `/admin/v1/orgs/{orgId}`.
    pub id: String,
    pub name: String,
    /// Account ids of organization admins.
    pub admins: Vec<String>,
    /// Bearer API keys accepted by the admin API of this organization.
    pub api_keys: Vec<String>,
}
