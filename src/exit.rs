//! Process exit codes. The README documents them; scripts and schedulers rely on them.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// No errors (check), or the plan is Complete (apply).
    Success = 0,
    /// The plan has errors, the checks block the copy, or the copy Failed.
    Errors = 1,
    /// confcopy could not do its job: unreadable file, bad flags, unreachable state, a bug.
    Trouble = 2,
    /// The copy is Incomplete: some entities were copied and some were not.
    Incomplete = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// A finished run's exit code: 0 complete, 3 incomplete, 1 when nothing could be copied.
impl From<crate::state::RunOutcome> for Exit {
    fn from(outcome: crate::state::RunOutcome) -> Self {
        match outcome {
            crate::state::RunOutcome::Complete => Exit::Success,
            crate::state::RunOutcome::Incomplete => Exit::Incomplete,
            crate::state::RunOutcome::Failed => Exit::Errors,
        }
    }
}
