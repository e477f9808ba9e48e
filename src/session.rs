//! One apply of a plan as the state directory sees it: the plan's lock, its record in the
//! registry, its journal and the run's folder. Begun before any write, finished after the last.

use std::path::PathBuf;

use crate::plan::Plan;
use crate::reconcile::JournalTrust;
use crate::report::{PlanStatus, Rows};
use crate::run::Recorder;
use crate::state::{
    Clock, Entry, Incompatible, Journal, JournalState, LockError, Operator, PlanDir, PlanIdentity, PlanLock,
    Registry, RunId, RunOutcome, RunRecord, StateDir, StateError, SystemClock, plan_hash,
};

/// Why an apply could not begin.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Another apply holds the plan, or left its lock behind.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The plan file changed in a way its journal cannot continue.
    #[error(transparent)]
    Incompatible(#[from] Incompatible),
    #[error("{0}")]
    State(String),
}

/// Opens the plan's journal. One damaged in the middle (a bad line, a line cut short by a full
/// disk in an older version) is set aside beside it, never deleted, and a new one is begun: the
/// run then finds what earlier runs copied by the markers on the destination. Returns the
/// damage, saying where the old journal went.
fn open_journal(
    plan_dir: &PlanDir,
    identity: &PlanIdentity,
    clock: &dyn Clock,
) -> Result<(Journal, Option<String>), SessionError> {
    match Journal::open(plan_dir, identity, clock) {
        Ok(journal) => Ok((journal, None)),
        Err(StateError::Corrupt { detail, .. }) => {
            let path = plan_dir.journal_path();
            let aside = path.with_file_name(format!("journal.damaged-{}.jsonl", clock.now().as_second()));
            std::fs::rename(&path, &aside).map_err(|e| {
                SessionError::State(format!(
                    "{} is damaged ({detail}) and could not be set aside ({e}); move it away by hand, \
                     then apply again: the run finds what earlier runs copied on the destination",
                    path.display()
                ))
            })?;
            tracing::warn!(journal = %path.display(), aside = %aside.display(), %detail, "the journal is damaged: set aside");
            let journal = Journal::open(plan_dir, identity, clock).map_err(state_error)?;
            Ok((journal, Some(format!("{detail}; kept as {}", aside.display()))))
        }
        Err(error) => Err(state_error(error)),
    }
}

fn state_error(e: impl std::fmt::Display) -> SessionError {
    SessionError::State(e.to_string())
}

pub struct Session {
    plan_dir: PlanDir,
    registry: Registry,
    journal: Option<Journal>,
    previous: JournalState,
    trust: JournalTrust,
    run: RunId,
    operator: Operator,
    _lock: PlanLock,
}

impl Session {
    /// Opens the state directory, expires old plans, takes the plan's lock, opens its record and
    /// journal (refusing a plan that conflicts with it) and records the run's start.
    pub fn begin(plan: &Plan, plan_bytes: &[u8], state_dir: PathBuf) -> Result<Session, SessionError> {
        let clock = SystemClock;
        let state = StateDir::open(state_dir).map_err(state_error)?;
        let registry = Registry::new(&state);
        registry.expire(&clock).map_err(state_error)?;
        let plan_dir = state.plan(&plan.name.value).map_err(state_error)?;
        let lock = PlanLock::acquire(&plan_dir, "apply", &clock)?;
        let identity = PlanIdentity::of(plan);
        let operator = Operator::current();
        let record =
            registry.record_for_apply(&lock, &identity, &operator.user, &clock).map_err(state_error)?;
        let (mut journal, damage) = open_journal(&plan_dir, &identity, &clock)?;
        journal.check_compatible(&identity)?;
        let previous = journal.take_state();
        let trust = crate::reconcile::trust(&previous, damage.as_deref());
        let run = RunId::new(clock.now());
        journal
            .append(&Entry::RunStarted {
                run: run.clone(),
                plan_hash: plan_hash(plan_bytes),
                plan: identity,
                by: operator.clone(),
                at: clock.now(),
            })
            .map_err(state_error)?;
        let by = operator.user.clone();
        let run_record = RunRecord {
            id: run.clone(),
            by,
            started_at: clock.now(),
            finished_at: None,
            status: crate::state::PlanStatus::InProgress,
        };
        registry
            .update(&record.name, |r| {
                r.status = crate::state::PlanStatus::InProgress;
                r.last_validated = Some(clock.now());
                r.runs.push(run_record);
            })
            .map_err(state_error)?;
        Ok(Session {
            plan_dir,
            registry,
            journal: Some(journal),
            previous,
            trust,
            run,
            operator,
            _lock: lock,
        })
    }

    /// Whether the journal accounts for everything earlier runs copied; when not, the run reads
    /// the destination's markers first.
    pub fn trust(&self) -> &JournalTrust {
        &self.trust
    }

    /// What earlier runs of the plan did (until [`recorder`](Session::recorder) takes it).
    pub fn previous(&self) -> &JournalState {
        &self.previous
    }

    /// This run's folder for reports.
    pub fn run_dir(&self) -> Result<PathBuf, String> {
        self.plan_dir.run_dir(&self.run).map_err(|e| e.to_string())
    }

    /// The journal, handed to the run's workers with what earlier runs did (which moves there:
    /// [`previous`](Session::previous) is empty afterwards).
    pub fn recorder(&mut self, source_site: String) -> Recorder {
        let previous = std::mem::take(&mut self.previous);
        Recorder::new(self.journal.take(), previous, self.run.clone(), Box::new(SystemClock), source_site)
    }

    /// Records how the run ended: in the journal, and in the plan's record with its progress.
    pub fn finish(self, recorder: &Recorder, status: PlanStatus, rows: &Rows) -> Result<(), String> {
        let clock = SystemClock;
        let outcome = match status {
            PlanStatus::Complete => RunOutcome::Complete,
            PlanStatus::Incomplete => RunOutcome::Incomplete,
            PlanStatus::Failed => RunOutcome::Failed,
        };
        recorder.entry(Entry::RunFinished { run: self.run.clone(), outcome, at: clock.now() })?;
        recorder.sync();
        let record_status = match status {
            PlanStatus::Complete => crate::state::PlanStatus::Complete,
            PlanStatus::Incomplete => crate::state::PlanStatus::Incomplete,
            PlanStatus::Failed => crate::state::PlanStatus::Failed,
        };
        let progress = |statuses: Vec<&str>| {
            let mut p = crate::state::EntityProgress::default();
            for status in statuses {
                p.total += 1;
                match status {
                    "copied" => p.copied += 1,
                    "already-present" | "skipped" => p.skipped += 1,
                    _ => p.failed += 1,
                }
            }
            p
        };
        let users = progress(rows.users.iter().map(|u| u.status.as_str()).collect());
        let groups = progress(rows.groups.iter().map(|g| g.status.as_str()).collect());
        let spaces = progress(
            rows.spaces
                .iter()
                .map(|s| match s.status.as_str() {
                    "copied" => "copied",
                    "already-present" => "skipped",
                    _ => "failed",
                })
                .collect(),
        );
        let pages: u64 = rows.spaces.iter().map(|s| s.pages.total).sum();
        let run = self.run.clone();
        self.registry
            .update(self.plan_dir.name(), |r| {
                r.status = record_status;
                r.total_pages = pages;
                r.progress = crate::state::Progress { users, groups, spaces };
                if let Some(entry) = r.runs.iter_mut().find(|x| x.id == run) {
                    entry.finished_at = Some(clock.now());
                    entry.status = record_status;
                }
            })
            .map_err(|e| e.to_string())?;
        let _ = &self.operator;
        Ok(())
    }
}
