//! One apply per plan at a time, across processes.
//!
//! The lock is an OS file lock on `plans/<name>/lock` (so a crashed or killed process releases
//! it), plus `lock.json`, the holder's record (user, host, pid, since, operation) for messages.
//! A `lock.json` found while the OS lock is free was left by a process that died; acquiring
//! reports it as [`StaleLock`]. Dropping the [`PlanLock`] releases both.

use std::fs::{File, TryLockError};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::atomic::{private_options, write_atomic};
use super::clock::Clock;
use super::dir::PlanDir;
use super::error::StateError;
use super::operator::{Operator, host_name, pid_is_alive};

/// Who holds a plan's lock, as written in `lock.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockRecord {
    pub plan: String,
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub since: Timestamp,
    /// What the holder is doing, e.g. "apply".
    pub operation: String,
    /// Tells this holder's record from a later holder's after a forced unlock.
    pub token: u64,
}

impl LockRecord {
    /// Whether the holder is known to be dead: it ran on this host and its pid is gone.
    pub fn holder_is_dead(&self) -> bool {
        self.host == host_name() && !pid_is_alive(self.pid)
    }
}

/// A lock record left by a process that no longer holds the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleLock {
    pub record: LockRecord,
    /// Whether its pid is confirmed dead (same host, no such process).
    pub holder_dead: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "plan \"{plan}\" is locked: {who} on {host} (pid {pid}) has been running {operation} since {since}; \
         wait for it to finish, or if that process is gone, run `confcopy unlock {plan}`"
    )]
    Held { plan: String, who: String, host: String, pid: u32, since: Timestamp, operation: String },
    #[error("plan \"{plan}\" is locked by another process that has not yet said who it is; try again")]
    HeldUnidentified { plan: String },
    #[error(transparent)]
    State(#[from] StateError),
}

/// The held lock of one plan. Released on drop.
#[derive(Debug)]
pub struct PlanLock {
    file: File,
    plan: PlanDir,
    record: LockRecord,
    stale: Option<StaleLock>,
}

impl PlanLock {
    /// Takes the plan's lock for `operation` ("apply", "unlock", ...) without waiting.
    pub fn acquire(plan: &PlanDir, operation: &str, clock: &dyn Clock) -> Result<PlanLock, LockError> {
        let path = plan.lock_path();
        let file = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(StateError::io("open", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(held(plan)),
            Err(TryLockError::Error(e)) => return Err(StateError::io("lock", &path)(e).into()),
        }
        let stale =
            read_record(plan)?.map(|record| StaleLock { holder_dead: record.holder_is_dead(), record });
        if let Some(stale) = &stale {
            tracing::warn!(
                plan = plan.name(),
                user = %stale.record.user,
                host = %stale.record.host,
                pid = stale.record.pid,
                since = %stale.record.since,
                holder_dead = stale.holder_dead,
                "taking over a lock left by a process that no longer holds it"
            );
        }
        let me = Operator::current();
        let record = LockRecord {
            plan: plan.name().to_string(),
            user: me.user,
            host: me.host,
            pid: me.pid,
            since: clock.now(),
            operation: operation.to_string(),
            token: rand::random(),
        };
        write_record(plan, &record)?;
        Ok(PlanLock { file, plan: plan.clone(), record, stale })
    }

    pub fn record(&self) -> &LockRecord {
        &self.record
    }

    /// The record of an earlier holder that died without releasing, if there was one.
    pub fn stale(&self) -> Option<&StaleLock> {
        self.stale.as_ref()
    }
}

impl Drop for PlanLock {
    fn drop(&mut self) {
        // Remove the record only if it is still ours: after a forced unlock another holder's
        // record may be there.
        if let Ok(Some(current)) = read_record(&self.plan)
            && current.token == self.record.token
        {
            let _ = std::fs::remove_file(self.plan.lock_record_path());
        }
        let _ = self.file.unlock();
    }
}

/// Where a plan's lock stands, for `confcopy unlock` to show before asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockStatus {
    Free,
    /// Held by a live process (the record when it has written one).
    Held(Option<LockRecord>),
    /// Not held, but a record remains from a process that died.
    Stale(StaleLock),
}

/// Tells whether the plan is locked, without taking the lock (probing it briefly).
pub fn lock_status(plan: &PlanDir) -> Result<LockStatus, StateError> {
    let path = plan.lock_path();
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(match read_record(plan)? {
                Some(record) => LockStatus::Stale(StaleLock { holder_dead: record.holder_is_dead(), record }),
                None => LockStatus::Free,
            });
        }
        Err(e) => return Err(StateError::io("open", &path)(e)),
    };
    let held = match file.try_lock_shared() {
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(e)) => return Err(StateError::io("lock", &path)(e)),
    };
    drop(file);
    let record = read_record(plan)?;
    Ok(match (held, record) {
        (true, record) => LockStatus::Held(record),
        (false, Some(record)) => {
            LockStatus::Stale(StaleLock { holder_dead: record.holder_is_dead(), record })
        }
        (false, None) => LockStatus::Free,
    })
}

/// `confcopy unlock PLAN` (after the user confirmed): removes the lock file and its record,
/// so the next apply can start even if a holder is still alive. Returns the record removed.
pub fn force_unlock(plan: &PlanDir) -> Result<Option<LockRecord>, StateError> {
    let record = read_record(plan).unwrap_or(None);
    for path in [plan.lock_record_path(), plan.lock_path()] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StateError::io("remove", &path)(e)),
        }
    }
    Ok(record)
}

/// The error for a lock held by another process, naming the holder. The holder writes its
/// record just after taking the OS lock, so a missing record is retried briefly.
fn held(plan: &PlanDir) -> LockError {
    for _ in 0..20 {
        if let Ok(Some(record)) = read_record(plan) {
            return LockError::Held {
                plan: plan.name().to_string(),
                who: record.user,
                host: record.host,
                pid: record.pid,
                since: record.since,
                operation: record.operation,
            };
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    LockError::HeldUnidentified { plan: plan.name().to_string() }
}

fn read_record(plan: &PlanDir) -> Result<Option<LockRecord>, StateError> {
    let path = plan.lock_record_path();
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StateError::corrupt(&path, format!("not a lock record ({e})"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StateError::io("read", &path)(e)),
    }
}

fn write_record(plan: &PlanDir, record: &LockRecord) -> Result<(), StateError> {
    let bytes = serde_json::to_vec_pretty(record).expect("lock records serialize");
    write_atomic(&plan.lock_record_path(), &bytes)
}
