//! Page restrictions (v1 `/content/{id}/restriction`).

use serde::{Deserialize, Serialize};

use super::group::Group;
use super::user::User;

/// Restrictions of one operation (`read`, `update`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OperationRestrictions {
    pub operation: String,
    #[serde(default)]
    pub restrictions: Restricted,
}

/// The users and groups an operation is restricted to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Restricted {
    #[serde(default)]
    pub user: Option<Listed<User>>,
    #[serde(default)]
    pub group: Option<Listed<Group>>,
}

impl Restricted {
    pub fn users(&self) -> &[User] {
        self.user.as_ref().map_or(&[], |l| l.results.as_slice())
    }

    pub fn groups(&self) -> &[Group] {
        self.group.as_ref().map_or(&[], |l| l.results.as_slice())
    }
}

/// A v1 embedded list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Listed<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
}

/// The v1 answer: restrictions per operation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContentRestrictions {
    #[serde(default)]
    pub results: Vec<OperationRestrictions>,
}

/// What `set_restrictions` sends for one operation. Groups are named by id on the destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestrictionUpdate {
    pub operation: String,
    pub restrictions: RestrictionSubjects,
}

/// Users by account id and groups by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RestrictionSubjects {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user: Vec<RestrictedUser>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<RestrictedGroup>,
}

/// `{type: "known", accountId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestrictedUser {
    #[serde(rename = "type")]
    pub kind: String,
    pub account_id: String,
}

impl RestrictedUser {
    pub fn new(account_id: impl Into<String>) -> Self {
        Self { kind: "known".into(), account_id: account_id.into() }
    }
}

/// `{type: "group", id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestrictedGroup {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

impl RestrictedGroup {
    pub fn new(id: impl Into<String>) -> Self {
        Self { kind: "group".into(), id: id.into() }
    }
}
