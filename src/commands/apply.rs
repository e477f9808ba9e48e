//! `confcopy apply PLAN`: checks first, then the walk of the graph, then reports, inside a
//! session of the state directory (lock, record, journal). Exit 0 Complete, 1 blocked or Failed,
//! 2 trouble, 3 Incomplete.

use std::path::{Path, PathBuf};

use crate::client::ClientOptions;
use crate::diagnostic::render::{self, FileReport};
use crate::diagnostic::{Code, Diagnostic};
use crate::exit::Exit;
use crate::plan::Plan;
use crate::session::{Session, SessionError};
use crate::settings::Settings;

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The plan file to apply.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Where to write users.csv, groups.csv, spaces.csv and summary.json
    /// [default: a folder per run under the state directory].
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Never draw progress bars (they are drawn only on a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
}

pub fn run(args: ApplyArgs, settings: &Settings, quiet: bool) -> Result<Exit, CommandError> {
    let Some((plan, mut report)) = super::valid_plan(&args.plan)? else {
        return Ok(Exit::Errors);
    };
    let runtime = super::runtime()?;
    // The plan's bytes as they were read and checked (a valid plan is UTF-8 text, kept whole).
    let plan_bytes = report.file.text().as_bytes().to_vec();
    let mut session =
        match Session::begin(&plan, &plan_bytes, &settings.state_location(), settings.state_lease()) {
            Ok(session) => session,
            Err(SessionError::Incompatible(conflict)) => {
                let diagnostic = Diagnostic::new(Code::PlanStateConflict, conflict.to_string())
                .label(plan.destination.span.clone(), "the plan's earlier runs copied with other settings")
                .help(
                    "restore the plan as it was, or give the changed plan a new `name` to start a new record",
                );
                report.diagnostics.push(diagnostic);
                print!("{}", render::human(std::slice::from_ref(&report), super::use_color()));
                return Ok(Exit::Errors);
            }
            Err(error) => return Err(error.into()),
        };
    let run_dir = session.run_dir()?;
    let work_dir = run_dir.join("work");
    std::fs::create_dir_all(&work_dir)
        .map_err(|source| CommandError::CreateDir { path: work_dir.clone(), source })?;
    let outcome =
        runtime.block_on(copy(&args, &plan, report, settings, quiet, &mut session, &run_dir, &work_dir));
    let _ = std::fs::remove_dir_all(&work_dir);
    if let Err(message) = session.close() {
        let warning = format!(
            "warning: the plan's lock in the state store was not released ({message}); it lapses by itself"
        );
        match outcome {
            // The command's error is said first, as it happened first.
            Err(error) => return Err(CommandError::ThenWarning { error: Box::new(error), warning }),
            Ok(_) => eprintln!("{warning}"),
        }
    }
    outcome
}

/// The copy inside the session: prepare, refuse on errors, walk, record, and say how it ended.
#[allow(clippy::too_many_arguments)]
async fn copy(
    args: &ApplyArgs,
    plan: &Plan,
    mut report: FileReport,
    settings: &Settings,
    quiet: bool,
    session: &mut Session,
    run_dir: &Path,
    work_dir: &Path,
) -> Result<Exit, CommandError> {
    let report_dir = args.report_dir.clone().unwrap_or_else(|| run_dir.to_path_buf());
    // A --report-dir is recorded as an absolute path, so `show` finds it from anywhere.
    let report_dir_named =
        args.report_dir.as_ref().map(|dir| std::path::absolute(dir).unwrap_or_else(|_| dir.clone()));
    let prepared = crate::apply::prepare(
        plan,
        settings,
        ClientOptions::default(),
        work_dir,
        Some(session.previous()),
        Some(session.trust()),
    )
    .await?;
    if let Some(account) = prepared.inventory.source.account()
        && let Err(message) = session.note_account(&account)
    {
        eprintln!("warning: the plan's record was not updated: {message}");
    }
    report.diagnostics.extend(prepared.findings.clone());
    let (errors, warnings) = render::totals(std::slice::from_ref(&report));
    let visible = super::shown(&report, quiet);
    if !visible.diagnostics.is_empty() {
        print!("{}", render::human(std::slice::from_ref(&visible), super::use_color()));
    }
    if prepared.outline.is_none() {
        let unreachable = report.diagnostics.iter().any(|d| d.code == Code::SiteUnreachable);
        println!(
            "apply refused: {} must be fixed first ({}); nothing was written",
            render::plural(errors, "error"),
            render::plural(warnings, "warning")
        );
        let _ = prepared.sites.close().await;
        return Ok(if unreachable { Exit::Trouble } else { Exit::Errors });
    }
    if let Some(reconciled) = &prepared.reconciled
        && !quiet
    {
        println!(
            "{}: found {} item(s) earlier runs copied by their markers on the destination",
            reconciled.reason,
            reconciled.found.items.len()
        );
    }
    let bars = !args.no_progress && !quiet;
    let recorder = session.recorder(plan.source.value.identity());
    let applied = crate::apply::walk(
        plan,
        &prepared,
        crate::run::Mode::Apply,
        work_dir,
        Some(&report_dir),
        bars,
        recorder,
    )
    .await;
    if let Err(message) = prepared.sites.close().await {
        eprintln!("warning: {message}");
    }
    let applied = applied?;
    if let Err(message) = session.finish(
        &applied.recorder,
        applied.status,
        &applied.rows,
        &applied.report_files,
        report_dir_named.as_deref(),
    ) {
        eprintln!("warning: the plan's record was not updated: {message}");
    }
    let reports = match &args.report_dir {
        Some(dir) => dir.display().to_string(),
        None => session.reports_location(&report_dir),
    };
    if quiet {
        // One line for cron mail: the plan, how it ended, the counts, where to look.
        let mut line = format!("{}: {}; reports: {reports}", plan.name.value, summary_line(&applied));
        if let Some(reason) = &applied.stopped {
            line.push_str(&format!("; stopped early: {reason}"));
        }
        println!("{}", line.replace('\n', " "));
    } else {
        println!("{}", summary_line(&applied));
        if let Some(reason) = &applied.stopped {
            println!("stopped early: {reason}");
        }
        println!("reports: {reports}");
    }
    Ok(Exit::from(applied.status))
}

fn summary_line(applied: &crate::apply::Applied) -> String {
    let mut pages = crate::report::Tally::default();
    let mut attachments = crate::report::Tally::default();
    let mut comments = crate::report::Tally::default();
    let mut posts = crate::report::Tally::default();
    for space in &applied.rows.spaces {
        pages.merge(space.pages);
        posts.merge(space.blog_posts);
        attachments.merge(space.attachments);
        comments.merge(space.comments);
    }
    let failed_users = applied.rows.users.iter().filter(|u| u.status.is_failure()).count();
    format!(
        "{}: {} spaces; pages {}/{} copied, blog posts {}/{}, attachments {}/{}, comments {}/{} ({} skipped, {} failed); {} users ({} failed), {} groups",
        applied.status.label(),
        applied.rows.spaces.len(),
        pages.copied,
        pages.total,
        posts.copied,
        posts.total,
        attachments.copied,
        attachments.total,
        comments.copied,
        comments.total,
        pages.skipped + posts.skipped + attachments.skipped + comments.skipped,
        pages.failed + posts.failed + attachments.failed + comments.failed,
        applied.rows.users.len(),
        failed_users,
        applied.rows.groups.len(),
    )
}
