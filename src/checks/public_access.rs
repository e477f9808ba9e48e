//! `space-public-access`: a selected space is open to anonymous users; its copy will be too.

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::Inventory;
use crate::plan::Plan;

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (selection, space) in plan.spaces.iter().zip(&inventory.spaces) {
        let Some(space) = space else { continue };
        if space.anonymous.is_empty() {
            continue;
        }
        findings.push(
            Diagnostic::new(
                Code::SpacePublicAccess,
                format!(
                    "\"{}\" ({}) is open to anonymous users ({}); its copy will be public too",
                    space.name,
                    space.key,
                    space.anonymous.join(", ")
                ),
            )
            .label(selection.source_key.span.clone(), "anonymous access is copied as it is")
            .help("make sure the destination should publish this space, or remove anonymous access on the source first"),
        );
    }
    findings
}
