//! Answers the rewriter's questions from the copy's own knowledge: which spaces, pages, blog posts,
//! attachments and users the plan copies, and which destination ids they got so far.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::graph::ContentAt;
use crate::rewrite::{AttachmentOwner, Resolution, Resolver};
use crate::run::context::Copy;
use crate::snapshot::{Content, ContentType, Snapshot};

/// Lookups built once per run from the snapshot. No id or title is copied: each lookup is
/// keyed by a 32-bit hash and checked against the snapshot, so a hash collision costs one more
/// comparison, never a wrong answer, and the catalogue of a 100,000-page copy is about 4 MB
/// (16 bytes an entry).
#[derive(Debug)]
pub struct Catalogue {
    snapshot: Arc<Snapshot>,
    /// Lower-case source space key → snapshot index.
    spaces: HashMap<String, usize>,
    /// (space index, title) of pages and blog posts (not folders).
    titles: Hashed<Item>,
    /// Pages, folders and blog posts by source id.
    content: Hashed<Item>,
    /// Attachments and comments by source id.
    others: Hashed<Item>,
    /// (container source id, file name) of copied attachments.
    files: Hashed<Item>,
}

/// Something of the snapshot: its space and where it is in that space.
#[derive(Debug, Clone, Copy)]
struct Item {
    space: u32,
    at: Place,
}

#[derive(Debug, Clone, Copy)]
enum Place {
    Page(u32),
    BlogPost(u32),
    Attachment(u32),
    Comment(u32),
}

/// Entries sorted by hash; entries with the same hash keep the order they were added in.
#[derive(Debug)]
struct Hashed<V> {
    entries: Vec<(u32, V)>,
}

impl<V: std::marker::Copy> Hashed<V> {
    fn new() -> Self {
        Hashed { entries: Vec::new() }
    }

    fn push(&mut self, key: impl Hash, value: V) {
        self.entries.push((hash_of(key), value));
    }

    fn seal(&mut self) {
        self.entries.sort_by_key(|(hash, _)| *hash);
        self.entries.shrink_to_fit();
    }

    /// The values added under `key`'s hash, latest first: the caller checks which is `key`'s.
    fn candidates(&self, key: impl Hash) -> impl Iterator<Item = V> + '_ {
        let hash = hash_of(key);
        let from = self.entries.partition_point(|(h, _)| *h < hash);
        let to = from + self.entries[from..].partition_point(|(h, _)| *h == hash);
        self.entries[from..to].iter().rev().map(|(_, v)| *v)
    }
}

/// A 32-bit hash: with 100,000 entries a few pairs share one, which costs a comparison each.
fn hash_of(key: impl Hash) -> u32 {
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    let hash = hasher.finish();
    (hash ^ (hash >> 32)) as u32
}

impl Catalogue {
    pub fn new(snapshot: &Arc<Snapshot>) -> Catalogue {
        let mut c = Catalogue {
            snapshot: Arc::clone(snapshot),
            spaces: HashMap::new(),
            titles: Hashed::new(),
            content: Hashed::new(),
            others: Hashed::new(),
            files: Hashed::new(),
        };
        for (s, space) in snapshot.spaces.iter().enumerate() {
            c.spaces.insert(space.key.to_lowercase(), s);
            let space_index = s as u32;
            let item = |at| Item { space: space_index, at };
            let pages = space.pages.iter().enumerate().map(|(i, page)| (page, Place::Page(i as u32)));
            let posts =
                space.blog_posts.iter().enumerate().map(|(i, post)| (post, Place::BlogPost(i as u32)));
            for (content, at) in pages.chain(posts) {
                c.content.push(content.id.as_str(), item(at));
                if content.kind != ContentType::Folder {
                    c.titles.push((s, content.title.as_str()), item(at));
                }
            }
            for (i, a) in space.attachments.iter().enumerate() {
                c.others.push(a.id.as_str(), item(Place::Attachment(i as u32)));
                c.files
                    .push((a.container_id.as_str(), a.file_name.as_str()), item(Place::Attachment(i as u32)));
            }
            for (i, comment) in space.comments.iter().enumerate() {
                c.others.push(comment.id.as_str(), item(Place::Comment(i as u32)));
            }
        }
        for index in [&mut c.titles, &mut c.content, &mut c.others, &mut c.files] {
            index.seal();
        }
        c
    }

    /// The page, folder or blog post an item names.
    fn content_of(&self, item: Item) -> Option<(usize, ContentAt, &Content)> {
        let space = &self.snapshot.spaces[item.space as usize];
        match item.at {
            Place::Page(i) => {
                Some((item.space as usize, ContentAt::Page(i as usize), &space.pages[i as usize]))
            }
            Place::BlogPost(i) => {
                Some((item.space as usize, ContentAt::BlogPost(i as usize), &space.blog_posts[i as usize]))
            }
            Place::Attachment(_) | Place::Comment(_) => None,
        }
    }

    /// Where a page or blog post of the plan sits: its space index and title.
    pub fn place(&self, content_id: &str) -> Option<(usize, &str)> {
        self.find(content_id).map(|(space, _, content)| (space, content.title.as_str()))
    }

    /// Where a page, folder or blog post of the plan is in the snapshot.
    pub fn content(&self, content_id: &str) -> Option<(usize, ContentAt)> {
        self.find(content_id).map(|(space, at, _)| (space, at))
    }

    /// The page, folder or blog post of the plan with this source id, and where it is.
    fn find(&self, content_id: &str) -> Option<(usize, ContentAt, &Content)> {
        self.content
            .candidates(content_id)
            .filter_map(|item| self.content_of(item))
            .find(|(_, _, content)| content.id == content_id)
    }

    /// The source id of the page or blog post titled `title` in the space at `space`.
    fn titled(&self, space: usize, title: &str) -> Option<&str> {
        self.titles
            .candidates((space, title))
            .filter_map(|item| self.content_of(item))
            .find(|(s, _, content)| *s == space && content.title == title)
            .map(|(_, _, content)| content.id.as_str())
    }

    /// Whether the plan copies the content, attachment or comment with this source id.
    fn copies(&self, source_id: &str) -> bool {
        self.content(source_id).is_some()
            || self.others.candidates(source_id).any(|item| {
                let space = &self.snapshot.spaces[item.space as usize];
                match item.at {
                    Place::Attachment(i) => space.attachments[i as usize].id == source_id,
                    Place::Comment(i) => space.comments[i as usize].id == source_id,
                    Place::Page(_) | Place::BlogPost(_) => false,
                }
            })
    }

    /// Whether the plan copies an attachment named `file_name` held by `container`.
    fn has_file(&self, container: &str, file_name: &str) -> bool {
        self.files.candidates((container, file_name)).any(|item| match item.at {
            Place::Attachment(i) => {
                let a = &self.snapshot.spaces[item.space as usize].attachments[i as usize];
                a.container_id == container && a.file_name == file_name
            }
            _ => false,
        })
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
        if self.copy.catalogue.titled(space, title).is_some() {
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
                self.copy.catalogue.titled(space, title)
            }
        };
        match container {
            Some(id) if self.copy.catalogue.has_file(id, filename) => Resolution::Unchanged,
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
        if !self.copy.inventory.users.contains_key(source_account_id) {
            Resolution::Unresolved("the account is not among the users in the plan's scope".into())
        } else if self.copy.inventory.destination_knows(source_account_id) {
            Resolution::Unchanged
        } else {
            Resolution::Unresolved(
                "the account has no access to the destination, and users.scope = \"none\" copies no user"
                    .into(),
            )
        }
    }
}
