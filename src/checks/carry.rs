//! `people-not-on-destination`: with `users.scope = "none"` no user or group is copied, so a
//! permission, restriction or mention can name only what the destination already has. Whatever
//! names a group or an account it lacks is found here, on the `scope` line, before apply leaves
//! it out (and reports each in users.csv, groups.csv and spaces.csv).

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::{AccountStatus, Inventory, Reason, UserFacts};
use crate::plan::{Plan, UserScope};

/// Names shown in a message before "and N more".
const SHOWN: usize = 8;

fn listed(names: &[String]) -> String {
    let mut text = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

fn person(user: &UserFacts) -> String {
    match &user.email {
        Some(email) => format!("{} <{email}>", user.display_name),
        None => user.display_name.clone(),
    }
}

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    if plan.users.scope.value != UserScope::None || inventory.copies_people() {
        return Vec::new();
    }
    let span = plan.users.scope.span.clone();
    let mut findings = Vec::new();
    let groups: Vec<String> = inventory
        .groups
        .values()
        .filter(|g| !inventory.destination_has_group(&g.name))
        .map(|g| format!("\"{}\"", g.name))
        .collect();
    if !groups.is_empty() {
        findings.push(
            Diagnostic::new(
                Code::PeopleNotOnDestination,
                format!(
                    "{} named by space permissions or page restrictions {} not on the destination, and scope = \"none\" copies no group: {}",
                    if groups.len() == 1 { "1 group".to_string() } else { format!("{} groups", groups.len()) },
                    if groups.len() == 1 { "is" } else { "are" },
                    listed(&groups)
                ),
            )
            .label(span.clone(), "no users or groups are copied")
            .help(
                "create groups of the same names on the destination before applying (their permissions and restrictions then carry over), or copy them with scope = \"related\" and an organization API key; otherwise apply leaves those permissions and restrictions out (a read restriction left with no one keeps the copying account) and reports them",
            ),
        );
    }
    let lacking = |reasons: &[Reason]| -> Vec<String> {
        inventory
            .users
            .values()
            .filter(|u| u.status != AccountStatus::Former)
            .filter(|u| u.reasons.iter().any(|r| reasons.contains(r)))
            .filter(|u| !inventory.destination_knows(&u.account_id))
            .map(person)
            .collect()
    };
    let named = lacking(&[Reason::Permission, Reason::Restriction]);
    if !named.is_empty() {
        findings.push(
            Diagnostic::new(
                Code::PeopleNotOnDestination,
                format!(
                    "{} named by space permissions or page restrictions {} no access to the destination: {}",
                    users(named.len()),
                    if named.len() == 1 { "has" } else { "have" },
                    listed(&named)
                ),
            )
            .label(span.clone(), "no users are copied")
            .help(
                "give these accounts access to the destination (or put them in one of its groups) before applying; otherwise apply leaves them out of the permissions and restrictions and reports them in users.csv",
            ),
        );
    }
    let mentioned = lacking(&[Reason::Mentioned]);
    if !mentioned.is_empty() {
        findings.push(
            Diagnostic::new(
                Code::PeopleNotOnDestination,
                format!(
                    "{} mentioned in the copied content {} no access to the destination: {}",
                    users(mentioned.len()),
                    if mentioned.len() == 1 { "has" } else { "have" },
                    listed(&mentioned)
                ),
            )
            .label(span, "no users are copied")
            .help(
                "give these accounts access to the destination before applying; otherwise their mentions point at accounts the destination does not know, and references.csv lists each",
            ),
        );
    }
    findings
}

fn users(n: usize) -> String {
    if n == 1 { "1 user".to_string() } else { format!("{n} users") }
}
