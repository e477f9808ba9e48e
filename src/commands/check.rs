//! `confcopy check PLAN…`: each plan's format, and (without `--offline`) both sites — every
//! pre-copy check, the forecast, and a dry-run walk of the graph apply would walk. Writes nothing.

use std::io::Write;
use std::path::PathBuf;

use crate::checks::Forecast;
use crate::client::ClientOptions;
use crate::diagnostic::render::{self, FileReport, Format};
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::exit::Exit;
use crate::plan::Plan;
use crate::settings::Settings;

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Plan files to check.
    #[arg(required = true, value_name = "PLAN")]
    pub plans: Vec<PathBuf>,
    /// Check only the plan files, without contacting any site.
    #[arg(long)]
    pub offline: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Treat warnings as errors (exit 1).
    #[arg(long)]
    pub strict: bool,
}

pub fn run(args: CheckArgs, settings: &Settings, quiet: bool) -> Result<Exit, CommandError> {
    let mut reports = Vec::new();
    let mut forecasts: Vec<Option<Forecast>> = Vec::new();
    let mut dry_runs: Vec<Option<DryRun>> = Vec::new();
    let mut trouble = false;
    let runtime = (!args.offline).then(super::runtime).transpose()?;
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
                dry_runs.push(None);
                continue;
            }
        };
        let mut forecast = None;
        let mut dry_run = None;
        if let (Some(runtime), Some(plan)) = (&runtime, &loaded.plan) {
            match runtime.block_on(site_checks(plan, settings)) {
                Ok((findings, f, walked)) => {
                    trouble |= findings.iter().any(|d| d.code == Code::SiteUnreachable);
                    loaded.diagnostics.extend(findings);
                    forecast = f;
                    dry_run = walked;
                }
                Err(error) => {
                    // The other plans are still checked; this one's trouble is said now.
                    let file = loaded.file.name().to_string();
                    super::error::report(&CommandError::SiteChecks { file, error: Box::new(error) });
                    trouble = true;
                }
            }
        }
        reports.push(FileReport { file: loaded.file, diagnostics: loaded.diagnostics });
        forecasts.push(forecast);
        dry_runs.push(dry_run);
    }
    let (errors, warnings) = render::totals(&reports);
    let output = match args.format {
        Format::Human => {
            let visible: Vec<FileReport> = reports.iter().map(|r| super::shown(r, quiet)).collect();
            let mut text = render::human(&visible, super::use_color());
            for ((report, forecast), dry_run) in reports.iter().zip(&forecasts).zip(&dry_runs) {
                if let Some(forecast) = forecast.as_ref().filter(|_| !quiet) {
                    text.push_str(&format!("{}\n{}", report.file.name(), forecast.to_text()));
                    if let Some(dry_run) = dry_run {
                        text.push_str(&dry_run.line());
                    }
                    text.push('\n');
                }
            }
            text.push_str(&super::status_line(errors, warnings, reports.len()));
            text
        }
        Format::Json => {
            let mut document = render::json(&reports);
            for (i, forecast) in forecasts.iter().enumerate() {
                if let Some(forecast) = forecast {
                    document["plans"][i]["forecast"] = forecast.to_json();
                }
                if let Some(Some(dry_run)) = dry_runs.get(i) {
                    document["plans"][i]["dry_run"] = serde_json::json!({
                        "nodes": dry_run.nodes,
                        "copied": dry_run.tally.copied,
                        "skipped": dry_run.tally.skipped,
                        "failed": dry_run.tally.failed,
                    });
                }
            }
            let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Github => render::github(&reports),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(output.as_bytes()).and_then(|()| stdout.flush()).map_err(CommandError::Stdout)?;
    Ok(if trouble {
        Exit::Trouble
    } else if errors > 0 || (args.strict && warnings > 0) {
        Exit::Errors
    } else {
        Exit::Success
    })
}

/// What a dry-run walk of the execution graph decided, node by node.
#[derive(Debug, Default)]
struct DryRun {
    nodes: usize,
    tally: crate::report::Tally,
}

impl DryRun {
    fn line(&self) -> String {
        format!(
            "dry-run: walked {} nodes of the execution graph: {} would be copied, {} already present or skipped, {} would fail\n",
            self.nodes, self.tally.copied, self.tally.skipped, self.tally.failed
        )
    }
}

/// Looks at both sites: the findings of every check, the forecast, and — when no error blocks
/// the copy — a dry-run walk of the same execution graph apply would walk.
async fn site_checks(
    plan: &Plan,
    settings: &Settings,
) -> Result<(Vec<Diagnostic>, Option<Forecast>, Option<DryRun>), CommandError> {
    let work = tempfile::tempdir().map_err(CommandError::WorkFolder)?;
    let previous = super::state::previous_runs(settings, plan);
    let prepared =
        crate::apply::prepare(plan, settings, ClientOptions::default(), work.path(), previous.as_ref(), None)
            .await?;
    let inventory = &prepared.inventory;
    let forecast =
        (inventory.source.usable() && inventory.destination.usable()).then(|| Forecast::new(plan, inventory));
    let mut dry_run = None;
    if prepared.outline.is_some() {
        let walked = crate::apply::walk(
            plan,
            &prepared,
            crate::run::Mode::DryRun,
            work.path(),
            None,
            false,
            crate::run::Recorder::none(),
        )
        .await?;
        dry_run = Some(DryRun { nodes: walked.tally.total as usize, tally: walked.tally });
    }
    let findings = prepared.findings.clone();
    prepared.sites.close().await?;
    Ok((findings, forecast, dry_run))
}
