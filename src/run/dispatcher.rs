//! The dispatcher walks the graph: it owns all run state, starts ready nodes up to the
//! concurrency bound, records each outcome, and marks what needs a failed node as not copied.
//! Workers do one node each and report back; only the dispatcher writes the record of the run.

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

/// Runs every node of the graph once; returns one outcome per node, by node id.
pub async fn walk(graph: &Graph, copy: Arc<Copy>, in_flight: usize, progress: &Progress) -> Vec<Outcome> {
    let dependents = graph.dependents();
    let mut waiting: Vec<usize> = graph.nodes.iter().map(|n| n.needs.len()).collect();
    let mut blocked_by: Vec<Option<NodeId>> = vec![None; graph.nodes.len()];
    let mut outcomes: Vec<Option<Outcome>> = vec![None; graph.nodes.len()];
    let mut ready: BinaryHeap<Reverse<NodeId>> =
        (0..graph.nodes.len()).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut running: JoinSet<(NodeId, Outcome)> = JoinSet::new();
    let in_flight = in_flight.max(1);

    loop {
        while running.len() < in_flight {
            let Some(Reverse(id)) = ready.pop() else { break };
            if let Some(cause) = blocked_by[id] {
                let reason = format!(
                    "not copied: it needs {}, which was not copied",
                    label(&graph.nodes[cause].kind, &copy.snapshot)
                );
                finish(
                    id,
                    Outcome::Blocked { reason },
                    &dependents,
                    &mut waiting,
                    &mut blocked_by,
                    &mut outcomes,
                    &mut ready,
                    graph,
                    &copy,
                    progress,
                );
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
        let Ok((id, outcome)) = joined else {
            // Only an aborted task ends without an outcome; its node is reported as not reached.
            continue;
        };
        finish(
            id,
            outcome,
            &dependents,
            &mut waiting,
            &mut blocked_by,
            &mut outcomes,
            &mut ready,
            graph,
            &copy,
            progress,
        );
    }
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Blocked { reason: "not reached".into() }))
        .collect()
}

#[expect(
    clippy::too_many_arguments,
    reason = "the dispatcher's state, passed by parts to keep borrows apart"
)]
fn finish(
    id: NodeId,
    outcome: Outcome,
    dependents: &[Vec<NodeId>],
    waiting: &mut [usize],
    blocked_by: &mut [Option<NodeId>],
    outcomes: &mut [Option<Outcome>],
    ready: &mut BinaryHeap<Reverse<NodeId>>,
    graph: &Graph,
    copy: &Copy,
    progress: &Progress,
) {
    progress.node_done(&graph.nodes[id].kind, &outcome, &copy.snapshot);
    let status = match &outcome {
        Outcome::Copied { .. } | Outcome::Present { .. } => crate::state::NodeStatus::Done,
        Outcome::Skipped { reason } => crate::state::NodeStatus::Skipped { reason: reason.clone() },
        Outcome::Failed { reason } | Outcome::Blocked { reason } => {
            crate::state::NodeStatus::Failed { reason: reason.clone() }
        }
    };
    copy.recorder.node(&graph.nodes[id].kind.key(&copy.snapshot), status);
    let unblocks = outcome.unblocks();
    outcomes[id] = Some(outcome);
    for &next in &dependents[id] {
        if !unblocks && blocked_by[next].is_none() {
            blocked_by[next] = Some(id);
        }
        waiting[next] -= 1;
        if waiting[next] == 0 {
            ready.push(Reverse(next));
        }
    }
}
