//! Page restrictions: who may read or update, by user or group.

use serde::{Deserialize, Serialize};

/// One operation's restriction. Empty lists mean "not restricted".
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Restriction {
    pub users: Vec<String>,
    /// Group ids.
    pub groups: Vec<String>,
}

impl Restriction {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Restrictions {
    pub read: Restriction,
    pub update: Restriction,
}
