//! Group commit for an append-only file: writers that need their lines durable wait for an
//! fsync that began after they wrote, and one fsync serves every writer waiting at the time.
//!
//! With C writes in flight, one fsync per intent would queue them behind the disk one at a
//! time (and block a runtime thread each time). Here at most one fsync runs at once, on the
//! blocking pool; writers arriving while it runs wait for the next one, which covers them all.

use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::watch;

/// The durability of one file's appended lines, counted by sequence number (the count of
/// lines appended so far: the first line is 1).
pub struct GroupSync {
    file: Arc<File>,
    /// Where synced lines also go (remote state).
    sink: Option<Arc<dyn super::sink::JournalSink>>,
    /// The byte length of the whole lines written so far (with `written`, for the sink).
    bytes: AtomicU64,
    /// The highest sequence number written (not necessarily durable).
    written: AtomicU64,
    /// Whether a sync is running; whoever sets it runs the sync and clears it.
    syncing: AtomicBool,
    /// The highest sequence number known durable, and the error of the last sync if it failed.
    synced: watch::Sender<Synced>,
    /// How many syncs ran.
    syncs: AtomicU64,
}

#[derive(Debug, Clone, Default)]
struct Synced {
    upto: u64,
    error: Option<SyncError>,
}

/// Why lines could not be made durable. Cloned to every writer that waited on the failed sync.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SyncError {
    #[error("cannot sync the journal: {0}")]
    Failed(#[source] Arc<SyncFailure>),
    /// The file's durability ended (the journal was dropped) before the line was covered.
    #[error("the journal was closed")]
    Closed,
}

/// What one sync ran into.
#[derive(Debug, thiserror::Error)]
pub enum SyncFailure {
    #[error("{0}")]
    Disk(#[source] std::io::Error),
    #[error("{0}")]
    Sink(#[source] super::sink::SinkError),
    #[error("the sync task stopped")]
    TaskStopped,
}

impl GroupSync {
    /// `file` is a handle on the file the lines are appended to; `durable` lines are already on
    /// disk.
    pub fn new(file: File, durable: u64) -> GroupSync {
        GroupSync::with_sink(file, durable, None, 0)
    }

    /// A group sync whose every sync also hands the lines to `sink`; `durable_bytes` is the
    /// length of the `durable` lines.
    pub fn with_sink(
        file: File,
        durable: u64,
        sink: Option<Arc<dyn super::sink::JournalSink>>,
        durable_bytes: u64,
    ) -> GroupSync {
        GroupSync {
            file: Arc::new(file),
            sink,
            bytes: AtomicU64::new(durable_bytes),
            written: AtomicU64::new(durable),
            syncing: AtomicBool::new(false),
            synced: watch::Sender::new(Synced { upto: durable, error: None }),
            syncs: AtomicU64::new(0),
        }
    }

    /// Notes that line `seq` was written. Call it while still holding whatever serialises
    /// the writes, so sequence numbers arrive in order.
    pub fn wrote(&self, seq: u64) {
        self.wrote_to(seq, 0);
    }

    /// Notes that line `seq` was written and ends at byte `end`. Call it while still holding
    /// whatever serialises the writes.
    pub fn wrote_to(&self, seq: u64, end: u64) {
        // Bytes first: a sync that reads `written` and then `bytes` covers at least that line.
        self.bytes.fetch_max(end, Ordering::AcqRel);
        self.written.fetch_max(seq, Ordering::AcqRel);
    }

    /// How many syncs ran so far.
    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Acquire)
    }

    /// Lines written but not yet known durable.
    pub fn pending(&self) -> u64 {
        self.written.load(Ordering::Acquire).saturating_sub(self.synced.borrow().upto)
    }

    /// Returns once line `seq` is durable, running a sync if none is under way; fails when the
    /// sync that should have covered it failed.
    pub async fn durable(&self, seq: u64) -> Result<(), SyncError> {
        let mut tried = false;
        loop {
            // Subscribe before looking at `syncing`: a sync that is running now ends by
            // publishing, which wakes this receiver.
            let mut changes = self.synced.subscribe();
            {
                let now = changes.borrow_and_update();
                if now.upto >= seq {
                    return Ok(());
                }
                if tried && let Some(error) = &now.error {
                    return Err(error.clone());
                }
            }
            if self.begin() {
                tried = true;
                self.run_sync().await;
                continue;
            }
            // Another writer's sync is running; the one after it covers this line.
            if changes.changed().await.is_err() {
                return Err(SyncError::Closed);
            }
        }
    }

    /// Starts a sync in the background when none is running (for lines nobody waits for,
    /// so they do not pile up unsynced); without a runtime, syncs here.
    pub fn kick(self: &Arc<GroupSync>) {
        if !self.begin() {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let this = Arc::clone(self);
                runtime.spawn(async move { this.run_sync().await });
            }
            Err(_) => {
                let upto = self.written.load(Ordering::Acquire);
                let bytes = self.bytes.load(Ordering::Acquire);
                let result = sync_and_hand_over(&self.file, self.sink.as_deref(), bytes);
                self.publish(upto, result);
            }
        }
    }

    fn begin(&self) -> bool {
        !self.syncing.swap(true, Ordering::AcqRel)
    }

    /// Syncs everything written so far (the caller has set `syncing`) and publishes it.
    async fn run_sync(&self) {
        let upto = self.written.load(Ordering::Acquire);
        let bytes = self.bytes.load(Ordering::Acquire);
        let file = Arc::clone(&self.file);
        let sink = self.sink.clone();
        let result = match tokio::task::spawn_blocking(move || {
            sync_and_hand_over(&file, sink.as_deref(), bytes)
        })
        .await
        {
            Ok(done) => done,
            Err(_) => Err(SyncFailure::TaskStopped),
        };
        self.publish(upto, result);
    }

    /// Clears `syncing` first, then publishes: a writer that looks after the clear starts a
    /// sync of its own; one that looked before is woken by the publication.
    fn publish(&self, upto: u64, result: Result<(), SyncFailure>) {
        self.syncs.fetch_add(1, Ordering::AcqRel);
        self.syncing.store(false, Ordering::Release);
        self.synced.send_modify(|synced| match result {
            Ok(()) => {
                synced.upto = synced.upto.max(upto);
                synced.error = None;
            }
            Err(error) => synced.error = Some(SyncError::Failed(Arc::new(error))),
        });
    }
}

/// Syncs the file, then hands its first `bytes` to the sink, if there is one.
fn sync_and_hand_over(
    file: &File,
    sink: Option<&dyn super::sink::JournalSink>,
    bytes: u64,
) -> Result<(), SyncFailure> {
    file.sync_data().map_err(SyncFailure::Disk)?;
    match sink {
        Some(sink) => sink.flush(bytes).map_err(SyncFailure::Sink),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;

    use super::*;

    /// Writers append a line each, then wait for it to be durable, all at once.
    fn writers(n: u64) -> (Arc<GroupSync>, Vec<u64>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("lines");
        let file = File::create(&path).expect("file");
        let sync = Arc::new(GroupSync::new(file.try_clone().expect("handle"), 0));
        let file = Arc::new(Mutex::new((file, 0u64)));
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let done = runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..n {
                let (sync, file) = (Arc::clone(&sync), Arc::clone(&file));
                tasks.spawn(async move {
                    let seq = {
                        let mut file = file.lock().expect("lock");
                        file.0.write_all(b"line\n").expect("write");
                        file.1 += 1;
                        sync.wrote(file.1);
                        file.1
                    };
                    sync.durable(seq).await.expect("durable");
                    assert!(sync.synced.borrow().upto >= seq, "returned before line {seq} was synced");
                    seq
                });
            }
            let mut done = Vec::new();
            while let Some(seq) = tasks.join_next().await {
                done.push(seq.expect("writer"));
            }
            done
        });
        (sync, done)
    }

    #[test]
    fn one_sync_serves_every_writer_waiting_for_it() {
        let (sync, mut done) = writers(64);
        done.sort_unstable();
        assert_eq!(done, (1..=64).collect::<Vec<_>>());
        assert_eq!(sync.pending(), 0);
        // The first writer's sync covers itself; the one after it covers the 63 that arrived
        // while it ran.
        assert!(sync.syncs() <= 3, "{} syncs for 64 writers", sync.syncs());
        assert!(sync.syncs() >= 1);
    }

    #[test]
    fn a_kick_syncs_lines_nobody_waits_for() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut file = File::create(dir.path().join("lines")).expect("file");
        let sync = Arc::new(GroupSync::new(file.try_clone().expect("handle"), 0));
        file.write_all(b"a\nb\n").expect("write");
        sync.wrote(2);
        assert_eq!(sync.pending(), 2);
        // Outside a runtime the kick syncs at once.
        sync.kick();
        assert_eq!(sync.pending(), 0);
        assert_eq!(sync.syncs(), 1);
    }
}
