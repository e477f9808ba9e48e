//! Everything the sandbox holds: organizations, global accounts and sites.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Account, AccountStatus, ListPositions, Organization, Site};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct World {
    pub orgs: Vec<Organization>,
    /// Accounts by account id; shared by every site.
    pub accounts: BTreeMap<String, Account>,
    pub sites: Vec<Site>,
    /// Where offset-paged lists ended since the last write; derived, never saved.
    #[serde(skip)]
    pub list_positions: ListPositions,
}

impl World {
    pub fn site_index(&self, name: &str) -> Option<usize> {
        self.sites.iter().position(|s| s.name == name)
    }

    /// The active account whose email and API token match (Basic auth).
    pub fn account_by_basic(&self, email: &str, token: &str) -> Option<&Account> {
        self.accounts.values().find(|a| {
            // The token first: most accounts hold none, so the case-blind e-mail comparison
            // runs for the token's owner only.
            a.api_tokens.iter().any(|t| t == token)
                && a.status == AccountStatus::Active
                && a.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// The active account owning this API token (bearer form through the gateway).
    pub fn account_by_token(&self, token: &str) -> Option<&Account> {
        self.accounts
            .values()
            .find(|a| a.status == AccountStatus::Active && a.api_tokens.iter().any(|t| t == token))
    }

    /// The organization whose API key this is.
    pub fn org_by_key(&self, key: &str) -> Option<&Organization> {
        self.orgs.iter().find(|o| o.api_keys.iter().any(|k| k == key))
    }
}
