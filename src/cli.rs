//! The command line: parses flags (clap), resolves settings, and dispatches each command to its
//! module in `src/commands/`; a command's error becomes its message and exit code once, here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::{self, CommandError};
use crate::exit::Exit;
use crate::settings::{Flags, LogFormat, Settings};

#[derive(Debug, Parser)]
#[command(name = "confcopy", version, about, long_about = None)]
struct Cli {
    /// Directory for run state, journals, reports and sandbox sites [default: .confcopy].
    #[arg(long, global = true, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Where plan state lives: an object store (s3://bucket/prefix, gs://…, az://…; its
    /// credentials from that store's usual environment) or a local path (env CONFCOPY_STATE).
    #[arg(long, global = true, value_name = "URL")]
    state: Option<String>,
    /// Settings file (TOML); it may hold credentials, so keep it private (chmod 600).
    #[arg(long, global = true, value_name = "FILE", env = "CONFCOPY_CONFIG")]
    config: Option<PathBuf>,
    /// Log format: text for people, json for scheduled jobs.
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    /// The longest wait a site may ask for before confcopy stops sending to it and the run ends
    /// Incomplete, saying when to resume [default: 5m]: seconds, or 90s, 5m, 1h.
    #[arg(long, global = true, value_name = "DURATION")]
    max_retry_wait: Option<crate::settings::Wait>,
    /// Print only errors and one final summary line (for cron mail); no progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check plans: their format offline, or (without --offline) both sites too. Writes nothing.
    Check(commands::check::CheckArgs),
    /// Copy what the plan names: checks first, then the graph, then reports. Exit 0 Complete,
    /// 1 blocked or Failed, 2 trouble, 3 Incomplete.
    Apply(commands::apply::ApplyArgs),
    /// Print the static execution graph of a plan (reads both sites; writes nothing).
    Graph(commands::graph::GraphArgs),
    /// Compare source and destination for everything the plan copied; exit 0 when they match.
    Verify(commands::verify::VerifyArgs),
    /// A dashboard of every plan of the state directory: status, progress, expiry.
    Status(commands::status::StatusArgs),
    /// Details of one plan: sites, summary, and the progress of its users, groups and spaces.
    Show(commands::show::ShowArgs),
    /// Remove a plan's lock left by an apply that is gone.
    Unlock(commands::unlock::UnlockArgs),
    /// Print the JSON Schema of the plan format.
    Schema,
    /// Write a starter plan for a source site's spaces (asks the site, or takes --spaces).
    Init(commands::init::InitArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    Completions(commands::completions::CompletionsArgs),
    /// Print the man page (roff) of confcopy, or write one page per command into a folder.
    Man(commands::man::ManArgs),
    /// Run or manage the bundled sandbox sites.
    #[command(subcommand)]
    Sandbox(commands::sandbox::SandboxCommand),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            // clap exits 0 for --help/--version and 2 for usage errors, as documented.
            return ExitCode::from(if error.use_stderr() { Exit::Trouble as u8 } else { 0 });
        }
    };
    commands::exit_code(run(cli)).into()
}

/// Resolves the settings and runs the command.
fn run(cli: Cli) -> Result<Exit, CommandError> {
    let flags = Flags {
        state_dir: cli.state_dir,
        state: cli.state,
        log_format: cli.log_format,
        max_retry_wait: cli.max_retry_wait,
    };
    let settings = Settings::load(cli.config.as_deref(), &flags)?;
    crate::logging::init(settings.log_format);
    let quiet = cli.quiet;
    match cli.command {
        Command::Check(args) => commands::check::run(args, &settings, quiet),
        Command::Apply(args) => commands::apply::run(args, &settings, quiet),
        Command::Graph(args) => commands::graph::run(args, &settings),
        Command::Verify(args) => commands::verify::run(args, &settings),
        Command::Status(args) => commands::status::run(args, &settings),
        Command::Show(args) => commands::show::run(args, &settings),
        Command::Unlock(args) => commands::unlock::run(args, &settings),
        Command::Schema => commands::schema::run(),
        Command::Init(args) => commands::init::run(args, &settings),
        Command::Completions(args) => commands::completions::run(args, Cli::command()),
        Command::Man(args) => commands::man::run(args, Cli::command()),
        Command::Sandbox(command) => commands::sandbox::run(command, &settings.state_dir()),
    }
}
