//! `confcopy verify PLAN`: compares the source and the destination for everything the plan copied.

mod command;

pub use command::{VerifyArgs, run};
