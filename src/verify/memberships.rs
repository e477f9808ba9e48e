//! Group memberships per the plan's mode. With `with-groups`, every active user in scope is in
//! the destination group named like each of their source groups. With `separately` the copy adds
//! no membership; the sites cannot tell a membership the copy added from one that was there
//! before, so nothing is compared.

use super::difference::{Difference, Scope};
use crate::diagnostic::Code;
use crate::inventory::{AccountStatus, Inventory};
use crate::plan::Memberships;

/// Membership differences, from the inventory read now (after the copy).
pub fn compare(mode: Memberships, inventory: &Inventory) -> Vec<Difference> {
    if mode != Memberships::WithGroups {
        return Vec::new();
    }
    let mut out = Vec::new();
    for user in inventory.users.values().filter(|u| u.status == AccountStatus::Active) {
        for group in &user.groups {
            let member = inventory
                .destination_groups
                .get(&group.to_lowercase())
                .is_some_and(|g| g.members.contains(&user.account_id));
            if !member {
                out.push(Difference::new(
                    Scope::Memberships,
                    Code::VerifyMembershipMissing,
                    format!("{} ({}) in group {group}", user.display_name, user.account_id),
                    "member",
                    "not a member",
                ));
            }
        }
    }
    out
}
