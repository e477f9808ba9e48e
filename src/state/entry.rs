//! The journal's entries: one JSON object per line, tagged by `"type"`.
//!
//! A run writes `run-started`, then for each node `node` progress; around every write that is
//! not safe to repeat it writes an `intent` (made durable before the write) and a `result`
//! after it; ids learned without a write are `mapping`s; the run ends with `run-finished`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::dir::RunId;
use super::identity::PlanIdentity;
use super::operator::Operator;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Entry {
    /// The first line: the journal's format and the plan it belongs to.
    Header {
        format: u32,
        plan: PlanIdentity,
        at: Timestamp,
    },
    RunStarted {
        run: RunId,
        /// SHA-256 of the plan file's bytes ([`plan_hash`](super::plan_hash)).
        plan_hash: String,
        /// The plan's identity for this run (its spaces may have grown since the header).
        plan: PlanIdentity,
        by: Operator,
        at: Timestamp,
    },
    Node {
        run: RunId,
        node: String,
        status: NodeStatus,
        at: Timestamp,
    },
    /// About to make a write that must not be repeated. Durable before the write happens.
    Intent {
        run: RunId,
        node: String,
        kind: WriteKind,
        source: SourceRef,
        /// The marker the created entity carries (see [`marker`]); on resume, an intent
        /// without a result is reconciled by finding this marker on the destination.
        marker: String,
        at: Timestamp,
    },
    /// The write an intent announced happened (or was found on the destination by its marker).
    Result {
        run: RunId,
        node: String,
        source: SourceRef,
        destination_id: String,
        source_version: Option<u64>,
        destination_version: Option<u64>,
        at: Timestamp,
    },
    /// A source id's destination id learned without a write (an existing user or group).
    Mapping {
        run: RunId,
        source: SourceRef,
        destination_id: String,
        at: Timestamp,
    },
    RunFinished {
        run: RunId,
        outcome: RunOutcome,
        at: Timestamp,
    },
}

/// A node's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case", deny_unknown_fields)]
pub enum NodeStatus {
    Started,
    Done,
    Failed { reason: String },
    Skipped { reason: String },
}

/// Writes that create something and so must never be repeated blindly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteKind {
    CreateSpace,
    CreatePage,
    CreateBlogPost,
    CreatePageVersion,
    CreateComment,
    UploadAttachment,
    UploadAttachmentVersion,
    CreateGroup,
    AddGroupMember,
    AddLabel,
}

impl WriteKind {
    /// The kind of entity the write creates.
    pub fn entity(self) -> EntityKind {
        match self {
            WriteKind::CreateSpace => EntityKind::Space,
            WriteKind::CreatePage | WriteKind::CreatePageVersion => EntityKind::Page,
            WriteKind::CreateBlogPost => EntityKind::BlogPost,
            WriteKind::CreateComment => EntityKind::Comment,
            WriteKind::UploadAttachment | WriteKind::UploadAttachmentVersion => EntityKind::Attachment,
            WriteKind::CreateGroup => EntityKind::Group,
            WriteKind::AddGroupMember => EntityKind::Membership,
            WriteKind::AddLabel => EntityKind::Label,
        }
    }
}

/// What a source id names: ids of different kinds live in different namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntityKind {
    User,
    Group,
    Membership,
    Space,
    Page,
    BlogPost,
    Comment,
    Attachment,
    Label,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Group => "group",
            EntityKind::Membership => "membership",
            EntityKind::Space => "space",
            EntityKind::Page => "page",
            EntityKind::BlogPost => "blog-post",
            EntityKind::Comment => "comment",
            EntityKind::Attachment => "attachment",
            EntityKind::Label => "label",
        }
    }
}

/// An entity on the source: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub kind: EntityKind,
    pub id: String,
}

impl SourceRef {
    pub fn new(kind: EntityKind, id: impl Into<String>) -> SourceRef {
        SourceRef { kind, id: id.into() }
    }
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.id)
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunOutcome {
    Complete,
    /// Some entities were copied and some were not.
    Incomplete,
    /// Nothing could be copied.
    Failed,
}

impl RunOutcome {
    /// As the reports and the summary line say it: `Complete`, `Incomplete`, `Failed`.
    pub fn label(self) -> &'static str {
        super::record::PlanStatus::from(self).label()
    }
}

/// The marker that created content carries (e.g. as a content property), naming the source
/// site and entity: `confcopy:1:<source-site>:<kind>:<id>`. Stable across versions.
pub fn marker(source_site: &str, source: &SourceRef) -> String {
    format!("confcopy:1:{}:{}:{}", source_site.to_ascii_lowercase(), source.kind.as_str(), source.id)
}
