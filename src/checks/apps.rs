//! `apps-missing`: apps installed on the source but not on the destination (their data and
//! macros would break). Excludable.

use crate::diagnostic::{Code, Diagnostic};
use crate::inventory::Inventory;
use crate::plan::Plan;

pub fn check(plan: &Plan, inventory: &Inventory) -> Vec<Diagnostic> {
    let missing: Vec<_> = inventory
        .source
        .apps
        .iter()
        .filter(|app| !inventory.destination.apps.iter().any(|d| d.key == app.key))
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = missing.iter().map(|a| format!("{} ({})", a.name, a.key)).collect();
    vec![
        Diagnostic::new(
            Code::AppsMissing,
            format!(
                "{} installed on the source {} missing on the destination: {}",
                if missing.len() == 1 { "1 app" } else { "apps" },
                if missing.len() == 1 { "is" } else { "are" },
                names.join(", ")
            ),
        )
        .label(plan.destination.span.clone(), "macros and links of these apps will break here")
        .help(
            "install the apps on the destination first; app data is not copied. To copy anyway, add \
               `apps-missing = { severity = \"warning\", reason = \"...\" }` under [checks]",
        ),
    ]
}
