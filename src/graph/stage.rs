//! The stages a run walks one after another, so that only one space's part of the graph is in
//! memory at a time.
//!
//! The first stage sets up the groups, users, memberships, spaces and permissions, beside the
//! first space's content; each space's content follows in a stage of its own; then, once every
//! space's content is on the destination, each space's finish: its fix-up (references that could
//! only be resolved once everything was created, and sibling order) and its restrictions. The
//! last space's content and finish share a stage, so a one-space plan is walked in one.
//!
//! Every node needs only nodes of its own stage or of earlier ones (a fix-up rewrites references
//! to content of any space: all content stages come before the first finish).

use super::build::Graph;

/// One stage: which parts of the plan it walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stage {
    /// Groups, users, memberships, spaces and space permissions.
    pub setup: bool,
    /// The pages, folders, blog posts, labels, attachments and comments of this space.
    pub content: Option<usize>,
    /// The fix-up and restrictions of this space.
    pub finish: Option<usize>,
}

impl Stage {
    /// The stages of a plan with `spaces` spaces, in the order they run.
    pub fn all(spaces: usize) -> Vec<Stage> {
        if spaces == 0 {
            return vec![Stage { setup: true, content: None, finish: None }];
        }
        let last = spaces - 1;
        let content =
            (0..spaces).map(|s| Stage { setup: s == 0, content: Some(s), finish: (s == last).then_some(s) });
        let finish = (0..last).map(|s| Stage { setup: false, content: None, finish: Some(s) });
        content.chain(finish).collect()
    }

    /// The space whose content or finish this stage holds (the content's, when both).
    pub fn space(&self) -> Option<usize> {
        self.content.or(self.finish)
    }
}

/// A stage's graph: `graph.nodes[..boundary]` are nodes of earlier stages that this stage's own
/// nodes need (they have no needs here, and are settled from what earlier stages recorded
/// before the walk of this one begins); the rest are the stage's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    pub graph: Graph,
    pub boundary: usize,
}

impl Staged {
    /// The stage's own nodes, by id.
    pub fn own(&self) -> std::ops::Range<usize> {
        self.boundary..self.graph.nodes.len()
    }
}

/// Why the stages could not be outlined.
#[derive(Debug, thiserror::Error)]
pub enum OutlineError {
    #[error(transparent)]
    Cycle(#[from] super::Cycle),
    #[error(transparent)]
    Stow(#[from] crate::snapshot::StowError),
}

/// The stages of a plan, each built once and checked (so no stage can fail to order once writing
/// has begun), with how many nodes each space owns, for progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub stages: Vec<Stage>,
    /// Own nodes of every stage.
    pub nodes: usize,
    /// Own nodes of each space, by snapshot index.
    pub per_space: Vec<usize>,
}

impl Outline {
    pub fn build(
        plan: &crate::plan::Plan,
        inventory: &crate::inventory::Inventory,
        snapshot: &crate::snapshot::Snapshot,
    ) -> Result<Outline, OutlineError> {
        let stages = Stage::all(snapshot.spaces.len());
        let mut outline = Outline { stages: Vec::new(), nodes: 0, per_space: vec![0; snapshot.spaces.len()] };
        for stage in stages {
            // A stowed snapshot's stage sees its space's content read back, as its walk will.
            let view = snapshot.with_space(stage.space())?;
            let staged = Graph::build_stage(plan, inventory, &view, stage)?;
            for node in &staged.graph.nodes[staged.own()] {
                outline.nodes += 1;
                if let Some(count) = node.kind.space().and_then(|s| outline.per_space.get_mut(s)) {
                    *count += 1;
                }
            }
            outline.stages.push(stage);
        }
        Ok(outline)
    }
}

#[cfg(test)]
mod tests {
    use super::Stage;

    #[test]
    fn content_stages_come_first_and_the_last_space_finishes_in_its_own() {
        let stages = Stage::all(3);
        let parts: Vec<(bool, Option<usize>, Option<usize>)> =
            stages.iter().map(|s| (s.setup, s.content, s.finish)).collect();
        assert_eq!(
            parts,
            [
                (true, Some(0), None),
                (false, Some(1), None),
                (false, Some(2), Some(2)),
                (false, None, Some(0)),
                (false, None, Some(1)),
            ]
        );
        assert_eq!(Stage::all(1), [Stage { setup: true, content: Some(0), finish: Some(0) }]);
        assert_eq!(Stage::all(0), [Stage { setup: true, content: None, finish: None }]);
    }
}
