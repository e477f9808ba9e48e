//! One module per command. Each holds its clap arguments beside the code that reads them and
//! returns `Result<Exit, CommandError>`; [`error`] turns an error into its message and exit
//! code, once, in `cli::main`. What several commands share is here: the runtime, loading a plan
//! that must be valid, the status line of findings, and whether to colour output.

pub mod apply;
pub mod check;
pub mod completions;
pub mod error;
pub mod graph;
pub mod init;
pub mod man;
pub mod sandbox;
pub mod schema;
pub mod show;
pub mod state;
pub mod status;
pub mod unlock;
pub mod verify;

use std::io::IsTerminal;
use std::path::Path;

pub use error::{CommandError, exit_code};

use crate::diagnostic::render::{self, FileReport};
use crate::plan::Plan;

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether to colour output: a terminal, and NO_COLOR unset or empty.
pub(crate) fn use_color() -> bool {
    std::io::stdout().is_terminal() && !no_color()
}

/// Whether to colour log lines on stderr.
pub fn color_on_stderr() -> bool {
    std::io::stderr().is_terminal() && !no_color()
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CommandError::Runtime)
}

/// A plan a command needs valid, read once: the plan and its file's findings, or `None` when it
/// has errors (they are printed, and the command ends with [`Exit::Errors`](crate::exit::Exit::Errors)).
pub(crate) fn valid_plan(path: &Path) -> Result<Option<(Plan, FileReport)>, CommandError> {
    let loaded = crate::plan::load(path)
        .map_err(|source| CommandError::PlanUnreadable { path: path.to_path_buf(), source })?;
    let report = FileReport { file: loaded.file, diagnostics: loaded.diagnostics };
    match loaded.plan {
        Some(plan) => Ok(Some((plan, report))),
        None => {
            print!("{}", render::human(std::slice::from_ref(&report), use_color()));
            let (errors, warnings) = render::totals(std::slice::from_ref(&report));
            print!("{}", status_line(errors, warnings, 1));
            Ok(None)
        }
    }
}

/// With `--quiet`, only the errors of a report are shown.
pub(crate) fn shown(report: &FileReport, quiet: bool) -> FileReport {
    let diagnostics = report.diagnostics.iter().filter(|d| !quiet || d.is_error()).cloned().collect();
    FileReport { file: report.file.clone(), diagnostics }
}

/// The last line of `check`: how many plans, errors and warnings.
pub(crate) fn status_line(errors: usize, warnings: usize, plans: usize) -> String {
    let plans = render::plural(plans, "plan");
    match (errors, warnings) {
        (0, 0) => format!("success: {plans} checked, no problems\n"),
        (0, w) => format!("warnings: {plans} checked, {}\n", render::plural(w, "warning")),
        (e, w) => format!(
            "errors: {plans} checked, {}, {}\n",
            render::plural(e, "error"),
            render::plural(w, "warning")
        ),
    }
}
