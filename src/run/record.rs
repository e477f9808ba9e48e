//! The run's record in the plan's journal: intents before writes that must not be repeated,
//! results after them, and each node's final state. A dry-run records nothing.

use std::sync::{Arc, Mutex};

use crate::state::group_sync::GroupSync;
use crate::state::{
    Clock, Durability, Entry, Journal, JournalState, NodeStatus, RunId, SourceRef, StateError, SyncError,
    WriteKind, marker,
};

/// Why the run's journal could not take an entry. Kept (cloned) as the run's first failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JournalError {
    #[error("the journal: {0}")]
    Write(#[source] Arc<StateError>),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

/// Results and node states written before a sync is started for them.
const JOURNAL_BATCH: u64 = 64;

/// The journal of this run, shared by the workers; appends are serialised by a lock, so the
/// journal has one writer at a time and its lines never interleave. Intents wait for an fsync
/// that covers them (one fsync serves every intent waiting at the time); results and node
/// states are synced in the background every [`JOURNAL_BATCH`] lines, and at the end.
pub struct Recorder {
    journal: Option<Mutex<Journal>>,
    durability: Option<Arc<GroupSync>>,
    run: RunId,
    clock: Box<dyn Clock + Send + Sync>,
    source_site: String,
    /// The first journal write that failed: the run starts nothing new after it and ends
    /// Incomplete (what it did is found again by marker on the destination).
    failure: Mutex<Option<JournalError>>,
    /// What earlier runs of the plan did, as replayed when this run started.
    pub previous: JournalState,
}

impl Recorder {
    /// `previous` is what the journal held when the run began ([`Journal::take_state`]): the
    /// journal itself no longer folds what this run appends.
    pub fn new(
        journal: Option<Journal>,
        previous: JournalState,
        run: RunId,
        clock: Box<dyn Clock + Send + Sync>,
        source_site: String,
    ) -> Recorder {
        // Intents (and run boundaries) reach the disk before the write they guard; results and
        // node states go in batches: a power loss may cost the last few, which the next run
        // redoes or reconciles by marker. One fsync per entry would cap a fast site at the
        // disk's sync rate. Without a second handle on the file (to sync it from the blocking
        // pool), every entry is synced as it is appended instead.
        let mut journal = journal;
        let durability = journal.as_mut().and_then(|j| {
            j.sync().ok()?;
            let file = j.sync_handle().ok()?;
            Some(Arc::new(GroupSync::with_sink(file, j.state().entries as u64, j.sink(), j.len_bytes())))
        });
        let journal = match durability {
            Some(_) => journal,
            None => journal.map(|j| j.with_durability(Durability::EveryEntry)),
        };
        Recorder {
            journal: journal.map(Mutex::new),
            durability,
            run,
            clock,
            source_site,
            failure: Mutex::new(None),
            previous,
        }
    }

    /// A recorder for a dry-run: remembers nothing, writes nothing.
    pub fn none() -> Recorder {
        Recorder::new(
            None,
            JournalState::default(),
            RunId::new(jiff::Timestamp::now()),
            Box::new(crate::state::SystemClock),
            String::new(),
        )
    }

    /// Appends an entry; with group commit, returns its sequence number, not yet durable.
    fn append(&self, entry: Entry) -> Result<Option<u64>, JournalError> {
        let Some(journal) = &self.journal else { return Ok(None) };
        let mut journal = journal.lock().unwrap_or_else(|e| e.into_inner());
        let appended = match &self.durability {
            None => journal.append(&entry).map(|()| None),
            Some(durability) => journal.append_deferred(&entry).map(|seq| {
                durability.wrote_to(seq, journal.len_bytes());
                Some(seq)
            }),
        };
        appended.map_err(|e| self.failed(JournalError::Write(Arc::new(e))))
    }

    /// Remembers the first failed journal write; returns it.
    fn failed(&self, error: JournalError) -> JournalError {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        if failure.is_none() {
            *failure = Some(error.clone());
        }
        error
    }

    /// Why the journal could not be written, if it could not: the run must stop starting work.
    pub fn failure(&self) -> Option<JournalError> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Appends an entry nobody waits for; starts a background sync once enough are pending.
    fn append_batched(&self, entry: Entry) -> Result<(), JournalError> {
        self.append(entry)?;
        if let Some(durability) = &self.durability
            && durability.pending() >= JOURNAL_BATCH
        {
            durability.kick();
        }
        Ok(())
    }

    /// Appends an entry and returns once it is durable.
    async fn append_durable(&self, entry: Entry) -> Result<(), JournalError> {
        match (self.append(entry)?, &self.durability) {
            (Some(seq), Some(durability)) => {
                durability.durable(seq).await.map_err(|e| self.failed(JournalError::Sync(e)))
            }
            _ => Ok(()),
        }
    }

    /// Durably records that a write is about to happen; the write must not start if this fails.
    pub async fn intent(&self, node: &str, kind: WriteKind, source: SourceRef) -> Result<(), JournalError> {
        let marker = marker(&self.source_site, &source);
        self.append_durable(Entry::Intent {
            run: self.run.clone(),
            node: node.to_string(),
            kind,
            source,
            marker,
            at: self.clock.now(),
        })
        .await
    }

    /// Records where a source entity went (and at which versions).
    pub fn result(
        &self,
        node: &str,
        source: SourceRef,
        destination_id: &str,
        source_version: Option<u64>,
        destination_version: Option<u64>,
    ) {
        let entry = Entry::Result {
            run: self.run.clone(),
            node: node.to_string(),
            source,
            destination_id: destination_id.to_string(),
            source_version,
            destination_version,
            at: self.clock.now(),
        };
        if let Err(error) = self.append_batched(entry) {
            tracing::error!(%error, "could not record a result");
        }
    }

    pub fn node(&self, node: &str, status: NodeStatus) {
        let entry =
            Entry::Node { run: self.run.clone(), node: node.to_string(), status, at: self.clock.now() };
        if let Err(error) = self.append_batched(entry) {
            tracing::error!(%error, "could not record a node's state");
        }
    }

    /// Appends any other entry (run started or finished), durably: it is synced before this
    /// returns.
    pub fn entry(&self, entry: Entry) -> Result<(), JournalError> {
        self.append(entry)?;
        self.sync_now()
    }

    /// Records what was found on the destination by marker as this run's results, so the
    /// journal knows it from now on (a later run trusts a journal that ends Complete).
    pub fn adopted(&self, found: &crate::reconcile::Found) {
        for (source, item) in &found.items {
            let node = format!("reconcile:{}", source.kind.as_str());
            self.result(
                &node,
                source.clone(),
                &item.destination_id,
                item.source_version,
                item.destination_version,
            );
        }
    }

    /// The source site as the plan names it, which markers carry.
    pub fn source_site(&self) -> &str {
        &self.source_site
    }

    pub fn run(&self) -> &RunId {
        &self.run
    }

    /// Makes every entry appended so far durable.
    pub fn sync(&self) {
        if let Err(error) = self.sync_now() {
            tracing::error!(%error, "could not sync the journal");
        }
    }

    fn sync_now(&self) -> Result<(), JournalError> {
        match &self.journal {
            Some(journal) => journal
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .sync()
                .map_err(|e| self.failed(JournalError::Write(Arc::new(e)))),
            None => Ok(()),
        }
    }

    /// Whether an earlier run finished this node.
    pub fn done_before(&self, node: &str) -> bool {
        self.previous.is_done(node)
    }

    /// Whether an earlier run recorded an intent for this entity but no result: the write may or
    /// may not have happened, so look at the destination before writing again.
    pub fn interrupted(&self, source: &SourceRef) -> bool {
        self.previous.is_pending(source)
    }
}
