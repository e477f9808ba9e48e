//! What `status` and `show` read from a state store: the plans' records (and, for one plan,
//! its reports) brought into a private local mirror, where the usual registry reads them.
//! Plans past their 14 days have their run data deleted in the store as locally.

use std::path::Path;

use bytes::Bytes;

use super::RemoteError;
use super::blocking::BlockingRemote;
use crate::state::{Clock, Registry, StateDir};

/// A mirror of every plan's record, expired plans' data deleted in the store too.
pub fn records(remote: &BlockingRemote, root: &Path, clock: &dyn Clock) -> Result<StateDir, RemoteError> {
    let state = StateDir::open(root)?;
    for name in remote.list_plans()? {
        let Some(record) = remote.get(&name, "record.json")? else { continue };
        let plan = state.plan(&name)?;
        crate::state::write_atomic(&plan.record_path(), &record)?;
    }
    expire(remote, &state, clock)?;
    Ok(state)
}

/// A mirror of one plan: its record and its runs' reports.
pub fn plan(
    remote: &BlockingRemote,
    root: &Path,
    name: &str,
    clock: &dyn Clock,
) -> Result<StateDir, RemoteError> {
    let state = StateDir::open(root)?;
    let plan = state.plan(name)?;
    if let Some(record) = remote.get(name, "record.json")? {
        crate::state::write_atomic(&plan.record_path(), &record)?;
        remote.download_dir(name, "runs", &plan.runs_dir())?;
    }
    expire(remote, &state, clock)?;
    Ok(state)
}

/// Expires the mirrored plans and does the same in the store: run data deleted, the record
/// left as the registry leaves it.
fn expire(remote: &BlockingRemote, state: &StateDir, clock: &dyn Clock) -> Result<(), RemoteError> {
    let registry = Registry::new(state);
    for name in registry.expire(clock)? {
        remote.delete_run_data(&name)?;
        let plan = state.existing_plan(&name)?;
        if let Ok(record) = std::fs::read(plan.record_path()) {
            remote.put(&name, "record.json", Bytes::from(record))?;
        }
    }
    Ok(())
}
