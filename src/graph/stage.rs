//! The stages a run walks one after another, so that only a part of the graph, and of the
//! source content, is in memory at a time.
//!
//! Consecutive spaces are taken together up to [`STAGE_ITEMS`] items. The first stage sets up
//! the groups, users, memberships, spaces and permissions, beside the first group's content;
//! each further group's content follows in a stage of its own (with each space's sibling order,
//! once its pages are all created); then, once every space's content is on the destination, each
//! group's finish: the fix-ups (references that could only be resolved once everything was
//! created) and the restrictions.
//!
//! Every node needs only nodes of its own stage or of earlier ones. A fix-up rewrites references
//! to content of any space, but needs (so is blocked by a failure of) only its own space's
//! content: that every other space's content was walked first is the stages' order.

use std::ops::Range;

use super::build::Graph;

/// Items (pages, folders, blog posts, attachments, comments) a stage's spaces may hold together:
/// consecutive spaces share a stage up to this many, so that a plan of small spaces keeps every
/// lane of the page trees side by side (a stage of one small space cannot fill the pipe to a
/// distant site), while a large space gets a stage of its own.
pub const STAGE_ITEMS: usize = 100_000;

/// One stage: which parts of the plan it walks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stage {
    /// Groups, users, memberships, spaces and space permissions.
    pub setup: bool,
    /// The spaces whose pages, folders, blog posts, labels, attachments and comments it copies.
    pub content: Range<usize>,
    /// The spaces whose fix-up and restrictions it does.
    pub finish: Range<usize>,
}

impl Stage {
    /// The stages of a plan whose spaces hold `items` each, in the order they run: consecutive
    /// spaces grouped up to `budget` items (a space over it alone), each group's content in a
    /// stage (the first with the setup), then each group's finish. Every finish comes after all
    /// content: a fix-up rewrites references into any space, and needs only its own space's
    /// content to have been copied.
    pub fn plan(items: &[usize], budget: usize) -> Vec<Stage> {
        let mut groups: Vec<Range<usize>> = Vec::new();
        let mut held = 0;
        for (s, &n) in items.iter().enumerate() {
            match groups.last_mut() {
                Some(group) if held + n <= budget => {
                    group.end = s + 1;
                    held += n;
                }
                _ => {
                    groups.push(s..s + 1);
                    held = n;
                }
            }
        }
        if groups.is_empty() {
            return vec![Stage { setup: true, content: 0..0, finish: 0..0 }];
        }
        let content = groups.iter().enumerate().map(|(g, group)| Stage {
            setup: g == 0,
            content: group.clone(),
            finish: 0..0,
        });
        let finish = groups.iter().map(|group| Stage { setup: false, content: 0..0, finish: group.clone() });
        content.chain(finish).collect()
    }

    /// The spaces whose content the stage needs in memory.
    pub fn spaces(&self) -> Range<usize> {
        if self.content.is_empty() { self.finish.clone() } else { self.content.clone() }
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
    /// The outline of the plan's stages grouped up to [`STAGE_ITEMS`] items.
    pub fn build(
        plan: &crate::plan::Plan,
        inventory: &crate::inventory::Inventory,
        snapshot: &crate::snapshot::Snapshot,
    ) -> Result<Outline, OutlineError> {
        Outline::build_with(plan, inventory, snapshot, STAGE_ITEMS)
    }

    /// [`Outline::build`] with spaces grouped up to `budget` items a stage.
    pub fn build_with(
        plan: &crate::plan::Plan,
        inventory: &crate::inventory::Inventory,
        snapshot: &crate::snapshot::Snapshot,
        budget: usize,
    ) -> Result<Outline, OutlineError> {
        let stages = Stage::plan(&snapshot.items(), budget);
        let mut outline = Outline { stages: Vec::new(), nodes: 0, per_space: vec![0; snapshot.spaces.len()] };
        for stage in stages {
            // A stowed snapshot's stage sees its spaces' content read back, as its walk will.
            let view = snapshot.with_spaces(stage.spaces())?;
            let staged = Graph::build_stage(plan, inventory, &view, &stage)?;
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
    fn spaces_share_a_stage_up_to_the_budget_and_every_finish_comes_after_all_content() {
        let parts = |stages: Vec<Stage>| -> Vec<(bool, std::ops::Range<usize>, std::ops::Range<usize>)> {
            stages.into_iter().map(|s| (s.setup, s.content, s.finish)).collect()
        };
        // Small spaces: all the content in one stage, all the finishes in the next.
        assert_eq!(parts(Stage::plan(&[10, 20, 30], 100)), [(true, 0..3, 0..0), (false, 0..0, 0..3)]);
        // Three groups: [0, 1], [2] (alone over the budget), [3].
        assert_eq!(
            parts(Stage::plan(&[40, 50, 500, 60], 100)),
            [
                (true, 0..2, 0..0),
                (false, 2..3, 0..0),
                (false, 3..4, 0..0),
                (false, 0..0, 0..2),
                (false, 0..0, 2..3),
                (false, 0..0, 3..4)
            ]
        );
        assert_eq!(parts(Stage::plan(&[], 100)), [(true, 0..0, 0..0)]);
        assert_eq!(Stage::plan(&[5, 5], 100)[0].spaces(), 0..2);
        assert_eq!(Stage::plan(&[500, 500], 100)[2].spaces(), 0..1, "a finish stage needs its spaces");
    }
}
