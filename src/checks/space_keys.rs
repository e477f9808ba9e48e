//! `space-not-found` and `space-key-conflict`: does each selected space exist on the source, and
//! is its destination key free on the destination — now and historically, ignoring case?

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::Inventory;
use crate::plan::Plan;
use crate::suggest::closest;

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (i, selection) in plan.spaces.iter().enumerate() {
        let key = &selection.source_key;
        if inventory.spaces.get(i).is_none_or(Option::is_none) {
            let mut d =
                Diagnostic::new(Code::SpaceNotFound, format!("the source has no space \"{}\"", key.value))
                    .label(key.span.clone(), "not on the source");
            d = match closest(&key.value, inventory.source_keys.iter().map(String::as_str)) {
                Some(near) => d.help(format!("did you mean \"{near}\"?")),
                None => d.help("check the key in the space's URL on the source site (/wiki/spaces/KEY/...)"),
            };
            findings.push(d);
            continue;
        }
        let Some(Some(taken)) = inventory.destination_conflicts.get(i) else { continue };
        if is_plans_space(plan, inventory, i) {
            // This plan (or another from the same source) made it: a later apply continues it.
            continue;
        }
        let wanted = &selection.destination_key;
        let message = if taken.key.eq_ignore_ascii_case(&wanted.value) {
            format!("the destination already has a space with the key \"{}\": \"{}\"", taken.key, taken.name)
        } else {
            format!(
                "the key \"{}\" is reserved on the destination: the space now keyed \"{}\" (\"{}\") used it before",
                wanted.value, taken.key, taken.name
            )
        };
        let help = if selection.renamed {
            "choose another destination key in `spaces.rename`".to_string()
        } else {
            format!("copy it under another key: add `rename = {{ {} = \"NEWKEY\" }}` to [spaces]", key.value)
        };
        findings.push(
            Diagnostic::new(Code::SpaceKeyConflict, message)
                .label(wanted.span.clone(), "this destination key is taken (keys are compared ignoring case)")
                .help(help),
        );
    }
    findings
}

/// Whether the destination space holding selection `i`'s key is the plan's own: its journal
/// says an earlier run created it, or [`is_own_copy`] says so.
pub fn is_plans_space(plan: &Plan, inventory: &Inventory, i: usize) -> bool {
    let known =
        inventory.destination_conflicts.get(i).is_some_and(|t| t.as_ref().is_some_and(|t| t.journal_knows));
    known || is_own_copy(plan, inventory, i)
}

/// Whether the destination space holding selection `i`'s key is the plan's own copy, not a
/// conflict: it carries confcopy's marker naming the selected source space of this plan's source
/// site — or it carries no marker, has the source space's name and holds nothing but its
/// homepage, as a space does whose run was stopped between creating and marking it.
pub fn is_own_copy(plan: &Plan, inventory: &Inventory, i: usize) -> bool {
    let (Some(Some(source)), Some(Some(taken))) =
        (inventory.spaces.get(i), inventory.destination_conflicts.get(i))
    else {
        return false;
    };
    let wanted = crate::state::SourceRef::new(crate::state::EntityKind::Space, &source.id);
    match &taken.origin {
        Some(origin) => origin.names(&plan.source.value.identity(), &wanted),
        None => {
            taken.bare
                && taken.name == source.name
                && taken.key.eq_ignore_ascii_case(&plan.spaces[i].destination_key.value)
        }
    }
}
