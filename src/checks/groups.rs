//! `group-name-conflict`: with memberships kept, source groups merge into same-name destination
//! groups — and people gain access they did not have. Show who, before anything is copied.

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::Inventory;
use crate::plan::{Memberships, Plan};

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    if plan.users.memberships.value != Memberships::WithGroups {
        return Vec::new();
    }
    let name_of = |id: &String| {
        inventory
            .users
            .get(id)
            .map(|u| u.display_name.clone())
            .or_else(|| inventory.destination_names.get(id).cloned())
            .unwrap_or_else(|| id.clone())
    };
    let mut findings = Vec::new();
    for group in inventory.groups.values() {
        let Some(existing) = inventory.destination_groups.get(&group.name.to_lowercase()) else { continue };
        let newcomers: Vec<String> = existing.members.difference(&group.members).map(name_of).collect();
        let joiners: Vec<String> = group.members.difference(&existing.members).map(name_of).collect();
        let mut message =
            format!("the group \"{}\" exists on the destination and will be merged", group.name);
        if !newcomers.is_empty() {
            message.push_str(&format!(
                "; {} gain{} the source group's access to the copied spaces",
                newcomers.join(", "),
                if newcomers.len() == 1 { "s" } else { "" }
            ));
        }
        if !joiners.is_empty() {
            message.push_str(&format!(
                "; {} gain{} what \"{}\" already grants on the destination",
                joiners.join(", "),
                if joiners.len() == 1 { "s" } else { "" },
                existing.name
            ));
        }
        findings.push(
            Diagnostic::new(Code::GroupNameConflict, message)
                .label(plan.users.memberships.span.clone(), "memberships are kept, so same-name groups merge")
                .help("review who gains access; rename the group on one site first, or use memberships = \"separately\""),
        );
    }
    findings
}
