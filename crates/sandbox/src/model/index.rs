//! Lookups a create, an update or a list needs without scanning the whole site: which titles
//! are taken in a space, the children of each parent in sibling order, and each space's content
//! of each kind in id order.
//!
//! The index is derived state: never saved (a loaded or reset site starts without one) and built
//! on first use. Code that changes a content's space, kind, title, status, parent or position
//! goes through [`Site::edit_content`], [`Site::insert_content`] or [`Site::remove_content`];
//! code that changes contents any other way calls [`Site::invalidate_index`].

use std::collections::{BTreeSet, HashMap};

use super::{Content, ContentKind, ContentStatus, Site};

/// Titles are unique per space among pages and folders, and separately among blog posts.
fn title_class(kind: ContentKind) -> bool {
    kind == ContentKind::BlogPost
}

/// Current and archived content hold their title; drafts and trashed content do not.
fn holds_title(status: ContentStatus) -> bool {
    matches!(status, ContentStatus::Current | ContentStatus::Archived)
}

type TitleKey = (u64, bool, String);
type ParentKey = (u64, Option<u64>);

#[derive(Debug, Clone, Default)]
pub struct ContentIndex {
    built: bool,
    /// (space, is blog post, ASCII-lower-cased title) → content holding that title.
    titles: HashMap<TitleKey, Vec<u64>>,
    /// (space, parent) → (position, id) of every content under it, any kind and status.
    children: HashMap<ParentKey, BTreeSet<(i64, u64)>>,
    /// (space, kind) → ids, any status.
    by_space: HashMap<(u64, ContentKind), BTreeSet<u64>>,
}

impl ContentIndex {
    fn add(&mut self, c: &Content) {
        if holds_title(c.status) {
            self.titles
                .entry((c.space_id, title_class(c.kind), c.title.to_ascii_lowercase()))
                .or_default()
                .push(c.id);
        }
        self.children.entry((c.space_id, c.parent_id)).or_default().insert((c.position, c.id));
        self.by_space.entry((c.space_id, c.kind)).or_default().insert(c.id);
    }

    fn remove(&mut self, c: &Content) {
        if holds_title(c.status) {
            let key = (c.space_id, title_class(c.kind), c.title.to_ascii_lowercase());
            if let Some(ids) = self.titles.get_mut(&key) {
                ids.retain(|id| *id != c.id);
                if ids.is_empty() {
                    self.titles.remove(&key);
                }
            }
        }
        let key = (c.space_id, c.parent_id);
        if let Some(set) = self.children.get_mut(&key) {
            set.remove(&(c.position, c.id));
            if set.is_empty() {
                self.children.remove(&key);
            }
        }
        if let Some(set) = self.by_space.get_mut(&(c.space_id, c.kind)) {
            set.remove(&c.id);
        }
    }
}

impl Site {
    fn index(&mut self) -> &ContentIndex {
        if !self.index.built {
            let mut index = ContentIndex { built: true, ..ContentIndex::default() };
            for c in self.contents.values() {
                index.add(c);
            }
            self.index = index;
        }
        &self.index
    }

    /// Forgets the index; the next lookup rebuilds it from the contents.
    pub fn invalidate_index(&mut self) {
        self.index = ContentIndex::default();
    }

    /// Whether current or archived content other than `except` holds `title` in the space
    /// (ASCII case-insensitive). Pages and folders share titles; blog posts have their own.
    pub fn title_taken(
        &mut self,
        space_id: u64,
        title: &str,
        kind: ContentKind,
        except: Option<u64>,
    ) -> bool {
        let key = (space_id, title_class(kind), title.to_ascii_lowercase());
        self.index().titles.get(&key).is_some_and(|ids| ids.iter().any(|id| Some(*id) != except))
    }

    /// The position after the last content under `parent` in the space.
    pub fn next_position(&mut self, space_id: u64, parent_id: Option<u64>) -> i64 {
        self.index().children.get(&(space_id, parent_id)).and_then(|s| s.last()).map_or(0, |(p, _)| *p) + 1
    }

    /// Ids of the content under `parent` in the space, in sibling order (position, then id).
    pub fn child_ids(&mut self, space_id: u64, parent_id: Option<u64>) -> Vec<u64> {
        self.index()
            .children
            .get(&(space_id, parent_id))
            .map(|s| s.iter().map(|(_, id)| *id).collect())
            .unwrap_or_default()
    }

    /// Builds the index now if it is not, so that [`space_contents_from`](Site::space_contents_from)
    /// reads it.
    pub fn build_index(&mut self) {
        self.index();
    }

    /// The space's contents of `kind` with ids from `from` on, in id order: from the index when
    /// it is built (a page of a list then costs its own page, not a pass over the site), else by
    /// a pass over every content.
    pub fn space_contents_from(
        &self,
        space_id: u64,
        kind: ContentKind,
        from: u64,
    ) -> Box<dyn Iterator<Item = &Content> + '_> {
        if !self.index.built {
            return Box::new(
                self.contents
                    .range(from..)
                    .map(|(_, c)| c)
                    .filter(move |c| c.space_id == space_id && c.kind == kind),
            );
        }
        match self.index.by_space.get(&(space_id, kind)) {
            Some(ids) => Box::new(ids.range(from..).filter_map(|id| self.contents.get(id))),
            None => Box::new(std::iter::empty()),
        }
    }

    pub fn insert_content(&mut self, content: Content) {
        if self.index.built {
            if let Some(old) = self.contents.get(&content.id) {
                self.index.remove(old);
            }
            self.index.add(&content);
        }
        self.contents.insert(content.id, content);
    }

    pub fn remove_content(&mut self, id: u64) -> Option<Content> {
        let removed = self.contents.remove(&id)?;
        if self.index.built {
            self.index.remove(&removed);
        }
        Some(removed)
    }

    /// Changes one content and keeps the index in step; `None` when there is no such content.
    pub fn edit_content<R>(&mut self, id: u64, f: impl FnOnce(&mut Content) -> R) -> Option<R> {
        let c = self.contents.get_mut(&id)?;
        if self.index.built {
            self.index.remove(c);
        }
        let r = f(c);
        if self.index.built {
            self.index.add(c);
        }
        Some(r)
    }
}
