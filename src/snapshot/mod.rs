//! The plan's source content, read once before any write: the spaces, their pages, blog posts,
//! attachments and comments, with bodies spooled to disk.

#[cfg(test)]
pub mod fixtures;
mod model;
mod read;
mod spool;
mod store;

pub use crate::client::ids::{Id, IdMap};
pub use model::*;
pub use read::{SnapshotError, read};
pub use spool::{BodyRef, Spool};
pub use store::StowError;
