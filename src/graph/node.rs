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
    /// Puts the space's pages and folders that landed out of the source's sibling order in
    /// place (moves only where needed), once they are all created: in the space's content
    /// stage, so that it goes on beside the rest of the copy rather than after it.
    Order {
        space: usize,
    },
    /// Rewrites the references that pointed at content created later (one update per page).
    FixUp {
        space: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Nodes that must be done before this one, in a stable order. Shared: the fix-ups of a
    /// plan all need the same content nodes, and hold one list between them.
    pub needs: std::sync::Arc<[NodeId]>,
}

impl NodeKind {
    /// Whether this node, needing `need`, still runs when `need` fails: a space waits for the
    /// groups its permissions name so that its create carries their grants, and is created
    /// without them when a group could not be made (its permissions node reports those grants).
    pub fn tolerates(&self, need: &NodeKind) -> bool {
        matches!((self, need), (NodeKind::Space { .. }, NodeKind::Group { .. }))
    }

    /// The snapshot index of the space the node belongs to (none for groups, users and
    /// memberships).
    pub fn space(&self) -> Option<usize> {
        match self {
            NodeKind::Space { space }
            | NodeKind::SpacePermissions { space }
            | NodeKind::Page { space, .. }
            | NodeKind::BlogPost { space, .. }
            | NodeKind::Labels { space, .. }
            | NodeKind::Restrictions { space, .. }
            | NodeKind::Attachment { space, .. }
            | NodeKind::Comment { space, .. }
            | NodeKind::Order { space }
            | NodeKind::FixUp { space } => Some(*space),
            NodeKind::Group { .. } | NodeKind::User { .. } | NodeKind::Membership { .. } => None,
        }
    }

    /// A key that names this node the same way in every run of the plan (source ids and keys),
    /// so a journal written by one run is understood by the next.
    pub fn key(&self, snapshot: &crate::snapshot::Snapshot) -> String {
        let space = |s: usize| &snapshot.spaces[s];
        let content = |s: usize, at: ContentAt| match at {
            ContentAt::Page(i) => space(s).pages[i].id.clone(),
            ContentAt::BlogPost(i) => space(s).blog_posts[i].id.clone(),
        };
        match self {
            NodeKind::Group { name } => format!("group:{}", name.to_lowercase()),
            NodeKind::User { account_id } => format!("user:{account_id}"),
            NodeKind::Membership { group, account_id } => {
                format!("membership:{}:{account_id}", group.to_lowercase())
            }
            NodeKind::Space { space: s } => format!("space:{}", space(*s).key),
            NodeKind::SpacePermissions { space: s } => format!("permissions:{}", space(*s).key),
            NodeKind::Page { space: s, page } => format!("page:{}", space(*s).pages[*page].id),
            NodeKind::BlogPost { space: s, post } => format!("blogpost:{}", space(*s).blog_posts[*post].id),
            NodeKind::Labels { space: s, content: at } => format!("labels:{}", content(*s, *at)),
            NodeKind::Restrictions { space: s, content: at } => format!("restrictions:{}", content(*s, *at)),
            NodeKind::Attachment { space: s, attachment } => {
                format!("attachment:{}", space(*s).attachments[*attachment].id)
            }
            NodeKind::Comment { space: s, comment } => format!("comment:{}", space(*s).comments[*comment].id),
            NodeKind::Order { space: s } => format!("order:{}", space(*s).key),
            NodeKind::FixUp { space: s } => format!("fixup:{}", space(*s).key),
        }
    }
}
