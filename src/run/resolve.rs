//! Answers the rewriter's questions from the copy's own knowledge: which spaces, pages, blog posts,
//! attachments and users the plan copies, and which destination ids they got so far.

use std::collections::{HashMap, HashSet};

use crate::graph::ContentAt;
use crate::rewrite::{AttachmentOwner, Resolution, Resolver};
use crate::run::context::Copy;
use crate::snapshot::{ContentType, Snapshot};

/// Lookups built once per run from the snapshot.
#[derive(Debug, Default)]
pub struct Catalogue {
    /// Lower-case source space key → snapshot index.
    spaces: HashMap<String, usize>,
    /// (space index, title) → source content id.
    titles: HashMap<(usize, String), String>,
    /// Source content ids the plan copies (pages, folders, blog posts, attachments, comments).
    ids: HashSet<String>,
    /// (container source id, file name) of copied attachments.
    files: HashSet<(String, String)>,
    /// Where each page or blog post sits, for the rewriter's context: space index and title.
    places: HashMap<String, (usize, String)>,
    /// Each page, folder or blog post by source id: its space and its place in the snapshot.
    content: HashMap<String, (usize, ContentAt)>,
}

impl Catalogue {
    pub fn new(snapshot: &Snapshot) -> Catalogue {
        let mut c = Catalogue::default();
        for (s, space) in snapshot.spaces.iter().enumerate() {
            c.spaces.insert(space.key.to_lowercase(), s);
            for (i, page) in space.pages.iter().enumerate() {
                c.content.insert(page.id.clone(), (s, ContentAt::Page(i)));
            }
            for (i, post) in space.blog_posts.iter().enumerate() {
                c.content.insert(post.id.clone(), (s, ContentAt::BlogPost(i)));
            }
            for item in space.pages.iter().chain(&space.blog_posts) {
                if item.kind != ContentType::Folder {
                    c.titles.insert((s, item.title.clone()), item.id.clone());
                }
                c.ids.insert(item.id.clone());
                c.places.insert(item.id.clone(), (s, item.title.clone()));
            }
            for a in &space.attachments {
                c.ids.insert(a.id.clone());
                c.files.insert((a.container_id.clone(), a.file_name.clone()));
            }
            for comment in &space.comments {
                c.ids.insert(comment.id.clone());
            }
        }
        c
    }

    pub fn place(&self, content_id: &str) -> Option<&(usize, String)> {
        self.places.get(content_id)
    }

    /// Where a page, folder or blog post of the plan is in the snapshot.
    pub fn content(&self, content_id: &str) -> Option<(usize, ContentAt)> {
        self.content.get(content_id).copied()
    }
}

/// A resolver for one body: the content holding it is `container` (a page or blog post id).
pub struct CopyResolver<'a> {
    pub copy: &'a Copy,
    pub container: &'a str,
}

impl CopyResolver<'_> {
    fn space(&self, key: &str) -> Option<usize> {
        self.copy.catalogue.spaces.get(&key.to_lowercase()).copied()
    }

    fn titled(&self, space_key: &str, title: &str) -> Resolution {
        let Some(space) = self.space(space_key) else { return Resolution::External };
        if self.copy.catalogue.titles.contains_key(&(space, title.to_string())) {
            // Titles are kept; the space key, if renamed, is rewritten by its own question.
            Resolution::Unchanged
        } else {
            Resolution::Unresolved(format!("no page \"{title}\" is copied from space {space_key}"))
        }
    }
}

impl Resolver for CopyResolver<'_> {
    fn page(&self, space_key: &str, title: &str) -> Resolution {
        self.titled(space_key, title)
    }

    fn blog_post(&self, space_key: &str, title: &str, _posting_day: &str) -> Resolution {
        self.titled(space_key, title)
    }

    fn attachment(&self, owner: &AttachmentOwner<'_>, filename: &str) -> Resolution {
        let container = match owner {
            AttachmentOwner::ContainingContent => Some(self.container.to_string()),
            AttachmentOwner::Page { space_key, title }
            | AttachmentOwner::BlogPost { space_key, title, .. } => {
                let Some(space) = self.space(space_key) else { return Resolution::External };
                self.copy.catalogue.titles.get(&(space, title.to_string())).cloned()
            }
        };
        match container {
            Some(id) if self.copy.catalogue.files.contains(&(id.clone(), filename.to_string())) => {
                Resolution::Unchanged
            }
            Some(_) => {
                Resolution::Unresolved(format!("no attachment \"{filename}\" is copied with that page"))
            }
            None => Resolution::Unresolved(format!("the page holding \"{filename}\" is not copied")),
        }
    }

    fn content_id(&self, source_id: &str) -> Resolution {
        if !self.copy.catalogue.ids.contains(source_id) {
            return Resolution::External;
        }
        let mapping = self.copy.mapping.read().unwrap_or_else(|e| e.into_inner());
        let found = mapping
            .content
            .get(source_id)
            .map(|(id, _)| id.clone())
            .or_else(|| mapping.attachments.get(source_id).cloned())
            .or_else(|| mapping.comments.get(source_id).cloned());
        match found {
            Some(id) if id == source_id => Resolution::Unchanged,
            Some(id) => Resolution::Rewritten(id),
            None => Resolution::Pending(format!("{source_id} is not created yet")),
        }
    }

    fn space_key(&self, source_key: &str) -> Resolution {
        match self.space(source_key) {
            Some(s) => {
                let key = &self.copy.snapshot.spaces[s].destination_key;
                if key == source_key { Resolution::Unchanged } else { Resolution::Rewritten(key.clone()) }
            }
            None => Resolution::External,
        }
    }

    fn account_id(&self, source_account_id: &str) -> Resolution {
        // The same Atlassian account on both sites: the id maps to itself, but only for users
        // the inventory knows.
        if self.copy.inventory.users.contains_key(source_account_id) {
            Resolution::Unchanged
        } else {
            Resolution::Unresolved("the account is not among the users in the plan's scope".into())
        }
    }
}
