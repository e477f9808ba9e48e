//! Groups, users and memberships.

use crate::inventory::AccountStatus;
use crate::plan::Memberships;
use crate::run::context::Copy;
use crate::run::outcome::Outcome;

/// Creates the group, or merges into the destination group of the same name.
pub async fn group(copy: &Copy, name: &str) -> Outcome {
    if let Some(existing) = copy.inventory.destination_groups.get(&name.to_lowercase()) {
        copy.map(|m| m.groups.insert(name.to_lowercase(), existing.id.clone()));
        return Outcome::Present {
            detail: format!("merged into the destination group \"{}\"", existing.name),
        };
    }
    if !copy.writes() {
        return Outcome::copied_with("would be created");
    }
    let source = crate::state::SourceRef::new(crate::state::EntityKind::Group, name.to_lowercase());
    let node = format!("group:{}", name.to_lowercase());
    if let Err(error) =
        copy.recorder.intent(&node, crate::state::WriteKind::CreateGroup, source.clone()).await
    {
        return Outcome::failed(error);
    }
    match create_group(copy, name).await {
        Ok(created) => {
            copy.recorder.result(&node, source, &created.id, None, None);
            copy.map(|m| m.groups.insert(name.to_lowercase(), created.id));
            Outcome::copied_with("created")
        }
        Err(error) => Outcome::failed(error.to_string()),
    }
}

/// How many times a group create whose answer was lost is sent (each time after looking for it).
const LOST_ANSWER_ATTEMPTS: u32 = 6;

/// Creates the group. A create whose answer was lost is looked for by the group's name (unique
/// on a site) before it is sent again.
async fn create_group(
    copy: &Copy,
    name: &str,
) -> Result<crate::client::model::group::Group, crate::client::ClientError> {
    use futures_util::TryStreamExt as _;
    let mut attempt = 1;
    loop {
        match copy.destination.create_group(name).await {
            Err(error) if error.is_outcome_unknown() && attempt < LOST_ANSWER_ATTEMPTS => {
                let mut groups = copy.destination.groups();
                loop {
                    match groups.try_next().await {
                        Ok(Some(group)) if group.name.eq_ignore_ascii_case(name) => return Ok(group),
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(_) => return Err(error),
                    }
                }
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Users are global Atlassian accounts: copying one links its content on the destination to the
/// same account. Nothing is created and nobody is emailed.
pub fn user(copy: &Copy, account_id: &str) -> Outcome {
    let Some(user) = copy.inventory.users.get(account_id) else {
        return Outcome::failed("the user is not in the plan's scope");
    };
    match (user.status, copy.memberships) {
        (AccountStatus::Former, _) => Outcome::Skipped {
            reason: "former user (closed account): recorded as \"Former user\"; content keeps pointing at the account".into(),
        },
        (AccountStatus::Inactive, _) => Outcome::copied_with("linked to the same Atlassian account; stays inactive (no memberships, no access)"),
        (AccountStatus::Active, Memberships::Separately) => {
            Outcome::copied_with("linked to the same Atlassian account; no group memberships, so no product access and no licence")
        }
        (AccountStatus::Active, Memberships::WithGroups) => {
            Outcome::copied_with("linked to the same Atlassian account; access through its group memberships")
        }
    }
}

/// Adds the user to the group on the destination.
pub async fn membership(copy: &Copy, group: &str, account_id: &str) -> Outcome {
    if copy
        .inventory
        .destination_groups
        .get(&group.to_lowercase())
        .is_some_and(|g| g.members.contains(account_id))
    {
        return Outcome::Present { detail: format!("already in \"{group}\" on the destination") };
    }
    if !copy.writes() {
        return Outcome::copied_with("would be added");
    }
    let Some(group_id) = copy.group_id(group) else {
        return Outcome::failed(format!("the destination group \"{group}\" is unknown"));
    };
    match copy.destination.add_group_member(&group_id, account_id).await {
        Ok(()) => Outcome::copied(),
        Err(error) => Outcome::failed(error.to_string()),
    }
}
