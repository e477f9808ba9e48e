//! The `verify` command.

use std::path::PathBuf;

use crate::exit::Exit;
use crate::settings::Settings;

/// Arguments of `confcopy verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The plan whose copy to verify.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Where to write verify.csv [default: the current directory].
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
}

/// Runs the verification; exit 0 when source and destination match.
pub fn run(args: VerifyArgs, settings: &Settings) -> Exit {
    let _ = (args, settings);
    eprintln!("error: verify is being built");
    Exit::Trouble
}
