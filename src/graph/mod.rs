//! The static execution graph: every unit of the copy as a node, every "needs" as an edge,
//! built before any write, checked for cycles, and walked by both dry-run and apply.

mod build;
mod node;
mod order;
mod render;
mod stage;

pub use build::{Dependents, Graph};
pub use node::{ContentAt, Node, NodeId, NodeKind};
pub use order::{Cycle, check_acyclic};
pub use render::{dot, label, text};
pub use stage::{Outline, OutlineError, Stage, Staged};
