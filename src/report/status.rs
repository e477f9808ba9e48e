//! A plan's status after a run, from the outcomes of its nodes.

use crate::run::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    Complete,
    /// Some entities were copied and some were not.
    Incomplete,
    /// Nothing could be copied.
    Failed,
}

impl PlanStatus {
    pub fn from_outcomes(outcomes: &[Outcome]) -> PlanStatus {
        let failed = outcomes.iter().filter(|o| !o.unblocks()).count();
        let done = outcomes.len() - failed;
        match (failed, done) {
            (0, _) => PlanStatus::Complete,
            (_, 0) => PlanStatus::Failed,
            _ => PlanStatus::Incomplete,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Complete => "Complete",
            PlanStatus::Incomplete => "Incomplete",
            PlanStatus::Failed => "Failed",
        }
    }

    pub fn exit(self) -> crate::exit::Exit {
        match self {
            PlanStatus::Complete => crate::exit::Exit::Success,
            PlanStatus::Incomplete => crate::exit::Exit::Incomplete,
            PlanStatus::Failed => crate::exit::Exit::Errors,
        }
    }
}
