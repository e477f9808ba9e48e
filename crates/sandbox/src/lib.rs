//! The sandbox: stateful emulated Confluence Cloud sites served over real HTTP on loopback.
//!
//! Start sites from a [`Seed`] (the bundled demo with [`Seed::demo`], a file with
//! [`Seed::from_path`]) and talk to them like to Confluence Cloud:
//!
//! ```no_run
//! # async fn demo() -> Result<(), confcopy_sandbox::SandboxError> {
//! use confcopy_sandbox::{Sandbox, Seed};
//! let sandbox = Sandbox::start(Seed::demo()).await?;
//! let acme = sandbox.site("acme").expect("demo site");
//! // Basic auth: acme.admin_email() / acme.admin_token(); URL: acme.base_url()
//! // Bearer through the gateway: acme.gateway_url(); admin API: acme.org_api_key()
//! let stats = acme.stats(); // request counts per "METHOD /route" and status
//! let state = acme.export(); // the full site state as JSON
//! sandbox.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! Faults ([`faults::FaultConfig`]) come from the seed, [`SiteHandle::set_faults`] or
//! `PUT /__sandbox/faults`. `sandbox:NAME` sites in plans use [`Sandbox::start_persistent`],
//! which keeps state in `<state_dir>/sandbox/`. The seed format and the demo data are
//! documented in `docs/sandbox.md`.
//!
//! Layout: [`model`] (what a site holds, who may do what) ← [`seed`] / [`generate`] (how it is
//! filled) ← [`http`] (Confluence's API over HTTP, with [`faults`] and [`stats`]) ←
//! [`running`] (listeners and handles) ← [`command`] (the CLI).

pub mod command;
mod digest;
mod error;
pub mod faults;
pub mod generate;
pub mod http;
mod memory;
pub mod model;
pub mod persist;
pub mod running;
pub mod seed;
pub mod stats;

pub use error::SandboxError;
pub use faults::{Fault, FaultConfig, FaultRule, RateLimit};
pub use running::{Sandbox, SiteHandle, StartOptions, export_site, reset_site};
pub use seed::Seed;
pub use stats::{ListCount, Stats};
