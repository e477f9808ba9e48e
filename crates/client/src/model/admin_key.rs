//! v2 `/admin-key`: only product admins get one.

use serde::Deserialize;

/// An admin key (its value is not needed by confcopy, only whether the caller may get one).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminKey {
    pub expiration_time: Option<String>,
}

impl std::fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminKey").field("expiration_time", &self.expiration_time).finish()
    }
}
