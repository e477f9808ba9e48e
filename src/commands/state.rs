//! The state directory as the commands open it: `status`, `show` and `unlock` read plans from it,
//! `check` and `graph` read what earlier applies of their plan recorded.

use crate::plan::Plan;
use crate::settings::{Settings, StateLocation};
use crate::state::{Registry, StateDir, SystemClock};

use super::CommandError;

/// The local state directory and its registry, old plans expired (a failed expiry is a warning).
pub(crate) fn open_state(settings: &Settings) -> Result<(StateDir, Registry), CommandError> {
    let state = StateDir::open(settings.state_dir())?;
    let registry = Registry::new(&state);
    if let Err(error) = registry.expire(&SystemClock) {
        eprintln!("warning: expiring old plans failed: {error}");
    }
    Ok((state, registry))
}

/// The state `status` and `show` read: the local state directory, or with remote state a private
/// mirror of the store's records (and of `plan`'s reports), kept alive by the returned guard.
pub(crate) fn open_state_for(
    settings: &Settings,
    plan: Option<&str>,
) -> Result<(StateDir, Registry, Option<tempfile::TempDir>), CommandError> {
    let StateLocation::Remote(url) = settings.state_location() else {
        let (state, registry) = open_state(settings)?;
        return Ok((state, registry, None));
    };
    let remote = crate::state::remote::RemoteState::open_blocking(
        &url,
        crate::state::remote::RemoteOptions::from_env(),
    )?
    .blocking();
    let mirror =
        tempfile::Builder::new().prefix("confcopy-state-").tempdir().map_err(CommandError::StateMirror)?;
    let clock = SystemClock;
    let state = match plan {
        Some(name) => crate::state::remote::view::plan(&remote, mirror.path(), name, &clock),
        None => crate::state::remote::view::records(&remote, mirror.path(), &clock),
    }?;
    let registry = Registry::new(&state);
    Ok((state, registry, Some(mirror)))
}

/// What earlier applies of this plan recorded, read without taking the plan's lock.
pub(crate) fn previous_runs(settings: &Settings, plan: &Plan) -> Option<crate::state::JournalState> {
    let plan_dir = settings.state_dir().join("plans").join(&plan.name.value);
    if !plan_dir.join("journal.jsonl").exists() {
        return None;
    }
    let state = StateDir::open(settings.state_dir()).ok()?;
    let plan_dir = state.existing_plan(&plan.name.value).ok()?;
    crate::state::Journal::replay(&plan_dir).ok()
}
