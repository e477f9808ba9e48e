//! The dispatcher walks the graph: it owns all run state, starts ready nodes up to the
//! concurrency bound, records each outcome, and marks what needs a failed node as not copied.
//! Workers do one node each and report back; only the dispatcher decides what runs next.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::task::JoinSet;

use super::context::Copy;
use super::lane_gate::{self, Gate, Opened};
use super::ops;
use super::outcome::Outcome;
use super::progress::Progress;
use crate::graph::{Graph, NodeId, NodeKind, Staged, label};
use crate::state::NodeStatus;

/// The nodes of earlier stages that did not end in a way that lets what needs them run, by
/// journal key: a stage's boundary nodes are settled from it. Only these are kept, so what
/// is remembered between stages grows with the failures, not with the plan.
#[derive(Debug, Default)]
pub struct Settled {
    not_done: std::collections::HashSet<String>,
}

impl Settled {
    fn record(&mut self, key: String, outcome: &Outcome) {
        if !outcome.unblocks() {
            self.not_done.insert(key);
        }
    }

    /// Whether the node with this key ended so that what needs it may run.
    pub fn unblocks(&self, key: &str) -> bool {
        !self.not_done.contains(key)
    }
}

/// The state of one walk: what each node still waits for, what blocked it, how it ended.
struct Walk<'a> {
    graph: &'a Graph,
    dependents: crate::graph::Dependents,
    waiting: Vec<usize>,
    blocked_by: Vec<Option<NodeId>>,
    outcomes: Vec<Option<Outcome>>,
    /// Ready nodes, lowest id first, so walks are repeatable.
    ready: BinaryHeap<Reverse<NodeId>>,
}

impl Walk<'_> {
    /// Records a node's outcome (journal, progress, what later stages see) and releases the
    /// nodes that needed it.
    fn finish(
        &mut self,
        id: NodeId,
        outcome: Outcome,
        copy: &Copy,
        progress: &Progress,
        settled: &mut Settled,
    ) {
        let kind = &self.graph.nodes[id].kind;
        progress.node_done(kind, &outcome, &copy.snapshot);
        let status = match &outcome {
            Outcome::Copied { .. } | Outcome::Present { .. } => NodeStatus::Done,
            Outcome::Skipped { reason } => NodeStatus::Skipped { reason: reason.clone() },
            Outcome::Failed { reason } | Outcome::Blocked { reason } => {
                NodeStatus::Failed { reason: reason.clone() }
            }
        };
        let key = kind.key(&copy.snapshot);
        copy.recorder.node(&key, status);
        settled.record(key, &outcome);
        let unblocks = outcome.unblocks();
        self.outcomes[id] = Some(outcome);
        self.release(id, unblocks);
    }

    /// Releases the nodes that needed `id`; with `unblocks` false, they are not copied.
    fn release(&mut self, id: NodeId, unblocks: bool) {
        for next in self.dependents.of(id) {
            let tolerated = self.graph.nodes[next].kind.tolerates(&self.graph.nodes[id].kind);
            if !unblocks && !tolerated && self.blocked_by[next].is_none() {
                self.blocked_by[next] = Some(id);
            }
            self.waiting[next] -= 1;
            if self.waiting[next] == 0 {
                self.ready.push(Reverse(next));
            }
        }
    }
}

/// Siblings a lane runs at once when its running one has opened its gate, or when it overflows.
/// Siblings created side by side land in the order their requests arrive, and each one out of
/// place costs a move afterwards; the more go at once, the more arrive out of order.
const SIDE_BY_SIDE: usize = 2;

/// Pages and folders under one parent form a lane: the destination puts each new child last,
/// so children created one after another arrive in order and need no move afterwards. A lane
/// runs one creation at a time while other work keeps the pipe full; the next sibling starts
/// beside it once it opens its gate (answered, or waiting to send its create again: see
/// `lane_gate`), and when the pipe would otherwise run below half full, siblings go side by
/// side. The fix-up orders what arrived out of place.
struct Lanes {
    /// The lane of each node (pages and folders only).
    of: Vec<Option<usize>>,
    running: Vec<usize>,
    /// Nodes ready but held back because their lane is busy, lowest id first.
    held: Vec<BinaryHeap<Reverse<NodeId>>>,
    /// Lanes holding nodes back.
    holding: std::collections::BTreeSet<usize>,
    /// The gate of each lane's latest started node (see `lane_gate`).
    gates: Vec<Option<Arc<Gate>>>,
    /// Where gates say they opened.
    opened: Arc<Opened>,
    /// Lanes whose running node opened its gate while siblings may be held behind it, to look
    /// at before anything else (see `beside_open`).
    open: std::collections::VecDeque<usize>,
}

impl Lanes {
    fn new(graph: &Graph, copy: &Copy) -> Lanes {
        let mut keys: std::collections::HashMap<(usize, Option<&str>), usize> = Default::default();
        let of: Vec<Option<usize>> = graph
            .nodes
            .iter()
            .map(|node| match node.kind {
                NodeKind::Page { space, page } => {
                    let parent = copy.snapshot.spaces[space].pages[page].parent_id.as_deref();
                    let next = keys.len();
                    Some(*keys.entry((space, parent)).or_insert(next))
                }
                _ => None,
            })
            .collect();
        let lanes = keys.len();
        Lanes {
            of,
            running: vec![0; lanes],
            held: vec![BinaryHeap::new(); lanes],
            holding: Default::default(),
            gates: vec![None; lanes],
            opened: Arc::default(),
            open: Default::default(),
        }
    }

    /// Whether the node may start now; if not, it is held until its lane is free.
    fn admit(&mut self, id: NodeId) -> bool {
        let Some(lane) = self.of[id] else { return true };
        if self.running[lane] > 0 {
            self.held[lane].push(Reverse(id));
            self.holding.insert(lane);
            if self.gates[lane].as_deref().is_some_and(Gate::is_open) {
                // Its gate opened before it held anything: no word will come of it again.
                self.open.push_back(lane);
            }
            return false;
        }
        self.running[lane] += 1;
        true
    }

    /// The gate a lane node starts with, and the gate of the sibling started before it, which
    /// the node waits at (open already when that sibling has ended or sent its create).
    fn gates(&mut self, id: NodeId) -> Option<(Arc<Gate>, Option<Arc<Gate>>)> {
        let lane = self.of[id]?;
        let gate = Gate::new(lane, &self.opened);
        let before = self.gates[lane].replace(Arc::clone(&gate));
        Some((gate, before))
    }

    /// A node ended: its lane's next held node, if the lane is free now.
    fn release(&mut self, id: NodeId) -> Option<NodeId> {
        let lane = self.of[id]?;
        self.running[lane] = self.running[lane].saturating_sub(1);
        if self.running[lane] > 0 {
            return None;
        }
        self.next_held(lane)
    }

    fn next_held(&mut self, lane: usize) -> Option<NodeId> {
        let Reverse(next) = self.held[lane].pop()?;
        if self.held[lane].is_empty() {
            self.holding.remove(&lane);
        }
        Some(next)
    }

    /// A held node to start beside a running sibling that opened its gate (see `lane_gate`).
    /// Only the lanes whose gates said they opened are looked at, each once.
    fn beside_open(&mut self) -> Option<NodeId> {
        self.open.extend(self.opened.take());
        while let Some(lane) = self.open.pop_front() {
            // A lane with none running starts its next node the usual way (it is among the
            // ready ones already): only a lane whose one running node opened its gate counts.
            let open = self.running[lane] == 1 && self.gates[lane].as_deref().is_some_and(Gate::is_open);
            if !open {
                continue;
            }
            if let Some(next) = self.next_held(lane) {
                self.running[lane] += 1;
                return Some(next);
            }
        }
        None
    }

    /// A held node to start beside its running siblings (the lane with the most held first).
    fn overflow(&mut self) -> Option<NodeId> {
        let lane = *self
            .holding
            .iter()
            .filter(|&&l| self.running[l] < SIDE_BY_SIDE)
            .max_by_key(|&&l| (self.held[l].len(), Reverse(l)))?;
        let next = self.next_held(lane)?;
        self.running[lane] += 1;
        Some(next)
    }
}

/// Runs every own node of a stage's graph once, after settling its boundary from what earlier
/// stages recorded in `settled` (which learns this stage's outcomes in turn); returns one
/// outcome per own node, in node order.
pub async fn walk(
    staged: &Staged,
    settled: &mut Settled,
    copy: Arc<Copy>,
    in_flight: usize,
    progress: &Progress,
) -> Vec<Outcome> {
    let graph = &staged.graph;
    let waiting: Vec<usize> = graph.nodes.iter().map(|n| n.needs.len()).collect();
    let mut lanes = Lanes::new(graph, &copy);
    let mut walk = Walk {
        graph,
        dependents: graph.dependents_compact(),
        waiting,
        blocked_by: vec![None; graph.nodes.len()],
        outcomes: vec![None; graph.nodes.len()],
        ready: BinaryHeap::new(),
    };
    // The boundary ended in an earlier stage: only whether it lets its dependents run counts.
    for id in 0..staged.boundary {
        let unblocks = settled.unblocks(&graph.nodes[id].kind.key(&copy.snapshot));
        walk.release(id, unblocks);
    }
    walk.ready = staged.own().filter(|&i| walk.waiting[i] == 0).map(Reverse).collect();
    let mut running: JoinSet<(NodeId, Outcome)> = JoinSet::new();
    let in_flight = in_flight.max(1);
    let opened = Arc::clone(&lanes.opened);
    loop {
        while running.len() < in_flight {
            let id = match lanes.beside_open() {
                Some(id) => id,
                None => match walk.ready.pop() {
                    Some(Reverse(id)) => {
                        if walk.blocked_by[id].is_none() && !lanes.admit(id) {
                            continue;
                        }
                        id
                    }
                    None if running.len() < in_flight.div_ceil(2) => match lanes.overflow() {
                        Some(id) => id,
                        None => break,
                    },
                    None => break,
                },
            };
            if let Some(cause) = walk.blocked_by[id] {
                let reason = format!(
                    "not copied: it needs {}, which was not copied",
                    label(&graph.nodes[cause].kind, &copy.snapshot)
                );
                walk.finish(id, Outcome::Blocked { reason }, &copy, progress, settled);
                continue;
            }
            if let Some(halt) = copy.halted() {
                let reason = format!("not started: {halt}");
                walk.finish(id, Outcome::Blocked { reason }, &copy, progress, settled);
                continue;
            }
            let kind = graph.nodes[id].kind.clone();
            let copy = Arc::clone(&copy);
            let gates = lanes.gates(id);
            running.spawn(async move {
                let work = async {
                    match gates {
                        Some((gate, before)) => {
                            if let Some(before) = before {
                                before.pass().await;
                            }
                            lane_gate::run_with(gate, ops::run(&copy, &kind)).await
                        }
                        None => ops::run(&copy, &kind).await,
                    }
                };
                let work = std::panic::AssertUnwindSafe(work).catch_unwind().await;
                // A panic is a bug: that node fails, the rest of the plan goes on.
                (
                    id,
                    work.unwrap_or_else(|_| {
                        Outcome::failed("internal error (a bug): the copy of this item stopped")
                    }),
                )
            });
        }
        // A gate may open while nothing ends: the siblings held behind it go at once.
        let joined = tokio::select! {
            biased;
            joined = running.join_next() => joined,
            () = opened.wait(), if !lanes.holding.is_empty() => continue,
        };
        let Some(joined) = joined else { break };
        // Only an aborted task ends without an outcome; its node is reported as not reached.
        let Ok((id, outcome)) = joined else { continue };
        if let Some(next) = lanes.release(id) {
            walk.ready.push(Reverse(next));
        }
        walk.finish(id, outcome, &copy, progress, settled);
    }
    walk.outcomes
        .drain(staged.boundary..)
        .map(|o| o.unwrap_or_else(|| Outcome::Blocked { reason: "not reached".into() }))
        .collect()
}
