//! The command line: parses flags, resolves settings, and hands each command to its phase.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::checks::Forecast;
use crate::client::ClientOptions;
use crate::diagnostic::render::{self, FileReport, Format};
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::exit::Exit;
use crate::plan::Plan;
use crate::settings::{Flags, LogFormat, Settings};
use crate::site::PlanSites;

#[derive(Debug, Parser)]
#[command(name = "confcopy", version, about, long_about = None)]
struct Cli {
    /// Directory for run state, journals, reports and sandbox sites [default: .confcopy].
    #[arg(long, global = true, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Settings file (TOML); it may hold credentials, so keep it private (chmod 600).
    #[arg(long, global = true, value_name = "FILE", env = "CONFCOPY_CONFIG")]
    config: Option<PathBuf>,
    /// Log format: text for people, json for scheduled jobs.
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check plans: their format offline, or (without --offline) both sites too. Writes nothing.
    Check(CheckArgs),
    /// Print the JSON Schema of the plan format.
    Schema,
    /// Run or manage the bundled sandbox sites.
    #[command(subcommand)]
    Sandbox(crate::sandbox::command::SandboxCommand),
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Plan files to check.
    #[arg(required = true, value_name = "PLAN")]
    plans: Vec<PathBuf>,
    /// Check only the plan files, without contacting any site.
    #[arg(long)]
    offline: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Treat warnings as errors (exit 1).
    #[arg(long)]
    strict: bool,
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
    let flags = Flags { state_dir: cli.state_dir.clone(), log_format: cli.log_format };
    let settings = match Settings::load(cli.config.as_deref(), &flags) {
        Ok(settings) => settings,
        Err(error) => return trouble(&error.to_string()),
    };
    match cli.command {
        Command::Check(args) => check(args, &settings).into(),
        Command::Schema => {
            print!("{}", crate::plan::schema::schema_text());
            Exit::Success.into()
        }
        Command::Sandbox(cmd) => match crate::sandbox::command::run(cmd, &settings.state_dir()) {
            Ok(code) => code,
            Err(message) => trouble(&message),
        },
    }
}

fn trouble(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    Exit::Trouble.into()
}

/// Whether to colour output: a terminal, and NO_COLOR unset or empty.
fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn check(args: CheckArgs, settings: &Settings) -> Exit {
    let mut reports = Vec::new();
    let mut forecasts: Vec<Option<Forecast>> = Vec::new();
    let mut trouble = false;
    let runtime = (!args.offline).then(runtime).transpose();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Trouble;
        }
    };
    for path in &args.plans {
        let mut loaded = match crate::plan::load(path) {
            Ok(loaded) => loaded,
            Err(error) => {
                trouble = true;
                let name = path.display().to_string();
                let diagnostic =
                    Diagnostic::new(Code::PlanUnreadable, format!("cannot read {name}: {error}"))
                        .help("check the path and that you may read the file");
                reports.push(FileReport { file: SourceFile::new(name, ""), diagnostics: vec![diagnostic] });
                forecasts.push(None);
                continue;
            }
        };
        let mut forecast = None;
        if let (Some(runtime), Some(plan)) = (&runtime, &loaded.plan) {
            match runtime.block_on(site_checks(plan, settings)) {
                Ok((findings, f)) => {
                    trouble |= findings.iter().any(|d| d.code == Code::SiteUnreachable);
                    loaded.diagnostics.extend(findings);
                    forecast = f;
                }
                Err(message) => {
                    eprintln!("error: {}: {message}", loaded.file.name());
                    trouble = true;
                }
            }
        }
        reports.push(FileReport { file: loaded.file, diagnostics: loaded.diagnostics });
        forecasts.push(forecast);
    }
    let (errors, warnings) = render::totals(&reports);
    let output = match args.format {
        Format::Human => {
            let mut text = render::human(&reports, use_color());
            for (report, forecast) in reports.iter().zip(&forecasts) {
                if let Some(forecast) = forecast {
                    text.push_str(&format!("{}\n{}\n", report.file.name(), forecast.to_text()));
                }
            }
            text.push_str(&status_line(errors, warnings, reports.len()));
            text
        }
        Format::Json => {
            let mut document = render::json(&reports);
            for (i, forecast) in forecasts.iter().enumerate() {
                if let Some(forecast) = forecast {
                    document["plans"][i]["forecast"] = forecast.to_json();
                }
            }
            let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Github => render::github(&reports),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(output.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return Exit::Trouble;
    }
    if trouble {
        Exit::Trouble
    } else if errors > 0 || (args.strict && warnings > 0) {
        Exit::Errors
    } else {
        Exit::Success
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Looks at both sites: the findings of every check, and the forecast when the sites could be read.
async fn site_checks(
    plan: &Plan,
    settings: &Settings,
) -> Result<(Vec<Diagnostic>, Option<Forecast>), String> {
    let sites = PlanSites::connect(plan, settings, ClientOptions::default()).await?;
    let result = match crate::inventory::read(plan, &sites).await {
        Ok(inventory) => {
            let findings = crate::checks::run(plan, &inventory);
            let forecast = (inventory.source.usable() && inventory.destination.usable())
                .then(|| Forecast::new(plan, &inventory));
            (findings, forecast)
        }
        Err(unreachable) => (vec![unreachable], None),
    };
    sites.close().await?;
    Ok(result)
}

fn status_line(errors: usize, warnings: usize, plans: usize) -> String {
    let plans = render::plural(plans, "plan");
    match (errors, warnings) {
        (0, 0) => format!("success: {plans} checked, no problems\n"),
        (0, w) => format!("warnings: {plans} checked, {}\n", render::plural(w, "warning")),
        (e, w) => format!(
            "errors: {plans} checked, {}, {}\n",
            render::plural(e, "error"),
            render::plural(w, "warning")
        ),
    }
}
