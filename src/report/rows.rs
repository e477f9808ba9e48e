//! The rows of the reports, derived from the graph's outcomes: every user, group and space
//! gets exactly one final status, and a reason when it is not a plain success.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::graph::NodeKind;
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

/// How many reasons a space's detail names before "and N more".
const REASONS: usize = 5;

/// What a space's detail says of its items that were not copied: the first few reasons, and how
/// many there were in all.
#[derive(Debug, Default)]
struct Reasons {
    first: Vec<String>,
    count: usize,
}

impl Reasons {
    fn push(&mut self, reason: impl FnOnce() -> String) {
        if self.first.len() < REASONS {
            self.first.push(reason());
        }
        self.count += 1;
    }

    fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn text(&self) -> String {
        let mut text = self.first.join("; ");
        if self.count > self.first.len() {
            text.push_str(&format!("; and {} more", self.count - self.first.len()));
        }
        text
    }
}

/// The rows of a run, gathered node by node as the stages end (nothing of a stage's graph is
/// kept), and written out once at the end by [`RowsBuilder::finish`].
#[derive(Debug)]
pub struct RowsBuilder {
    users: BTreeMap<String, Outcome>,
    memberships: BTreeMap<String, Vec<(String, Outcome)>>,
    groups: BTreeMap<String, Outcome>,
    spaces: Vec<SpaceRow>,
    space_node: Vec<Option<Outcome>>,
    space_problems: Vec<Reasons>,
    space_left_out: Vec<Reasons>,
    /// Every node's outcome, counted.
    pub tally: Tally,
}

impl RowsBuilder {
    pub fn new(snapshot: &Snapshot) -> RowsBuilder {
        let spaces = snapshot
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
        let n = snapshot.spaces.len();
        RowsBuilder {
            users: BTreeMap::new(),
            memberships: BTreeMap::new(),
            groups: BTreeMap::new(),
            spaces,
            space_node: vec![None; n],
            space_problems: (0..n).map(|_| Reasons::default()).collect(),
            space_left_out: (0..n).map(|_| Reasons::default()).collect(),
            tally: Tally::default(),
        }
    }

    /// Counts one node's outcome.
    pub fn add(&mut self, kind: &NodeKind, outcome: &Outcome, snapshot: &Snapshot) {
        self.tally.add(outcome.settled());
        let label = || crate::graph::label(kind, snapshot);
        match kind {
            NodeKind::User { account_id } => {
                self.users.insert(account_id.clone(), outcome.clone());
            }
            NodeKind::Group { name } => {
                self.groups.insert(name.clone(), outcome.clone());
            }
            NodeKind::Membership { group, account_id } => {
                self.memberships
                    .entry(account_id.clone())
                    .or_default()
                    .push((group.clone(), outcome.clone()));
            }
            NodeKind::Space { space } => self.space_node[*space] = Some(outcome.clone()),
            NodeKind::Page { space, page }
                if snapshot.spaces[*space].pages[*page].kind == crate::snapshot::ContentType::Folder =>
            {
                self.spaces[*space].settings.add(outcome.settled())
            }
            NodeKind::Page { space, .. } => self.spaces[*space].pages.add(outcome.settled()),
            NodeKind::BlogPost { space, .. } => self.spaces[*space].blog_posts.add(outcome.settled()),
            NodeKind::Attachment { space, .. } => self.spaces[*space].attachments.add(outcome.settled()),
            NodeKind::Comment { space, .. } => self.spaces[*space].comments.add(outcome.settled()),
            NodeKind::SpacePermissions { space }
            | NodeKind::Labels { space, .. }
            | NodeKind::Restrictions { space, .. }
            | NodeKind::Order { space }
            | NodeKind::FixUp { space } => self.spaces[*space].settings.add(outcome.settled()),
        }
        let space = match kind {
            NodeKind::Space { .. } => None,
            other => other.space(),
        };
        let Some(space) = space else { return };
        if let Outcome::Failed { reason } | Outcome::Blocked { reason } = outcome {
            self.space_problems[space].push(|| format!("{}: {reason}", label()));
        }
        // What a permissions or restrictions node left out (`users.scope = "none"`).
        if let Outcome::Copied { detail: Some(detail) } = outcome
            && let Some(at) = detail.find(crate::run::LEFT_OUT)
        {
            self.space_left_out[space]
                .push(|| format!("{}: {}", label(), &detail[at + crate::run::LEFT_OUT.len()..]));
        }
    }

    /// The rows. `group_ids`: destination group ids by lower-case name, as the run found or
    /// created them.
    pub fn finish(
        self,
        inventory: &Inventory,
        group_ids: &std::collections::HashMap<String, String>,
    ) -> Rows {
        let RowsBuilder {
            users: user_outcome,
            memberships,
            groups: group_outcome,
            mut spaces,
            space_node,
            space_problems,
            space_left_out,
            tally: _,
        } = self;
        for (i, row) in spaces.iter_mut().enumerate() {
            let parts = [row.pages, row.blog_posts, row.attachments, row.comments, row.settings];
            let failed: u64 = parts.iter().map(|t| t.failed).sum();
            let done: u64 = parts.iter().map(|t| t.copied + t.skipped).sum();
            let mut detail = Vec::new();
            row.status = match &space_node[i] {
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
            if let Some(Outcome::Copied { detail: Some(d) }) = &space_node[i] {
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
                detail.push(format!("{} item(s) not copied: {}", failed, space_problems[i].text()));
            }
            if !space_left_out[i].is_empty() {
                detail.push(format!(
                    "users.scope = \"none\": {} setting(s) carried without what the destination lacks ({})",
                    space_left_out[i].count,
                    space_left_out[i].text()
                ));
            }
            detail.push(NOT_COPYABLE.into());
            row.detail = detail.join(" | ");
        }

        let users = inventory
            .users
            .values()
            .map(|user| {
                let outcome = user_outcome.get(user.account_id.as_str());
                let failed: Vec<String> = memberships
                    .get(user.account_id.as_str())
                    .into_iter()
                    .flatten()
                    .filter(|(_, o)| !o.unblocks())
                    .map(|(group, o)| {
                        format!("membership in \"{group}\": {}", o.detail().unwrap_or("failed"))
                    })
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
                    destination_group_id: group_ids
                        .get(&group.name.to_lowercase())
                        .cloned()
                        .unwrap_or_default(),
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
}
