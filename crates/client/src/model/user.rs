//! Users: v1 `/user/current`, v1 group members, v2 `/users-bulk`.

use serde::{Deserialize, Serialize};

/// A Confluence user as the site sees it. `account_id` identifies the same Atlassian account on
/// every site.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub account_id: String,
    /// `atlassian`, `app` or `customer`.
    pub account_type: Option<String>,
    /// `active`, `inactive`, `closed` (v2) or `unknown`.
    pub account_status: Option<String>,
    pub email: Option<String>,
    pub public_name: Option<String>,
    pub display_name: Option<String>,
    /// v1 `type`: `known`, `unknown`, `anonymous`, `user`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}
