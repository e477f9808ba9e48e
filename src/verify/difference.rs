//! One difference between what the source holds and what the destination holds.

use crate::diagnostic::{Code, Diagnostic};
use crate::plan::Plan;

/// Where in the plan a difference belongs: a selected space (its index in `plan.spaces`), or
/// the plan's membership mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Space(usize),
    Memberships,
}

/// A difference: a `verify-*` code, the item it concerns, and both sides in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub scope: Scope,
    pub code: Code,
    /// What differs, in the user's words: `page "Launch plan"`, `"Launch plan" / logo.png`.
    pub item: String,
    pub expected: String,
    pub actual: String,
}

impl Difference {
    pub fn new(
        scope: Scope,
        code: Code,
        item: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Self { scope, code, item: item.into(), expected: expected.into(), actual: actual.into() }
    }

    /// The kind column of `verify.csv`: the code without `verify-`.
    pub fn kind(&self) -> &'static str {
        let name = self.code.as_str();
        name.strip_prefix("verify-").unwrap_or(name)
    }

    /// The space column of `verify.csv`: `SOURCE → DESTINATION` keys, or `memberships`.
    pub fn space(&self, plan: &Plan) -> String {
        match self.scope {
            Scope::Space(index) => {
                let selection = &plan.spaces[index];
                if selection.renamed {
                    format!("{} -> {}", selection.source_key.value, selection.destination_key.value)
                } else {
                    selection.source_key.value.clone()
                }
            }
            Scope::Memberships => "memberships".into(),
        }
    }

    /// The difference as a diagnostic labelled on the plan line that selected what differs.
    pub fn diagnostic(&self, plan: &Plan) -> Diagnostic {
        let message = format!("{}: {}", self.code.info().title, self.item);
        let expected = format!("expected {}, found {}", shown(&self.expected), shown(&self.actual));
        match self.scope {
            Scope::Space(index) => {
                let selection = &plan.spaces[index];
                let note = format!("copied to {} on the destination", selection.destination_key.value);
                Diagnostic::new(self.code, message)
                    .label(selection.source_key.span.clone(), note)
                    .help(expected)
            }
            Scope::Memberships => Diagnostic::new(self.code, message)
                .label(plan.users.memberships.span.clone(), "the plan's membership mode")
                .help(expected),
        }
    }
}

fn shown(text: &str) -> String {
    if text.is_empty() { "nothing".into() } else { format!("`{text}`") }
}
