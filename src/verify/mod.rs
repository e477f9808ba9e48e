//! `confcopy verify PLAN`: compares the source and the destination for everything the plan copied.
//!
//! Reading order: [`command`] (the command) → [`sides`] (both sites read into snapshots) →
//! [`compare`] which pairs each selected space ([`pair`]) and runs [`space`], [`content`] (with
//! bodies put in the compared form by [`expected`]), [`attachments`], [`comments`] and
//! [`memberships`] → [`difference`] (one finding each) → [`csv`] (`verify.csv`).

mod attachments;
mod command;
mod comments;
mod compare;
mod content;
mod csv;
mod difference;
mod expected;
mod memberships;
mod pair;
mod sides;
mod space;

pub use command::{VerifyArgs, run};
pub use difference::{Difference, Scope};
