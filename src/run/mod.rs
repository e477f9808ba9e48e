//! Running the execution graph: the dispatcher, the work of each kind of node, and progress.

mod anchors;
mod context;
mod dispatcher;
mod lane_gate;
mod mark;
mod ops;
mod outcome;
mod progress;
mod record;
mod resolve;

pub use context::{Copy, MappedSpace, Mapping, Mode};
pub use dispatcher::walk;
pub use outcome::{LEFT_OUT, Outcome};
pub use progress::{Progress, per_space};
pub use record::Recorder;
pub use resolve::{Catalogue, CopyResolver};
