//! `free-plan-user-limit`: a destination on Confluence Free allows 10 users; users copied with
//! their groups get access and count towards that limit.

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::{AccountStatus, Inventory};
use crate::plan::{Memberships, Plan};

/// The Free plan's user limit.
pub const FREE_PLAN_USERS: u64 = 10;

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    if plan.users.memberships.value != Memberships::WithGroups {
        return Vec::new();
    }
    let destination = &inventory.destination;
    let free = destination.plan.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("free"));
    let limit = match (free, destination.capacity) {
        (true, capacity) => capacity.unwrap_or(FREE_PLAN_USERS).min(FREE_PLAN_USERS),
        (false, Some(capacity)) => capacity,
        (false, None) => return Vec::new(),
    };
    let new_users = inventory
        .users
        .values()
        .filter(|u| {
            u.status == AccountStatus::Active && !inventory.destination_licensed.contains(&u.account_id)
        })
        .count() as u64;
    let current = destination.usage.unwrap_or(inventory.destination_licensed.len() as u64);
    let total = current + new_users;
    if total <= limit {
        return Vec::new();
    }
    let what = if free { "the Free plan".to_string() } else { "the destination's plan".to_string() };
    vec![
        Diagnostic::new(
            Code::FreePlanUserLimit,
            format!(
                "copying users with their groups would give {total} users access to {}, over {what}'s limit of {limit} ({current} already, {new_users} from this plan)",
                destination.label
            ),
        )
        .label(plan.users.memberships.span.clone(), "memberships give product access and count towards the licence")
        .label(plan.destination.span.clone(), format!("on {what}"))
        .help("use memberships = \"separately\" (no access is granted, no licence used), or upgrade the destination's plan"),
    ]
}
