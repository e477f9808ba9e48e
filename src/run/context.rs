//! What every node's work can see: the mode, the clients, the source data, and the mapping
//! from source ids to destination ids that grows as the copy goes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use crate::client::SiteClient;
use crate::inventory::Inventory;
use crate::plan::Memberships;
use crate::snapshot::Snapshot;

/// Dry-run walks the same graph as apply and decides the same things, but never writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Apply,
}

/// A destination space, as created (or found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedSpace {
    pub id: String,
    pub key: String,
    pub homepage_id: Option<String>,
}

/// Source → destination ids, filled in as nodes finish.
#[derive(Debug, Default)]
pub struct Mapping {
    /// By snapshot space index.
    pub spaces: HashMap<usize, MappedSpace>,
    /// Pages and blog posts by source id: destination id and current version number.
    pub content: HashMap<String, (String, u64)>,
    pub comments: HashMap<String, String>,
    pub attachments: HashMap<String, String>,
    /// Destination group ids by lower-case group name.
    pub groups: HashMap<String, String>,
    /// Pages and folders by source id: the sibling position the destination gave the copy when
    /// this run wrote it (siblings are created side by side and ordered afterwards).
    pub positions: HashMap<String, i64>,
}

/// Everything a node's work needs. Shared by all workers.
pub struct Copy {
    pub mode: Mode,
    pub memberships: Memberships,
    pub source: SiteClient,
    pub destination: SiteClient,
    pub inventory: Arc<Inventory>,
    pub snapshot: Arc<Snapshot>,
    pub mapping: RwLock<Mapping>,
    /// Where attachments are staged between download and upload.
    pub work_dir: PathBuf,
    /// Pages (space, source id) whose bodies referenced content not created yet.
    pub pending_fixups: Mutex<Vec<(usize, String)>>,
    /// What the plan copies, for the body rewriter's questions.
    pub catalogue: super::resolve::Catalogue,
    /// Origins of the source site as its content may link to it, and the destination's.
    pub source_origins: Vec<String>,
    pub destination_origin: String,
    /// References found in each body, by the source id of the page, blog post or comment.
    pub references: Mutex<std::collections::BTreeMap<String, Vec<crate::rewrite::Reference>>>,
    /// Inline comment markers removed from each page's body, by source page id.
    pub markers: Mutex<HashMap<String, Vec<crate::rewrite::InlineMarker>>>,
    /// The journal of this run, and what earlier runs did.
    pub recorder: super::record::Recorder,
}

impl Copy {
    pub fn writes(&self) -> bool {
        self.mode == Mode::Apply
    }

    pub fn space(&self, index: usize) -> Option<MappedSpace> {
        self.mapping.read().unwrap_or_else(|e| e.into_inner()).spaces.get(&index).cloned()
    }

    pub fn content_id(&self, source_id: &str) -> Option<String> {
        self.mapping
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .content
            .get(source_id)
            .map(|(id, _)| id.clone())
    }

    pub fn group_id(&self, name: &str) -> Option<String> {
        self.mapping.read().unwrap_or_else(|e| e.into_inner()).groups.get(&name.to_lowercase()).cloned()
    }

    pub fn map<R>(&self, change: impl FnOnce(&mut Mapping) -> R) -> R {
        change(&mut self.mapping.write().unwrap_or_else(|e| e.into_inner()))
    }

    /// Why no new node may start: a site asked to wait longer than `max_retry_wait`, so nothing
    /// is sent to it before then (the run ends Incomplete and a later run resumes).
    pub fn halted(&self) -> Option<String> {
        [&self.source, &self.destination]
            .into_iter()
            .find_map(|c| c.transport().halt())
            .map(|h| h.to_string())
    }

    /// Where an earlier run of the plan put this source entity, and at which source version.
    pub fn earlier(&self, source: &crate::state::SourceRef) -> Option<(String, Option<u64>)> {
        self.recorder.previous.mappings.get(source).map(|m| (m.destination_id.clone(), m.source_version))
    }
}

/// The outcome of a node an earlier run finished.
pub fn done_earlier() -> super::Outcome {
    super::Outcome::Present { detail: "done by an earlier run".into() }
}
