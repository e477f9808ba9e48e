//! Labels.

use serde::{Deserialize, Serialize};

use super::id;

/// A label (v2 lists; `prefix` is `global`, `my`, `team`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Label {
    #[serde(default, deserialize_with = "id::opt_id", skip_serializing)]
    pub id: Option<String>,
    pub name: String,
    pub prefix: Option<String>,
}
