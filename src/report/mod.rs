//! The reports of a run: per user, group and space, one final status each, numbers that add up.

mod cell;
mod references;
mod rows;
mod status;
mod write;

pub use cell::safe;
pub use references::{ReferenceRow, write_references};
pub use rows::{GroupRow, NOT_COPYABLE, Rows, RowsBuilder, SpaceRow, Tally, UserRow};
pub use status::{Status, run_outcome};
pub use write::{create_private_dir_all, write_private, write_reports};
