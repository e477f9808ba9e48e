//! The state directory's layout and format version (see the [module docs](super)).

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::atomic::{create_private_dir, sweep_abandoned, write_atomic};
use super::error::StateError;

/// The on-disk format this confcopy writes; a directory with a higher one is refused.
pub const FORMAT_VERSION: u32 = 1;

const FORMAT_FILE: &str = "state-format";
const PLANS: &str = "plans";

/// An opened state directory whose format this confcopy understands.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Opens (creating owner-only if missing) the state directory at `root`, checks and if new
    /// writes its `state-format`, and sweeps temporary files that dead processes left.
    pub fn open(root: impl Into<PathBuf>) -> Result<StateDir, StateError> {
        let root = root.into();
        create_private_dir(&root)?;
        let format_file = root.join(FORMAT_FILE);
        match std::fs::read_to_string(&format_file) {
            Ok(text) => {
                let found: u32 = text.trim().parse().map_err(|_| {
                    StateError::corrupt(
                        &format_file,
                        format!("expected a format number, found {:?}", text.trim()),
                    )
                })?;
                if found > FORMAT_VERSION {
                    return Err(StateError::NewerFormat {
                        path: format_file,
                        found,
                        supported: FORMAT_VERSION,
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write_atomic(&format_file, format!("{FORMAT_VERSION}\n").as_bytes())?;
            }
            Err(e) => return Err(StateError::io("read", &format_file)(e)),
        }
        create_private_dir(&root.join(PLANS))?;
        sweep_abandoned(&root)?;
        Ok(StateDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory holding every plan's state.
    pub fn plans_dir(&self) -> PathBuf {
        self.root.join(PLANS)
    }

    /// A plan's directory, created owner-only if missing. The name must be a valid plan name
    /// (letters, digits, '-', '_', '.', not starting with '.'), so it can never escape `plans/`.
    pub fn plan(&self, name: &str) -> Result<PlanDir, StateError> {
        let dir = self.existing_plan(name)?;
        create_private_dir(&dir.path)?;
        sweep_abandoned(&dir.path)?;
        Ok(dir)
    }

    /// A plan's directory without creating it (it may not exist).
    pub fn existing_plan(&self, name: &str) -> Result<PlanDir, StateError> {
        if !is_plan_name(name) {
            return Err(StateError::PlanName { name: name.to_string() });
        }
        Ok(PlanDir { name: name.to_string(), path: self.plans_dir().join(name) })
    }
}

/// Whether `name` can name a plan's state: letters, digits, '-', '_', '.', not starting with '.',
/// at most 64 characters, so it can never escape `plans/` (here or under a remote prefix).
pub fn is_plan_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// One plan's directory: `plans/<plan-name>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDir {
    name: String,
    path: PathBuf,
}

impl PlanDir {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn exists(&self) -> bool {
        self.path.is_dir()
    }

    pub fn record_path(&self) -> PathBuf {
        self.path.join("record.json")
    }

    pub fn journal_path(&self) -> PathBuf {
        self.path.join("journal.jsonl")
    }

    pub fn lock_path(&self) -> PathBuf {
        self.path.join("lock")
    }

    pub fn lock_record_path(&self) -> PathBuf {
        self.path.join("lock.json")
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.path.join("runs")
    }

    /// A run's report folder, created owner-only. Write reports in it with
    /// [`write_atomic`](super::write_atomic) so they stay private too.
    pub fn run_dir(&self, run: &RunId) -> Result<PathBuf, StateError> {
        let dir = self.runs_dir().join(run.as_str());
        create_private_dir(&dir)?;
        Ok(dir)
    }
}

/// A run's id: its start time (UTC, to the second) and a random suffix, so ids sort by
/// start time and name a folder: `20260501T093000Z-3f9a1c`. Shared text: a replayed journal
/// names a run in every mapping and node it holds, a million of each for a million pages, and
/// they all share their run's one copy (see `JournalState::apply`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct RunId(std::sync::Arc<str>);

impl From<RunId> for String {
    fn from(id: RunId) -> String {
        id.0.to_string()
    }
}

impl TryFrom<String> for RunId {
    type Error = NotARunId;

    fn try_from(text: String) -> Result<RunId, NotARunId> {
        RunId::parse(&text).ok_or(NotARunId(text))
    }
}

/// Text that cannot name a run (read back from a damaged record, say).
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a run id")]
pub struct NotARunId(pub String);

impl RunId {
    pub fn new(started: Timestamp) -> RunId {
        let suffix: u32 = rand::random::<u32>() & 0xff_ffff;
        RunId(format!("{}-{suffix:06x}", started.strftime("%Y%m%dT%H%M%SZ")).into())
    }

    /// A run id read back from disk or a command line; it must be a plain folder name.
    pub fn parse(text: &str) -> Option<RunId> {
        let fine = !text.is_empty()
            && !text.starts_with('.')
            && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        fine.then(|| RunId(text.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
