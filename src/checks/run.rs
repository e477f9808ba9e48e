//! Runs every check and applies the plan's `[checks]` overrides.

use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::Inventory;
use crate::plan::Plan;

/// Every finding of every check, in a stable order, overrides applied.
pub fn run(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    findings.extend(super::access::check(plan, inventory));
    // Without access to both sites, the other checks would only repeat that.
    if inventory.source.usable() && inventory.destination.usable() {
        findings.extend(super::space_keys::check(plan, inventory));
        findings.extend(super::apps::check(plan, inventory));
        if inventory.copies_people() {
            findings.extend(super::groups::check(plan, inventory));
        }
        findings.extend(super::public_access::check(plan, inventory));
        if inventory.copies_people() {
            findings.extend(super::free_plan::check(plan, inventory));
            findings.extend(super::emails::check(plan, inventory));
        }
        findings.extend(super::carry::check(plan, inventory));
        findings.extend(super::unreadable::check(plan, inventory));
    }
    findings.into_iter().map(|d| apply_override(plan, d)).collect()
}

/// An excludable error that the plan downgrades becomes a warning that shows the reason.
fn apply_override(plan: &Plan, mut diagnostic: Diagnostic) -> Diagnostic {
    let Some(exception) = plan.check_override(diagnostic.code) else { return diagnostic };
    if diagnostic.severity == Severity::Error && diagnostic.code.info().excludable {
        diagnostic.severity = Severity::Warning;
        diagnostic.message =
            format!("{} (downgraded by the plan: {})", diagnostic.message, exception.reason.value);
        diagnostic.labels.push(crate::diagnostic::Label {
            span: exception.code.span.clone(),
            message: "downgraded to a warning here".into(),
        });
    }
    diagnostic
}
