//! Answers the rewriter's questions from the copy's own knowledge: which spaces, pages, blog posts,
//! attachments and users the plan copies, and which destination ids they got so far.

use std::collections::{HashMap, HashSet};

use crate::graph::ContentAt;
use crate::rewrite::{AttachmentOwner, Resolution, Resolver};
use crate::run::context::Copy;
use crate::snapshot::{ContentType, Snapshot};

/// Lookups built once per run from the snapshot. Each id and title is held once (a page's
/// title and id are read back from the snapshot), so the catalogue of a 100,000-page copy stays
/// a few megabytes.
#[derive(Debug, Default)]
pub struct Catalogue {
    /// Lower-case source space key → snapshot index.
    spaces: HashMap<String, usize>,
    /// (space index, title) → the page or blog post (not folders) with that title.
    titles: HashMap<(usize, Box<str>), ContentAt>,
    /// Each page, folder or blog post by source id: its space and its place in the snapshot.
    content: HashMap<Box<str>, (usize, ContentAt)>,
    /// Source ids of the attachments and comments the plan copies.
    others: HashSet<Box<str>>,
    /// (container source id, file name) of copied attachments.
    files: HashSet<(Box<str>, Box<str>)>,
}

impl Catalogue {
    pub fn new(snapshot: &Snapshot) -> Catalogue {
        let mut c = Catalogue::default();
        for (s, space) in snapshot.spaces.iter().enumerate() {
            c.spaces.insert(space.key.to_lowercase(), s);
            let pages = space.pages.iter().enumerate().map(|(i, page)| (page, ContentAt::Page(i)));
            let posts = space.blog_posts.iter().enumerate().map(|(i, post)| (post, ContentAt::BlogPost(i)));
            for (item, at) in pages.chain(posts) {
                c.content.insert(item.id.as_str().into(), (s, at));
                if item.kind != ContentType::Folder {
                    c.titles.insert((s, item.title.as_str().into()), at);
                }
            }
            for a in &space.attachments {
                c.others.insert(a.id.as_str().into());
                c.files.insert((a.container_id.as_str().into(), a.file_name.as_str().into()));
            }
            for comment in &space.comments {
                c.others.insert(comment.id.as_str().into());
            }
        }
        c
    }

    /// Where a page or blog post of the plan sits: its space index and title.
    pub fn place<'s>(&self, snapshot: &'s Snapshot, content_id: &str) -> Option<(usize, &'s str)> {
        let (space, at) = self.content(content_id)?;
        Some((space, content_at(snapshot, space, at).title.as_str()))
    }

    /// Where a page, folder or blog post of the plan is in the snapshot.
    pub fn content(&self, content_id: &str) -> Option<(usize, ContentAt)> {
        self.content.get(content_id).copied()
    }

    /// The source id of the page or blog post titled `title` in the space at `space`.
    fn titled<'s>(&self, snapshot: &'s Snapshot, space: usize, title: &str) -> Option<&'s str> {
        let at = *self.titles.get(&(space, Box::from(title)))?;
        Some(content_at(snapshot, space, at).id.as_str())
    }

    /// Whether the plan copies the content, attachment or comment with this source id.
    fn copies(&self, source_id: &str) -> bool {
        self.content.contains_key(source_id) || self.others.contains(source_id)
    }
}

fn content_at(snapshot: &Snapshot, space: usize, at: ContentAt) -> &crate::snapshot::Content {
    match at {
        ContentAt::Page(i) => &snapshot.spaces[space].pages[i],
        ContentAt::BlogPost(i) => &snapshot.spaces[space].blog_posts[i],
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
        if self.copy.catalogue.titled(&self.copy.snapshot, space, title).is_some() {
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
            AttachmentOwner::ContainingContent => Some(self.container),
            AttachmentOwner::Page { space_key, title }
            | AttachmentOwner::BlogPost { space_key, title, .. } => {
                let Some(space) = self.space(space_key) else { return Resolution::External };
                self.copy.catalogue.titled(&self.copy.snapshot, space, title)
            }
        };
        match container {
            Some(id) if self.copy.catalogue.files.contains(&(Box::from(id), Box::from(filename))) => {
                Resolution::Unchanged
            }
            Some(_) => {
                Resolution::Unresolved(format!("no attachment \"{filename}\" is copied with that page"))
            }
            None => Resolution::Unresolved(format!("the page holding \"{filename}\" is not copied")),
        }
    }

    fn content_id(&self, source_id: &str) -> Resolution {
        if !self.copy.catalogue.copies(source_id) {
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
