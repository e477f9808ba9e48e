//! What the sites hold: facts read through the client, once, for the checks and the forecast.

mod mentions;
mod model;
mod read;

pub use mentions::mentioned_accounts;
pub use model::*;
pub use read::read;
