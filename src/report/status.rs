//! Statuses: of one user, group or space in the reports, and of a whole run.

use serde::Serialize;

use crate::run::Outcome;
use crate::state::{RunOutcome, Settled};

/// The final status of a user, group or space: the `status` column of the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Copied,
    /// The destination already had it (a merged group, a copy from an earlier run).
    AlreadyPresent,
    /// Deliberately not copied (a former user, `users.scope = "none"`).
    Skipped,
    /// Some of a space was copied and some was not.
    Incomplete,
    Failed,
    /// Not tried, because something it needs failed, or not in the run.
    NotCopied,
}

impl Status {
    /// The status a node's outcome gives its entity.
    pub fn of(outcome: &Outcome) -> Status {
        match outcome {
            Outcome::Copied { .. } => Status::Copied,
            Outcome::Present { .. } => Status::AlreadyPresent,
            Outcome::Skipped { .. } => Status::Skipped,
            Outcome::Failed { .. } => Status::Failed,
            Outcome::Blocked { .. } => Status::NotCopied,
        }
    }

    /// As the reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Copied => "copied",
            Status::AlreadyPresent => "already-present",
            Status::Skipped => "skipped",
            Status::Incomplete => "incomplete",
            Status::Failed => "failed",
            Status::NotCopied => "not-copied",
        }
    }

    /// How a tally counts it (a space that was partly copied counts as failed).
    pub fn settled(self) -> Settled {
        match self {
            Status::Copied => Settled::Copied,
            Status::AlreadyPresent | Status::Skipped => Settled::Skipped,
            Status::Incomplete | Status::Failed | Status::NotCopied => Settled::Failed,
        }
    }

    /// Whether it ended short of what the plan asked.
    pub fn is_failure(self) -> bool {
        self.settled() == Settled::Failed
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a run ended, from the tally of its nodes' outcomes: complete when nothing failed, failed
/// when nothing was done, incomplete otherwise.
pub fn run_outcome(tally: &crate::state::Tally) -> RunOutcome {
    let (failed, done) = (tally.failed, tally.copied + tally.skipped);
    match (failed, done) {
        (0, _) => RunOutcome::Complete,
        (_, 0) => RunOutcome::Failed,
        _ => RunOutcome::Incomplete,
    }
}
