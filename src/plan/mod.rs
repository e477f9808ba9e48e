//! Plan files, read in passes like a compiler: bytes → TOML tree ([`parse`]) → shape checked
//! against the format ([`shape`]) → meaning checked into a validated [`Plan`] ([`meaning`]).
//! Each pass collects every problem it finds as a diagnostic before the next one runs.

mod format;
mod load;
mod meaning;
mod model;
mod parse;
pub mod schema;
mod secrets;
mod shape;
pub mod space_key;

pub use format::{FORMAT, Field, Kind};
pub use load::{Loaded, MAX_PLAN_BYTES, load, load_bytes, load_text};
pub use model::{
    At, CheckOverride, ContentPolicy, History, Memberships, Plan, RunSettings, SiteRef, SpaceSelection,
    UserScope, UsersPolicy,
};
