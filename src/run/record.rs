//! The run's record in the plan's journal: intents before writes that must not be repeated,
//! results after them, and each node's final state. A dry-run records nothing.

use std::sync::Mutex;

use crate::state::{
    Clock, Durability, Entry, Journal, JournalState, NodeStatus, RunId, SourceRef, WriteKind, marker,
};

/// Results and node states written between two fsyncs of the journal.
const JOURNAL_BATCH: usize = 64;

/// The journal of this run, shared by the workers; appends are serialised by a lock, so the
/// journal has one writer at a time and its lines never interleave.
pub struct Recorder {
    journal: Option<Mutex<Journal>>,
    run: RunId,
    clock: Box<dyn Clock + Send + Sync>,
    source_site: String,
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
        // disk's sync rate.
        let journal = journal.map(|j| j.with_durability(Durability::Batched { every: JOURNAL_BATCH }));
        Recorder { journal: journal.map(Mutex::new), run, clock, source_site, previous }
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

    fn append(&self, entry: Entry) -> Result<(), String> {
        let Some(journal) = &self.journal else { return Ok(()) };
        journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .append(&entry)
            .map_err(|e| format!("the journal: {e}"))
    }

    /// Durably records that a write is about to happen; the write must not start if this fails.
    pub fn intent(&self, node: &str, kind: WriteKind, source: SourceRef) -> Result<(), String> {
        let marker = marker(&self.source_site, &source);
        self.append(Entry::Intent {
            run: self.run.clone(),
            node: node.to_string(),
            kind,
            source,
            marker,
            at: self.clock.now(),
        })
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
        if let Err(error) = self.append(entry) {
            tracing::error!(%error, "could not record a result");
        }
    }

    pub fn node(&self, node: &str, status: NodeStatus) {
        let entry =
            Entry::Node { run: self.run.clone(), node: node.to_string(), status, at: self.clock.now() };
        if let Err(error) = self.append(entry) {
            tracing::error!(%error, "could not record a node's state");
        }
    }

    /// Appends any other entry (run started or finished).
    pub fn entry(&self, entry: Entry) -> Result<(), String> {
        self.append(entry)
    }

    pub fn run(&self) -> &RunId {
        &self.run
    }

    pub fn sync(&self) {
        if let Some(journal) = &self.journal {
            let _ = journal.lock().unwrap_or_else(|e| e.into_inner()).sync();
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
