//! What a plan copies, as lookups built once from the source snapshot: spaces by key, pages and
//! blog posts by title and id, attachments and comments by id, files by container and name, and
//! inline comments by the marker that anchors them.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::graph::ContentAt;
use crate::snapshot::{CommentType, ContentType, Snapshot};

/// Lookups built once per run from the snapshot, holding their own compact copy of the ids,
/// titles, file names and markers they answer for, so that the snapshot's content need not stay
/// in memory beside them. Each lookup is keyed by a 32-bit hash and checked against that copy,
/// so a hash collision costs one more comparison, never a wrong answer.
#[derive(Debug)]
pub struct Catalogue {
    /// Lower-case source space key → snapshot index.
    spaces: HashMap<String, usize>,
    /// The destination key of each space, by snapshot index.
    destination_keys: Vec<String>,
    /// Every id (of an item and of its container), one after another.
    texts: String,
    /// Every title, file name and marker, one after another, in a file: they are compared only
    /// when a look-up by name finds a candidate of the same length.
    names: Names,
    /// Pages, folders and blog posts, then attachments and comments, as added.
    records: Vec<Record>,
    /// (space index, title) of pages and blog posts (not folders).
    titles: Hashed<u32>,
    /// Pages, folders and blog posts by source id.
    content: Hashed<u32>,
    /// Attachments and comments by source id.
    others: Hashed<u32>,
    /// (container source id, file name) of copied attachments.
    files: Hashed<u32>,
    /// (container source id, marker ref) of inline root comments.
    markers: Hashed<u32>,
}

/// Where a text of the catalogue is in `texts` (ids) or in `names` (titles, file names, markers).
#[derive(Debug, Clone, Copy)]
struct Text {
    start: u32,
    len: u32,
}

/// Something of the snapshot: its space, where it is in that space, its id, and the text its
/// other lookup is by (a title, a file name, a marker; empty when none) with its container's id
/// (attachments and comments).
#[derive(Debug, Clone, Copy)]
struct Record {
    space: u32,
    /// Its [`Place`], packed (see [`Place::pack`]): 32 bytes a record, not 36.
    at: u32,
    id: Text,
    name: Text,
    container: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Page(u32),
    BlogPost(u32),
    /// Attachments and comments are looked up by id, file name or marker, never placed.
    Attachment,
    Comment,
}

impl Place {
    /// The kind in the top two bits, the index (pages and blog posts; at most 2^30 - 1 in a
    /// space, which no site comes near) in the rest.
    fn pack(self) -> u32 {
        const INDEX: u32 = (1 << 30) - 1;
        match self {
            Place::Page(i) => i.min(INDEX),
            Place::BlogPost(i) => (1 << 30) | i.min(INDEX),
            Place::Attachment => 2 << 30,
            Place::Comment => 3 << 30,
        }
    }

    fn unpack(packed: u32) -> Place {
        let index = packed & ((1 << 30) - 1);
        match packed >> 30 {
            0 => Place::Page(index),
            1 => Place::BlogPost(index),
            2 => Place::Attachment,
            _ => Place::Comment,
        }
    }
}

/// What kind of item a slot is asked for (see [`Catalogue::slot`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotKind {
    /// A page, folder or blog post.
    Content,
    Attachment,
    Comment,
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

/// Texts kept in a temporary file beside the snapshot's spool: written in large pieces while the
/// catalogue is built, read back one at a time (`read_at`, no lock) by the look-ups.
#[derive(Debug)]
struct Names {
    file: std::fs::File,
    /// Bytes written to the file so far.
    written: u64,
    /// Bytes not written yet.
    pending: Vec<u8>,
}

impl Names {
    const PIECE: usize = 1 << 20;

    fn new(dir: &std::path::Path) -> std::io::Result<Names> {
        Ok(Names { file: tempfile::tempfile_in(dir)?, written: 0, pending: Vec::with_capacity(Names::PIECE) })
    }

    /// Keeps `text`. Past 4 GiB of names (some 70 million items) a text reads back as empty,
    /// which matches no look-up.
    fn push(&mut self, text: &str) -> Text {
        let at = self.written + self.pending.len() as u64;
        match (u32::try_from(at), u32::try_from(text.len())) {
            (Ok(start), Ok(len)) if u32::try_from(at + u64::from(len)).is_ok() => {
                self.pending.extend_from_slice(text.as_bytes());
                Text { start, len }
            }
            _ => Text { start: 0, len: 0 },
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        use std::io::Write;
        self.file.write_all(&self.pending)?;
        self.written += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    /// The text at `text`; empty when it cannot be read back (then it matches no look-up).
    fn get(&self, text: Text) -> String {
        use std::os::unix::fs::FileExt;
        let mut bytes = vec![0; text.len as usize];
        match self.file.read_exact_at(&mut bytes, u64::from(text.start)) {
            Ok(()) => String::from_utf8(bytes).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Whether the text at `text` is `wanted` (no read when the lengths differ).
    fn is(&self, text: Text, wanted: &str) -> bool {
        text.len as usize == wanted.len() && (wanted.is_empty() || self.get(text) == wanted)
    }
}

impl Catalogue {
    /// The catalogue of a snapshot; a stowed one is read back one space at a time. Its names
    /// go to a file in the folder of the snapshot's spool.
    pub fn new(snapshot: &Snapshot) -> Result<Catalogue, crate::snapshot::StowError> {
        use crate::snapshot::StowError;
        let mut c = Catalogue {
            spaces: HashMap::new(),
            destination_keys: Vec::new(),
            texts: String::new(),
            names: Names::new(snapshot.spool.dir()).map_err(StowError::Write)?,
            records: Vec::new(),
            titles: Hashed::new(),
            content: Hashed::new(),
            others: Hashed::new(),
            files: Hashed::new(),
            markers: Hashed::new(),
        };
        let mut failed = None;
        snapshot.each_space(|s, space| {
            if failed.is_none() {
                failed = c.add_space(s, space).err();
            }
        })?;
        if let Some(error) = failed {
            return Err(StowError::Write(error));
        }
        c.seal().map_err(StowError::Write)?;
        Ok(c)
    }

    /// Adds what the plan copies of one space (`s`, its snapshot index).
    fn add_space(&mut self, s: usize, space: &crate::snapshot::SpaceSnapshot) -> std::io::Result<()> {
        self.spaces.insert(space.key.to_lowercase(), s);
        if self.destination_keys.len() <= s {
            self.destination_keys.resize(s + 1, String::new());
        }
        self.destination_keys[s] = space.destination_key.clone();
        let pages = space.pages.iter().enumerate().map(|(i, page)| (page, Place::Page(i as u32)));
        let posts = space.blog_posts.iter().enumerate().map(|(i, post)| (post, Place::BlogPost(i as u32)));
        for (content, at) in pages.chain(posts) {
            let record = self.record(s, at, &content.id, &content.title, "")?;
            self.content.push(content.id.as_str(), record);
            if content.kind != ContentType::Folder {
                self.titles.push((s, content.title.as_str()), record);
            }
        }
        for a in &space.attachments {
            let record = self.record(s, Place::Attachment, &a.id, &a.file_name, &a.container_id)?;
            self.others.push(a.id.as_str(), record);
            self.files.push((a.container_id.as_str(), a.file_name.as_str()), record);
        }
        for comment in &space.comments {
            let marker = inline_root_marker(comment).unwrap_or("");
            let record = self.record(s, Place::Comment, &comment.id, marker, &comment.container_id)?;
            self.others.push(comment.id.as_str(), record);
            if !marker.is_empty() {
                self.markers.push((comment.container_id.as_str(), marker), record);
            }
        }
        if self.names.pending.len() >= Names::PIECE {
            self.names.flush()?;
        }
        Ok(())
    }

    /// Keeps `text`. Past 4 GiB of texts (some 70 million items) a text reads back as empty,
    /// which matches no look-up: the item is then taken for one the plan does not copy.
    fn text(&mut self, text: &str) -> Text {
        let start = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push_str(text);
        Text { start, len: u32::try_from(text.len()).unwrap_or(0) }
    }

    fn record(
        &mut self,
        space: usize,
        at: Place,
        id: &str,
        name: &str,
        container: &str,
    ) -> std::io::Result<u32> {
        let record = Record {
            space: space as u32,
            at: at.pack(),
            id: self.text(id),
            name: self.names.push(name),
            container: self.text(container),
        };
        self.records.push(record);
        Ok((self.records.len() - 1) as u32)
    }

    fn seal(&mut self) -> std::io::Result<()> {
        self.names.flush()?;
        self.names.pending = Vec::new();
        for index in
            [&mut self.titles, &mut self.content, &mut self.others, &mut self.files, &mut self.markers]
        {
            index.seal();
        }
        self.texts.shrink_to_fit();
        self.records.shrink_to_fit();
        Ok(())
    }

    fn get(&self, text: Text) -> &str {
        let start = text.start as usize;
        self.texts.get(start..start + text.len as usize).unwrap_or("")
    }

    /// The page, folder or blog post with this source id: its record.
    fn find(&self, content_id: &str) -> Option<&Record> {
        self.content
            .candidates(content_id)
            .map(|r| &self.records[r as usize])
            .find(|record| self.get(record.id) == content_id)
    }

    /// Where a page or blog post of the plan sits: its space index and title.
    pub fn place(&self, content_id: &str) -> Option<(usize, String)> {
        self.find(content_id).map(|record| (record.space as usize, self.names.get(record.name)))
    }

    /// Where a page, folder or blog post of the plan is in the snapshot.
    pub fn content(&self, content_id: &str) -> Option<(usize, ContentAt)> {
        let record = self.find(content_id)?;
        let at = match Place::unpack(record.at) {
            Place::Page(i) => ContentAt::Page(i as usize),
            Place::BlogPost(i) => ContentAt::BlogPost(i as usize),
            Place::Attachment | Place::Comment => return None,
        };
        Some((record.space as usize, at))
    }

    /// Every item of the plan has a slot, numbered from 0 to [`Catalogue::slots`]: a run keeps
    /// what it learns of each item in a dense table by slot instead of a map by source id. The
    /// slot of the item of `kind` with this source id, when the plan copies it.
    pub fn slot(&self, kind: SlotKind, source_id: &str) -> Option<usize> {
        let (index, place) = match kind {
            SlotKind::Content => (&self.content, None),
            SlotKind::Attachment => (&self.others, Some(Place::Attachment)),
            SlotKind::Comment => (&self.others, Some(Place::Comment)),
        };
        index
            .candidates(source_id)
            .find(|&r| {
                let record = &self.records[r as usize];
                place.is_none_or(|p| Place::unpack(record.at) == p) && self.get(record.id) == source_id
            })
            .map(|r| r as usize)
    }

    /// How many slots there are (see [`Catalogue::slot`]).
    pub fn slots(&self) -> usize {
        self.records.len()
    }

    /// The source id of the page or blog post titled `title` in the space at `space`.
    pub fn titled(&self, space: usize, title: &str) -> Option<&str> {
        self.titles
            .candidates((space, title))
            .map(|r| &self.records[r as usize])
            .find(|record| record.space as usize == space && self.names.is(record.name, title))
            .map(|record| self.get(record.id))
    }

    /// Whether the plan copies the content, attachment or comment with this source id.
    pub fn copies(&self, source_id: &str) -> bool {
        self.find(source_id).is_some()
            || self.others.candidates(source_id).any(|r| self.get(self.records[r as usize].id) == source_id)
    }

    /// Whether the plan copies an attachment named `file_name` held by `container`.
    pub fn has_file(&self, container: &str, file_name: &str) -> bool {
        self.files.candidates((container, file_name)).any(|r| {
            let record = &self.records[r as usize];
            self.get(record.container) == container && self.names.is(record.name, file_name)
        })
    }

    /// The space of the plan with this source key (any case), as its snapshot index.
    pub fn space(&self, key: &str) -> Option<usize> {
        self.spaces.get(&key.to_lowercase()).copied()
    }

    /// The key the space at `space` gets on the destination.
    pub fn destination_key(&self, space: usize) -> &str {
        self.destination_keys.get(space).map_or("", String::as_str)
    }

    /// The source id of the inline root comment on `container` anchored by marker `marker`.
    pub fn inline_comment(&self, container: &str, marker: &str) -> Option<&str> {
        self.markers
            .candidates((container, marker))
            .map(|r| &self.records[r as usize])
            .find(|record| self.get(record.container) == container && self.names.is(record.name, marker))
            .map(|record| self.get(record.id))
    }
}

/// The marker of an inline comment that starts a thread (replies carry none of their own).
fn inline_root_marker(comment: &crate::snapshot::Comment) -> Option<&str> {
    (comment.kind == CommentType::Inline && comment.parent_id.is_none())
        .then_some(comment.marker_ref.as_deref())
        .flatten()
        .filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::Catalogue;
    use crate::graph::ContentAt;
    use crate::snapshot::fixtures::{attachment, content, space};
    use crate::snapshot::*;

    fn comment(id: &str, container: &str, parent: Option<&str>, marker: Option<&str>) -> Comment {
        Comment {
            marker_ref: marker.map(Into::into),
            ..crate::snapshot::fixtures::comment(id, CommentType::Inline, container, parent)
        }
    }

    #[test]
    fn answers_from_its_own_copy_once_the_snapshot_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let mut eng = space("ENG", "ENG");
        eng.pages = vec![
            content("10", ContentType::Page, "Home"),
            content("11", ContentType::Folder, "Drafts"),
            content("12", ContentType::Page, "Runbook"),
        ];
        eng.blog_posts = vec![content("20", ContentType::BlogPost, "News")];
        eng.attachments = vec![attachment("30", "12", "plan.pdf")];
        eng.comments =
            vec![comment("40", "12", None, Some("m-1")), comment("41", "12", Some("40"), Some("m-1"))];
        let mut ops = space("ops", "OPSEU");
        ops.pages = vec![content("page-x", ContentType::Page, "Home")];
        let snapshot = Snapshot::new(vec![eng, ops], Spool::new(dir.path()).unwrap());
        let catalogue = Catalogue::new(&snapshot).unwrap();
        drop(snapshot);

        assert_eq!(catalogue.space("eng"), Some(0));
        assert_eq!(catalogue.space("OPS"), Some(1), "keys in any case");
        assert_eq!(catalogue.space("HR"), None);
        assert_eq!((catalogue.destination_key(0), catalogue.destination_key(1)), ("ENG", "OPSEU"));
        assert_eq!(catalogue.destination_key(7), "", "no such space");

        assert_eq!(catalogue.content("12"), Some((0, ContentAt::Page(2))));
        assert_eq!(catalogue.content("20"), Some((0, ContentAt::BlogPost(0))));
        assert_eq!(catalogue.content("page-x"), Some((1, ContentAt::Page(0))), "an id that is not a number");
        assert_eq!(catalogue.content("30"), None, "an attachment is not content");
        assert_eq!(catalogue.content("1"), None);
        assert_eq!(catalogue.place("12"), Some((0, "Runbook".to_string())));
        assert_eq!(catalogue.place("20"), Some((0, "News".to_string())));
        assert_eq!(
            catalogue.place("11"),
            Some((0, "Drafts".to_string())),
            "a folder has its place and title"
        );

        assert_eq!(catalogue.titled(0, "Home"), Some("10"));
        assert_eq!(catalogue.titled(1, "Home"), Some("page-x"), "the same title in another space");
        assert_eq!(catalogue.titled(0, "Drafts"), None, "a folder is not linked by title");
        assert_eq!(catalogue.titled(0, "home"), None, "titles are exact");
        assert_eq!(catalogue.titled(0, "News"), Some("20"));
        assert_eq!(catalogue.titled(0, "Homf"), None, "a title of the same length read back and compared");

        use super::{Place, SlotKind};
        let slots: Vec<Option<usize>> = [
            (SlotKind::Content, "12"),
            (SlotKind::Content, "page-x"),
            (SlotKind::Attachment, "30"),
            (SlotKind::Comment, "30"),
            (SlotKind::Content, "30"),
            (SlotKind::Content, "1"),
        ]
        .into_iter()
        .map(|(kind, id)| catalogue.slot(kind, id))
        .collect();
        assert!(slots[..3].iter().all(|s| s.is_some_and(|s| s < catalogue.slots())), "{slots:?}");
        assert_eq!(&slots[3..], [None, None, None], "an attachment is no comment and no content");
        assert_ne!(slots[0], slots[1]);
        for place in [Place::Page(0), Place::Page(7), Place::BlogPost(3), Place::Attachment, Place::Comment] {
            assert_eq!(Place::unpack(place.pack()), place);
        }
        assert_eq!(std::mem::size_of::<super::Record>(), 32);

        for id in ["10", "11", "20", "30", "40", "41", "page-x"] {
            assert!(catalogue.copies(id), "{id}");
        }
        assert!(!catalogue.copies("4"), "no prefix of an id");
        assert!(!catalogue.copies("m-1"), "a marker is not an id");

        assert!(catalogue.has_file("12", "plan.pdf"));
        assert!(!catalogue.has_file("10", "plan.pdf"), "another page's file");
        assert!(!catalogue.has_file("12", "plan.PDF"));

        assert_eq!(catalogue.inline_comment("12", "m-1"), Some("40"), "the thread's root, not its reply");
        assert_eq!(catalogue.inline_comment("10", "m-1"), None);
        assert_eq!(catalogue.inline_comment("12", "m-2"), None);
    }
}
