//! The pre-copy checks: each module judges one concern of the [`Inventory`](crate::inventory::Inventory)
//! against the [`Plan`](crate::plan::Plan) and labels its findings on the plan line that causes them.
//! [`run`] runs them all and applies the plan's `[checks]` overrides.

mod access;
mod apps;
mod carry;
mod emails;
mod forecast;
mod free_plan;
mod groups;
mod public_access;
mod run;
pub mod space_keys;
mod unreadable;

pub use forecast::{Forecast, SpaceForecast};
pub use run::run;
