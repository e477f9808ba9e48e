//! What `confcopy verify PLAN` (`src/commands/verify.rs`) does: compares the source and the
//! destination for everything the plan copied.
//!
//! Reading order: [`compare_sites`] → [`sides`] (both sites read into snapshots) →
//! [`compare`] which pairs each selected space ([`pair`]) and runs [`space`], [`content`] (with
//! bodies put in the compared form by [`expected`]), [`attachments`], [`comments`] and
//! [`memberships`] → [`difference`] (one finding each) → [`csv`] (`verify.csv`).

mod attachments;
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

pub use compare::Compared;
pub use difference::{Difference, Scope};
pub use sides::Trouble;

use std::path::{Path, PathBuf};

use crate::plan::Plan;
use crate::site::PlanSites;

/// Reads both sites of a plan and compares them: every difference, and how much was compared.
pub async fn compare_sites(
    plan: &Plan,
    sites: &PlanSites,
    work_dir: &Path,
) -> Result<(Vec<Difference>, Compared), Trouble> {
    let sides = sides::read(plan, sites, work_dir).await?;
    compare::compare(plan, &sides).await
}

/// Writes `verify.csv` into `dir`; its path.
pub fn write_csv(dir: &Path, plan: &Plan, differences: &[Difference]) -> std::io::Result<PathBuf> {
    csv::write(dir, plan, differences)
}
