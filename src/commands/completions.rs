//! `confcopy completions SHELL`: a completion script generated from the clap definitions.

use crate::exit::Exit;

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the script for `command`, the whole command line's definition.
pub fn run(args: CompletionsArgs, mut command: clap::Command) -> Result<Exit, CommandError> {
    clap_complete::generate(args.shell, &mut command, "confcopy", &mut std::io::stdout());
    Ok(Exit::Success)
}
