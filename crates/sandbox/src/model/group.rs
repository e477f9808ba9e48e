//! Groups of a site and their members.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Group id (differs between sites).
    pub id: String,
    pub name: String,
    /// Member account ids.
    pub members: BTreeSet<String>,
    /// Membership gives Confluence product access (like `confluence-users`).
    pub grants_access: bool,
}
