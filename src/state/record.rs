//! A plan's record (`record.json`): who created it and when, when it was last validated, its
//! status, its per-entity progress and its runs. Replaced atomically on every change.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::atomic::write_atomic;
use super::dir::{PlanDir, RunId};
use super::error::StateError;

/// A plan's status as `status` and `show` print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanStatus {
    /// Recorded (checked) but not yet applied: next to run.
    Queued,
    InProgress,
    Complete,
    /// Partly copied, e.g. 10 of 15 users.
    Incomplete,
    Failed,
    /// Older than the retention period: run data deleted, details hidden.
    Expired,
}

impl PlanStatus {
    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::Queued => "Queued",
            PlanStatus::InProgress => "In progress",
            PlanStatus::Complete => "Complete",
            PlanStatus::Incomplete => "Incomplete",
            PlanStatus::Failed => "Failed",
            PlanStatus::Expired => "Expired",
        }
    }
}

/// How a run ended is where it leaves its plan.
impl From<super::entry::RunOutcome> for PlanStatus {
    fn from(outcome: super::entry::RunOutcome) -> Self {
        match outcome {
            super::entry::RunOutcome::Complete => PlanStatus::Complete,
            super::entry::RunOutcome::Incomplete => PlanStatus::Incomplete,
            super::entry::RunOutcome::Failed => PlanStatus::Failed,
        }
    }
}

impl std::fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Where one entity ended, as a [`Tally`] counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Copied,
    /// Already present, or deliberately left.
    Skipped,
    /// Failed, or not tried because something it needs failed.
    Failed,
}

/// How many of one kind of entity there are and where they ended: copied, skipped and failed
/// add up to the total once a run is over. The one tally of the reports, `summary.json` and the
/// plan's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    pub total: u64,
    pub copied: u64,
    pub skipped: u64,
    pub failed: u64,
}

impl Tally {
    /// The tally of `entities`.
    pub fn of(entities: impl IntoIterator<Item = Settled>) -> Tally {
        let mut tally = Tally::default();
        for settled in entities {
            tally.add(settled);
        }
        tally
    }

    pub fn add(&mut self, settled: Settled) {
        self.total += 1;
        match settled {
            Settled::Copied => self.copied += 1,
            Settled::Skipped => self.skipped += 1,
            Settled::Failed => self.failed += 1,
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.total += other.total;
        self.copied += other.copied;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }

    /// Entities with a final status so far.
    pub fn settled(&self) -> u64 {
        self.copied + self.skipped + self.failed
    }
}

/// Progress per kind of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    pub users: Tally,
    pub groups: Tally,
    pub spaces: Tally,
}

impl Progress {
    pub fn settled(&self) -> u64 {
        self.users.settled() + self.groups.settled() + self.spaces.settled()
    }

    pub fn total(&self) -> u64 {
        self.users.total + self.groups.total + self.spaces.total
    }
}

/// One run of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    pub id: RunId,
    pub by: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub status: PlanStatus,
    /// Where the run wrote its reports when it was told to (`apply --report-dir`); absent when
    /// they are in the run's folder of the state directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRecord {
    pub name: String,
    /// The source and destination sites as the plan names them (URLs or `sandbox:NAME`).
    pub source: String,
    pub destination: String,
    /// Empty once expired: the creator may be personal data.
    pub created_by: String,
    pub created_at: Timestamp,
    pub last_validated: Option<Timestamp>,
    pub status: PlanStatus,
    /// Source space keys selected.
    pub spaces: Vec<String>,
    pub total_pages: u64,
    pub progress: Progress,
    pub runs: Vec<RunRecord>,
    /// Set when the run data was deleted and only this tombstone remains.
    pub expired_at: Option<Timestamp>,
}

impl PlanRecord {
    /// A new record: Queued, no runs.
    pub fn new(
        name: &str,
        source: &str,
        destination: &str,
        spaces: Vec<String>,
        created_by: &str,
        now: Timestamp,
    ) -> PlanRecord {
        PlanRecord {
            name: name.to_string(),
            source: source.to_string(),
            destination: destination.to_string(),
            created_by: created_by.to_string(),
            created_at: now,
            last_validated: None,
            status: PlanStatus::Queued,
            spaces,
            total_pages: 0,
            progress: Progress::default(),
            runs: Vec::new(),
            expired_at: None,
        }
    }

    /// When its run data is (or was) deleted.
    pub fn expires_at(&self) -> Timestamp {
        super::registry::expiry_of(self.created_at)
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expired_at.is_some() || now >= self.expires_at()
    }

    /// The status to show at `now`: Expired once past the retention period.
    pub fn status_at(&self, now: Timestamp) -> PlanStatus {
        if self.is_expired(now) { PlanStatus::Expired } else { self.status }
    }

    pub fn latest_run(&self) -> Option<&RunRecord> {
        self.runs.iter().max_by(|a, b| a.started_at.cmp(&b.started_at).then_with(|| a.id.cmp(&b.id)))
    }

    pub fn load(plan: &PlanDir) -> Result<Option<PlanRecord>, StateError> {
        let path = plan.record_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| StateError::corrupt(&path, format!("not a plan record ({e})"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("read", &path)(e)),
        }
    }

    /// Writes the record atomically into the plan's directory.
    pub fn save(&self, plan: &PlanDir) -> Result<(), StateError> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("plan records serialize");
        bytes.push(b'\n');
        write_atomic(&plan.record_path(), &bytes)
    }
}
