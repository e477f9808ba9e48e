//! Running the execution graph: the dispatcher, the work of each kind of node, and progress.

mod anchors;
mod context;
mod dispatcher;
mod error;
mod lane_gate;
mod mark;
mod ops;
mod outcome;
mod progress;
mod record;
mod resolve;

pub use context::{Copy, MappedSpace, Mapping, Mode, ReferenceLog};
pub use dispatcher::{Settled, walk};
pub use error::CopyError;
pub use outcome::{LEFT_OUT, Outcome};
pub use progress::Progress;
pub use record::{JournalError, Recorder};
pub use resolve::{Catalogue, CopyResolver};
