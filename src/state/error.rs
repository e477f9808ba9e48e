//! What can go wrong reading or writing the state directory. Every error names the file.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} was written by a newer confcopy (state format {found}; this one knows up to {supported}); \
         upgrade confcopy or use another --state-dir",
        path.display()
    )]
    NewerFormat { path: PathBuf, found: u32, supported: u32 },
    #[error("{} is damaged: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    /// The journal's lines could not be handed to the state store (remote state).
    #[error("cannot keep the journal in the state store: {0}")]
    Sink(#[source] super::sink::SinkError),
    #[error("\"{name}\" cannot name a plan in the state directory (use letters, digits, '-', '_' or '.')")]
    PlanName { name: String },
}

impl StateError {
    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StateError {
        let path = path.to_path_buf();
        move |source| StateError::Io { action, path, source }
    }

    pub(crate) fn corrupt(path: &Path, detail: impl std::fmt::Display) -> StateError {
        StateError::Corrupt { path: path.to_path_buf(), detail: detail.to_string() }
    }
}
