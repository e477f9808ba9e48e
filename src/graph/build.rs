//! Builds the static execution graph from the validated plan, the inventory and the snapshot.
//! The same input always gives the same graph (node order and ids included).
//!
//! A run walks the graph stage by stage (see [`Stage`]): each stage's graph holds that stage's
//! nodes and, first, the nodes of earlier stages they need (its boundary, settled before the
//! walk of the stage begins). [`Graph::build`] is every stage at once, for `confcopy graph`.

use std::collections::HashMap;
use std::sync::Arc;

use super::node::{ContentAt, Node, NodeId, NodeKind};
use super::order::{Cycle, check_acyclic};
use super::stage::{Stage, Staged};
use crate::inventory::{AccountStatus, Inventory};
use crate::plan::{Memberships, Plan};
use crate::snapshot::{CommentType, Content, Snapshot, SpaceSnapshot, Subject};

/// The execution graph: nodes in a deterministic order, each with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<Node>,
}

struct Builder {
    nodes: Vec<Node>,
    index: HashMap<NodeKind, NodeId>,
    /// Short needs lists already made: equal lists share one allocation (siblings all need
    /// their space and their parent; a page's labels, attachments and comments all need it).
    lists: HashMap<Vec<NodeId>, Arc<[NodeId]>>,
    /// While set, nodes are added without their needs: they belong to an earlier stage and are
    /// settled before the stage's own nodes run.
    boundary: bool,
}

/// Needs lists up to this length are shared when equal; longer ones are rare and unlikely to
/// repeat.
const SHARED_LIST: usize = 4;

impl Builder {
    fn new() -> Builder {
        Builder { nodes: Vec::new(), index: HashMap::new(), lists: HashMap::new(), boundary: false }
    }

    fn add(&mut self, kind: NodeKind, needs: Vec<NodeId>) -> NodeId {
        let needs = if self.boundary { Vec::new() } else { needs };
        let needs = if needs.len() <= SHARED_LIST {
            self.lists.entry(needs).or_insert_with_key(|needs| needs.as_slice().into()).clone()
        } else {
            needs.into()
        };
        let id = self.nodes.len();
        self.index.insert(kind.clone(), id);
        self.nodes.push(Node { kind, needs });
        id
    }

    fn find(&self, kind: &NodeKind) -> Option<NodeId> {
        self.index.get(kind).copied()
    }

    /// The nodes a permission or restriction subject needs: its group or its user.
    fn subject_needs(&self, subject: &Subject) -> Option<NodeId> {
        match subject {
            Subject::User(id) => self.find(&NodeKind::User { account_id: id.clone() }),
            Subject::Group(name) => self.find(&NodeKind::Group { name: name.clone() }),
            Subject::Anonymous => None,
        }
    }

    /// Groups and users (with `users.scope = "none"` none are copied: no nodes for them), and
    /// with `memberships`, each active user's memberships.
    fn people(&mut self, plan: &Plan, inventory: &Inventory, memberships: bool) {
        let people = inventory.copies_people();
        for group in inventory.groups.values().filter(|_| people) {
            self.add(NodeKind::Group { name: group.name.clone() }, Vec::new());
        }
        for user in inventory.users.values().filter(|_| people) {
            self.add(NodeKind::User { account_id: user.account_id.clone() }, Vec::new());
        }
        if memberships && people && plan.users.memberships.value == Memberships::WithGroups {
            for user in inventory.users.values().filter(|u| u.status == AccountStatus::Active) {
                for group in &user.groups {
                    let needs = [
                        self.find(&NodeKind::Group { name: group.clone() }),
                        self.find(&NodeKind::User { account_id: user.account_id.clone() }),
                    ];
                    self.add(
                        NodeKind::Membership { group: group.clone(), account_id: user.account_id.clone() },
                        needs.into_iter().flatten().collect(),
                    );
                }
            }
        }
    }

    /// The space and its permissions. The space waits for the groups its permissions name, so
    /// that its create can carry their grants (see [`NodeKind::tolerates`]).
    fn space(&mut self, s: usize, space: &SpaceSnapshot) -> NodeId {
        let mut groups: Vec<NodeId> = space
            .permissions
            .iter()
            .filter(|p| matches!(p.subject, Subject::Group(_)))
            .filter_map(|p| self.subject_needs(&p.subject))
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let space_node = self.add(NodeKind::Space { space: s }, groups);
        let mut needs = vec![space_node];
        for permission in &space.permissions {
            needs.extend(self.subject_needs(&permission.subject));
        }
        needs.sort_unstable();
        needs.dedup();
        self.add(NodeKind::SpacePermissions { space: s }, needs);
        space_node
    }

    /// The space's pages, folders, blog posts, labels, attachments and comments.
    fn content<'a>(
        &mut self,
        s: usize,
        space: &'a SpaceSnapshot,
        space_node: Option<NodeId>,
    ) -> SpaceContent<'a> {
        let mut out = SpaceContent { nodes: Vec::new(), writes_to: HashMap::new(), restricted: Vec::new() };
        let mut page_nodes: HashMap<&str, NodeId> = HashMap::new();
        for (p, page) in space.pages.iter().enumerate() {
            // Only the parent: siblings are created side by side (each lands last under its
            // parent) and put in the source's order by the space's order node, which needs
            // them all. Chaining each to the previous sibling would serialise wide parents.
            let mut needs: Vec<NodeId> = space_node.into_iter().collect();
            needs.extend(page.parent_id.as_deref().and_then(|parent| page_nodes.get(parent).copied()));
            let id = self.add(NodeKind::Page { space: s, page: p }, needs);
            page_nodes.insert(&page.id, id);
            out.nodes.push(id);
        }
        if !space.pages.is_empty() {
            let pages = out.nodes.clone();
            self.add(NodeKind::Order { space: s }, pages);
        }
        let mut post_nodes: HashMap<&str, NodeId> = HashMap::new();
        for (p, post) in space.blog_posts.iter().enumerate() {
            let id = self.add(NodeKind::BlogPost { space: s, post: p }, space_node.into_iter().collect());
            post_nodes.insert(&post.id, id);
            out.nodes.push(id);
        }
        let content = space
            .pages
            .iter()
            .enumerate()
            .map(|(i, c)| (ContentAt::Page(i), c, page_nodes[c.id.as_str()]))
            .chain(
                space
                    .blog_posts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (ContentAt::BlogPost(i), c, post_nodes[c.id.as_str()])),
            );
        for (at, item, node) in content.collect::<Vec<_>>() {
            out.writes_to.entry(item.id.as_str()).or_default().push(node);
            if !item.labels.is_empty() {
                let labels = self.add(NodeKind::Labels { space: s, content: at }, vec![node]);
                out.writes_to.entry(item.id.as_str()).or_default().push(labels);
            }
            if !item.restrictions.is_empty() {
                out.restricted.push((at, item));
            }
        }
        let container = |id: &str| page_nodes.get(id).or(post_nodes.get(id)).copied();
        for (a, attachment) in space.attachments.iter().enumerate() {
            let needs = container(&attachment.container_id).into_iter().collect();
            let id = self.add(NodeKind::Attachment { space: s, attachment: a }, needs);
            out.writes_to.entry(attachment.container_id.as_str()).or_default().push(id);
        }
        let mut comment_nodes: HashMap<&str, NodeId> = HashMap::new();
        for (c, comment) in space.comments.iter().enumerate() {
            let mut needs: Vec<NodeId> = container(&comment.container_id).into_iter().collect();
            needs.extend(comment.parent_id.as_deref().and_then(|p| comment_nodes.get(p).copied()));
            let id = self.add(NodeKind::Comment { space: s, comment: c }, needs);
            if comment.kind == CommentType::Inline && comment.parent_id.is_none() {
                // A body the fix-up writes keeps its threads' markers (and marks the other
                // segments of a split selection): it comes after the threads are posted.
                out.nodes.push(id);
            }
            comment_nodes.insert(&comment.id, id);
            out.writes_to.entry(comment.container_id.as_str()).or_default().push(id);
        }
        out
    }

    /// The space's fix-up, then its restrictions: restrictions can lock the copying account
    /// out of updating the content, so they come last, after its labels, attachments and
    /// comments, and after the fix-up pass.
    fn finish(&mut self, s: usize, content: SpaceContent<'_>) {
        let SpaceContent { nodes, writes_to, restricted } = content;
        let fixup = self.add(NodeKind::FixUp { space: s }, nodes);
        for (at, item) in restricted {
            let mut needs = writes_to.get(item.id.as_str()).cloned().unwrap_or_default();
            needs.push(fixup);
            for subject in item.restrictions.read.iter().chain(&item.restrictions.update) {
                needs.extend(self.subject_needs(subject));
            }
            needs.sort_unstable();
            needs.dedup();
            self.add(NodeKind::Restrictions { space: s, content: at }, needs);
        }
    }

    fn graph(self) -> Result<Graph, Cycle> {
        let mut nodes = self.nodes;
        nodes.shrink_to_fit();
        drop((self.index, self.lists));
        let graph = Graph { nodes };
        check_acyclic(&graph)?;
        Ok(graph)
    }
}

/// What a space's content stage hands its finish: the nodes its fix-up waits for (pages,
/// folders, blog posts and inline threads), the nodes that write to each item, and the items
/// with restrictions.
struct SpaceContent<'a> {
    nodes: Vec<NodeId>,
    writes_to: HashMap<&'a str, Vec<NodeId>>,
    restricted: Vec<(ContentAt, &'a Content)>,
}

impl Graph {
    /// Every stage's nodes in one graph (what `confcopy graph` shows): the groups, users,
    /// memberships, spaces and permissions, then each space's content, then each space's
    /// fix-up and restrictions.
    pub fn build(plan: &Plan, inventory: &Inventory, snapshot: &Snapshot) -> Result<Graph, Cycle> {
        let mut b = Builder::new();
        b.people(plan, inventory, true);
        let space_nodes: Vec<NodeId> =
            snapshot.spaces.iter().enumerate().map(|(s, space)| b.space(s, space)).collect();
        let content: Vec<SpaceContent<'_>> = snapshot
            .spaces
            .iter()
            .enumerate()
            .map(|(s, space)| b.content(s, space, Some(space_nodes[s])))
            .collect();
        for (s, content) in content.into_iter().enumerate() {
            b.finish(s, content);
        }
        b.graph()
    }

    /// One stage's graph: first its boundary (the nodes of earlier stages that its own nodes
    /// need, without needs of their own), then its own nodes.
    pub fn build_stage(
        plan: &Plan,
        inventory: &Inventory,
        snapshot: &Snapshot,
        stage: &Stage,
    ) -> Result<Staged, Cycle> {
        let mut b = Builder::new();
        // The spaces finished here whose content an earlier stage copied.
        let finish_only: Vec<usize> = stage.finish.clone().filter(|s| !stage.content.contains(s)).collect();
        if !stage.setup {
            // Earlier stages' nodes that this one names: users and groups (restrictions), the
            // spaces (their content), the content (its fix-up and restrictions).
            b.boundary = true;
            if !finish_only.is_empty() {
                b.people(plan, inventory, false);
            }
            for s in stage.content.clone() {
                b.add(NodeKind::Space { space: s }, Vec::new());
            }
        }
        let mut contents: HashMap<usize, SpaceContent<'_>> =
            finish_only.iter().map(|&s| (s, b.content(s, &snapshot.spaces[s], None))).collect();
        let boundary = b.nodes.len();
        b.boundary = false;
        if stage.setup {
            b.people(plan, inventory, true);
            for (s, space) in snapshot.spaces.iter().enumerate() {
                b.space(s, space);
            }
        }
        for s in stage.content.clone() {
            let space_node = b.find(&NodeKind::Space { space: s });
            let content = b.content(s, &snapshot.spaces[s], space_node);
            if stage.finish.contains(&s) {
                contents.insert(s, content);
            }
        }
        for s in stage.finish.clone() {
            if let Some(content) = contents.remove(&s) {
                b.finish(s, content);
            }
        }
        Ok(Staged { graph: b.graph()?, boundary })
    }

    /// For each node, the nodes that need it.
    /// Each list is allocated at its final size (counted first): every content node has a
    /// dependent per fix-up, and lists grown by doubling would waste up to half of that.
    pub fn dependents(&self) -> Vec<Vec<NodeId>> {
        let mut counts = vec![0usize; self.nodes.len()];
        for node in &self.nodes {
            for &need in node.needs.iter() {
                counts[need] += 1;
            }
        }
        let mut out: Vec<Vec<NodeId>> = counts.into_iter().map(Vec::with_capacity).collect();
        for (id, node) in self.nodes.iter().enumerate() {
            for &need in node.needs.iter() {
                out[need].push(id);
            }
        }
        out
    }

    /// For each node, the nodes that need it, as [`Dependents`]: the same edges as
    /// [`Graph::dependents`] in a fraction of the memory.
    pub fn dependents_compact(&self) -> Dependents {
        Dependents::of_graph(self)
    }
}

/// For each node, the nodes that need it. A needs list held by several nodes (every fix-up
/// shares the list of all content nodes) is stored once with the nodes that hold it, instead of
/// adding each of them to the list of each of its needs: with 20 spaces and 100,000 pages that
/// would be 2,000,000 entries. The rest sit in one flat array, not one vector per node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependents {
    /// Node `n`'s own dependents are `targets[starts[n]..starts[n + 1]]`.
    starts: Vec<usize>,
    targets: Vec<NodeId>,
    /// The nodes that hold each shared needs list.
    holders: Vec<Vec<NodeId>>,
    /// Node `n` is in the shared lists `lists[list_starts[n]..list_starts[n + 1]]` (once per
    /// time it appears in each).
    list_starts: Vec<usize>,
    lists: Vec<usize>,
}

impl Dependents {
    fn of_graph(graph: &Graph) -> Dependents {
        let nodes = &graph.nodes;
        // A list is shared when two or more nodes hold the very same allocation.
        let mut holders_of: HashMap<*const NodeId, Vec<NodeId>> = HashMap::new();
        for (id, node) in nodes.iter().enumerate() {
            if !node.needs.is_empty() {
                holders_of.entry(node.needs.as_ptr()).or_default().push(id);
            }
        }
        let mut shared: HashMap<*const NodeId, usize> = HashMap::new();
        let mut holders = Vec::new();
        // In node order, so that the same graph always gives the same numbering.
        for node in nodes {
            let key = node.needs.as_ptr();
            if shared.contains_key(&key) {
                continue;
            }
            if let Some(list) = holders_of.remove(&key).filter(|h| h.len() > 1) {
                shared.insert(key, holders.len());
                holders.push(list);
            }
        }
        // Count first, then fill: every array is allocated once at its final size.
        let mut own = vec![0usize; nodes.len() + 1];
        let mut in_lists = vec![0usize; nodes.len() + 1];
        let mut seen = vec![false; holders.len()];
        for node in nodes {
            match shared.get(&node.needs.as_ptr()) {
                Some(&list) => {
                    if !std::mem::replace(&mut seen[list], true) {
                        for &need in node.needs.iter() {
                            in_lists[need + 1] += 1;
                        }
                    }
                }
                None => {
                    for &need in node.needs.iter() {
                        own[need + 1] += 1;
                    }
                }
            }
        }
        for i in 1..own.len() {
            own[i] += own[i - 1];
            in_lists[i] += in_lists[i - 1];
        }
        let (starts, list_starts) = (own.clone(), in_lists.clone());
        let mut targets = vec![0; own[nodes.len()]];
        let mut lists = vec![0; in_lists[nodes.len()]];
        let mut seen = vec![false; holders.len()];
        for (id, node) in nodes.iter().enumerate() {
            match shared.get(&node.needs.as_ptr()) {
                Some(&list) => {
                    if !std::mem::replace(&mut seen[list], true) {
                        for &need in node.needs.iter() {
                            lists[in_lists[need]] = list;
                            in_lists[need] += 1;
                        }
                    }
                }
                None => {
                    for &need in node.needs.iter() {
                        targets[own[need]] = id;
                        own[need] += 1;
                    }
                }
            }
        }
        Dependents { starts, targets, holders, list_starts, lists }
    }

    /// The nodes that need `id`, each once per time it names `id` (the order is not the
    /// graph's: the nodes of a shared list come after the others).
    pub fn of(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let own = &self.targets[self.starts[id]..self.starts[id + 1]];
        let lists = &self.lists[self.list_starts[id]..self.list_starts[id + 1]];
        own.iter().copied().chain(lists.iter().flat_map(|&list| self.holders[list].iter().copied()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(space: usize, needs: Arc<[NodeId]>) -> Node {
        Node { kind: NodeKind::Space { space }, needs }
    }

    #[test]
    fn compact_dependents_hold_the_same_edges_as_the_lists() {
        // Content nodes 1..=4; fix-ups 5 and 6 share one needs list; 7 holds an equal list of
        // its own (not shared); 8 names node 1 twice.
        let content: Arc<[NodeId]> = vec![1, 2, 3, 4].into();
        let nodes = vec![
            node(0, Arc::from(Vec::new())),
            node(1, vec![0].into()),
            node(2, vec![0, 1].into()),
            node(3, vec![0].into()),
            node(4, vec![2].into()),
            node(5, content.clone()),
            node(6, content),
            node(7, vec![1, 2, 3, 4].into()),
            node(8, vec![1, 1].into()),
        ];
        let graph = Graph { nodes };
        let lists = graph.dependents();
        let compact = graph.dependents_compact();
        assert_eq!(compact.holders, vec![vec![5, 6]], "one shared list, held by the two fix-ups");
        for (id, expected) in lists.iter().enumerate() {
            let mut got: Vec<NodeId> = compact.of(id).collect();
            got.sort_unstable();
            assert_eq!(&got, expected, "dependents of node {id}");
        }
        assert_eq!(compact.of(1).filter(|&d| d == 8).count(), 2);
        assert_eq!(compact.of(8).count(), 0);
    }
}
