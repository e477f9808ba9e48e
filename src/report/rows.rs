//! The rows of the reports, derived from the graph's outcomes: every user, group and space
//! gets exactly one final status, and a reason when it is not a plain success.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::graph::{Graph, NodeKind};
use crate::inventory::Inventory;
use crate::run::Outcome;
use crate::snapshot::Snapshot;
pub use crate::state::Tally;

use super::status::Status;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub account_id: String,
    pub display_name: String,
    pub email: String,
    pub account_status: String,
    pub included_because: String,
    pub groups: String,
    pub status: Status,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    pub group_name: String,
    pub source_group_id: String,
    pub destination_group_id: String,
    pub action: String,
    pub members_in_source: u64,
    pub members_added: u64,
    pub status: Status,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpaceRow {
    pub space_key: String,
    pub destination_key: String,
    pub space_name: String,
    pub pages: Tally,
    pub blog_posts: Tally,
    pub attachments: Tally,
    pub comments: Tally,
    /// What the credentials could not read, and so could not copy (not in the tallies).
    pub pages_unreadable: u64,
    pub blog_posts_unreadable: u64,
    pub attachments_unreadable: u64,
    /// Permissions, labels, restrictions and the fix-up pass.
    pub settings: Tally,
    pub status: Status,
    pub detail: String,
}

/// All rows of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rows {
    pub users: Vec<UserRow>,
    pub groups: Vec<GroupRow>,
    pub spaces: Vec<SpaceRow>,
}

/// What the API cannot copy, listed in every space's detail rather than dropped silently.
pub const NOT_COPYABLE: &str = "not copyable through the API: page and blog post authors and creation dates, \
comment authors and dates, likes, app data";

fn first_reasons<'a>(reasons: impl Iterator<Item = &'a str>, limit: usize) -> String {
    let all: Vec<&str> = reasons.collect();
    let mut text = all.iter().take(limit).copied().collect::<Vec<_>>().join("; ");
    if all.len() > limit {
        text.push_str(&format!("; and {} more", all.len() - limit));
    }
    text
}

/// A user's row when `users.scope = "none"` copies no one: present when the destination has the
/// account, else skipped with what that costs.
fn not_copied_user(inventory: &Inventory, account_id: &str) -> (Status, String) {
    if inventory.destination_knows(account_id) {
        (
            Status::AlreadyPresent,
            "users.scope = \"none\": not copied; the destination has this account".into(),
        )
    } else {
        (
            Status::Skipped,
            "users.scope = \"none\": not copied, and the destination does not have this account: left out of \
             permissions and restrictions; mentions of it are unresolved (references.csv)"
                .into(),
        )
    }
}

/// A group's row when `users.scope = "none"` copies no group.
fn not_copied_group(inventory: &Inventory, name: &str) -> (Status, String) {
    if inventory.destination_has_group(name) {
        (
            Status::AlreadyPresent,
            "users.scope = \"none\": not copied; permissions and restrictions name the destination's group of this name".into(),
        )
    } else {
        (
            Status::Skipped,
            "users.scope = \"none\": not copied, and the destination has no group of this name: its permissions and \
             restrictions were left out"
                .into(),
        )
    }
}

/// `group_ids`: destination group ids by lower-case name, as the run found or created them.
pub fn rows(
    graph: &Graph,
    outcomes: &[Outcome],
    inventory: &Inventory,
    snapshot: &Snapshot,
    group_ids: &std::collections::HashMap<String, String>,
) -> Rows {
    let mut user_outcome: BTreeMap<&str, &Outcome> = BTreeMap::new();
    let mut memberships: BTreeMap<&str, Vec<(&str, &Outcome)>> = BTreeMap::new();
    let mut group_outcome: BTreeMap<&str, &Outcome> = BTreeMap::new();
    let mut spaces: Vec<SpaceRow> = snapshot
        .spaces
        .iter()
        .map(|s| SpaceRow {
            space_key: s.key.clone(),
            destination_key: s.destination_key.clone(),
            space_name: s.name.clone(),
            pages: Tally::default(),
            blog_posts: Tally::default(),
            attachments: Tally::default(),
            comments: Tally::default(),
            pages_unreadable: 0,
            blog_posts_unreadable: 0,
            attachments_unreadable: 0,
            settings: Tally::default(),
            status: Status::Copied,
            detail: String::new(),
        })
        .collect();
    let mut space_node: Vec<Option<&Outcome>> = vec![None; snapshot.spaces.len()];
    let mut space_problems: Vec<Vec<String>> = vec![Vec::new(); snapshot.spaces.len()];
    let mut space_left_out: Vec<Vec<String>> = vec![Vec::new(); snapshot.spaces.len()];
    for (node, outcome) in graph.nodes.iter().zip(outcomes) {
        let problem = |what: String| match outcome {
            Outcome::Failed { reason } | Outcome::Blocked { reason } => Some(format!("{what}: {reason}")),
            _ => None,
        };
        let label = || crate::graph::label(&node.kind, snapshot);
        match &node.kind {
            NodeKind::User { account_id } => {
                user_outcome.insert(account_id, outcome);
            }
            NodeKind::Group { name } => {
                group_outcome.insert(name, outcome);
            }
            NodeKind::Membership { group, account_id } => {
                memberships.entry(account_id).or_default().push((group, outcome));
            }
            NodeKind::Space { space } => space_node[*space] = Some(outcome),
            NodeKind::Page { space, page }
                if snapshot.spaces[*space].pages[*page].kind == crate::snapshot::ContentType::Folder =>
            {
                spaces[*space].settings.add(outcome.settled())
            }
            NodeKind::Page { space, .. } => spaces[*space].pages.add(outcome.settled()),
            NodeKind::BlogPost { space, .. } => spaces[*space].blog_posts.add(outcome.settled()),
            NodeKind::Attachment { space, .. } => spaces[*space].attachments.add(outcome.settled()),
            NodeKind::Comment { space, .. } => spaces[*space].comments.add(outcome.settled()),
            NodeKind::SpacePermissions { space }
            | NodeKind::Labels { space, .. }
            | NodeKind::Restrictions { space, .. }
            | NodeKind::FixUp { space } => spaces[*space].settings.add(outcome.settled()),
        }
        let space = match &node.kind {
            NodeKind::Page { space, .. }
            | NodeKind::BlogPost { space, .. }
            | NodeKind::Attachment { space, .. }
            | NodeKind::Comment { space, .. }
            | NodeKind::SpacePermissions { space }
            | NodeKind::Labels { space, .. }
            | NodeKind::Restrictions { space, .. }
            | NodeKind::FixUp { space } => Some(*space),
            _ => None,
        };
        if let (Some(space), Some(problem)) = (space, problem(label())) {
            space_problems[space].push(problem);
        }
        // What a permissions or restrictions node left out (`users.scope = "none"`).
        if let (Some(space), Outcome::Copied { detail: Some(detail) }) = (space, outcome)
            && let Some(at) = detail.find(crate::run::LEFT_OUT)
        {
            space_left_out[space].push(format!(
                "{}: {}",
                label(),
                &detail[at + crate::run::LEFT_OUT.len()..]
            ));
        }
    }
    for (i, row) in spaces.iter_mut().enumerate() {
        let parts = [row.pages, row.blog_posts, row.attachments, row.comments, row.settings];
        let failed: u64 = parts.iter().map(|t| t.failed).sum();
        let done: u64 = parts.iter().map(|t| t.copied + t.skipped).sum();
        let mut detail = Vec::new();
        row.status = match space_node[i] {
            Some(Outcome::Failed { reason }) | Some(Outcome::Blocked { reason }) => {
                detail.push(format!("the space was not created: {reason}"));
                Status::Failed
            }
            Some(Outcome::Present { detail: d }) => {
                detail.push(d.clone());
                if failed > 0 { Status::Incomplete } else { Status::AlreadyPresent }
            }
            _ if failed > 0 && done == 0 => Status::Failed,
            _ if failed > 0 => Status::Incomplete,
            _ => Status::Copied,
        };
        if let Some(Outcome::Copied { detail: Some(d) }) = space_node[i] {
            detail.push(d.clone());
        }
        if let Some(space) = inventory.spaces.iter().flatten().find(|s| s.key == row.space_key) {
            row.pages_unreadable = space.unreadable_pages;
            row.blog_posts_unreadable = space.unreadable_blog_posts;
            row.attachments_unreadable = space.unreadable_attachments;
            if let Some(unread) = space.unreadable() {
                detail.push(format!(
                    "{unread} could not be read with these credentials and were not copied (content-unreadable)"
                ));
            }
        }
        if !space_problems[i].is_empty() {
            detail.push(format!(
                "{} item(s) not copied: {}",
                failed,
                first_reasons(space_problems[i].iter().map(String::as_str), 5)
            ));
        }
        if !space_left_out[i].is_empty() {
            detail.push(format!(
                "users.scope = \"none\": {} setting(s) carried without what the destination lacks ({})",
                space_left_out[i].len(),
                first_reasons(space_left_out[i].iter().map(String::as_str), 5)
            ));
        }
        detail.push(NOT_COPYABLE.into());
        row.detail = detail.join(" | ");
    }

    let users = inventory
        .users
        .values()
        .map(|user| {
            let outcome = user_outcome.get(user.account_id.as_str()).copied();
            let failed: Vec<String> = memberships
                .get(user.account_id.as_str())
                .into_iter()
                .flatten()
                .filter(|(_, o)| !o.unblocks())
                .map(|(group, o)| format!("membership in \"{group}\": {}", o.detail().unwrap_or("failed")))
                .collect();
            let (status, detail) = match outcome {
                _ if !failed.is_empty() => (Status::Failed, failed.join("; ")),
                Some(o) => (Status::of(o), o.detail().unwrap_or("").to_string()),
                None if !inventory.copies_people() => not_copied_user(inventory, &user.account_id),
                None => (Status::NotCopied, "not in the run".to_string()),
            };
            UserRow {
                account_id: user.account_id.clone(),
                display_name: user.display_name.clone(),
                email: user.email.clone().unwrap_or_default(),
                account_status: user.status.as_str().into(),
                included_because: user.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
                groups: user.groups.iter().cloned().collect::<Vec<_>>().join(", "),
                status,
                detail,
            }
        })
        .collect();

    let groups = inventory
        .groups
        .values()
        .map(|group| {
            let (status, detail) = match group_outcome.get(group.name.as_str()) {
                Some(o) => (Status::of(o), o.detail().unwrap_or("").to_string()),
                None if !inventory.copies_people() => not_copied_group(inventory, &group.name),
                None => (Status::NotCopied, "not in the run".to_string()),
            };
            let merged = inventory.destination_groups.contains_key(&group.name.to_lowercase());
            let members_added = memberships
                .values()
                .flatten()
                .filter(|(g, o)| *g == group.name && matches!(o, Outcome::Copied { .. }))
                .count() as u64;
            GroupRow {
                group_name: group.name.clone(),
                source_group_id: group.id.clone(),
                destination_group_id: group_ids.get(&group.name.to_lowercase()).cloned().unwrap_or_default(),
                action: if !inventory.copies_people() {
                    "none".into()
                } else if merged {
                    "merged".into()
                } else {
                    "created".into()
                },
                members_in_source: group.members.len() as u64,
                members_added,
                status,
                detail,
            }
        })
        .collect();
    Rows { users, groups, spaces }
}
