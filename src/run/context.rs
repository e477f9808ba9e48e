//! What every node's work can see: the mode, the clients, the source data, and the mapping
//! from source ids to destination ids that grows as the copy goes.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use crate::client::SiteClient;
use crate::inventory::Inventory;
use crate::plan::Memberships;
use crate::resolve::catalogue::SlotKind;
use crate::rewrite::Reference;
use crate::snapshot::Snapshot;
pub use crate::snapshot::{Id, IdMap};

use super::resolve::Catalogue;

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
    /// The homepage's version when it is known without asking: 1 for the homepage that came
    /// with a space this run created.
    pub homepage_version: Option<u64>,
    /// The permissions the space's create carried (empty for a space made by an earlier run).
    pub carried: std::sync::Arc<[crate::client::model::space::NewSpacePermission]>,
}

/// Source → destination ids, filled in as nodes finish. What the plan copies is kept in a dense
/// table by the catalogue's slot (see [`Catalogue::slot`]): a million-page copy maps over a
/// million items, and a map by source id would cost several times as much.
#[derive(Debug)]
pub struct Mapping {
    /// By snapshot space index.
    pub spaces: HashMap<usize, MappedSpace>,
    /// Inline root comments by source id: the marker ref that anchors the copy in its page.
    pub marker_refs: IdMap<String>,
    /// Destination group ids by lower-case group name.
    pub groups: HashMap<String, String>,
    /// Pages and folders by catalogue slot: the sibling position the destination gave the copy
    /// when this run wrote it (siblings are created side by side and ordered afterwards);
    /// `i64::MIN` for none. Empty until the first position is known (a dry-run has none).
    positions: Vec<i64>,
    catalogue: Arc<Catalogue>,
    /// Pages, blog posts, attachments and comments by catalogue slot.
    slots: Vec<Slot>,
    /// Destination ids that are not decimal numbers, as [`Slot::Text`] numbers them.
    texts: Vec<Box<str>>,
    /// Items the catalogue does not list (an earlier run's copies of what the plan no longer
    /// copies), by kind and source id.
    outside: HashMap<(SlotKind, String), Slot>,
}

/// Where one item's copy is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Slot {
    #[default]
    None,
    /// A destination id that is a decimal number, and the copy's version (pages and blog posts;
    /// a version past `u32::MAX` is held as `u32::MAX`).
    Number(u64, u32),
    /// A destination id kept in [`Mapping::texts`], by index, and the copy's version.
    Text(u32, u32),
    /// In a dry-run, the copy that would be made (at version 1).
    Planned,
}

impl Mapping {
    /// An empty mapping for what `catalogue` lists.
    pub fn new(catalogue: Arc<Catalogue>) -> Mapping {
        Mapping {
            spaces: HashMap::new(),
            marker_refs: IdMap::default(),
            groups: HashMap::new(),
            positions: Vec::new(),
            slots: vec![Slot::None; catalogue.slots()],
            catalogue,
            texts: Vec::new(),
            outside: HashMap::new(),
        }
    }

    fn get(&self, kind: SlotKind, source: &str) -> Option<(String, u64)> {
        let slot = match self.catalogue.slot(kind, source) {
            Some(at) => self.slots[at],
            // Nearly always empty: a miss then costs no key of its own.
            None if self.outside.is_empty() => Slot::None,
            None => self.outside.get(&(kind, source.to_string())).copied().unwrap_or_default(),
        };
        match slot {
            Slot::None => None,
            Slot::Number(id, version) => Some((id.to_string(), u64::from(version))),
            Slot::Text(at, version) => {
                self.texts.get(at as usize).map(|id| (id.to_string(), u64::from(version)))
            }
            Slot::Planned => Some((format!("dry-run:{source}"), 1)),
        }
    }

    fn set(&mut self, kind: SlotKind, source: &str, slot: Slot) {
        match self.catalogue.slot(kind, source) {
            Some(at) => self.slots[at] = slot,
            None => {
                self.outside.insert((kind, source.to_string()), slot);
            }
        }
    }

    fn slot_of(&mut self, destination: &str, version: u64) -> Slot {
        let version = u32::try_from(version).unwrap_or(u32::MAX);
        match Id::new(destination) {
            Id::Number(n) => Slot::Number(n, version),
            Id::Text(text) => {
                self.texts.push(text);
                Slot::Text(u32::try_from(self.texts.len() - 1).unwrap_or(u32::MAX), version)
            }
        }
    }

    /// Notes the sibling position the destination gave this run's copy of page or folder `source`.
    pub fn set_position(&mut self, source: &str, position: i64) {
        let Some(at) = self.catalogue.slot(SlotKind::Content, source) else { return };
        if self.positions.is_empty() {
            self.positions = vec![i64::MIN; self.slots.len()];
        }
        self.positions[at] = position;
    }

    /// The sibling position this run's copy of page or folder `source` was given, if it wrote one.
    pub fn position(&self, source: &str) -> Option<i64> {
        let at = self.catalogue.slot(SlotKind::Content, source)?;
        self.positions.get(at).copied().filter(|&p| p != i64::MIN)
    }

    /// Where the page or blog post `source` was copied, and the copy's version. A dry-run's
    /// copy that would be made has the id `dry-run:SOURCE`.
    pub fn content(&self, source: &str) -> Option<(String, u64)> {
        self.get(SlotKind::Content, source)
    }

    pub fn set_content(&mut self, source: &str, destination: &str, version: u64) {
        let slot = self.slot_of(destination, version);
        self.set(SlotKind::Content, source, slot);
    }

    /// A dry-run's page or blog post that would be copied (at version 1).
    pub fn plan_content(&mut self, source: &str) {
        self.set(SlotKind::Content, source, Slot::Planned);
    }

    pub fn comment(&self, source: &str) -> Option<String> {
        self.get(SlotKind::Comment, source).map(|(id, _)| id)
    }

    pub fn set_comment(&mut self, source: &str, destination: &str) {
        let slot = self.slot_of(destination, 1);
        self.set(SlotKind::Comment, source, slot);
    }

    pub fn attachment(&self, source: &str) -> Option<String> {
        self.get(SlotKind::Attachment, source).map(|(id, _)| id)
    }

    pub fn set_attachment(&mut self, source: &str, destination: &str) {
        let slot = self.slot_of(destination, 1);
        self.set(SlotKind::Attachment, source, slot);
    }
}

/// The references worth reporting of each rewritten body, by the source id of its owner (page,
/// blog post or comment), in id order. Most bodies have none: they take no entry, where an
/// empty list per owner would cost a 100,000-page copy several megabytes. A run that writes no
/// report (`check`'s dry-run walk) keeps none ([`ReferenceLog::unreported`]): at a million
/// pages the log is tens of megabytes that nothing would read.
#[derive(Debug)]
pub struct ReferenceLog {
    by_owner: BTreeMap<String, Logged>,
    kept: bool,
}

impl Default for ReferenceLog {
    fn default() -> Self {
        Self { by_owner: BTreeMap::new(), kept: true }
    }
}

/// One owner's references, and the page or blog post its body is on when the owner is a
/// comment (the report names the page, and a comment is found on it without the snapshot).
#[derive(Debug)]
struct Logged {
    container: Option<Box<str>>,
    references: Vec<Reference>,
}

impl ReferenceLog {
    /// A log for a run that reports no references: it records nothing.
    pub fn unreported() -> Self {
        Self { by_owner: BTreeMap::new(), kept: false }
    }

    /// Records the references of `owner`'s body (`container`: the content it is on, for a
    /// comment), replacing what an earlier rewrite of the same body recorded; the list it
    /// replaces, if any.
    pub fn insert(
        &mut self,
        owner: String,
        container: Option<&str>,
        mut references: Vec<Reference>,
    ) -> Option<Vec<Reference>> {
        if references.is_empty() || !self.kept {
            return self.by_owner.remove(&owner).map(|l| l.references);
        }
        references.shrink_to_fit();
        let logged = Logged { container: container.map(Into::into), references };
        self.by_owner.insert(owner, logged).map(|l| l.references)
    }

    /// Owners with references, in id order, each with the content it is on when it is a comment.
    pub fn iter(&self) -> impl Iterator<Item = (&String, Option<&str>, &Vec<Reference>)> {
        self.by_owner.iter().map(|(owner, l)| (owner, l.container.as_deref(), &l.references))
    }

    pub fn get(&self, owner: &str) -> Option<&Vec<Reference>> {
        self.by_owner.get(owner).map(|l| &l.references)
    }

    /// Owners with references.
    pub fn len(&self) -> usize {
        self.by_owner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_owner.is_empty()
    }
}

/// Everything a node's work needs. Shared by all workers.
pub struct Copy {
    pub mode: Mode,
    /// The plan's name, written in the markers of what the run creates.
    pub plan_name: String,
    /// Whether the run began by reading the destination's markers (the journal could not say
    /// everything earlier runs copied): items the journal does not know are looked for first.
    pub reconciled: bool,
    /// Destination ids that carry a marker, or that this run took for a copy: a look-up by
    /// natural key never takes one of them for another item.
    pub claimed: Arc<Mutex<IdMap<()>>>,
    /// Source pages whose create carried their labels and whose answer listed them all, until
    /// their labels node, which then has nothing left to write, takes them out.
    pub labelled: Arc<Mutex<IdMap<()>>>,
    /// Set once the destination answered the v1 page create with 405 or 410 (removed): pages
    /// are then created through v2 and marked separately.
    pub v1_create_gone: Arc<std::sync::atomic::AtomicBool>,
    pub memberships: Memberships,
    pub source: SiteClient,
    pub destination: SiteClient,
    pub inventory: Arc<Inventory>,
    /// The stage's view of the snapshot: the settings of every space, and the content of the
    /// spaces the stage copies or finishes (see [`Copy::for_stage`]).
    pub snapshot: Arc<Snapshot>,
    pub mapping: Arc<RwLock<Mapping>>,
    /// Where attachments are staged between download and upload.
    pub work_dir: PathBuf,
    /// Pages (space, source id) whose bodies referenced content not created yet.
    pub pending_fixups: Arc<Mutex<Vec<(usize, String)>>>,
    /// What the plan copies, for the body rewriter's questions.
    pub catalogue: Arc<super::resolve::Catalogue>,
    /// Origins of the source site as its content may link to it, and the destination's.
    pub source_origins: Vec<String>,
    pub destination_origin: String,
    /// References found in each body, by the source id of the page, blog post or comment.
    pub references: Arc<Mutex<ReferenceLog>>,
    /// Inline comment markers removed from each page's body, by source page id.
    pub markers: Arc<Mutex<HashMap<String, Vec<crate::rewrite::InlineMarker>>>>,
    /// The journal of this run, and what earlier runs did.
    pub recorder: Arc<super::record::Recorder>,
}

impl Copy {
    /// The same copy (one mapping, journal, reference log and so on) seeing `snapshot`: a
    /// stage's view, with the content of the space it works on.
    pub fn for_stage(&self, snapshot: Arc<Snapshot>) -> Copy {
        Copy {
            mode: self.mode,
            plan_name: self.plan_name.clone(),
            reconciled: self.reconciled,
            claimed: Arc::clone(&self.claimed),
            labelled: Arc::clone(&self.labelled),
            v1_create_gone: Arc::clone(&self.v1_create_gone),
            memberships: self.memberships,
            source: self.source.clone(),
            destination: self.destination.clone(),
            inventory: Arc::clone(&self.inventory),
            snapshot,
            mapping: Arc::clone(&self.mapping),
            work_dir: self.work_dir.clone(),
            pending_fixups: Arc::clone(&self.pending_fixups),
            catalogue: Arc::clone(&self.catalogue),
            source_origins: self.source_origins.clone(),
            destination_origin: self.destination_origin.clone(),
            references: Arc::clone(&self.references),
            markers: Arc::clone(&self.markers),
            recorder: Arc::clone(&self.recorder),
        }
    }

    pub fn writes(&self) -> bool {
        self.mode == Mode::Apply
    }

    pub fn space(&self, index: usize) -> Option<MappedSpace> {
        self.mapping.read().unwrap_or_else(|e| e.into_inner()).spaces.get(&index).cloned()
    }

    pub fn content_id(&self, source_id: &str) -> Option<String> {
        self.mapping.read().unwrap_or_else(|e| e.into_inner()).content(source_id).map(|(id, _)| id)
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
        if let Some(failure) = self.recorder.failure() {
            return Some(format!(
                "{failure}; nothing more is started (free the space or fix the disk, then apply again)"
            ));
        }
        [&self.source, &self.destination].into_iter().find_map(|c| c.halt()).map(|h| h.to_string())
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

#[cfg(test)]
mod tests {
    use super::ReferenceLog;
    use crate::rewrite::{Outcome as RewriteOutcome, Reference, ReferenceKind};

    fn reference(original: &str) -> Reference {
        Reference {
            kind: ReferenceKind::Link,
            original: original.to_string(),
            outcome: RewriteOutcome::KeptExternal,
            replacement: None,
            reason: Some("outside the plan".into()),
            offset: 0,
        }
    }

    #[test]
    fn the_mapping_gives_back_each_destination_id_as_it_was_given() {
        use crate::snapshot::fixtures::{attachment, comment, content, space};
        use crate::snapshot::*;
        let dir = tempfile::tempdir().unwrap();
        let mut eng = space("ENG", "ENG");
        eng.pages = vec![content("100", ContentType::Page, "A"), content("page-a", ContentType::Page, "B")];
        eng.blog_posts = vec![content("200", ContentType::BlogPost, "C")];
        eng.attachments = vec![attachment("6", "100", "f.png")];
        eng.comments = vec![comment("5", CommentType::Footer, "100", None)];
        let snapshot = Snapshot::new(vec![eng], Spool::new(dir.path()).unwrap());
        let catalogue = std::sync::Arc::new(crate::resolve::Catalogue::new(&snapshot).unwrap());
        let mut mapping = super::Mapping::new(catalogue);
        mapping.set_content("100", "98304", 3);
        mapping.set_content("page-a", "007", 1);
        mapping.plan_content("200");
        mapping.set_comment("5", "att-not-a-number");
        mapping.set_attachment("6", "65537");
        mapping.set_content("gone", "77", 4);
        assert_eq!(mapping.content("100"), Some(("98304".to_string(), 3)));
        assert_eq!(mapping.content("page-a"), Some(("007".to_string(), 1)), "text ids stay text");
        assert_eq!(mapping.content("200"), Some(("dry-run:200".to_string(), 1)), "a dry-run's copy");
        assert_eq!(mapping.content("300"), None);
        assert_eq!(mapping.content("gone"), Some(("77".to_string(), 4)), "an id the plan no longer copies");
        assert_eq!(mapping.comment("5").as_deref(), Some("att-not-a-number"));
        assert_eq!(mapping.attachment("6").as_deref(), Some("65537"));
        assert_eq!(mapping.comment("6"), None, "comments and attachments apart");
        assert_eq!(mapping.content("5"), None, "content and comments apart");
        assert_eq!(mapping.position("100"), None, "no position before one is written");
        mapping.set_position("100", -3);
        mapping.set_position("gone", 5);
        assert_eq!((mapping.position("100"), mapping.position("page-a")), (Some(-3), None));
        assert_eq!(mapping.position("gone"), None, "only the plan's pages have positions");
        mapping.set_content("200", "12", u64::from(u32::MAX) + 9);
        assert_eq!(
            mapping.content("200"),
            Some(("12".to_string(), u64::from(u32::MAX))),
            "a later write replaces"
        );
    }

    #[test]
    fn reference_log_keeps_owners_with_references_in_id_order() {
        let mut log = ReferenceLog::default();
        assert_eq!(log.insert("20".into(), None, vec![reference("b")]), None);
        assert_eq!(log.insert("10".into(), None, Vec::new()), None, "nothing to report: no entry");
        assert_eq!(log.insert("100".into(), None, vec![reference("a"), reference("c")]), None);
        let owners: Vec<&str> = log.iter().map(|(owner, _, _)| owner.as_str()).collect();
        assert_eq!(owners, ["100", "20"], "id order, as the report lists them");
        assert_eq!(log.len(), 2);
        // A second rewrite of a body (the fix-up pass) replaces what the first recorded.
        assert_eq!(log.insert("20".into(), None, vec![reference("d")]), Some(vec![reference("b")]));
        assert_eq!(log.get("20"), Some(&vec![reference("d")]));
        assert_eq!(log.insert("100".into(), None, Vec::new()), Some(vec![reference("a"), reference("c")]));
        assert_eq!(log.get("100"), None, "a rewrite that found nothing leaves nothing to report");
        assert!(!log.is_empty());
        // A comment's references keep the page they are on, for the report.
        log.insert("300".into(), Some("20"), vec![reference("e")]);
        let on: Vec<(&str, Option<&str>)> = log.iter().map(|(owner, on, _)| (owner.as_str(), on)).collect();
        assert_eq!(on, [("20", None), ("300", Some("20"))]);
    }

    #[test]
    fn a_run_without_reports_keeps_no_references() {
        let mut log = ReferenceLog::unreported();
        assert_eq!(log.insert("20".into(), None, vec![reference("b")]), None);
        assert_eq!(log.insert("20".into(), None, vec![reference("d")]), None);
        assert!(log.is_empty());
        assert_eq!(log.get("20"), None);
    }
}
