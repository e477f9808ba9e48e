//! Logs go to stderr: readable lines for people, one JSON object a line for scheduled jobs.
//! The level comes from `CONFCOPY_LOG` (e.g. `info`, `confcopy=debug`), default `warn`.

use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("CONFCOPY_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
        LogFormat::Text => builder.with_ansi(crate::commands::color_on_stderr()).try_init(),
    };
}
