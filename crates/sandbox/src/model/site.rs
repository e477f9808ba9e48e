//! A Confluence Cloud site: plan, apps, access, groups and all content.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Attachment, Comment, Content, ContentIndex, Group, Space};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductPlan {
    Free,
    Standard,
    Premium,
    Enterprise,
}

impl ProductPlan {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductPlan::Free => "free",
            ProductPlan::Standard => "standard",
            ProductPlan::Premium => "premium",
            ProductPlan::Enterprise => "enterprise",
        }
    }

    /// Most users with Confluence access the plan allows.
    pub fn user_limit(self) -> Option<usize> {
        match self {
            ProductPlan::Free => Some(10),
            _ => None,
        }
    }
}

/// An installed app as the Universal Plugin Manager lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct App {
    pub key: String,
    pub name: String,
    pub enabled: bool,
    pub user_installed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    /// Site name: `NAME.atlassian.net`.
    pub name: String,
    pub cloud_id: String,
    pub org_id: String,
    pub plan: ProductPlan,
    pub apps: Vec<App>,
    /// Whether Confluence is installed on the site.
    pub confluence: bool,
    /// Account ids with Confluence product access granted directly.
    pub access: BTreeSet<String>,
    pub site_admins: BTreeSet<String>,
    pub product_admins: BTreeSet<String>,
    pub groups: Vec<Group>,
    pub spaces: BTreeMap<u64, Space>,
    /// Pages, blog posts and folders.
    pub contents: BTreeMap<u64, Content>,
    pub attachments: BTreeMap<u64, Attachment>,
    pub comments: BTreeMap<u64, Comment>,
    /// Next id to hand out; content, comments, attachments, labels and spaces share it.
    pub next_id: u64,
    /// Derived lookups over `contents`; never saved, rebuilt on first use.
    #[serde(skip)]
    pub index: ContentIndex,
}

impl Site {
    /// A copy without spaces and content (names, plan, apps, access, groups).
    pub fn clone_shallow(&self) -> Site {
        Site {
            name: self.name.clone(),
            cloud_id: self.cloud_id.clone(),
            org_id: self.org_id.clone(),
            plan: self.plan,
            apps: self.apps.clone(),
            confluence: self.confluence,
            access: self.access.clone(),
            site_admins: self.site_admins.clone(),
            product_admins: self.product_admins.clone(),
            groups: self.groups.clone(),
            spaces: BTreeMap::new(),
            contents: BTreeMap::new(),
            attachments: BTreeMap::new(),
            comments: BTreeMap::new(),
            next_id: self.next_id,
            index: ContentIndex::default(),
        }
    }
}
