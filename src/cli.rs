//! The command line.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "confcopy", version, about)]
struct Cli {
    /// Directory for run state, journals and sandbox sites.
    #[arg(long, global = true, env = "CONFCOPY_STATE_DIR")]
    state_dir: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run or manage the bundled sandbox sites.
    #[command(subcommand)]
    Sandbox(crate::sandbox::command::SandboxCommand),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let state_dir = cli.state_dir.unwrap_or_else(|| std::path::PathBuf::from(".confcopy"));
    match cli.command {
        Command::Sandbox(cmd) => match crate::sandbox::command::run(cmd, &state_dir) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        },
    }
}
