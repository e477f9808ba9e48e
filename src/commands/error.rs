//! The command layer's errors, and the one place an error becomes its line on stderr and an exit
//! code ([`report`]). A command returns `Result<Exit, CommandError>`: `Ok` is how it ended,
//! findings included (they are printed where they belong, on stdout, and give `Exit::Errors`);
//! `Err` is why it could not do its job.

use std::path::PathBuf;

use crate::exit::Exit;

/// Why a command could not do its job. Each variant knows its exit code ([`CommandError::exit`]);
/// its `Display` is the message after `error: `.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    #[error("cannot read {}: {source}", path.display())]
    PlanUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot create a work folder: {0}")]
    WorkFolder(#[source] std::io::Error),
    #[error("cannot create a work folder in {}: {source}", dir.display())]
    WorkFolderIn {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write verify.csv in {}: {source}", dir.display())]
    VerifyCsv {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the man page: {0}")]
    Man(#[source] std::io::Error),
    /// Standard output was closed (a reader such as `head` stopped early): nothing is said.
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error(transparent)]
    Remote(#[from] crate::state::remote::RemoteError),
    #[error("cannot make a local mirror of the state: {0}")]
    StateMirror(#[source] std::io::Error),
    /// `show` of a plan the state does not hold (exit 1), or a state it cannot read (exit 2).
    #[error(transparent)]
    Show(#[from] crate::state::ShowError),
    /// `unlock` of a plan the state directory does not hold.
    #[error(transparent)]
    UnknownPlan(crate::state::StateError),
    #[error("plan \"{name}\" is locked by {holder}, which is still running; stop it first")]
    LockHeld { name: String, holder: String },
    #[error("confirm with --yes (no terminal to ask on)")]
    NoTerminal,
    /// `init`: what was asked for cannot make a plan.
    #[error("{} exists; pass --force to replace it, or --out to write elsewhere", .0.display())]
    PlanExists(PathBuf),
    #[error("--source {text:?} is not a site address ({error})")]
    NotASite { text: String, error: url::ParseError },
    #[error(
        "no credentials for {site}: set CONFCOPY_SOURCE_EMAIL and CONFCOPY_SOURCE_TOKEN (or \
         CONFCOPY_SOURCE_BEARER_TOKEN), or name the spaces with --spaces KEY,KEY"
    )]
    NoCredentials { site: crate::plan::SiteRef },
    #[error("cannot list the spaces of {site}: {error}")]
    ListSpaces { site: crate::plan::SiteRef, error: crate::client::ClientError },
    #[error("{site} has no space to copy; name them with --spaces KEY,KEY")]
    NoSpaces { site: String },
    #[error("these settings cannot make a valid plan; nothing was written")]
    InvalidStarterPlan,
    #[error("--pages needs at least one space (--spaces)")]
    PagesWithoutSpaces,
    #[error("cannot write the seed: {0}")]
    SeedText(#[source] toml::ser::Error),
    #[error("cannot wait for Ctrl-C: {0}")]
    CtrlC(#[source] std::io::Error),
    /// The sandbox's own runtime (two workers) could not start.
    #[error("cannot start the runtime: {0}")]
    SandboxRuntime(#[source] std::io::Error),
    /// `check`: the site checks of one plan file could not run.
    #[error("{file}: {error}")]
    SiteChecks { file: String, error: Box<CommandError> },
    #[error(transparent)]
    Apply(#[from] crate::apply::ApplyError),
    #[error(transparent)]
    Site(#[from] crate::site::SiteError),
    /// `verify` could not read or compare the sites (an unreachable site is rendered as its
    /// diagnostic before this).
    #[error(transparent)]
    Verify(crate::verify::Trouble),
    /// `sandbox serve|reset|generate`: the sandbox could not start, save or reset its sites.
    #[error(transparent)]
    Sandbox(#[from] confcopy_sandbox::SandboxError),
    /// The command failed and cleaning up after it failed too: the cleanup's warning line is
    /// said after the error's, as it happened.
    #[error("{error}\n{warning}")]
    ThenWarning { error: Box<CommandError>, warning: String },
}

impl CommandError {
    /// The documented exit code of this error: 1 when what was asked is refused, 2 when confcopy
    /// could not do its job.
    pub fn exit(&self) -> Exit {
        use crate::state::ShowError;
        match self {
            CommandError::Show(ShowError::NotFound { .. } | ShowError::Expired { .. })
            | CommandError::UnknownPlan(_)
            | CommandError::LockHeld { .. }
            | CommandError::NoTerminal
            | CommandError::PlanExists(_)
            | CommandError::NotASite { .. }
            | CommandError::NoCredentials { .. }
            | CommandError::NoSpaces { .. }
            | CommandError::InvalidStarterPlan => Exit::Errors,
            CommandError::ThenWarning { error, .. } => error.exit(),
            CommandError::Settings(_)
            | CommandError::PlanUnreadable { .. }
            | CommandError::Runtime(_)
            | CommandError::WorkFolder(_)
            | CommandError::WorkFolderIn { .. }
            | CommandError::VerifyCsv { .. }
            | CommandError::CreateDir { .. }
            | CommandError::Write { .. }
            | CommandError::Man(_)
            | CommandError::Stdout(_)
            | CommandError::Session(_)
            | CommandError::State(_)
            | CommandError::Remote(_)
            | CommandError::StateMirror(_)
            | CommandError::Show(_)
            | CommandError::ListSpaces { .. }
            | CommandError::SiteChecks { .. }
            | CommandError::PagesWithoutSpaces
            | CommandError::SeedText(_)
            | CommandError::SandboxRuntime(_)
            | CommandError::CtrlC(_)
            | CommandError::Apply(_)
            | CommandError::Site(_)
            | CommandError::Verify(_)
            | CommandError::Sandbox(_) => Exit::Trouble,
        }
    }
}

/// Says an error on stderr (`error: …`) and gives its exit code. The one place a command's error
/// is rendered; a command that goes on after an error (`check` with several plans) calls it too.
pub fn report(error: &CommandError) -> Exit {
    if !matches!(error, CommandError::Stdout(_)) {
        eprintln!("error: {error}");
    }
    error.exit()
}

/// How a command ended, as its exit code.
pub fn exit_code(result: Result<Exit, CommandError>) -> Exit {
    result.unwrap_or_else(|error| report(&error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ShowError, StateError};

    fn io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::NotFound, "gone")
    }

    #[test]
    fn refusals_exit_1_and_trouble_exits_2() {
        let not_found = CommandError::Show(ShowError::NotFound { name: "p".into() });
        assert_eq!(not_found.exit(), Exit::Errors);
        let unreadable = CommandError::Show(ShowError::State(StateError::PlanName { name: "../p".into() }));
        assert_eq!(unreadable.exit(), Exit::Trouble);
        assert_eq!(CommandError::NoTerminal.exit(), Exit::Errors);
        assert_eq!(CommandError::Apply(crate::apply::ApplyError::NotPrepared).exit(), Exit::Trouble);
        assert_eq!(CommandError::Runtime(io()).exit(), Exit::Trouble);
    }

    #[test]
    fn messages_read_as_before() {
        let error = CommandError::PlanUnreadable { path: "plan.toml".into(), source: io() };
        assert_eq!(error.to_string(), "cannot read plan.toml: gone");
        assert_eq!(CommandError::Runtime(io()).to_string(), "cannot start the async runtime: gone");
        let checks = CommandError::SiteChecks {
            file: "a.toml".into(),
            error: Box::new(CommandError::WorkFolder(io())),
        };
        assert_eq!(checks.to_string(), "a.toml: cannot create a work folder: gone");
    }

    #[test]
    fn a_cleanup_warning_follows_the_error_and_keeps_its_exit() {
        let error = CommandError::ThenWarning {
            error: Box::new(CommandError::NoTerminal),
            warning: "warning: the lock stays".into(),
        };
        assert_eq!(error.to_string(), "confirm with --yes (no terminal to ask on)\nwarning: the lock stays");
        assert_eq!(error.exit(), Exit::Errors);
    }
}
