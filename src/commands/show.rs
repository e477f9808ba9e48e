//! `confcopy show NAME`: one plan's sites, summary, and the progress of its users, groups and
//! spaces.

use crate::diagnostic::render::Format;
use crate::exit::Exit;
use crate::settings::Settings;
use crate::state::{Clock, SystemClock};

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The plan's name (its `name` key).
    pub name: String,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: ShowArgs, settings: &Settings) -> Result<Exit, CommandError> {
    let (_, registry, _mirror) = super::state::open_state_for(settings, Some(&args.name))?;
    let clock = SystemClock;
    let details = registry.show(&args.name, &clock)?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&crate::state::show_json(&details, clock.now())).unwrap_or_default()
        ),
        _ => print!("{}", crate::state::show_text(&details, clock.now())),
    }
    Ok(Exit::Success)
}
