//! Why one item of the run could not be copied. The error's text is the reason the reports
//! give for the item (`spaces.csv`, the failed rows), so each variant says what happened to
//! the copy in the words an admin reads there.

use crate::client::ClientError;
use crate::run::record::JournalError;
use crate::state::SourceRef;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// What a site answered (after the client's retries).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The journal could not record the write's intent, so the write was not started.
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot read the spooled body: {0}")]
    Spool(#[source] std::io::Error),
    #[error("its marker could not be written: {0}")]
    MarkerWrite(#[source] ClientError),
    #[error("its marker could not be written: the destination lost the answer {0} times")]
    MarkerLost(u32),
    #[error("its marker could not be read: {0}")]
    MarkerRead(#[source] ClientError),
    /// The copy found for an entity is marked as the copy of another one.
    #[error("{holder} carries a confcopy marker naming another source entity than {entity}")]
    ForeignMarker { holder: String, entity: SourceRef },
    #[error("cannot tell where the copy of inline comment {comment} is anchored: {error}")]
    Anchor {
        comment: String,
        #[source]
        error: ClientError,
    },
    #[error("created, but its labels were not: {0}")]
    SpaceLabels(#[source] ClientError),
    #[error("children of {parent} not put in order: {error}")]
    OrderRead {
        parent: String,
        #[source]
        error: ClientError,
    },
    #[error("children of {parent} not fully in order: {error}")]
    OrderMove {
        parent: String,
        #[source]
        error: ClientError,
    },
    #[error("cannot stage the download: {0}")]
    Stage(#[source] std::io::Error),
    #[error("the download ended after {got} of {expected} bytes")]
    ShortDownload { got: u64, expected: u64 },
    #[error("the source sent {got} bytes where the attachment's metadata declares {declared}")]
    SizeMismatch { got: u64, declared: u64 },
    /// The fix-up pass met a page the run has no copy of.
    #[error("\"{0}\" was not copied")]
    NotCopied(String),
    /// An error about one page among several (the fix-up pass lists them).
    #[error("\"{title}\": {error}")]
    Titled {
        title: String,
        #[source]
        error: Box<CopyError>,
    },
}

impl CopyError {
    /// This error, said of the page or blog post titled `title`.
    pub fn of(self, title: &str) -> CopyError {
        CopyError::Titled { title: title.to_string(), error: Box::new(self) }
    }
}
