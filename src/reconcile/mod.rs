//! The destination is the truth: what a run finds there by confcopy's markers when its journal
//! cannot say what earlier runs copied (no journal, a journal cut short or damaged, a run that
//! did not finish).
//!
//! Everything apply creates carries a marker ([`marker`]): a property naming the plan's source
//! site and the source entity. [`trust`] decides whether the journal alone can be relied on;
//! [`read`] lists a destination space's content with its markers (a few list requests per
//! space, one per page that has comments or attachments) and gives the mappings to resume from.

pub mod marker;
pub mod read;
pub mod trust;

pub use marker::{MARKER_KEY, Origin};
pub use read::{Found, FoundItem};
pub use trust::{JournalTrust, trust};
