//! `confcopy man`: the man page (roff) generated from the clap definitions.

use std::io::Write;
use std::path::PathBuf;

use crate::exit::Exit;

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write confcopy.1 and a page per command (confcopy-apply.1, …) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// `confcopy.1` of `command` on standard output, or every command's page written into the folder.
pub fn run(args: ManArgs, command: clap::Command) -> Result<Exit, CommandError> {
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(command, &dir))
                .map_err(CommandError::Man)?;
            println!("man pages written to {}", dir.display());
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .and_then(|()| std::io::stdout().lock().write_all(&page))
                .map_err(CommandError::Man)?;
        }
    }
    Ok(Exit::Success)
}
