//! confcopy copies Confluence Cloud data between sites from reviewed TOML plan files.
//!
//! The command line: [`cli`] parses flags and dispatches to [`commands`] (one module per command,
//! each returning `Result<Exit, CommandError>`; an error becomes its message and [`exit`] code in
//! one place), with [`settings`] resolved first and [`logging`] on stderr.
//!
//! The pipeline reads top to bottom: [`plan`] (text → spanned TOML → validated plan, with
//! [`suggest`]'s "did you mean") and [`diagnostic`] (findings and their renderings); the sites
//! through [`site`] and [`client`]; [`inventory`] and [`checks`] (what `check` reports);
//! [`snapshot`] (the source content), [`graph`] (the execution graph) and [`run`] (its walk,
//! bodies rewritten by [`rewrite`] under the rule in [`resolve`]), both driven by [`apply`];
//! [`report`]; and around an apply, [`session`], [`state`] and [`reconcile`]. [`verify`] compares
//! the two sites afterwards. Errors are typed per layer (thiserror) and become a message and an
//! exit code only in [`commands`]. The `confcopy-sandbox` crate emulates Confluence Cloud on
//! loopback for tests, rehearsals and `sandbox:NAME` sites. `ARCHITECTURE.md` is the map.

pub mod allocator;
pub mod apply;
pub mod checks;
pub mod cli;
pub use confcopy_client as client;
pub mod commands;
pub mod diagnostic;
pub mod digest;
pub mod exit;
pub mod graph;

pub mod inventory;
pub mod logging;
pub mod plan;
pub mod reconcile;
pub mod report;
pub mod resolve;
pub use confcopy_rewrite as rewrite;
pub mod run;
pub mod session;
pub mod settings;
pub mod site;
pub mod snapshot;
pub mod state;
pub mod suggest;
pub mod verify;
