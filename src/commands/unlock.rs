//! `confcopy unlock NAME`: removes a plan's lock left by an apply that is gone, after saying who
//! held it and asking (or `--yes`). With remote state the lock is a lease in the store.

use std::io::IsTerminal;

use crate::exit::Exit;
use crate::settings::{Settings, StateLocation};

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct UnlockArgs {
    /// The plan's name (its `name` key).
    pub name: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: UnlockArgs, settings: &Settings) -> Result<Exit, CommandError> {
    let UnlockArgs { name, yes } = args;
    if let StateLocation::Remote(url) = settings.state_location() {
        return unlock_remote(&url, &name, yes);
    }
    let (state, _) = super::state::open_state(settings)?;
    let plan = state.existing_plan(&name).map_err(CommandError::UnknownPlan)?;
    let holder = match crate::state::lock_status(&plan)? {
        crate::state::LockStatus::Free => {
            println!("plan \"{name}\" is not locked");
            return Ok(Exit::Success);
        }
        crate::state::LockStatus::Held(record) => {
            let holder = record.map_or("a running process".to_string(), |r| {
                format!("{} on {} (pid {}) since {}", r.user, r.host, r.pid, r.since)
            });
            return Err(CommandError::LockHeld { name, holder });
        }
        crate::state::LockStatus::Stale(stale) => stale.record,
    };
    println!(
        "plan \"{name}\" was locked by {} on {} (pid {}, {}) for {} since {}",
        holder.user,
        holder.host,
        holder.pid,
        if holder.holder_is_dead() { "no longer running" } else { "state unknown" },
        holder.operation,
        holder.since
    );
    if !confirmed(yes)? {
        return Ok(Exit::Errors);
    }
    crate::state::force_unlock(&plan)?;
    println!("lock removed; the next apply continues where the last one stopped");
    Ok(Exit::Success)
}

/// Asks before a lock is removed, unless `--yes` said so already; `false` when the answer is no
/// (said on stdout: "lock kept").
fn confirmed(yes: bool) -> Result<bool, CommandError> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::NoTerminal);
    }
    eprint!("remove the lock? [y/N] ");
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        println!("lock kept");
        return Ok(false);
    }
    Ok(true)
}

/// `unlock` of a plan whose state is in a store: shows the lease's holder, asks, deletes it.
fn unlock_remote(url: &str, name: &str, yes: bool) -> Result<Exit, CommandError> {
    use crate::state::remote::RemoteLockStatus;
    let remote = crate::state::remote::RemoteState::open_blocking(
        url,
        crate::state::remote::RemoteOptions::from_env(),
    )?
    .blocking();
    let holder = match remote.lock_status(name)? {
        RemoteLockStatus::Free => {
            println!("plan \"{name}\" is not locked");
            return Ok(Exit::Success);
        }
        RemoteLockStatus::Held(record) => format!(
            "plan \"{name}\" is locked by {} on {} (pid {}) for {} since {}; its lease is being renewed, so it is \
             probably still running",
            record.user, record.host, record.pid, record.operation, record.since
        ),
        RemoteLockStatus::Lapsed(record) => format!(
            "plan \"{name}\" was locked by {} on {} (pid {}) for {} since {}; its lease lapsed (the next apply \
             would take it over)",
            record.user, record.host, record.pid, record.operation, record.since
        ),
        RemoteLockStatus::Unreadable => format!("plan \"{name}\" has a lock this confcopy cannot read"),
    };
    println!("{holder}");
    if !confirmed(yes)? {
        return Ok(Exit::Errors);
    }
    remote.force_unlock(name)?;
    println!("lock removed; a run that still holds it stops writing at its next journal sync");
    Ok(Exit::Success)
}
