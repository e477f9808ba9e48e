//! What apply would do, in numbers: per space, per user reason and status, and per group action.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::inventory::{AccountStatus, Inventory, Reason, SpaceCounts};
use crate::plan::Plan;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceForecast {
    pub key: String,
    pub destination_key: String,
    pub counts: SpaceCounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    pub spaces: Vec<SpaceForecast>,
    /// Users counted once per reason they are in scope for (a user may have several).
    pub users_by_reason: BTreeMap<Reason, u64>,
    pub users_by_status: BTreeMap<AccountStatus, u64>,
    pub users: u64,
    pub groups_to_create: Vec<String>,
    pub groups_to_merge: Vec<String>,
    /// False with `users.scope = "none"`: no user or group is copied.
    pub copies_people: bool,
}

impl Forecast {
    pub fn new(plan: &Plan, inventory: &Inventory) -> Self {
        let spaces = plan
            .spaces
            .iter()
            .zip(&inventory.spaces)
            .filter_map(|(selection, space)| {
                space.as_ref().map(|space| SpaceForecast {
                    key: space.key.clone(),
                    destination_key: selection.destination_key.value.clone(),
                    counts: space.counts.clone(),
                })
            })
            .collect();
        let mut users_by_reason = BTreeMap::new();
        let mut users_by_status = BTreeMap::new();
        for user in inventory.users.values() {
            for reason in &user.reasons {
                *users_by_reason.entry(*reason).or_insert(0) += 1;
            }
            *users_by_status.entry(user.status).or_insert(0) += 1;
        }
        let (merge, create): (Vec<_>, Vec<_>) = inventory
            .groups
            .values()
            .map(|g| g.name.clone())
            .partition(|name| inventory.destination_groups.contains_key(&name.to_lowercase()));
        Forecast {
            spaces,
            users_by_reason,
            users_by_status,
            users: inventory.users.len() as u64,
            groups_to_create: create,
            groups_to_merge: merge,
            copies_people: inventory.copies_people(),
        }
    }

    pub fn to_json(&self) -> Value {
        let spaces: Vec<Value> = self
            .spaces
            .iter()
            .map(|s| {
                json!({
                    "key": s.key,
                    "destination_key": s.destination_key,
                    "pages": s.counts.pages,
                    "blog_posts": s.counts.blog_posts,
                    "attachments": s.counts.attachments,
                    "attachment_bytes": s.counts.attachment_bytes,
                    "comments": s.counts.comments,
                })
            })
            .collect();
        let by_reason: serde_json::Map<String, Value> = Reason::EVERY
            .iter()
            .map(|r| (r.as_str().replace(' ', "_"), json!(self.users_by_reason.get(r).copied().unwrap_or(0))))
            .collect();
        let by_status: serde_json::Map<String, Value> =
            [AccountStatus::Active, AccountStatus::Inactive, AccountStatus::Former]
                .iter()
                .map(|s| (s.as_str().to_string(), json!(self.users_by_status.get(s).copied().unwrap_or(0))))
                .collect();
        json!({
            "spaces": spaces,
            "users": { "total": self.users, "by_reason": by_reason, "by_status": by_status },
            "groups": { "create": self.groups_to_create, "merge": self.groups_to_merge },
            "users_copied": self.copies_people,
        })
    }

    /// A short plain-text table.
    pub fn to_text(&self) -> String {
        let mut out = String::from("Forecast\n");
        out.push_str(&format!(
            "  {:<12} {:<12} {:>7} {:>10} {:>11} {:>12} {:>9}\n",
            "space", "→ key", "pages", "blog posts", "attachments", "bytes", "comments"
        ));
        for s in &self.spaces {
            out.push_str(&format!(
                "  {:<12} {:<12} {:>7} {:>10} {:>11} {:>12} {:>9}\n",
                s.key,
                s.destination_key,
                s.counts.pages,
                s.counts.blog_posts,
                s.counts.attachments,
                s.counts.attachment_bytes,
                s.counts.comments
            ));
        }
        let reasons: Vec<String> = Reason::EVERY
            .iter()
            .filter_map(|r| self.users_by_reason.get(r).map(|n| format!("{} {n}", r.as_str())))
            .collect();
        let statuses: Vec<String> =
            self.users_by_status.iter().map(|(s, n)| format!("{} {n}", s.as_str())).collect();
        if !self.copies_people {
            out.push_str(&format!(
                "  users and groups: none copied (users.scope = \"none\"); the spaces name {} user(s) and {} group(s) ({} of the groups on the destination)\n",
                self.users,
                self.groups_to_create.len() + self.groups_to_merge.len(),
                self.groups_to_merge.len(),
            ));
            return out;
        }
        out.push_str(&format!(
            "  users: {} ({}); by reason: {}\n",
            self.users,
            statuses.join(", "),
            reasons.join(", ")
        ));
        out.push_str(&format!(
            "  groups: {} to create{}, {} to merge{}\n",
            self.groups_to_create.len(),
            list(&self.groups_to_create),
            self.groups_to_merge.len(),
            list(&self.groups_to_merge)
        ));
        out
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) }
}
