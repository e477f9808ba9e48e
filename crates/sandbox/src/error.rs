//! What can stop the sandbox from starting, saving or resetting its sites. Every message names
//! the file or port involved.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The seed refers to something it does not define (the message names it).
    #[error("{0}")]
    Seed(String),
    #[error("invalid seed: {0}")]
    SeedToml(#[source] toml::de::Error),
    #[error("cannot read seed {}: {source}", path.display())]
    SeedUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid seed {}: {error}", path.display())]
    SeedJson {
        path: PathBuf,
        #[source]
        error: serde_json::Error,
    },
    /// A seed file's error, said with its path.
    #[error("{}: {error}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        error: Box<SandboxError>,
    },
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox state poisoned")]
    Poisoned,
    #[error("cannot read {}: {source}", path.display())]
    StateUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a sandbox state ({error}); run `confcopy sandbox reset`", path.display())]
    NotAState {
        path: PathBuf,
        #[source]
        error: serde_json::Error,
    },
    #[error("cannot save sandbox state to {}: {source}", path.display())]
    Save {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot remove {}: {source}", path.display())]
    Remove {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no such site in the seed")]
    NoSuchSite,
}
