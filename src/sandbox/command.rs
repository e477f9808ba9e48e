//! `confcopy sandbox ...` subcommands.

use std::path::Path;
use std::process::ExitCode;

/// Run or manage the bundled sandbox sites.
#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Serve sandbox sites from a seed file on loopback until Ctrl-C.
    Serve {
        /// Seed file describing the sites (default: the bundled demo seed).
        #[arg(long)]
        seed: Option<std::path::PathBuf>,
    },
}

/// Runs a sandbox subcommand. `state_dir` is confcopy's resolved state directory.
pub fn run(command: SandboxCommand, state_dir: &Path) -> Result<ExitCode, String> {
    let _ = (command, state_dir);
    Err("the sandbox is not built yet".to_string())
}
