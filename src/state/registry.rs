//! All plans of a state directory and their 14-day retention.
//!
//! Copy data (journal, reports, who ran what) is kept for [`EXPIRY_DAYS`] days after a plan's
//! record was created. After that the plan shows as Expired; [`Registry::expire`] deletes its
//! run data and leaves a tombstone record (name, sites, dates, counts; no people), whose
//! details [`Registry::show`] refuses to show. Applying the plan again starts a new record.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::clock::Clock;
use super::dir::{PlanDir, StateDir};
use super::error::StateError;
use super::identity::PlanIdentity;
use super::lock::{LockError, PlanLock};
use super::record::{PlanRecord, PlanStatus, Progress};
use super::reports::RunReports;

/// How long a plan's copy data is kept after its record was created.
pub const EXPIRY_DAYS: i64 = 14;

/// When data of a plan created at `created` expires.
pub fn expiry_of(created: Timestamp) -> Timestamp {
    created.saturating_add(SignedDuration::from_hours(24 * EXPIRY_DAYS)).unwrap_or(Timestamp::MAX)
}

/// One line of `confcopy status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    pub name: String,
    pub source: String,
    pub destination: String,
    /// The status at the time the summary was made: Expired once past retention.
    pub status: PlanStatus,
    pub spaces: usize,
    pub total_pages: u64,
    pub progress: Progress,
    /// `None` once expired.
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub last_validated: Option<Timestamp>,
    pub expires_at: Timestamp,
}

impl PlanSummary {
    pub fn of(record: &PlanRecord, now: Timestamp) -> PlanSummary {
        let status = record.status_at(now);
        PlanSummary {
            name: record.name.clone(),
            source: record.source.clone(),
            destination: record.destination.clone(),
            status,
            spaces: record.spaces.len(),
            total_pages: record.total_pages,
            progress: record.progress,
            created_by: (status != PlanStatus::Expired && !record.created_by.is_empty())
                .then(|| record.created_by.clone()),
            created_at: record.created_at,
            last_validated: record.last_validated,
            expires_at: record.expires_at(),
        }
    }

    /// Whole days left before expiry, rounded up; `None` once expired.
    pub fn days_left(&self, now: Timestamp) -> Option<i64> {
        if self.status == PlanStatus::Expired || now >= self.expires_at {
            return None;
        }
        let seconds = self.expires_at.duration_since(now).as_secs();
        Some((seconds + 86_399) / 86_400)
    }
}

/// What `confcopy show PLAN` shows: the record and the latest run's report counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDetails {
    pub record: PlanRecord,
    pub latest_reports: Option<RunReports>,
}

#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    #[error("no plan named \"{name}\" has been checked or applied with this state directory")]
    NotFound { name: String },
    #[error(
        "plan \"{name}\" expired on {expired} ({EXPIRY_DAYS} days after it was created); its details \
         and reports were deleted. Apply the plan again to start a new record"
    )]
    Expired { name: String, expired: Timestamp },
    #[error(transparent)]
    State(#[from] StateError),
}

/// The plans of one state directory.
#[derive(Debug, Clone)]
pub struct Registry {
    state: StateDir,
}

impl Registry {
    pub fn new(state: &StateDir) -> Registry {
        Registry { state: state.clone() }
    }

    /// Every recorded plan, by name, with Expired shown for those past retention.
    pub fn list(&self, clock: &dyn Clock) -> Result<Vec<PlanSummary>, StateError> {
        let now = clock.now();
        Ok(self.records()?.iter().map(|(_, record)| PlanSummary::of(record, now)).collect())
    }

    /// Deletes the run data of every plan past retention, keeping a tombstone record.
    /// A plan locked by a running apply is left for the next call. Returns the plans expired.
    pub fn expire(&self, clock: &dyn Clock) -> Result<Vec<String>, StateError> {
        let now = clock.now();
        let mut expired = Vec::new();
        for (plan, record) in self.records()? {
            if record.expired_at.is_some() || now < record.expires_at() {
                continue;
            }
            let lock = match PlanLock::acquire(&plan, "expire", clock) {
                Ok(lock) => lock,
                Err(LockError::State(e)) => return Err(e),
                Err(busy) => {
                    tracing::info!(plan = plan.name(), "not expiring a plan that is in use: {busy}");
                    continue;
                }
            };
            delete_run_data(&plan)?;
            tombstone(record, now).save(&plan)?;
            drop(lock);
            expired.push(plan.name().to_string());
        }
        Ok(expired)
    }

    /// A plan's details; refused once expired.
    pub fn show(&self, name: &str, clock: &dyn Clock) -> Result<PlanDetails, ShowError> {
        let plan = self.state.existing_plan(name)?;
        let record =
            PlanRecord::load(&plan)?.ok_or_else(|| ShowError::NotFound { name: name.to_string() })?;
        if record.is_expired(clock.now()) {
            let expired = record.expired_at.unwrap_or_else(|| record.expires_at());
            return Err(ShowError::Expired { name: name.to_string(), expired });
        }
        let latest_reports = match record.latest_run() {
            Some(run) => match &run.report_dir {
                Some(dir) => RunReports::read(std::path::Path::new(dir))?,
                None => RunReports::read(&plan.runs_dir().join(run.id.as_str()))?,
            },
            None => None,
        };
        Ok(PlanDetails { record, latest_reports })
    }

    /// The record an apply works on, with the plan's lock held: the current one, or a new one
    /// (status Queued, created now by `created_by`) when there is none or it expired; an
    /// expired plan's leftover data is deleted first. The sites and spaces are refreshed.
    pub fn record_for_apply(
        &self,
        lock: &PlanLock,
        identity: &PlanIdentity,
        created_by: &str,
        clock: &dyn Clock,
    ) -> Result<PlanRecord, StateError> {
        let plan = self.state.plan(&lock.record().plan)?;
        self.current_or_new(&plan, identity, created_by, clock)
    }

    /// Records that the plan was validated (by `confcopy check`) now, creating its record
    /// if needed. Does not reset an expired record that an apply has not restarted yet.
    pub fn mark_validated(
        &self,
        identity: &PlanIdentity,
        created_by: &str,
        clock: &dyn Clock,
    ) -> Result<PlanRecord, StateError> {
        let plan = self.state.plan(&identity.name)?;
        let now = clock.now();
        let mut record = match PlanRecord::load(&plan)? {
            Some(record) if record.is_expired(now) => return Ok(record),
            Some(record) => record,
            None => new_record(identity, created_by, now),
        };
        record.last_validated = Some(now);
        record.save(&plan)?;
        Ok(record)
    }

    /// Loads, changes and saves a plan's record (the apply's progress updates).
    pub fn update(
        &self,
        name: &str,
        change: impl FnOnce(&mut PlanRecord),
    ) -> Result<Option<PlanRecord>, StateError> {
        let plan = self.state.existing_plan(name)?;
        let Some(mut record) = PlanRecord::load(&plan)? else { return Ok(None) };
        change(&mut record);
        record.save(&plan)?;
        Ok(Some(record))
    }

    fn current_or_new(
        &self,
        plan: &PlanDir,
        identity: &PlanIdentity,
        created_by: &str,
        clock: &dyn Clock,
    ) -> Result<PlanRecord, StateError> {
        let now = clock.now();
        let record = match PlanRecord::load(plan)? {
            Some(mut record) if !record.is_expired(now) => {
                record.source = identity.source.clone();
                record.destination = identity.destination.clone();
                record.spaces = identity.spaces.iter().map(|s| s.source_key.clone()).collect();
                record
            }
            Some(_) => {
                delete_run_data(plan)?;
                new_record(identity, created_by, now)
            }
            None => new_record(identity, created_by, now),
        };
        record.save(plan)?;
        Ok(record)
    }

    fn records(&self) -> Result<Vec<(PlanDir, PlanRecord)>, StateError> {
        let dir = self.state.plans_dir();
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(StateError::io("list", &dir))? {
            let entry = entry.map_err(StateError::io("list", &dir))?;
            if entry.file_type().map_err(StateError::io("inspect", &entry.path()))?.is_dir() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        let mut records = Vec::new();
        for name in names {
            let Ok(plan) = self.state.existing_plan(&name) else { continue };
            if let Some(record) = PlanRecord::load(&plan)? {
                records.push((plan, record));
            }
        }
        Ok(records)
    }
}

fn new_record(identity: &PlanIdentity, created_by: &str, now: Timestamp) -> PlanRecord {
    let spaces = identity.spaces.iter().map(|s| s.source_key.clone()).collect();
    PlanRecord::new(&identity.name, &identity.source, &identity.destination, spaces, created_by, now)
}

/// The record with everything personal or detailed removed.
fn tombstone(mut record: PlanRecord, now: Timestamp) -> PlanRecord {
    record.created_by.clear();
    record.runs.clear();
    record.expired_at = Some(now);
    record
}

/// Deletes everything in the plan's directory but its record and lock files.
fn delete_run_data(plan: &PlanDir) -> Result<(), StateError> {
    let keep = [plan.record_path(), plan.lock_path(), plan.lock_record_path()];
    let dir = plan.path();
    for entry in std::fs::read_dir(dir).map_err(StateError::io("list", dir))? {
        let path = entry.map_err(StateError::io("list", dir))?.path();
        if keep.contains(&path) {
            continue;
        }
        let removed =
            if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(StateError::io("delete", &path))?;
    }
    super::atomic::sync_dir(dir)
}
