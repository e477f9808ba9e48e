//! What a journal says when read back: the state a resumed or repeated apply starts from.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::dir::RunId;
use super::entry::{Entry, NodeStatus, RunOutcome, SourceRef, WriteKind};
use super::identity::PlanIdentity;
use super::operator::Operator;

/// Everything the journal records, folded: later entries win.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JournalState {
    /// The plan identity as recorded: the header's, with spaces added by later runs.
    pub identity: Option<PlanIdentity>,
    /// Runs in the order they started.
    pub runs: Vec<RunState>,
    /// Each source entity's destination id (from results and mappings).
    pub mappings: BTreeMap<SourceRef, Mapping>,
    /// Each node's latest status, across runs.
    pub nodes: BTreeMap<String, NodeState>,
    /// Intents whose write has no recorded result, keyed by source entity (the latest intent).
    pending: BTreeMap<SourceRef, PendingIntent>,
    /// An incomplete last line found (and cut off) when the journal was opened.
    pub torn_tail: Option<TornTail>,
    /// How many entries were read or appended.
    pub entries: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    pub id: RunId,
    pub plan_hash: String,
    pub by: Operator,
    pub started_at: Timestamp,
    pub finished: Option<(RunOutcome, Timestamp)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub destination_id: String,
    pub source_version: Option<u64>,
    pub destination_version: Option<u64>,
    /// The run that recorded it.
    pub run: RunId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeState {
    pub status: NodeStatus,
    pub run: RunId,
}

/// A write that may or may not have happened: find `marker` on the destination before
/// doing anything else for `source`. Never create it again without looking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingIntent {
    pub run: RunId,
    pub node: String,
    pub kind: WriteKind,
    pub source: SourceRef,
    pub marker: String,
    pub at: Timestamp,
}

/// Bytes after the last complete line, as a crash in the middle of an append leaves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// Where the incomplete line started (the journal is cut back to this length).
    pub offset: u64,
    pub bytes: usize,
}

impl JournalState {
    /// A state that knows only how many entries there were.
    pub(super) fn counting(entries: usize) -> JournalState {
        JournalState { entries, ..JournalState::default() }
    }

    /// The id of a run the state knows, sharing its text: an entry read back holds a copy of
    /// its own, and a million mappings and nodes would each keep one.
    fn shared(&self, run: &RunId) -> RunId {
        self.runs
            .iter()
            .rev()
            .find(|known| &known.id == run)
            .map_or_else(|| run.clone(), |known| known.id.clone())
    }

    /// Folds one entry into the state.
    pub fn apply(&mut self, entry: &Entry) {
        self.entries += 1;
        match entry {
            Entry::Header { plan, .. } => {
                self.identity = Some(match &self.identity {
                    Some(known) => known.merged_with(plan),
                    None => plan.clone(),
                });
            }
            Entry::RunStarted { run, plan_hash, plan, by, at } => {
                self.identity = Some(match &self.identity {
                    Some(known) => known.merged_with(plan),
                    None => plan.clone(),
                });
                self.runs.push(RunState {
                    id: run.clone(),
                    plan_hash: plan_hash.clone(),
                    by: by.clone(),
                    started_at: *at,
                    finished: None,
                });
            }
            Entry::Node { run, node, status, .. } => {
                let run = self.shared(run);
                self.nodes.insert(node.clone(), NodeState { status: status.clone(), run });
            }
            Entry::Intent { run, node, kind, source, marker, at } => {
                let run = self.shared(run);
                self.pending.insert(
                    source.clone(),
                    PendingIntent {
                        run,
                        node: node.clone(),
                        kind: *kind,
                        source: source.clone(),
                        marker: marker.clone(),
                        at: *at,
                    },
                );
            }
            Entry::Result { run, source, destination_id, source_version, destination_version, .. } => {
                let run = self.shared(run);
                self.pending.remove(source);
                self.mappings.insert(
                    source.clone(),
                    Mapping {
                        destination_id: destination_id.clone(),
                        source_version: *source_version,
                        destination_version: *destination_version,
                        run,
                    },
                );
            }
            Entry::Mapping { run, source, destination_id, .. } => {
                let run = self.shared(run);
                let previous = self.mappings.get(source);
                self.mappings.insert(
                    source.clone(),
                    Mapping {
                        destination_id: destination_id.clone(),
                        source_version: previous.and_then(|m| m.source_version),
                        destination_version: previous.and_then(|m| m.destination_version),
                        run,
                    },
                );
            }
            Entry::RunFinished { run, outcome, at } => {
                if let Some(state) = self.runs.iter_mut().rev().find(|r| &r.id == run) {
                    state.finished = Some((*outcome, *at));
                }
            }
        }
    }

    /// The destination id of a source entity, if the journal knows it.
    pub fn destination_of(&self, source: &SourceRef) -> Option<&str> {
        self.mappings.get(source).map(|m| m.destination_id.as_str())
    }

    /// Whether a node's latest status is done.
    pub fn is_done(&self, node: &str) -> bool {
        matches!(self.nodes.get(node), Some(NodeState { status: NodeStatus::Done, .. }))
    }

    /// Nodes whose latest status is done.
    pub fn nodes_done(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().filter(|(_, s)| s.status == NodeStatus::Done).map(|(node, _)| node.as_str())
    }

    /// Whether an intent for `source` has no recorded result.
    pub fn is_pending(&self, source: &SourceRef) -> bool {
        self.pending.contains_key(source)
    }

    /// Intents without a result, oldest first: reconcile each by its marker before resuming.
    pub fn pending_intents(&self) -> Vec<&PendingIntent> {
        let mut pending: Vec<_> = self.pending.values().collect();
        pending.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.source.cmp(&b.source)));
        pending
    }

    pub fn last_run(&self) -> Option<&RunState> {
        self.runs.last()
    }

    /// How the last run ended; `None` when there was none or it never finished.
    pub fn last_run_outcome(&self) -> Option<RunOutcome> {
        self.last_run().and_then(|r| r.finished.map(|(outcome, _)| outcome))
    }

    /// The last run when it started but never finished: the run an apply should continue.
    pub fn unfinished_run(&self) -> Option<&RunState> {
        self.last_run().filter(|r| r.finished.is_none())
    }
}
