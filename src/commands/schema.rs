//! `confcopy schema`: the JSON Schema of the plan format on standard output.

use crate::exit::Exit;

use super::CommandError;

pub fn run() -> Result<Exit, CommandError> {
    print!("{}", crate::plan::schema::schema_text());
    Ok(Exit::Success)
}
