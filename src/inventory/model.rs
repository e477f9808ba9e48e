//! What the two sites hold, as far as the plan is concerned: the facts the checks judge, the
//! forecast counts, and what the execution graph is built from.

use std::collections::{BTreeMap, BTreeSet};

/// Whether confcopy could sign in to a site, and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Signed in, as this account (its email when the site shows it).
    Granted { account_id: String, display_name: String, email: Option<String> },
    /// No credentials were configured for the site.
    Missing,
    /// The site refused the credentials (401).
    Rejected { message: String },
}

/// Whether the caller is an organization admin of the site's organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgAdmin {
    Yes {
        org_id: String,
    },
    No {
        org_id: String,
        message: String,
    },
    /// No organization API key was configured for this site.
    NoKey,
}

/// An installed app.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct App {
    pub key: String,
    pub name: String,
}

/// What one site is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFacts {
    /// The site as the plan names it.
    pub label: String,
    pub access: Access,
    /// `None` when it could not be determined (no access).
    pub product_admin: Option<bool>,
    pub org_admin: OrgAdmin,
    pub confluence: bool,
    /// The Confluence plan (`free`, `standard`, ...), when the admin API tells it.
    pub plan: Option<String>,
    /// Licensed users now and the most the plan allows, when the admin API tells them.
    pub usage: Option<u64>,
    pub capacity: Option<u64>,
    /// Apps that admins installed (system apps are left out).
    pub apps: Vec<App>,
}

impl SiteFacts {
    /// The signed-in account for people: `Name <email>`, or the name alone.
    pub fn account(&self) -> Option<String> {
        match &self.access {
            Access::Granted { display_name, email: Some(email), .. } if !email.trim().is_empty() => {
                Some(format!("{display_name} <{email}>"))
            }
            Access::Granted { display_name, .. } if !display_name.is_empty() => Some(display_name.clone()),
            _ => None,
        }
    }

    pub fn signed_in(&self) -> bool {
        matches!(self.access, Access::Granted { .. })
    }

    /// Signed in as a Confluence admin of a site with Confluence: everything can be read.
    pub fn usable(&self) -> bool {
        self.signed_in() && self.confluence && self.product_admin != Some(false)
    }
}

/// Why a user is in the plan's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Author,
    Editor,
    Commenter,
    Mentioned,
    Permission,
    Restriction,
    GroupMember,
    All,
}

impl Reason {
    pub const EVERY: [Reason; 8] = [
        Reason::Author,
        Reason::Editor,
        Reason::Commenter,
        Reason::Mentioned,
        Reason::Permission,
        Reason::Restriction,
        Reason::GroupMember,
        Reason::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Author => "author",
            Reason::Editor => "editor",
            Reason::Commenter => "commenter",
            Reason::Mentioned => "mentioned",
            Reason::Permission => "permission",
            Reason::Restriction => "restriction",
            Reason::GroupMember => "group member",
            Reason::All => "all",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountStatus {
    Active,
    Inactive,
    /// Closed or deleted: shown as "Former user".
    Former,
}

impl AccountStatus {
    pub fn from_api(status: Option<&str>) -> Self {
        match status {
            Some("inactive") => AccountStatus::Inactive,
            Some("closed" | "deleted") => AccountStatus::Former,
            _ => AccountStatus::Active,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Inactive => "inactive",
            AccountStatus::Former => "former",
        }
    }
}

/// A user in the plan's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFacts {
    pub account_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub status: AccountStatus,
    pub reasons: BTreeSet<Reason>,
    /// Names of the source groups the user belongs to.
    pub groups: BTreeSet<String>,
}

/// A group, by name; members by account id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    pub id: String,
    pub name: String,
    pub members: BTreeSet<String>,
}

/// Counts of one selected space on the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpaceCounts {
    pub pages: u64,
    pub blog_posts: u64,
    pub attachments: u64,
    pub attachment_bytes: u64,
    pub comments: u64,
}

/// A selected space as the source holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpace {
    pub id: String,
    pub key: String,
    pub name: String,
    /// Permission operations granted to anonymous users (empty when none).
    pub anonymous: Vec<String>,
    pub counts: SpaceCounts,
    /// Pages and attachments that are in the space but that the credentials cannot read.
    /// Pages (and the pages under them) the credentials cannot read.
    pub unreadable_pages: u64,
    pub unreadable_blog_posts: u64,
    pub unreadable_attachments: u64,
    /// What the inventory's own listings showed of the space, for the snapshot to take instead of
    /// asking again; `None` where no listing of the inventory's stands behind the space (the
    /// destination spaces verify reads).
    pub listed: Option<SpaceListed>,
}

/// A space as the inventory's listings showed it (see [`SourceSpace::listed`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpaceListed {
    /// Its permissions, as listed.
    pub permissions: Vec<crate::client::model::space::SpacePermission>,
    /// Whether some listed page carries labels (else the snapshot need not list the space's
    /// pages again for them).
    pub page_labels: bool,
    /// The same for blog posts.
    pub blog_post_labels: bool,
    /// The read and update restrictions of each listed page that has any, by id (restricted
    /// content is rare: the rest has none).
    pub restricted_pages: Vec<(String, crate::client::RestrictionsByOperation)>,
    /// The same for blog posts.
    pub restricted_blog_posts: Vec<(String, crate::client::RestrictionsByOperation)>,
}

impl SpaceListed {
    /// Whether the listed pages (`blog_posts` false) or blog posts carry labels, and the
    /// restrictions of those that have any.
    pub fn of(&self, blog_posts: bool) -> (bool, &[(String, crate::client::RestrictionsByOperation)]) {
        if blog_posts {
            (self.blog_post_labels, &self.restricted_blog_posts)
        } else {
            (self.page_labels, &self.restricted_pages)
        }
    }
}

/// A destination space whose key (or one of its former keys) matches a key the plan needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationSpace {
    pub id: String,
    pub key: String,
    pub name: String,
    /// Keys the space used to have (reserved for it).
    pub historical_keys: Vec<String>,
    /// confcopy's marker on the space, when it has one: which source space it is a copy of.
    pub origin: Option<crate::reconcile::Origin>,
    /// Without a marker: whether it holds nothing but its homepage (no other page, no blog
    /// post), as a space does that a run created and was stopped before it could mark.
    pub bare: bool,
    /// Whether this plan's journal says an earlier run created it.
    pub journal_knows: bool,
}

/// Everything the checks need, read once from both sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub source: SiteFacts,
    pub destination: SiteFacts,
    /// Every space key on the source, for "did you mean".
    pub source_keys: Vec<String>,
    /// The selected spaces in plan order; `None` when the source has no such space.
    pub spaces: Vec<Option<SourceSpace>>,
    /// Per selected space (plan order): the destination space that holds its destination key.
    pub destination_conflicts: Vec<Option<DestinationSpace>>,
    /// Users in scope, by account id.
    pub users: BTreeMap<String, UserFacts>,
    /// Source groups in scope, by name.
    pub groups: BTreeMap<String, GroupFacts>,
    /// Destination groups by lower-case name.
    pub destination_groups: BTreeMap<String, GroupFacts>,
    /// Display names of destination users named in `destination_groups`.
    pub destination_names: BTreeMap<String, String>,
    /// Account ids that already have Confluence access on the destination.
    pub destination_licensed: BTreeSet<String>,
    /// With `users.scope = "none"`: the accounts the destination has (no user or group is
    /// copied, so only these and the groups of `destination_groups` can be named there).
    /// `None` when users are copied.
    pub existing_accounts: Option<BTreeSet<String>>,
}

impl Inventory {
    /// An inventory of two sites with nothing read from them yet.
    pub fn empty(source: SiteFacts, destination: SiteFacts) -> Inventory {
        Inventory {
            source,
            destination,
            source_keys: Vec::new(),
            spaces: Vec::new(),
            destination_conflicts: Vec::new(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            destination_groups: BTreeMap::new(),
            destination_names: BTreeMap::new(),
            destination_licensed: BTreeSet::new(),
            existing_accounts: None,
        }
    }

    /// Whether users and groups are copied (any scope but `"none"`).
    pub fn copies_people(&self) -> bool {
        self.existing_accounts.is_none()
    }

    /// Whether the destination can be given this account in a permission, restriction or
    /// mention: always when users are copied, else when the destination has the account.
    pub fn destination_knows(&self, account_id: &str) -> bool {
        self.existing_accounts.as_ref().is_none_or(|known| known.contains(account_id))
    }

    /// Whether the destination has a group of this name (compared case-insensitively).
    pub fn destination_has_group(&self, name: &str) -> bool {
        self.destination_groups.contains_key(&name.to_lowercase())
    }
}

impl SourceSpace {
    /// What of a space the credentials cannot read, in words (`2 pages, 1 blog post and 3
    /// attachments`); `None` when everything can be read.
    pub fn unreadable(&self) -> Option<String> {
        let counted = |n: u64, one: &str, many: &str| {
            (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }))
        };
        let parts: Vec<String> = [
            counted(self.unreadable_pages, "page", "pages"),
            counted(self.unreadable_blog_posts, "blog post", "blog posts"),
            counted(self.unreadable_attachments, "attachment", "attachments"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match parts.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
        }
    }
}
