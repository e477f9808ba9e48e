//! confcopy copies Confluence Cloud data between sites from reviewed TOML plan files.
//!
//! The pipeline reads top to bottom: [`plan`] (text → spanned TOML → validated plan),
//! [`diagnostic`] (findings and their renderings), then the sites: [`sandbox`] emulates
//! Confluence Cloud on loopback for tests and rehearsals.

pub mod apply;
pub mod checks;
pub mod cli;
pub mod client;
pub mod diagnostic;
pub mod exit;
pub mod graph;
pub mod init;
pub mod inventory;
pub mod logging;
pub mod plan;
pub mod reconcile;
pub mod report;
pub mod rewrite;
pub mod run;
pub mod sandbox;
pub mod session;
pub mod settings;
pub mod site;
pub mod snapshot;
pub mod state;
pub mod suggest;
pub mod verify;
