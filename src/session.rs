//! One apply of a plan as the state directory sees it: the plan's lock, its record in the
//! registry, its journal and the run's folder. Begun before any write, finished after the last.

use std::path::PathBuf;

use crate::plan::Plan;
use crate::reconcile::JournalTrust;
use crate::report::Rows;
use crate::run::{JournalError, Recorder};
use crate::settings::StateLocation;
use crate::state::Tally;
use crate::state::remote::{
    BlockingRemote, LeaseError, RemoteError, RemoteJournal, RemoteLease, RemoteOptions, RemoteState,
};
use crate::state::{
    Clock, Entry, Incompatible, Journal, JournalState, LockError, LockRecord, Operator, PlanDir,
    PlanIdentity, PlanLock, Registry, RunId, RunOutcome, RunRecord, StateDir, StateError, SystemClock,
    plan_hash,
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
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The plan's lease in the state store is held by another runner, or could not be taken.
    #[error(transparent)]
    Lease(#[from] LeaseError),
    #[error("cannot make a local mirror of the state: {0}")]
    Mirror(#[source] std::io::Error),
    #[error(
        "the journal of plan \"{plan}\" in the state store is damaged ({detail}); move its objects under \
         plans/{plan}/journal/ elsewhere in the store, then apply again: the run finds what earlier runs \
         copied by the markers on the destination"
    )]
    RemoteJournalDamaged { plan: String, detail: String },
    #[error(
        "{} is damaged ({detail}) and could not be set aside ({source}); move it away by hand, then \
         apply again: the run finds what earlier runs copied on the destination",
        path.display()
    )]
    JournalNotSetAside {
        path: PathBuf,
        detail: String,
        #[source]
        source: std::io::Error,
    },
    /// The run's last entries could not be recorded.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A file to upload to the state store lies outside the plan's folder (a bug).
    #[error("{} is outside the plan", .0.display())]
    OutsidePlan(PathBuf),
}

/// Opens the plan's journal. One damaged in the middle (a bad line, a line cut short by a full
/// disk in an older version) is set aside beside it, never deleted, and a new one is begun: the
/// run then finds what earlier runs copied by the markers on the destination. Returns the
/// damage, saying where the old journal went.
fn open_journal(
    plan_dir: &PlanDir,
    identity: &PlanIdentity,
    clock: &dyn Clock,
    sink: Option<std::sync::Arc<dyn crate::state::JournalSink>>,
) -> Result<(Journal, Option<String>), SessionError> {
    let remote = sink.is_some();
    match Journal::open_with(plan_dir, identity, clock, sink) {
        Ok(journal) => Ok((journal, None)),
        Err(StateError::Corrupt { detail, .. }) if remote => {
            Err(SessionError::RemoteJournalDamaged { plan: plan_dir.name().to_string(), detail })
        }
        Err(StateError::Corrupt { detail, .. }) => {
            let path = plan_dir.journal_path();
            let aside = path.with_file_name(format!("journal.damaged-{}.jsonl", clock.now().as_second()));
            if let Err(source) = std::fs::rename(&path, &aside) {
                return Err(SessionError::JournalNotSetAside { path, detail, source });
            }
            tracing::warn!(journal = %path.display(), aside = %aside.display(), %detail, "the journal is damaged: set aside");
            let journal = Journal::open(plan_dir, identity, clock)?;
            Ok((journal, Some(format!("{detail}; kept as {}", aside.display()))))
        }
        Err(error) => Err(error.into()),
    }
}

pub struct Session {
    /// With remote state: the store, the plan's lease in it, and the private local mirror.
    remote: Option<RemoteLink>,
    plan_dir: PlanDir,
    registry: Registry,
    journal: Option<Journal>,
    previous: JournalState,
    trust: JournalTrust,
    run: RunId,
    operator: Operator,
    _lock: PlanLock,
}

/// A run's link to remote state.
struct RemoteLink {
    remote: BlockingRemote,
    lease: Option<RemoteLease>,
    /// The private local mirror of the plan's state; removed when the run ends.
    _mirror: tempfile::TempDir,
}

impl RemoteLink {
    /// Takes the plan's lease in the store and brings its record and journal into a private
    /// mirror; returns the link, the mirror's state directory and the journal's sink.
    fn begin(
        url: &str,
        plan: &str,
        lease: std::time::Duration,
        clock: &dyn Clock,
    ) -> Result<(RemoteLink, StateDir, PlanDir, std::sync::Arc<RemoteJournal>), SessionError> {
        let remote = RemoteState::open_blocking(url, RemoteOptions::from_env())?.blocking();
        let mirror =
            tempfile::Builder::new().prefix("confcopy-state-").tempdir().map_err(SessionError::Mirror)?;
        let state = StateDir::open(mirror.path())?;
        let plan_dir = state.plan(plan)?;
        let operator = Operator::current();
        let holder = LockRecord {
            plan: plan.to_string(),
            user: operator.user,
            host: operator.host,
            pid: operator.pid,
            since: clock.now(),
            operation: "apply".into(),
            token: rand::random(),
        };
        let held = remote.acquire(plan, &holder, lease)?;
        let mut pulled = remote.pull_plan(&plan_dir)?;
        // The plan's copy data is kept 14 days, in the store as locally; under the lease, so no
        // other runner is using it. The mirror then holds what is left (the record).
        if crate::state::PlanRecord::load(&plan_dir).ok().flatten().is_some_and(|r| r.is_expired(clock.now()))
        {
            remote.delete_run_data(plan)?;
            pulled = remote.pull_plan(&plan_dir)?;
        }
        let sink = std::sync::Arc::new(RemoteJournal::new(
            remote.clone(),
            plan,
            plan_dir.journal_path(),
            pulled.journal_bytes,
            Some(held.watch()),
        ));
        Ok((RemoteLink { remote, lease: Some(held), _mirror: mirror }, state, plan_dir, sink))
    }

    /// Puts a file of the mirror's plan folder into the store.
    fn upload(&self, plan: &PlanDir, path: &std::path::Path) -> Result<(), SessionError> {
        let relative =
            path.strip_prefix(plan.path()).map_err(|_| SessionError::OutsidePlan(path.to_path_buf()))?;
        let bytes = std::fs::read(path).map_err(StateError::io("read", path))?;
        self.remote.put(plan.name(), &relative.to_string_lossy(), bytes::Bytes::from(bytes))?;
        Ok(())
    }
}

impl Session {
    /// Opens the state directory, expires old plans, takes the plan's lock, opens its record and
    /// journal (refusing a plan that conflicts with it) and records the run's start. With remote
    /// state, the lock is a lease in the store and the rest is read into a private mirror first.
    pub fn begin(
        plan: &Plan,
        plan_bytes: &[u8],
        location: &StateLocation,
        lease: std::time::Duration,
    ) -> Result<Session, SessionError> {
        let clock = SystemClock;
        let (remote, state, plan_dir, sink) = match location {
            StateLocation::Local(dir) => {
                let state = StateDir::open(dir.clone())?;
                let plan_dir = state.plan(&plan.name.value)?;
                (None, state, plan_dir, None)
            }
            StateLocation::Remote(url) => {
                let (link, state, plan_dir, sink) = RemoteLink::begin(url, &plan.name.value, lease, &clock)?;
                let sink: std::sync::Arc<dyn crate::state::JournalSink> = sink;
                (Some(link), state, plan_dir, Some(sink))
            }
        };
        let registry = Registry::new(&state);
        registry.expire(&clock)?;
        let lock = PlanLock::acquire(&plan_dir, "apply", &clock)?;
        let identity = PlanIdentity::of(plan);
        let operator = Operator::current();
        let record = registry.record_for_apply(&lock, &identity, &operator.user, &clock)?;
        let (mut journal, damage) = open_journal(&plan_dir, &identity, &clock, sink)?;
        journal.check_compatible(&identity)?;
        let previous = journal.take_state();
        let trust = crate::reconcile::trust(&previous, damage.as_deref());
        let run = RunId::new(clock.now());
        journal.append(&Entry::RunStarted {
            run: run.clone(),
            plan_hash: plan_hash(plan_bytes),
            plan: identity,
            by: operator.clone(),
            at: clock.now(),
        })?;
        let by = operator.user.clone();
        let run_record = RunRecord {
            id: run.clone(),
            by,
            started_at: clock.now(),
            finished_at: None,
            status: crate::state::PlanStatus::InProgress,
            report_dir: None,
        };
        registry.update(&record.name, |r| {
            r.status = crate::state::PlanStatus::InProgress;
            r.last_validated = Some(clock.now());
            r.runs.push(run_record);
        })?;
        let session = Session {
            remote,
            plan_dir,
            registry,
            journal: Some(journal),
            previous,
            trust,
            run,
            operator,
            _lock: lock,
        };
        session.upload_record()?;
        Ok(session)
    }

    /// With remote state, puts the plan's record into the store.
    fn upload_record(&self) -> Result<(), SessionError> {
        match &self.remote {
            Some(link) => link.upload(&self.plan_dir, &self.plan_dir.record_path()),
            None => Ok(()),
        }
    }

    /// Where the run's reports end up, to tell the user: the store's address with remote state.
    pub fn reports_location(&self, local: &std::path::Path) -> String {
        match &self.remote {
            Some(link) => format!(
                "{}/plans/{}/runs/{}",
                link.remote.url().trim_end_matches('/'),
                self.plan_dir.name(),
                self.run
            ),
            None => local.display().to_string(),
        }
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
    pub fn run_dir(&self) -> Result<PathBuf, StateError> {
        self.plan_dir.run_dir(&self.run)
    }

    /// The journal, handed to the run's workers with what earlier runs did (which moves there:
    /// [`previous`](Session::previous) is empty afterwards).
    pub fn recorder(&mut self, source_site: String) -> Recorder {
        let previous = std::mem::take(&mut self.previous);
        Recorder::new(self.journal.take(), previous, self.run.clone(), Box::new(SystemClock), source_site)
    }

    /// Names the account the source credentials belong to (`Name <email>`) as who runs this
    /// apply, and as who created the plan when this is the plan's first run (or the record names
    /// nobody). Until the sites are read the record holds the login name.
    pub fn note_account(&self, account: &str) -> Result<(), SessionError> {
        let run = self.run.clone();
        self.registry.update(self.plan_dir.name(), |r| {
            let first = r.runs.iter().all(|x| x.id == run);
            if first || r.created_by.is_empty() || r.created_by == "unknown" {
                r.created_by = account.to_string();
            }
            if let Some(entry) = r.runs.iter_mut().find(|x| x.id == run) {
                entry.by = account.to_string();
            }
        })?;
        self.upload_record()
    }

    /// Records how the run ended: in the journal, and in the plan's record with its progress.
    pub fn finish(
        &self,
        recorder: &Recorder,
        status: RunOutcome,
        rows: &Rows,
        report_files: &[PathBuf],
        report_dir: Option<&std::path::Path>,
    ) -> Result<(), SessionError> {
        let clock = SystemClock;
        recorder.entry(Entry::RunFinished { run: self.run.clone(), outcome: status, at: clock.now() })?;
        recorder.sync();
        let record_status = crate::state::PlanStatus::from(status);
        let users = Tally::of(rows.users.iter().map(|u| u.status.settled()));
        let groups = Tally::of(rows.groups.iter().map(|g| g.status.settled()));
        let spaces = Tally::of(rows.spaces.iter().map(|s| s.status.settled()));
        let pages: u64 = rows.spaces.iter().map(|s| s.pages.total).sum();
        let run = self.run.clone();
        self.registry.update(self.plan_dir.name(), |r| {
            r.status = record_status;
            r.total_pages = pages;
            r.progress = crate::state::Progress { users, groups, spaces };
            if let Some(entry) = r.runs.iter_mut().find(|x| x.id == run) {
                entry.finished_at = Some(clock.now());
                entry.status = record_status;
                entry.report_dir = report_dir.map(|d| d.display().to_string());
            }
        })?;
        let _ = &self.operator;
        if let Some(link) = &self.remote {
            link.upload(&self.plan_dir, &self.plan_dir.record_path())?;
            for file in report_files.iter().filter(|f| f.starts_with(self.plan_dir.path())) {
                link.upload(&self.plan_dir, file)?;
            }
        }
        Ok(())
    }

    /// Ends the run's hold on the plan: with remote state, releases the lease in the store.
    pub fn close(mut self) -> Result<(), SessionError> {
        if let Some(lease) = self.remote.as_mut().and_then(|link| link.lease.take()) {
            lease.release_blocking()?;
        }
        Ok(())
    }
}
