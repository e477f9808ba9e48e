//! The append-only journal of a plan's runs (`journal.jsonl`): one [`Entry`] per line.
//!
//! Durability: with [`Durability::EveryEntry`] each append is fsync'd before it returns. With
//! [`Durability::Batched`], ordinary entries are fsync'd every `every` appends, so a power loss
//! (not a kill: the OS keeps written data) can lose the last few; a lost node entry means the
//! node is redone, a lost result leaves its intent pending, reconciled by marker. Intents,
//! run starts and run ends are always fsync'd before `append` returns, so an intent is durable
//! before the write it guards.
//!
//! A crash mid-append leaves an incomplete last line: opening the journal reports it in
//! [`JournalState::torn_tail`] and cuts it off, so the next append starts on a clean line.
//! Any other unreadable line is damage and is refused.

use std::fs::File;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::atomic::{private_options, sync_dir};
use super::clock::Clock;
use super::dir::{FORMAT_VERSION, PlanDir};
use super::entry::Entry;
use super::error::StateError;
use super::identity::{Incompatible, PlanIdentity};
use super::replay::{JournalState, TornTail};

/// When appended entries reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync after every entry: the safe default.
    #[default]
    EveryEntry,
    /// fsync every `every` ordinary entries, and always on intents and run boundaries.
    Batched { every: usize },
}

/// An open journal: read once, then appended to by the run's one writer.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    durability: Durability,
    unsynced: usize,
    /// The file's length after the last complete line: where a failed append is cut back to.
    good_len: u64,
    state: JournalState,
    /// Where synced lines also go (remote state); `None` for a local journal.
    sink: Option<std::sync::Arc<dyn super::sink::JournalSink>>,
    /// Whether appended entries are folded into `state`: until [`take_state`](Journal::take_state).
    fold: bool,
}

impl Journal {
    /// Opens the plan's journal, creating it with a header for `identity` when it does not
    /// exist. An existing journal is replayed (not checked against `identity`: call
    /// [`check_compatible`](Journal::check_compatible)); a torn last line is cut off.
    pub fn open(plan: &PlanDir, identity: &PlanIdentity, clock: &dyn Clock) -> Result<Journal, StateError> {
        Journal::open_with(plan, identity, clock, None)
    }

    /// [`open`](Journal::open), with every sync also handing the synced lines to `sink`.
    pub fn open_with(
        plan: &PlanDir,
        identity: &PlanIdentity,
        clock: &dyn Clock,
        sink: Option<std::sync::Arc<dyn super::sink::JournalSink>>,
    ) -> Result<Journal, StateError> {
        let path = plan.journal_path();
        let mut file = private_options()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(StateError::io("open", &path))?;
        let (state, torn, read) =
            read_entries(&path, std::io::BufReader::with_capacity(READ_BUFFER, &mut file))?;
        let good_len = torn.as_ref().map_or(read, |t| t.offset);
        let mut journal = Journal {
            path: path.clone(),
            file,
            durability: Durability::EveryEntry,
            unsynced: 0,
            good_len,
            state,
            sink,
            fold: true,
        };
        if let Some(torn) = torn {
            tracing::warn!(journal = %path.display(), bytes = torn.bytes, "cutting off an incomplete last journal line left by a crash");
            journal.file.set_len(torn.offset).map_err(StateError::io("truncate", &path))?;
            journal.file.sync_all().map_err(StateError::io("sync", &path))?;
            journal.state.torn_tail = Some(torn);
        }
        if journal.state.entries == 0 {
            journal.append(&Entry::Header {
                format: FORMAT_VERSION,
                plan: identity.clone(),
                at: clock.now(),
            })?;
            sync_dir(plan.path())?;
        }
        Ok(journal)
    }

    /// Reads the journal at `plan` without opening it for writing (for status and tests).
    pub fn replay(plan: &PlanDir) -> Result<JournalState, StateError> {
        let path = plan.journal_path();
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(JournalState::default()),
            Err(e) => return Err(StateError::io("read", &path)(e)),
        };
        let (mut state, torn, _) = read_entries(&path, std::io::BufReader::with_capacity(READ_BUFFER, file))?;
        state.torn_tail = torn;
        Ok(state)
    }

    pub fn with_durability(mut self, durability: Durability) -> Journal {
        self.durability = durability;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state so far: what was replayed plus everything appended since (after
    /// [`take_state`](Journal::take_state), only the count of entries).
    pub fn state(&self) -> &JournalState {
        &self.state
    }

    /// Moves the replayed state out, for a run that starts from it; from then on appended
    /// entries are only counted, not folded. A run appends an entry or two per node, and
    /// keeping each in memory until the run ends would grow with the copy, while the run
    /// itself only ever asks what earlier runs did.
    pub fn take_state(&mut self) -> JournalState {
        self.fold = false;
        let counted = JournalState::counting(self.state.entries);
        std::mem::replace(&mut self.state, counted)
    }

    /// Refuses a plan that changed in a way the journal's runs cannot continue.
    pub fn check_compatible(&self, identity: &PlanIdentity) -> Result<(), Incompatible> {
        let Some(recorded) = &self.state.identity else { return Ok(()) };
        let conflicts = recorded.conflicts_with(identity);
        if conflicts.is_empty() {
            Ok(())
        } else {
            Err(Incompatible { plan: identity.name.clone(), conflicts })
        }
    }

    /// Appends one entry as one line; see the module docs for when it is fsync'd.
    pub fn append(&mut self, entry: &Entry) -> Result<(), StateError> {
        self.append_deferred(entry)?;
        let must_sync = match self.durability {
            Durability::EveryEntry => true,
            Durability::Batched { every } => {
                self.unsynced >= every.max(1)
                    || matches!(
                        entry,
                        Entry::Header { .. }
                            | Entry::Intent { .. }
                            | Entry::RunStarted { .. }
                            | Entry::RunFinished { .. }
                    )
            }
        };
        if must_sync {
            self.sync()?;
        }
        Ok(())
    }

    /// Appends one entry without syncing it, whatever the durability: for a writer that makes
    /// entries durable itself, through [`sync_handle`](Journal::sync_handle), and waits for that
    /// before it relies on them. Returns how many entries the journal holds, this one included.
    pub fn append_deferred(&mut self, entry: &Entry) -> Result<u64, StateError> {
        let mut line = serde_json::to_vec(entry).expect("journal entries serialize");
        line.push(b'\n');
        if let Err(error) = self.file.write_all(&line) {
            // A full disk or an I/O error can leave part of the line written; cut it off now, so
            // a later append never follows a partial line (which would be damage mid-file).
            let cut = self.file.set_len(self.good_len);
            if let Err(cut) = cut {
                tracing::error!(journal = %self.path.display(), error = %cut, "could not cut a failed journal append back");
            }
            return Err(StateError::io("append to", &self.path)(error));
        }
        self.good_len += line.len() as u64;
        self.unsynced += 1;
        if self.fold {
            self.state.apply(entry);
        } else {
            self.state.entries += 1;
        }
        Ok(self.state.entries as u64)
    }

    /// A second handle on the journal file, to fsync it without holding the journal: a sync
    /// through it makes durable every entry appended before the sync began.
    pub fn sync_handle(&self) -> Result<File, StateError> {
        self.file.try_clone().map_err(StateError::io("open", &self.path))
    }

    /// Makes every appended entry durable (and, with a sink, hands it to the sink).
    pub fn sync(&mut self) -> Result<(), StateError> {
        if self.unsynced > 0 {
            self.file.sync_data().map_err(StateError::io("sync", &self.path))?;
            self.unsynced = 0;
        }
        if let Some(sink) = &self.sink {
            sink.flush(self.good_len).map_err(StateError::Sink)?;
        }
        Ok(())
    }

    /// The sink synced lines also go to, if any.
    pub fn sink(&self) -> Option<std::sync::Arc<dyn super::sink::JournalSink>> {
        self.sink.clone()
    }

    /// The length of the journal's whole lines.
    pub fn len_bytes(&self) -> u64 {
        self.good_len
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let _ = self.sync();
    }
}

/// SHA-256 of a plan file's bytes, as lowercase hex: recorded with each run.
pub fn plan_hash(plan_file: &[u8]) -> String {
    crate::digest::sha256_hex(plan_file)
}

/// Parses complete lines; returns the state and the torn tail, if any.
/// Reads a journal line by line (a million-page copy's journal is hundreds of megabytes: it is
/// never held whole) and folds its entries. Returns the state, a torn last line (one without its
/// newline, left by a crash) if any, and how many bytes were read.
fn read_entries(
    path: &Path,
    mut reader: impl BufRead,
) -> Result<(JournalState, Option<TornTail>, u64), StateError> {
    let mut state = JournalState::default();
    let mut line = Vec::new();
    let mut offset = 0u64;
    for index in 0.. {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(StateError::io("read", path))?;
        if read == 0 {
            break;
        }
        if line.last() != Some(&b'\n') {
            return Ok((state, Some(TornTail { offset, bytes: read }), offset + read as u64));
        }
        offset += read as u64;
        let line = &line[..read - 1];
        if line.is_empty() {
            continue;
        }
        let number = index + 1;
        if index == 0 {
            check_header(path, line)?;
        }
        let entry: Entry = serde_json::from_slice(line)
            .map_err(|e| StateError::corrupt(path, format!("line {number} is not a journal entry ({e})")))?;
        if index == 0 && !matches!(entry, Entry::Header { .. }) {
            return Err(StateError::corrupt(path, "the first line is not a journal header"));
        }
        state.apply(&entry);
    }
    Ok((state, None, offset))
}

/// The read buffer of a replay.
const READ_BUFFER: usize = 1 << 20;

/// Refuses a journal written in a newer format before trying to read its entries.
fn check_header(path: &Path, line: &[u8]) -> Result<(), StateError> {
    #[derive(serde::Deserialize)]
    struct Format {
        format: Option<u32>,
    }
    if let Ok(Format { format: Some(found) }) = serde_json::from_slice::<Format>(line)
        && found > FORMAT_VERSION
    {
        return Err(StateError::NewerFormat { path: path.to_path_buf(), found, supported: FORMAT_VERSION });
    }
    Ok(())
}
