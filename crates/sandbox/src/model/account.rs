//! Atlassian accounts: global across sites, identified by account id.

use serde::{Deserialize, Serialize};

/// Lifecycle state of an account; a closed account shows as "Former user".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Inactive,
    Closed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Inactive => "inactive",
            AccountStatus::Closed => "closed",
        }
    }
}

/// One Atlassian account. Site-specific facts (access, admin flags, groups) live on the site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub account_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub status: AccountStatus,
    /// Classic API tokens, usable as `email:token` Basic auth or as bearer tokens.
    pub api_tokens: Vec<String>,
}

impl Account {
    /// The name Confluence shows: closed accounts become "Former user".
    pub fn public_name(&self) -> &str {
        if self.status == AccountStatus::Closed { "Former user" } else { &self.display_name }
    }
}
