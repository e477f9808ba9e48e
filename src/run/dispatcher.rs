//! The dispatcher walks the graph: it owns all run state, starts ready nodes up to the
//! concurrency bound, records each outcome, and marks what needs a failed node as not copied.
//! Workers do one node each and report back; only the dispatcher decides what runs next.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::task::JoinSet;

use super::context::Copy;
use super::ops;
use super::outcome::Outcome;
use super::progress::Progress;
use crate::graph::{Graph, NodeId, label};
use crate::state::NodeStatus;

/// The state of one walk: what each node still waits for, what blocked it, how it ended.
struct Walk<'a> {
    graph: &'a Graph,
    dependents: Vec<Vec<NodeId>>,
    waiting: Vec<usize>,
    blocked_by: Vec<Option<NodeId>>,
    outcomes: Vec<Option<Outcome>>,
    /// Ready nodes, lowest id first, so walks are repeatable.
    ready: BinaryHeap<Reverse<NodeId>>,
}

impl Walk<'_> {
    /// Records a node's outcome (journal, progress) and releases the nodes that needed it.
    fn finish(&mut self, id: NodeId, outcome: Outcome, copy: &Copy, progress: &Progress) {
        let kind = &self.graph.nodes[id].kind;
        progress.node_done(kind, &outcome, &copy.snapshot);
        let status = match &outcome {
            Outcome::Copied { .. } | Outcome::Present { .. } => NodeStatus::Done,
            Outcome::Skipped { reason } => NodeStatus::Skipped { reason: reason.clone() },
            Outcome::Failed { reason } | Outcome::Blocked { reason } => {
                NodeStatus::Failed { reason: reason.clone() }
            }
        };
        copy.recorder.node(&kind.key(&copy.snapshot), status);
        let unblocks = outcome.unblocks();
        self.outcomes[id] = Some(outcome);
        for &next in &self.dependents[id] {
            if !unblocks && self.blocked_by[next].is_none() {
                self.blocked_by[next] = Some(id);
            }
            self.waiting[next] -= 1;
            if self.waiting[next] == 0 {
                self.ready.push(Reverse(next));
            }
        }
    }
}

/// Runs every node of the graph once; returns one outcome per node, by node id.
pub async fn walk(graph: &Graph, copy: Arc<Copy>, in_flight: usize, progress: &Progress) -> Vec<Outcome> {
    let waiting: Vec<usize> = graph.nodes.iter().map(|n| n.needs.len()).collect();
    let ready = (0..graph.nodes.len()).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut walk = Walk {
        graph,
        dependents: graph.dependents(),
        waiting,
        blocked_by: vec![None; graph.nodes.len()],
        outcomes: vec![None; graph.nodes.len()],
        ready,
    };
    let mut running: JoinSet<(NodeId, Outcome)> = JoinSet::new();
    let in_flight = in_flight.max(1);
    loop {
        while running.len() < in_flight {
            let Some(Reverse(id)) = walk.ready.pop() else { break };
            if let Some(cause) = walk.blocked_by[id] {
                let reason = format!(
                    "not copied: it needs {}, which was not copied",
                    label(&graph.nodes[cause].kind, &copy.snapshot)
                );
                walk.finish(id, Outcome::Blocked { reason }, &copy, progress);
                continue;
            }
            if let Some(halt) = copy.halted() {
                let reason = format!("not started: {halt}");
                walk.finish(id, Outcome::Blocked { reason }, &copy, progress);
                continue;
            }
            let kind = graph.nodes[id].kind.clone();
            let copy = Arc::clone(&copy);
            running.spawn(async move {
                let work = std::panic::AssertUnwindSafe(ops::run(&copy, &kind)).catch_unwind().await;
                // A panic is a bug: that node fails, the rest of the plan goes on.
                (
                    id,
                    work.unwrap_or_else(|_| {
                        Outcome::failed("internal error (a bug): the copy of this item stopped")
                    }),
                )
            });
        }
        let Some(joined) = running.join_next().await else { break };
        // Only an aborted task ends without an outcome; its node is reported as not reached.
        let Ok((id, outcome)) = joined else { continue };
        walk.finish(id, outcome, &copy, progress);
    }
    walk.outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Blocked { reason: "not reached".into() }))
        .collect()
}
