//! `confcopy status`: a dashboard of every plan of the state directory.

use crate::diagnostic::render::Format;
use crate::exit::Exit;
use crate::settings::Settings;
use crate::state::{Clock, SystemClock};

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: StatusArgs, settings: &Settings) -> Result<Exit, CommandError> {
    let (_, registry, _mirror) = super::state::open_state_for(settings, None)?;
    let clock = SystemClock;
    let plans = registry.list(&clock)?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&crate::state::status_json(&plans, clock.now())).unwrap_or_default()
        ),
        _ => print!("{}", crate::state::status_table(&plans, clock.now())),
    }
    Ok(Exit::Success)
}
