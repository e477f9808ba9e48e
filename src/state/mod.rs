//! Durable state of plans and their runs: what survives a kill, a crash or a rate-limit storm.
//!
//! Everything lives under the state directory (`--state-dir`, `CONFCOPY_STATE_DIR`, default
//! `.confcopy`), owner-only (directories 0700, files 0600):
//!
//! ```text
//! <state>/
//!   state-format                  the on-disk format version ("1"); a newer one is refused
//!   plans/<plan-name>/
//!     record.json                 the plan's record: who, when, status, progress, runs
//!     journal.jsonl               append-only journal of runs, node progress, intents, results
//!     lock                        held with an OS file lock during an apply
//!     lock.json                   who holds the lock (user, host, pid, since, operation)
//!     runs/<run-id>/              one run's reports (users.csv, groups.csv, spaces.csv, ...)
//!   sandbox/                      sandbox sites' saved state (owned by the sandbox)
//! ```
//!
//! Every file is replaced atomically ([`write_atomic`]) except the journal, which only grows.
//! Timestamps on disk are RFC 3339 strings in UTC (`2026-05-01T09:30:00Z`), readable in a
//! journal line and sortable as text: jiff's own serde form of `Timestamp`.
//! Files read as the pipeline's concepts: [`dir`] (layout and format), [`atomic`] (the one
//! write helper), [`clock`] (all times), [`journal`] and [`replay`] (what a run did),
//! [`group_sync`] (one fsync for every intent waiting on it),
//! [`lock`] (one apply per plan), [`record`] and [`registry`] (plans, 14-day expiry),
//! [`reports`] and [`render`] (what `status` and `show` print).
//!
//! [`remote`] keeps the same layout in an object store (`--state s3://bucket/prefix`) for runs
//! whose disk is thrown away: this directory then serves as a private local mirror of it.

pub mod atomic;
pub mod clock;
pub mod dir;
pub mod entry;
pub mod error;
pub mod group_sync;
pub mod identity;
pub mod journal;
pub mod lock;
pub mod operator;
pub mod record;
pub mod registry;
pub mod remote;
pub mod render;
pub mod replay;
pub mod reports;
pub mod sink;

pub use atomic::{AtomicFile, write_atomic};
pub use clock::{Clock, SystemClock, TestClock};
pub use dir::{FORMAT_VERSION, PlanDir, RunId, StateDir};
pub use entry::{EntityKind, Entry, NodeStatus, RunOutcome, SourceRef, WriteKind, marker};
pub use error::StateError;
pub use group_sync::SyncError;
pub use identity::{Conflict, Incompatible, PlanIdentity, SpaceIdentity};
pub use journal::{Durability, Journal, plan_hash};
pub use lock::{LockError, LockRecord, LockStatus, PlanLock, StaleLock, force_unlock, lock_status};
pub use operator::Operator;
pub use record::{PlanRecord, PlanStatus, Progress, RunRecord, Settled, Tally};
pub use registry::{EXPIRY_DAYS, PlanDetails, PlanSummary, Registry, ShowError};
pub use render::{show_json, show_text, status_json, status_table};
pub use replay::{JournalState, Mapping, NodeState, PendingIntent, RunState, TornTail};
pub use reports::{ReportCounts, RunReports};
pub use sink::{JournalSink, SinkError};
