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
    /// The highest sequence number written (not necessarily durable).
    written: AtomicU64,
    /// Whether a sync is running; whoever sets it runs the sync and clears it.
    syncing: AtomicBool,
    /// The highest sequence number known durable, and the error of the last sync if it failed.
    synced: watch::Sender<Synced>,
}

#[derive(Debug, Clone, Default)]
struct Synced {
    upto: u64,
    error: Option<String>,
}

impl GroupSync {
    /// `file` is a handle on the file the lines are appended to; `durable` lines are already on
    /// disk.
    pub fn new(file: File, durable: u64) -> GroupSync {
        GroupSync {
            file: Arc::new(file),
            written: AtomicU64::new(durable),
            syncing: AtomicBool::new(false),
            synced: watch::Sender::new(Synced { upto: durable, error: None }),
        }
    }

    /// Notes that line `seq` was written. Call it while still holding whatever serialises
    /// the writes, so sequence numbers arrive in order.
    pub fn wrote(&self, seq: u64) {
        self.written.fetch_max(seq, Ordering::AcqRel);
    }

    /// Lines written but not yet known durable.
    pub fn pending(&self) -> u64 {
        self.written.load(Ordering::Acquire).saturating_sub(self.synced.borrow().upto)
    }

    /// Returns once line `seq` is durable, running a sync if none is under way; fails when the
    /// sync that should have covered it failed.
    pub async fn durable(&self, seq: u64) -> Result<(), String> {
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
                return Err("the journal was closed".into());
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
                let result = self.file.sync_data().map_err(|e| e.to_string());
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
        let file = Arc::clone(&self.file);
        let result = match tokio::task::spawn_blocking(move || file.sync_data()).await {
            Ok(done) => done.map_err(|e| e.to_string()),
            Err(_) => Err("the sync task stopped".to_string()),
        };
        self.publish(upto, result);
    }

    /// Clears `syncing` first, then publishes: a writer that looks after the clear starts a
    /// sync of its own; one that looked before is woken by the publication.
    fn publish(&self, upto: u64, result: Result<(), String>) {
        self.syncing.store(false, Ordering::Release);
        self.synced.send_modify(|synced| match result {
            Ok(()) => {
                synced.upto = synced.upto.max(upto);
                synced.error = None;
            }
            Err(error) => synced.error = Some(format!("cannot sync the journal: {error}")),
        });
    }
}
