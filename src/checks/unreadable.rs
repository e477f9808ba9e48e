//! `content-unreadable`: content in a selected space that the credentials cannot read stays behind.

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::Inventory;
use crate::plan::Plan;

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (selection, space) in plan.spaces.iter().zip(&inventory.spaces) {
        let Some(space) = space else { continue };
        let Some(unread) = space.unreadable() else { continue };
        findings.push(
            Diagnostic::new(
                Code::ContentUnreadable,
                format!(
                    "in \"{}\", {unread} cannot be read with these credentials and will not be copied",
                    space.key
                ),
            )
            .label(selection.source_key.span.clone(), "part of this space is restricted")
            .help("ask the owners to add the account to the page restrictions, or accept that this content stays behind"),
        );
    }
    findings
}
