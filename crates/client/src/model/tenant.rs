//! `GET {site}/_edge/tenant_info`.

use serde::Deserialize;

/// The site's cloud id, needed for the `api.atlassian.com` gateway.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantInfo {
    pub cloud_id: String,
}
