//! `user-email-missing` and `user-email-shared`: users who cannot be told apart or invited by email.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::{AccountStatus, Inventory};
use crate::plan::Plan;

fn names(list: &[&str]) -> String {
    const SHOWN: usize = 8;
    let mut text = list.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if list.len() > SHOWN {
        text.push_str(&format!(" and {} more", list.len() - SHOWN));
    }
    text
}

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    let span = plan.users.scope.span.clone();
    let mut findings = Vec::new();
    let people = inventory.users.values().filter(|u| u.status != AccountStatus::Former);
    let missing: Vec<&str> = people
        .clone()
        .filter(|u| u.email.as_deref().is_none_or(|e| e.trim().is_empty()))
        .map(|u| u.display_name.as_str())
        .collect();
    if !missing.is_empty() {
        findings.push(
            Diagnostic::new(
                Code::UserEmailMissing,
                format!(
                    "{} in scope {} no usable email: {}",
                    count(missing.len()),
                    if missing.len() == 1 { "has" } else { "have" },
                    names(&missing)
                ),
            )
            .label(span.clone(), "these users are in the plan's scope")
            .help("their content is still linked to their accounts; invite them on the destination by hand"),
        );
    }
    let mut by_email: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for user in people {
        if let Some(email) = user.email.as_deref().filter(|e| !e.trim().is_empty()) {
            by_email.entry(email.trim().to_lowercase()).or_default().push(&user.display_name);
        }
    }
    for (email, holders) in by_email.into_iter().filter(|(_, h)| h.len() > 1) {
        findings.push(
            Diagnostic::new(
                Code::UserEmailShared,
                format!("{} share the email {email}: {}", count(holders.len()), names(&holders)),
            )
            .label(span.clone(), "these users are in the plan's scope")
            .help(
                "review these accounts before copying; invitations and notifications cannot tell them apart",
            ),
        );
    }
    findings
}

fn count(n: usize) -> String {
    if n == 1 { "1 user".into() } else { format!("{n} users") }
}
