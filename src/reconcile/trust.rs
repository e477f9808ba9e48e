//! Whether a run can resume from its journal alone, or must find what earlier runs copied on
//! the destination first.

use crate::state::{JournalState, RunOutcome};

/// What the journal can be relied on for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalTrust {
    /// It ends with a finished run and lost nothing: it knows everything earlier runs copied.
    Trusted,
    /// It may not know everything earlier runs copied; the reason says why.
    Reconcile { reason: String },
}

impl JournalTrust {
    pub fn reason(&self) -> Option<&str> {
        match self {
            JournalTrust::Trusted => None,
            JournalTrust::Reconcile { reason } => Some(reason),
        }
    }
}

/// Judges a replayed journal. `damage` is why an unreadable journal was set aside, if it was.
///
/// A journal that ends with a run that finished Complete and had no torn line is trusted.
/// Anything else could be missing entries: none at all (a new state directory, say on a CI
/// runner), a last line cut off (a crash mid-append, or a copy of the file cut short: the two
/// look the same), a run that never finished (killed, or the end of the file lost), or one that
/// ended Incomplete or Failed (a journal write may have failed).
pub fn trust(previous: &JournalState, damage: Option<&str>) -> JournalTrust {
    let reason = if let Some(damage) = damage {
        format!("the journal was damaged ({damage}) and was set aside")
    } else if previous.runs.is_empty() {
        "the state has no journal of earlier runs of this plan".to_string()
    } else if let Some(torn) = &previous.torn_tail {
        format!("the journal's last line was incomplete ({} bytes cut off)", torn.bytes)
    } else {
        match previous.last_run_outcome() {
            Some(RunOutcome::Complete) => return JournalTrust::Trusted,
            None => "the last run did not finish".to_string(),
            // An incomplete run may have lost journal lines (a full disk) or left writes
            // whose results were never recorded.
            Some(_) => "the last run did not complete".to_string(),
        }
    };
    JournalTrust::Reconcile { reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Entry, Operator, PlanIdentity, RunId, TornTail};

    fn journal(outcome: Option<RunOutcome>) -> JournalState {
        let at = jiff::Timestamp::UNIX_EPOCH;
        let run = RunId::new(at);
        let mut state = JournalState::default();
        state.apply(&Entry::RunStarted {
            run: run.clone(),
            plan_hash: String::new(),
            plan: PlanIdentity {
                name: "p".into(),
                source: "s".into(),
                destination: "d".into(),
                spaces: Vec::new(),
            },
            by: Operator::current(),
            at,
        });
        if let Some(outcome) = outcome {
            state.apply(&Entry::RunFinished { run, outcome, at });
        }
        state
    }

    #[test]
    fn only_a_whole_journal_ending_complete_is_trusted() {
        assert_eq!(trust(&journal(Some(RunOutcome::Complete)), None), JournalTrust::Trusted);
        let reason = |state: &JournalState, damage| trust(state, damage).reason().map(str::to_string);
        assert!(reason(&JournalState::default(), None).unwrap().contains("no journal"));
        assert!(reason(&journal(None), None).unwrap().contains("did not finish"));
        assert!(reason(&journal(Some(RunOutcome::Incomplete)), None).unwrap().contains("did not complete"));
        assert!(reason(&journal(Some(RunOutcome::Complete)), Some("line 7")).unwrap().contains("line 7"));
        let mut torn = journal(Some(RunOutcome::Complete));
        torn.torn_tail = Some(TornTail { offset: 10, bytes: 4 });
        assert!(reason(&torn, None).unwrap().contains("incomplete"));
    }
}
