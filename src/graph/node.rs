//! The nodes of the execution graph: one unit of copying each, and what each needs first.

/// A node's index in the graph.
pub type NodeId = usize;

/// Which content a labels, restrictions or comment node belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentAt {
    Page(usize),
    BlogPost(usize),
}

/// What a node copies. Indices point into the [`Snapshot`](crate::snapshot::Snapshot) (spaces and
/// their content) or the [`Inventory`](crate::inventory::Inventory) (users and groups, by key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// Create the group on the destination, or merge into the same-name group.
    Group {
        name: String,
    },
    /// Link the user's account to the destination per the membership mode.
    User {
        account_id: String,
    },
    /// Add the user to the group on the destination (`memberships = "with-groups"`).
    Membership {
        group: String,
        account_id: String,
    },
    /// Create the space (its homepage comes with it).
    Space {
        space: usize,
    },
    /// The space's permissions for users, groups and anonymous access.
    SpacePermissions {
        space: usize,
    },
    Page {
        space: usize,
        page: usize,
    },
    BlogPost {
        space: usize,
        post: usize,
    },
    Labels {
        space: usize,
        content: ContentAt,
    },
    Restrictions {
        space: usize,
        content: ContentAt,
    },
    Attachment {
        space: usize,
        attachment: usize,
    },
    Comment {
        space: usize,
        comment: usize,
    },
    /// Rewrites the references that pointed at content created later (one update per page).
    FixUp {
        space: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Nodes that must be done before this one, in a stable order.
    pub needs: Vec<NodeId>,
}
