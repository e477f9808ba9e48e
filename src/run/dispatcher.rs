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
    /// Ready nodes, the longest chain first (see `chains`), then the lowest id, so walks are
    /// repeatable.
    ready: BinaryHeap<(u32, Reverse<NodeId>)>,
    /// Nodes that became ready since the dispatcher last looked, to go to `ready` or to wait in
    /// their lane (see `Lanes::arrive`).
    fresh: Vec<NodeId>,
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
                self.fresh.push(next);
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
    /// The longest chain each node starts (see `chains`).
    chain: Vec<u32>,
    running: Vec<usize>,
    /// Nodes ready but held back because their lane is busy, lowest id first.
    held: Vec<BinaryHeap<Reverse<NodeId>>>,
    /// Lanes holding nodes back.
    holding: std::collections::BTreeSet<usize>,
    /// The gates of the lane nodes running now, in the order they started (a few dozen at
    /// most; see `lane_gate`).
    live: Vec<(NodeId, Arc<Gate>)>,
    /// Whether a lane's first node waits among the ready ones (the lane is taken: its siblings
    /// wait in `held` meanwhile).
    queued: Vec<bool>,
    /// Where gates say they opened.
    opened: Arc<Opened>,
    /// Lanes whose running node opened its gate while siblings may be held behind it, to look
    /// at before anything else (see `beside_open`).
    open: std::collections::VecDeque<usize>,
}

impl Lanes {
    fn new(graph: &Graph, dependents: &crate::graph::Dependents, copy: &Copy) -> Lanes {
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
        let chain = chains(graph, dependents, &of, lanes);
        Lanes::with(of, chain, lanes)
    }

    /// Lanes where `of` gives each node's lane (of `lanes`) and `chain` each node's chain.
    fn with(of: Vec<Option<usize>>, chain: Vec<u32>, lanes: usize) -> Lanes {
        Lanes {
            of,
            chain,
            running: vec![0; lanes],
            held: vec![BinaryHeap::new(); lanes],
            holding: Default::default(),
            queued: vec![false; lanes],
            live: Vec::new(),
            opened: Arc::default(),
            open: Default::default(),
        }
    }

    /// A node became ready: whether it joins the ready ones (a node of no lane, or the first
    /// of a free lane); if not, it waits in its lane, and starts when the lane moves on rather
    /// than when the ready ones before it have started. A busy lane's next sibling would
    /// otherwise wait behind all the work of lower ids while the lane stands still.
    fn arrive(&mut self, id: NodeId) -> bool {
        let Some(lane) = self.of[id] else { return true };
        if self.running[lane] > 0 || self.queued[lane] {
            self.hold(lane, id);
            return false;
        }
        self.queued[lane] = true;
        true
    }

    /// Whether a ready node may start now; if not, it is held until its lane is free.
    fn admit(&mut self, id: NodeId) -> bool {
        let Some(lane) = self.of[id] else { return true };
        self.queued[lane] = false;
        if self.running[lane] > 0 {
            // Siblings went side by side while it waited among the ready ones.
            self.hold(lane, id);
            return false;
        }
        self.running[lane] += 1;
        true
    }

    fn hold(&mut self, lane: usize, id: NodeId) {
        self.held[lane].push(Reverse(id));
        self.holding.insert(lane);
        if self.running[lane] > 0 && self.running_open(lane) {
            // Its gate opened before it held anything: no word will come of it again.
            self.open.push_back(lane);
        }
    }

    /// The gate a lane node starts with, and the gate of the sibling started before it, which
    /// the node waits at (open already when that sibling has ended or sent its create).
    fn gates(&mut self, id: NodeId) -> Option<(Arc<Gate>, Option<Arc<Gate>>)> {
        let lane = self.of[id]?;
        let gate = Gate::new(lane, &self.opened);
        // The latest started sibling still running; one that has ended let it pass already.
        let before = self
            .live
            .iter()
            .rev()
            .find(|(running, _)| self.of[*running] == Some(lane))
            .map(|(_, g)| Arc::clone(g));
        self.live.push((id, Arc::clone(&gate)));
        Some((gate, before))
    }

    /// The priority of a ready node, and of its requests once it runs: the longest chain it
    /// starts. A long chain is the copy's tail unless it starts early and its creates
    /// go ahead of the other work waiting for a connection (see `client::with_priority`).
    fn priority(&self, id: NodeId) -> u32 {
        self.chain[id]
    }

    /// A node ended: its lane's next held node, to start at once, if the lane is free now.
    fn release(&mut self, id: NodeId) -> Option<NodeId> {
        let lane = self.of[id]?;
        self.live.retain(|(running, _)| *running != id);
        self.running[lane] = self.running[lane].saturating_sub(1);
        if self.running[lane] > 0 {
            // A sibling started beside one that opened its gate ended first: the one still
            // running may have its gate open, and then the next goes beside it now (its word
            // that it opened came while two ran, and was passed over).
            if !self.held[lane].is_empty() {
                self.open.push_back(lane);
            }
            return None;
        }
        let next = self.next_held(lane)?;
        self.running[lane] += 1;
        Some(next)
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
            if self.running[lane] != 1 || !self.running_open(lane) {
                continue;
            }
            if let Some(next) = self.next_held(lane) {
                self.running[lane] += 1;
                return Some(next);
            }
        }
        None
    }

    /// Whether every node the lane runs has started and opened its gate.
    fn running_open(&self, lane: usize) -> bool {
        let mut started = 0;
        for (id, gate) in &self.live {
            if self.of[*id] == Some(lane) {
                if !gate.is_open() {
                    return false;
                }
                started += 1;
            }
        }
        started == self.running[lane]
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

/// For each node, the longest chain of nodes that must run one after another from it on: what
/// needs it, and, for a page or folder, its later siblings too (a lane runs one at a time). A
/// node comes after everything it needs, so walking the nodes from the last one back sees every
/// chain a node starts before the node itself.
fn chains(
    graph: &Graph,
    dependents: &crate::graph::Dependents,
    of: &[Option<usize>],
    lanes: usize,
) -> Vec<u32> {
    let mut chain = vec![0u32; graph.nodes.len()];
    // Per lane, the chain of the sibling after the one looked at (walking back).
    let mut after = vec![0u32; lanes];
    for id in (0..graph.nodes.len()).rev() {
        let mut longest = dependents.of(id).map(|next| chain[next]).max().unwrap_or(0);
        if let Some(lane) = of[id] {
            longest = longest.max(after[lane]);
        }
        chain[id] = longest.saturating_add(1);
        if let Some(lane) = of[id] {
            after[lane] = chain[id];
        }
    }
    chain
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
    let dependents = graph.dependents_compact();
    let mut lanes = Lanes::new(graph, &dependents, &copy);
    let mut walk = Walk {
        graph,
        dependents,
        waiting,
        blocked_by: vec![None; graph.nodes.len()],
        outcomes: vec![None; graph.nodes.len()],
        ready: BinaryHeap::new(),
        fresh: Vec::new(),
    };
    // The boundary ended in an earlier stage: only whether it lets its dependents run counts.
    for id in 0..staged.boundary {
        let unblocks = settled.unblocks(&graph.nodes[id].kind.key(&copy.snapshot));
        walk.release(id, unblocks);
    }
    walk.fresh = staged.own().filter(|&i| walk.waiting[i] == 0).collect();
    // A lane's next node when the one before it ended: it goes before the ready ones.
    let mut successors: std::collections::VecDeque<NodeId> = Default::default();
    let mut running: JoinSet<(NodeId, Outcome)> = JoinSet::new();
    let in_flight = in_flight.max(1);
    let opened = Arc::clone(&lanes.opened);
    loop {
        while running.len() < in_flight {
            // Lowest id first: a lane's siblings arrive together, and the first in the source's
            // order goes first.
            walk.fresh.sort_unstable();
            for id in walk.fresh.drain(..) {
                if walk.blocked_by[id].is_some() || lanes.arrive(id) {
                    walk.ready.push((lanes.priority(id), Reverse(id)));
                }
            }
            let id = match lanes.beside_open().or_else(|| successors.pop_front()) {
                Some(id) => id,
                None => match walk.ready.pop() {
                    Some((_, Reverse(id))) => {
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
                successors.extend(lanes.release(id));
                walk.finish(id, Outcome::Blocked { reason }, &copy, progress, settled);
                continue;
            }
            let kind = graph.nodes[id].kind.clone();
            let copy = Arc::clone(&copy);
            let gates = lanes.gates(id);
            let priority = lanes.priority(id);
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
                let work = crate::client::with_priority(priority, work);
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
        successors.extend(lanes.release(id));
        walk.finish(id, outcome, &copy, progress, settled);
    }
    walk.outcomes
        .drain(staged.boundary..)
        .map(|o| o.unwrap_or_else(|| Outcome::Blocked { reason: "not reached".into() }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Node;

    /// Lanes of the nodes `of` names, without a graph to build them from.
    fn lanes(of: Vec<Option<usize>>) -> Lanes {
        let count = of.iter().flatten().max().map_or(0, |l| l + 1);
        let chain = vec![1; of.len()];
        Lanes::with(of, chain, count)
    }

    /// Starts `id` (the dispatcher's spawn), returning the gate it runs with.
    fn start(lanes: &mut Lanes, id: NodeId) -> Arc<Gate> {
        lanes.gates(id).expect("a lane node").0
    }

    async fn open(gate: &Arc<Gate>) {
        lane_gate::run_with(Arc::clone(gate), async {}).await;
    }

    #[tokio::test]
    async fn a_lane_keeps_going_beside_a_sibling_that_waits_once_the_one_beside_it_has_ended() {
        let mut lanes = lanes(vec![Some(0); 4]);
        for id in 0..4 {
            if lanes.arrive(id) {
                assert!(lanes.admit(id), "the lane's first sibling starts");
            }
        }
        let waiting = start(&mut lanes, 0);
        assert_eq!(lanes.beside_open(), None, "the first has not opened its gate");
        // Its create is refused with a long Retry-After: it opens its gate and waits.
        open(&waiting).await;
        assert_eq!(lanes.beside_open(), Some(1));
        let beside = start(&mut lanes, 1);
        open(&beside).await;
        assert_eq!(lanes.beside_open(), None, "two run: none more goes beside them");
        // The one beside it ends while the first still waits: the lane does not stand still.
        assert_eq!(lanes.release(1), None);
        assert_eq!(lanes.beside_open(), Some(2));
        start(&mut lanes, 2);
    }

    #[tokio::test]
    async fn the_next_sibling_waits_at_a_closed_gate_until_it_has_started() {
        let mut lanes = lanes(vec![Some(0); 3]);
        for id in 0..3 {
            if lanes.arrive(id) {
                assert!(lanes.admit(id));
            }
        }
        let first = start(&mut lanes, 0);
        open(&first).await;
        // It ends before the dispatcher looked: the next sibling is its successor, and the
        // ended one's open gate does not let a third start before that one has.
        assert_eq!(lanes.release(0), Some(1));
        assert_eq!(lanes.beside_open(), None);
        let second = start(&mut lanes, 1);
        assert_eq!(lanes.beside_open(), None, "the second has not opened its gate");
        open(&second).await;
        assert_eq!(lanes.beside_open(), Some(2));
    }

    #[test]
    fn siblings_arriving_while_the_first_waits_among_the_ready_are_held_in_their_lane() {
        // Nodes 0 and 2 are siblings, 1 is of no lane.
        let mut lanes = lanes(vec![Some(0), None, Some(0)]);
        assert!(lanes.arrive(0), "the first of a free lane joins the ready ones");
        assert!(lanes.arrive(1), "a node of no lane joins the ready ones");
        assert!(!lanes.arrive(2), "its sibling waits in the lane, not among the ready ones");
        assert!(lanes.admit(0));
        assert_eq!(lanes.release(0), Some(2), "the lane's next starts when the first ends");
        assert_eq!(lanes.release(2), None);
        assert!(lanes.holding.is_empty());
    }

    #[test]
    fn a_chain_runs_through_what_needs_a_node_and_its_later_siblings() {
        // 0: a space; 1, 2, 3: sibling pages in it; 4: a child page of 1; 5: an attachment of 4.
        let node = |kind: NodeKind, needs: &[NodeId]| Node { kind, needs: needs.into() };
        let page = |page| NodeKind::Page { space: 0, page };
        let graph = Graph {
            nodes: vec![
                node(NodeKind::Space { space: 0 }, &[]),
                node(page(0), &[0]),
                node(page(1), &[0]),
                node(page(2), &[0]),
                node(page(3), &[0, 1]),
                node(NodeKind::Attachment { space: 0, attachment: 0 }, &[4]),
            ],
        };
        let of = vec![None, Some(0), Some(0), Some(0), Some(1), None];
        let chain = chains(&graph, &graph.dependents_compact(), &of, 2);
        // The first sibling starts its child's chain (child, then attachment) and its two later
        // siblings: the longer, three, plus itself.
        assert_eq!(chain, vec![4, 3, 2, 1, 2, 1]);
    }
}
