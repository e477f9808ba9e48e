//! Builds the static execution graph from the validated plan, the inventory and the snapshot.
//! The same input always gives the same graph (node order and ids included).

use std::collections::HashMap;
use std::sync::Arc;

use super::node::{ContentAt, Node, NodeId, NodeKind};
use super::order::{Cycle, check_acyclic};
use crate::inventory::{AccountStatus, Inventory};
use crate::plan::{Memberships, Plan};
use crate::snapshot::{Snapshot, Subject};

/// The execution graph: nodes in a deterministic order, each with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<Node>,
}

struct Builder {
    nodes: Vec<Node>,
    index: HashMap<NodeKind, NodeId>,
}

impl Builder {
    fn add(&mut self, kind: NodeKind, needs: Vec<NodeId>) -> NodeId {
        self.add_shared(kind, needs.into())
    }

    fn add_shared(&mut self, kind: NodeKind, needs: Arc<[NodeId]>) -> NodeId {
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
}

impl Graph {
    pub fn build(plan: &Plan, inventory: &Inventory, snapshot: &Snapshot) -> Result<Graph, Cycle> {
        let mut b = Builder { nodes: Vec::new(), index: HashMap::new() };
        for group in inventory.groups.values() {
            b.add(NodeKind::Group { name: group.name.clone() }, Vec::new());
        }
        for user in inventory.users.values() {
            b.add(NodeKind::User { account_id: user.account_id.clone() }, Vec::new());
        }
        if plan.users.memberships.value == Memberships::WithGroups {
            for user in inventory.users.values().filter(|u| u.status == AccountStatus::Active) {
                for group in &user.groups {
                    let needs = [
                        b.find(&NodeKind::Group { name: group.clone() }),
                        b.find(&NodeKind::User { account_id: user.account_id.clone() }),
                    ];
                    b.add(
                        NodeKind::Membership { group: group.clone(), account_id: user.account_id.clone() },
                        needs.into_iter().flatten().collect(),
                    );
                }
            }
        }
        let mut content_nodes = Vec::new();
        let mut fixups = Vec::new();
        // Restrictions can lock the copying account out of updating the content, so they come
        // last: after its labels, attachments and comments, and after the fix-up pass.
        let mut restricted = Vec::new();
        let mut content_writes: Vec<HashMap<&str, Vec<NodeId>>> = Vec::new();
        for (s, space) in snapshot.spaces.iter().enumerate() {
            let space_node = b.add(NodeKind::Space { space: s }, Vec::new());
            let mut needs = vec![space_node];
            for permission in &space.permissions {
                needs.extend(b.subject_needs(&permission.subject));
            }
            needs.sort_unstable();
            needs.dedup();
            b.add(NodeKind::SpacePermissions { space: s }, needs);

            let mut page_nodes: HashMap<&str, NodeId> = HashMap::new();
            for (p, page) in space.pages.iter().enumerate() {
                // Only the parent: siblings are created side by side (each lands last under its
                // parent) and put in the source's order by the space's fix-up, which needs them
                // all. Chaining each to the previous sibling would serialise wide parents.
                let mut needs = vec![space_node];
                needs.extend(page.parent_id.as_deref().and_then(|parent| page_nodes.get(parent).copied()));
                let id = b.add(NodeKind::Page { space: s, page: p }, needs);
                page_nodes.insert(&page.id, id);
                content_nodes.push(id);
            }
            let mut post_nodes: HashMap<&str, NodeId> = HashMap::new();
            for (p, post) in space.blog_posts.iter().enumerate() {
                let id = b.add(NodeKind::BlogPost { space: s, post: p }, vec![space_node]);
                post_nodes.insert(&post.id, id);
                content_nodes.push(id);
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
            let mut writes_to: HashMap<&str, Vec<NodeId>> = HashMap::new();
            for (at, item, node) in content.collect::<Vec<_>>() {
                writes_to.entry(item.id.as_str()).or_default().push(node);
                if !item.labels.is_empty() {
                    let labels = b.add(NodeKind::Labels { space: s, content: at }, vec![node]);
                    writes_to.entry(item.id.as_str()).or_default().push(labels);
                }
                if !item.restrictions.is_empty() {
                    restricted.push((s, at, item.id.as_str(), item));
                }
            }
            let container = |id: &str| page_nodes.get(id).or(post_nodes.get(id)).copied();
            for (a, attachment) in space.attachments.iter().enumerate() {
                let needs = container(&attachment.container_id).into_iter().collect();
                let id = b.add(NodeKind::Attachment { space: s, attachment: a }, needs);
                writes_to.entry(attachment.container_id.as_str()).or_default().push(id);
            }
            let mut comment_nodes: HashMap<&str, NodeId> = HashMap::new();
            for (c, comment) in space.comments.iter().enumerate() {
                let mut needs: Vec<NodeId> = container(&comment.container_id).into_iter().collect();
                needs.extend(comment.parent_id.as_deref().and_then(|p| comment_nodes.get(p).copied()));
                let id = b.add(NodeKind::Comment { space: s, comment: c }, needs);
                comment_nodes.insert(&comment.id, id);
                writes_to.entry(comment.container_id.as_str()).or_default().push(id);
            }
            fixups.push(s);
            content_writes.push(writes_to);
        }
        // References may point at content of any space of the plan: fix-ups wait for all of it.
        // One list for all of them: a copy per space would cost spaces × pages ids.
        let content_nodes: Arc<[NodeId]> = content_nodes.into();
        let mut fixup_nodes = Vec::new();
        for s in fixups {
            fixup_nodes.push(b.add_shared(NodeKind::FixUp { space: s }, content_nodes.clone()));
        }
        for (s, at, id, item) in restricted {
            let mut needs = content_writes[s].get(id).cloned().unwrap_or_default();
            needs.push(fixup_nodes[s]);
            for subject in item.restrictions.read.iter().chain(&item.restrictions.update) {
                needs.extend(b.subject_needs(subject));
            }
            needs.sort_unstable();
            needs.dedup();
            b.add(NodeKind::Restrictions { space: s, content: at }, needs);
        }
        let mut nodes = b.nodes;
        nodes.shrink_to_fit();
        let graph = Graph { nodes };
        check_acyclic(&graph)?;
        Ok(graph)
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
}
