//! Cycle detection: a graph with a cycle could never finish, so it is refused before any write.

use super::build::Graph;
use super::node::NodeId;

/// Nodes that wait on each other in a circle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the execution graph has a cycle through {} nodes (first: node {})", nodes.len(), nodes.first().copied().unwrap_or(0))]
pub struct Cycle {
    pub nodes: Vec<NodeId>,
}

/// Kahn's algorithm: every node is reachable in dependency order, or the rest form cycles.
pub fn check_acyclic(graph: &Graph) -> Result<Vec<NodeId>, Cycle> {
    let dependents = graph.dependents();
    let mut waiting: Vec<usize> = graph.nodes.iter().map(|n| n.needs.len()).collect();
    let mut ready: Vec<NodeId> = (0..graph.nodes.len()).filter(|&i| waiting[i] == 0).rev().collect();
    let mut order = Vec::with_capacity(graph.nodes.len());
    while let Some(id) = ready.pop() {
        order.push(id);
        for &next in dependents[id].iter().rev() {
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.push(next);
            }
        }
    }
    if order.len() == graph.nodes.len() {
        Ok(order)
    } else {
        Err(Cycle { nodes: (0..graph.nodes.len()).filter(|&i| waiting[i] > 0).collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::node::{Node, NodeKind};

    fn node(needs: Vec<NodeId>) -> Node {
        Node { kind: NodeKind::Group { name: "g".into() }, needs: needs.into() }
    }

    #[test]
    fn finds_an_order_or_the_cycle() {
        let graph = Graph { nodes: vec![node(vec![]), node(vec![0]), node(vec![0, 1])] };
        assert_eq!(check_acyclic(&graph).unwrap(), vec![0, 1, 2]);
        let cyclic = Graph { nodes: vec![node(vec![]), node(vec![2]), node(vec![1])] };
        assert_eq!(check_acyclic(&cyclic).unwrap_err().nodes, vec![1, 2]);
    }
}
