//! A resolver over plain maps, as the copy engine would build one, and a context for the
//! rewrite tests. Anything not in a map is outside the plan.

use std::collections::HashMap;

use confcopy::rewrite::{AttachmentOwner, Context, Resolution, Resolver};

pub const SOURCE: &str = "https://acme.atlassian.net";
pub const SANDBOX: &str = "http://127.0.0.1:8931";
pub const DESTINATION: &str = "https://acme-eu.atlassian.net";

pub fn context() -> Context {
    Context::new("DOC", "Release notes", [SOURCE, SANDBOX], DESTINATION)
}

#[derive(Debug, Default, Clone)]
pub struct MapResolver {
    pub spaces: HashMap<String, Resolution>,
    pub pages: HashMap<(String, String), Resolution>,
    pub blog_posts: HashMap<(String, String, String), Resolution>,
    pub attachments: HashMap<(String, String), Resolution>,
    pub ids: HashMap<String, Resolution>,
    pub accounts: HashMap<String, Resolution>,
    pub user_keys: HashMap<String, Resolution>,
}

impl MapResolver {
    pub fn space(mut self, from: &str, to: &str) -> Self {
        let answer = if from == to { Resolution::Unchanged } else { Resolution::Rewritten(to.into()) };
        self.spaces.insert(from.into(), answer);
        self
    }
    pub fn page(mut self, space: &str, title: &str, answer: Resolution) -> Self {
        self.pages.insert((space.into(), title.into()), answer);
        self
    }
    pub fn blog_post(mut self, space: &str, title: &str, day: &str, answer: Resolution) -> Self {
        self.blog_posts.insert((space.into(), title.into(), day.into()), answer);
        self
    }
    /// `owner` is `"space/title"`, or `""` for the containing content.
    pub fn attachment(mut self, owner: &str, file: &str, answer: Resolution) -> Self {
        self.attachments.insert((owner.into(), file.into()), answer);
        self
    }
    pub fn id(mut self, from: &str, answer: Resolution) -> Self {
        self.ids.insert(from.into(), answer);
        self
    }
    pub fn account(mut self, from: &str, answer: Resolution) -> Self {
        self.accounts.insert(from.into(), answer);
        self
    }
    pub fn user_key(mut self, from: &str, answer: Resolution) -> Self {
        self.user_keys.insert(from.into(), answer);
        self
    }
}

fn look<K: std::hash::Hash + Eq>(map: &HashMap<K, Resolution>, key: &K) -> Resolution {
    map.get(key).cloned().unwrap_or(Resolution::External)
}

impl Resolver for MapResolver {
    fn page(&self, space_key: &str, title: &str) -> Resolution {
        look(&self.pages, &(space_key.into(), title.into()))
    }
    fn blog_post(&self, space_key: &str, title: &str, posting_day: &str) -> Resolution {
        look(&self.blog_posts, &(space_key.into(), title.into(), posting_day.into()))
    }
    fn attachment(&self, owner: &AttachmentOwner<'_>, filename: &str) -> Resolution {
        let owner = match owner {
            AttachmentOwner::ContainingContent => String::new(),
            AttachmentOwner::Page { space_key, title }
            | AttachmentOwner::BlogPost { space_key, title, .. } => {
                format!("{space_key}/{title}")
            }
        };
        look(&self.attachments, &(owner, filename.into()))
    }
    fn content_id(&self, source_id: &str) -> Resolution {
        look(&self.ids, &source_id.into())
    }
    fn space_key(&self, source_key: &str) -> Resolution {
        look(&self.spaces, &source_key.into())
    }
    fn account_id(&self, source_account_id: &str) -> Resolution {
        self.accounts
            .get(source_account_id)
            .cloned()
            .unwrap_or(Resolution::Unresolved("unknown account".into()))
    }
    fn user_key(&self, user_key: &str) -> Resolution {
        self.user_keys.get(user_key).cloned().unwrap_or(Resolution::Unresolved("legacy userkey".into()))
    }
}

/// The plan used by most tests: space DOC renamed to DOCS, OPS kept, pages and ids mapped.
pub fn plan() -> MapResolver {
    MapResolver::default()
        .space("DOC", "DOCS")
        .space("OPS", "OPS")
        .page("DOC", "Home", Resolution::Unchanged)
        .page("DOC", "Install & run", Resolution::Unchanged)
        .page("OPS", "Runbook", Resolution::Rewritten("Runbook (copy)".into()))
        .blog_post("DOC", "Launch", "2024/05/01", Resolution::Unchanged)
        .attachment("", "diagram.png", Resolution::Unchanged)
        .attachment("OPS/Runbook", "flow.png", Resolution::Rewritten("flow-1.png".into()))
        .id("1001", Resolution::Rewritten("5001".into()))
        .id("1002", Resolution::Pending("page 1002 not created yet".into()))
        .id("65536", Resolution::Rewritten("917505".into()))
        .account("557058:aaaa", Resolution::Unchanged)
        .account("557058:old", Resolution::Rewritten("712020:new".into()))
}
