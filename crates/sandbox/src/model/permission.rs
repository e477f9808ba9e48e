//! Space permissions: a principal allowed one operation on one target type.

use serde::{Deserialize, Serialize};

/// Who a permission is granted to. Anonymous access is the role `ANONYMOUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    User,
    Group,
    Role,
}

impl PrincipalType {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "user",
            PrincipalType::Group => "group",
            PrincipalType::Role => "role",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    #[serde(rename = "type")]
    pub kind: PrincipalType,
    /// Account id, group id, or role name (`ANONYMOUS`).
    pub id: String,
}

/// The role id standing for anonymous (public) access.
pub const ANONYMOUS_ROLE: &str = "ANONYMOUS";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpacePermission {
    pub id: u64,
    pub principal: Principal,
    /// `read`, `create`, `delete`, `administer`, `export`, `archive`, ...
    pub operation: String,
    /// `space`, `page`, `blogpost`, `comment`, `attachment`.
    pub target: String,
}
