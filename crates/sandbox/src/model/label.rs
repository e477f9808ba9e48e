//! Labels on spaces, pages, blog posts and attachments.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Label {
    pub id: u64,
    /// `global`, `my` or `team`.
    pub prefix: String,
    pub name: String,
}
