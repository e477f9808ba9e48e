//! A snapshot's content stowed on disk, so that a run holds one space's content at a time: each
//! space's pages, blog posts, attachments and comments are written once, as JSON, to a temporary
//! file, and read back whole by the stages that need them.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::model::{Snapshot, SpaceContent, SpaceSnapshot};

/// Why a snapshot's content could not be stowed or read back.
#[derive(Debug, thiserror::Error)]
pub enum StowError {
    #[error(
        "cannot keep the source content on disk, in the run's work folder under the state directory: {0} (free space there, or use another --state-dir)"
    )]
    Write(#[source] std::io::Error),
    #[error("cannot read back the source content of space {key}: {source}")]
    Read {
        key: String,
        #[source]
        source: std::io::Error,
    },
}

/// The file the content went to, and where each space's is in it.
#[derive(Debug)]
pub struct Stowed {
    file: Mutex<File>,
    at: Vec<(u64, u64)>,
    /// Each space's items, counted as they went (so nothing is read back to count them).
    items: Vec<usize>,
}

impl Stowed {
    fn load(&self, space: usize) -> std::io::Result<SpaceContent> {
        let Some(&(offset, len)) = self.at.get(space) else { return Ok(SpaceContent::default()) };
        let mut bytes = vec![0; usize::try_from(len).map_err(std::io::Error::other)?];
        {
            let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut bytes)?;
        }
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }
}

impl SpaceSnapshot {
    /// The space without its content: its settings, as a stowed snapshot keeps it.
    fn settings(&self) -> SpaceSnapshot {
        SpaceSnapshot {
            id: self.id.clone(),
            key: self.key.clone(),
            destination_key: self.destination_key.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            homepage_id: self.homepage_id.clone(),
            labels: self.labels.clone(),
            permissions: self.permissions.clone(),
            pages: Vec::new(),
            blog_posts: Vec::new(),
            attachments: Vec::new(),
            comments: Vec::new(),
        }
    }

    fn take_content(&mut self) -> SpaceContent {
        SpaceContent {
            pages: std::mem::take(&mut self.pages),
            blog_posts: std::mem::take(&mut self.blog_posts),
            attachments: std::mem::take(&mut self.attachments),
            comments: std::mem::take(&mut self.comments),
        }
    }

    fn put_content(&mut self, content: SpaceContent) {
        self.pages = content.pages;
        self.blog_posts = content.blog_posts;
        self.attachments = content.attachments;
        self.comments = content.comments;
    }
}

impl Snapshot {
    /// A snapshot whose content is all in memory (as it is read).
    pub fn new(spaces: Vec<SpaceSnapshot>, spool: super::Spool) -> Snapshot {
        Snapshot { spaces, spool: Arc::new(spool), stowed: None }
    }

    /// Moves every space's content to a temporary file in `dir`; the snapshot keeps the spaces'
    /// settings, and [`Snapshot::with_space`] reads one space's content back.
    pub fn stow(mut self, dir: &Path) -> Result<Snapshot, StowError> {
        let mut file = tempfile::tempfile_in(dir).map_err(StowError::Write)?;
        let mut at = Vec::with_capacity(self.spaces.len());
        let items = self.items();
        let mut offset = 0u64;
        for space in &mut self.spaces {
            let content = space.take_content();
            let bytes = serde_json::to_vec(&content).map_err(|e| StowError::Write(e.into()))?;
            drop(content);
            file.write_all(&bytes).map_err(StowError::Write)?;
            at.push((offset, bytes.len() as u64));
            offset += bytes.len() as u64;
        }
        self.stowed = Some(Arc::new(Stowed { file: Mutex::new(file), at, items }));
        Ok(self)
    }

    /// A view of the snapshot with the content of `space` (when given) and the other spaces'
    /// settings; it shares the spool of bodies.
    pub fn with_space(&self, space: Option<usize>) -> Result<Snapshot, StowError> {
        self.with_spaces(space.map_or(0..0, |s| s..s + 1))
    }

    /// A view of the snapshot with the content of the spaces in `range` and the other spaces'
    /// settings; it shares the spool of bodies.
    pub fn with_spaces(&self, range: std::ops::Range<usize>) -> Result<Snapshot, StowError> {
        let mut spaces: Vec<SpaceSnapshot> = self.spaces.iter().map(SpaceSnapshot::settings).collect();
        let count = spaces.len();
        for s in range.filter(|&s| s < count) {
            let content = match &self.stowed {
                Some(stowed) => stowed
                    .load(s)
                    .map_err(|source| StowError::Read { key: self.spaces[s].key.clone(), source })?,
                None => {
                    let held = &self.spaces[s];
                    SpaceContent {
                        pages: held.pages.clone(),
                        blog_posts: held.blog_posts.clone(),
                        attachments: held.attachments.clone(),
                        comments: held.comments.clone(),
                    }
                }
            };
            spaces[s].put_content(content);
        }
        Ok(Snapshot { spaces, spool: Arc::clone(&self.spool), stowed: self.stowed.clone() })
    }

    /// Calls `each` with every space and its content, in order: a stowed snapshot reads one
    /// space's content back at a time.
    pub fn each_space(&self, mut each: impl FnMut(usize, &SpaceSnapshot)) -> Result<(), StowError> {
        for s in 0..self.spaces.len() {
            if self.stowed.is_some() {
                let view = self.with_space(Some(s))?;
                each(s, &view.spaces[s]);
            } else {
                each(s, &self.spaces[s]);
            }
        }
        Ok(())
    }

    /// The items (pages, folders, blog posts, attachments, comments) of each space.
    pub fn items(&self) -> Vec<usize> {
        match &self.stowed {
            Some(stowed) => stowed.items.clone(),
            None => self
                .spaces
                .iter()
                .map(|s| s.pages.len() + s.blog_posts.len() + s.attachments.len() + s.comments.len())
                .collect(),
        }
    }

    /// Every space's content in memory again (the whole-graph rendering, verify, tests).
    pub fn loaded(&self) -> Result<Snapshot, StowError> {
        let mut whole = self.with_spaces(0..self.spaces.len())?;
        whole.stowed = None;
        Ok(whole)
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;

    fn space(key: &str, pages: &[&str]) -> SpaceSnapshot {
        let page = |id: &str| Content {
            title: format!("title {id}"),
            position: 1,
            version: 2,
            labels: vec!["a".to_string()].into_boxed_slice(),
            restrictions: Restrictions { read: Box::new([Subject::Group("g".into())]), update: Box::new([]) },
            ..fixtures::content(id, ContentType::Page, "")
        };
        SpaceSnapshot { pages: pages.iter().map(|id| page(id)).collect(), ..fixtures::space(key, key) }
    }

    #[test]
    fn a_stowed_snapshot_gives_back_one_space_at_a_time_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path()).unwrap();
        let body = spool.put("<p>body</p>").unwrap();
        let mut a = space("A", &["1", "2"]);
        a.pages[1].body = body;
        let b = space("B", &["3"]);
        let whole = Snapshot::new(vec![a.clone(), b.clone()], spool);
        let stowed = whole.stow(dir.path()).unwrap();
        assert!(stowed.spaces.iter().all(|s| s.pages.is_empty()), "the content left memory");
        assert_eq!(stowed.spaces[1].key, "B", "the settings stayed");

        let view = stowed.with_space(Some(0)).unwrap();
        assert_eq!(view.spaces[0], a, "space A as it was read");
        assert!(view.spaces[1].pages.is_empty(), "only the space asked for");
        assert_eq!(
            view.spool.get(view.spaces[0].pages[1].body).unwrap(),
            "<p>body</p>",
            "the spool is shared"
        );
        assert_eq!(stowed.with_space(Some(1)).unwrap().spaces[1], b);
        assert!(stowed.with_space(None).unwrap().spaces.iter().all(|s| s.pages.is_empty()));
        assert_eq!(stowed.items(), [2, 1], "counted as stowed");
        let mut seen = Vec::new();
        stowed.each_space(|s, space| seen.push((s, space.key.clone(), space.pages.len()))).unwrap();
        assert_eq!(seen, [(0, "A".to_string(), 2), (1, "B".to_string(), 1)], "each space with its content");
        let loaded = stowed.loaded().unwrap();
        let mut held = Vec::new();
        loaded.each_space(|s, space| held.push((s, space.key.clone(), space.pages.len()))).unwrap();
        assert_eq!(held, seen, "a snapshot in memory gives the same");
        assert_eq!(loaded.spaces, vec![a, b]);
    }
}
