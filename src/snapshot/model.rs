//! The source content a plan copies, read once before any write: compact metadata in memory,
//! bodies in the [`Spool`](super::Spool).

use super::spool::BodyRef;

/// A user or group named by a permission or a restriction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Subject {
    User(String),
    /// A group, by name (group ids differ between sites).
    Group(String),
    Anonymous,
}

/// One space permission: who may do which operation on which target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Permission {
    pub subject: Subject,
    pub operation: String,
    pub target: String,
}

/// Read and update restrictions of a page or blog post. (Boxed slices, not vectors: every page
/// holds one, mostly empty, and a snapshot holds 100,000 pages.)
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Restrictions {
    pub read: Box<[Subject]>,
    pub update: Box<[Subject]>,
}

impl Restrictions {
    pub fn is_empty(&self) -> bool {
        self.read.is_empty() && self.update.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ContentType {
    Page,
    BlogPost,
    /// A folder in the page tree: a title and children, no body.
    Folder,
}

/// A page or a blog post.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Content {
    pub id: String,
    pub kind: ContentType,
    pub title: String,
    /// `current` or `archived`.
    pub status: String,
    /// Pages: the parent page (a folder parent is recorded as none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub position: i64,
    /// Blog posts: when the source posted it (pages and folders: `None`, nothing needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The source version number (re-applies copy newer versions as new versions).
    pub version: u64,
    pub body: BodyRef,
    /// With `content.history = "all"`: the bodies of the earlier versions, oldest first.
    #[serde(default, skip_serializing_if = "<[BodyRef]>::is_empty")]
    pub history: Box<[BodyRef]>,
    #[serde(default, skip_serializing_if = "<[String]>::is_empty")]
    pub labels: Box<[String]>,
    #[serde(default, skip_serializing_if = "Restrictions::is_empty")]
    pub restrictions: Restrictions,
    /// Users who liked it (likes cannot be copied: reported).
    pub likes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub id: String,
    pub container_id: String,
    pub file_name: String,
    pub media_type: Option<String>,
    /// Bytes of the current version, when the source says (a copy is then held to it).
    pub size: Option<u64>,
    pub comment: Option<String>,
    /// The current version number: versions 1 to this are copied, in order.
    pub versions: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CommentType {
    Footer,
    Inline,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Comment {
    pub id: String,
    pub kind: CommentType,
    pub container_id: String,
    pub parent_id: Option<String>,
    pub body: BodyRef,
    /// Inline roots: the marker reference in the page body and the text it marks.
    pub marker_ref: Option<String>,
    pub selection: Option<String>,
    pub resolution: Option<String>,
}

/// One selected space and everything in it that the plan copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceSnapshot {
    pub id: String,
    pub key: String,
    pub destination_key: String,
    pub name: String,
    pub description: Option<String>,
    /// `global` or `personal`.
    pub kind: String,
    /// `current` or `archived`.
    pub status: String,
    pub homepage_id: Option<String>,
    pub labels: Vec<String>,
    pub permissions: Vec<Permission>,
    /// Pages and folders in tree order: parents before children, siblings by position.
    pub pages: Vec<Content>,
    pub blog_posts: Vec<Content>,
    pub attachments: Vec<Attachment>,
    /// Comments with parents before replies.
    pub comments: Vec<Comment>,
}

/// What a space holds besides its settings: the part of a snapshot that is stowed on disk
/// between the stages that need it (see [`Snapshot::stow`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpaceContent {
    pub pages: Vec<Content>,
    pub blog_posts: Vec<Content>,
    pub attachments: Vec<Attachment>,
    pub comments: Vec<Comment>,
}

/// The plan's source content. Once stowed, its spaces keep their settings in memory and their
/// content on disk: [`Snapshot::with_space`] gives a view with one space's content back.
#[derive(Debug)]
pub struct Snapshot {
    pub spaces: Vec<SpaceSnapshot>,
    pub spool: std::sync::Arc<super::Spool>,
    /// Where each space's content went when the snapshot was stowed.
    pub(super) stowed: Option<std::sync::Arc<super::store::Stowed>>,
}
