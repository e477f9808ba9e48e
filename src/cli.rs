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
    Check(CheckArgs),
    /// Copy what the plan names: checks first, then the graph, then reports. Exit 0 Complete,
    /// 1 blocked or Failed, 2 trouble, 3 Incomplete.
    Apply(ApplyArgs),
    /// Print the static execution graph of a plan (reads both sites; writes nothing).
    Graph(GraphArgs),
    /// Compare source and destination for everything the plan copied; exit 0 when they match.
    Verify(crate::verify::VerifyArgs),
    /// A dashboard of every plan of the state directory: status, progress, expiry.
    Status {
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Details of one plan: sites, summary, and the progress of its users, groups and spaces.
    Show {
        /// The plan's name (its `name` key).
        name: String,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Remove a plan's lock left by an apply that is gone.
    Unlock {
        /// The plan's name (its `name` key).
        name: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Print the JSON Schema of the plan format.
    Schema,
    /// Write a starter plan for a source site's spaces (asks the site, or takes --spaces).
    Init(crate::init::InitArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of confcopy, or write one page per command into a folder.
    Man {
        /// Write confcopy.1 and a page per command (confcopy-apply.1, …) into this folder.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
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

#[derive(Debug, Args)]
struct ApplyArgs {
    /// The plan file to apply.
    #[arg(value_name = "PLAN")]
    plan: PathBuf,
    /// Where to write users.csv, groups.csv, spaces.csv and summary.json
    /// [default: a folder per run under the state directory].
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
    /// Never draw progress bars (they are drawn only on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
}

#[derive(Debug, Args)]
struct GraphArgs {
    #[arg(value_name = "PLAN")]
    plan: PathBuf,
    /// Print Graphviz `dot` instead of the text tree.
    #[arg(long)]
    dot: bool,
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
    let flags = Flags {
        state_dir: cli.state_dir.clone(),
        state: cli.state.clone(),
        log_format: cli.log_format,
        max_retry_wait: cli.max_retry_wait,
    };
    let settings = match Settings::load(cli.config.as_deref(), &flags) {
        Ok(settings) => settings,
        Err(error) => return trouble(&error.to_string()),
    };
    crate::logging::init(settings.log_format);
    let quiet = cli.quiet;
    match cli.command {
        Command::Check(args) => check(args, &settings, quiet).into(),
        Command::Apply(args) => apply(args, &settings, quiet).into(),
        Command::Graph(args) => graph(args, &settings).into(),
        Command::Verify(args) => crate::verify::run(args, &settings).into(),
        Command::Status { format } => status(&settings, format).into(),
        Command::Show { name, format } => show(&settings, &name, format).into(),
        Command::Unlock { name, yes } => unlock(&settings, &name, yes).into(),
        Command::Schema => {
            print!("{}", crate::plan::schema::schema_text());
            Exit::Success.into()
        }
        Command::Init(args) => crate::init::run(args, &settings).into(),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "confcopy", &mut std::io::stdout());
            Exit::Success.into()
        }
        Command::Man { out_dir } => man(out_dir.as_deref()).into(),
        Command::Sandbox(cmd) => match crate::sandbox::command::run(cmd, &settings.state_dir()) {
            Ok(code) => code,
            Err(message) => trouble(&message),
        },
    }
}

/// The man page: `confcopy.1` on standard output, or every command's page written into `dir`.
fn man(dir: Option<&std::path::Path>) -> Exit {
    let command = <Cli as clap::CommandFactory>::command();
    let written = match dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(command, dir))
            .map(|()| println!("man pages written to {}", dir.display())),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .and_then(|()| std::io::stdout().lock().write_all(&page))
        }
    };
    match written {
        Ok(()) => Exit::Success,
        Err(error) => {
            eprintln!("error: cannot write the man page: {error}");
            Exit::Trouble
        }
    }
}

fn trouble(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    Exit::Trouble.into()
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether to colour output: a terminal, and NO_COLOR unset or empty.
fn use_color() -> bool {
    std::io::stdout().is_terminal() && !no_color()
}

/// Whether to colour log lines on stderr.
pub fn color_on_stderr() -> bool {
    std::io::stderr().is_terminal() && !no_color()
}

/// Loads one plan for a command that needs it valid; prints its findings when it is not.
fn valid_plan(path: &std::path::Path) -> Result<(Plan, FileReport), Exit> {
    let loaded = match crate::plan::load(path) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            return Err(Exit::Trouble);
        }
    };
    let report = FileReport { file: loaded.file, diagnostics: loaded.diagnostics };
    match loaded.plan {
        Some(plan) => Ok((plan, report)),
        None => {
            print!("{}", render::human(std::slice::from_ref(&report), use_color()));
            let (errors, warnings) = render::totals(std::slice::from_ref(&report));
            print!("{}", status_line(errors, warnings, 1));
            Err(Exit::Errors)
        }
    }
}

/// With `--quiet`, only the errors of a report are shown.
fn shown(report: &FileReport, quiet: bool) -> FileReport {
    let diagnostics = report.diagnostics.iter().filter(|d| !quiet || d.is_error()).cloned().collect();
    FileReport { file: report.file.clone(), diagnostics }
}

fn apply(args: ApplyArgs, settings: &Settings, quiet: bool) -> Exit {
    let (plan, mut report) = match valid_plan(&args.plan) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Trouble;
        }
    };
    let plan_bytes = std::fs::read(&args.plan).unwrap_or_default();
    let mut session = match crate::session::Session::begin(
        &plan,
        &plan_bytes,
        &settings.state_location(),
        settings.state_lease(),
    ) {
        Ok(session) => session,
        Err(crate::session::SessionError::Incompatible(conflict)) => {
            let diagnostic = Diagnostic::new(Code::PlanStateConflict, conflict.to_string())
                .label(plan.destination.span.clone(), "the plan's earlier runs copied with other settings")
                .help(
                    "restore the plan as it was, or give the changed plan a new `name` to start a new record",
                );
            report.diagnostics.push(diagnostic);
            print!("{}", render::human(std::slice::from_ref(&report), use_color()));
            return Exit::Errors;
        }
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Trouble;
        }
    };
    let run_dir = match session.run_dir() {
        Ok(dir) => dir,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Trouble;
        }
    };
    let report_dir = args.report_dir.clone().unwrap_or_else(|| run_dir.clone());
    // A --report-dir is recorded as an absolute path, so `show` finds it from anywhere.
    let report_dir_named =
        args.report_dir.as_ref().map(|dir| std::path::absolute(dir).unwrap_or_else(|_| dir.clone()));
    let work_dir = run_dir.join("work");
    if let Err(error) = std::fs::create_dir_all(&work_dir) {
        eprintln!("error: cannot create {}: {error}", work_dir.display());
        return Exit::Trouble;
    }
    let exit = runtime.block_on(async {
        let prepared = match crate::apply::prepare(
            &plan,
            settings,
            ClientOptions::default(),
            &work_dir,
            Some(session.previous()),
            Some(session.trust()),
        )
        .await
        {
            Ok(prepared) => prepared,
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::Trouble;
            }
        };
        if let Some(account) = prepared.inventory.source.account()
            && let Err(message) = session.note_account(&account)
        {
            eprintln!("warning: the plan's record was not updated: {message}");
        }
        report.diagnostics.extend(prepared.findings.clone());
        let (errors, warnings) = render::totals(std::slice::from_ref(&report));
        let visible = shown(&report, quiet);
        if !visible.diagnostics.is_empty() {
            print!("{}", render::human(std::slice::from_ref(&visible), use_color()));
        }
        if prepared.graph.is_none() {
            let unreachable = report.diagnostics.iter().any(|d| d.code == Code::SiteUnreachable);
            println!(
                "apply refused: {} must be fixed first ({}); nothing was written",
                render::plural(errors, "error"),
                render::plural(warnings, "warning")
            );
            let _ = prepared.sites.close().await;
            return if unreachable { Exit::Trouble } else { Exit::Errors };
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
            &plan,
            &prepared,
            crate::run::Mode::Apply,
            &work_dir,
            Some(&report_dir),
            bars,
            recorder,
        )
        .await;
        if let Err(message) = prepared.sites.close().await {
            eprintln!("warning: {message}");
        }
        match applied {
            Ok(applied) => {
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
                    let mut line =
                        format!("{}: {}; reports: {reports}", plan.name.value, summary_line(&applied));
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
                applied.status.exit()
            }
            Err(message) => {
                eprintln!("error: {message}");
                Exit::Trouble
            }
        }
    });
    let _ = std::fs::remove_dir_all(&work_dir);
    if let Err(message) = session.close() {
        eprintln!(
            "warning: the plan's lock in the state store was not released ({message}); it lapses by itself"
        );
    }
    exit
}

/// The state `status` and `show` read: the local state directory, or with remote state a private
/// mirror of the store's records (and of `plan`'s reports), kept alive by the returned guard.
fn open_state_for(
    settings: &Settings,
    plan: Option<&str>,
) -> Result<(crate::state::StateDir, crate::state::Registry, Option<tempfile::TempDir>), Exit> {
    let crate::settings::StateLocation::Remote(url) = settings.state_location() else {
        let (state, registry) = open_state(settings)?;
        return Ok((state, registry, None));
    };
    let fail = |message: String| {
        eprintln!("error: {message}");
        Exit::Trouble
    };
    let remote = crate::state::remote::RemoteState::open_blocking(
        &url,
        crate::state::remote::RemoteOptions::from_env(),
    )
    .map_err(|e| fail(e.to_string()))?
    .blocking();
    let mirror = tempfile::Builder::new()
        .prefix("confcopy-state-")
        .tempdir()
        .map_err(|e| fail(format!("cannot make a local mirror of the state: {e}")))?;
    let clock = crate::state::SystemClock;
    let state = match plan {
        Some(name) => crate::state::remote::view::plan(&remote, mirror.path(), name, &clock),
        None => crate::state::remote::view::records(&remote, mirror.path(), &clock),
    }
    .map_err(fail)?;
    let registry = crate::state::Registry::new(&state);
    Ok((state, registry, Some(mirror)))
}

fn open_state(settings: &Settings) -> Result<(crate::state::StateDir, crate::state::Registry), Exit> {
    match crate::state::StateDir::open(settings.state_dir()) {
        Ok(state) => {
            let registry = crate::state::Registry::new(&state);
            if let Err(error) = registry.expire(&crate::state::SystemClock) {
                eprintln!("warning: expiring old plans failed: {error}");
            }
            Ok((state, registry))
        }
        Err(error) => {
            eprintln!("error: {error}");
            Err(Exit::Trouble)
        }
    }
}

fn status(settings: &Settings, format: Format) -> Exit {
    use crate::state::Clock;
    let (_, registry, _mirror) = match open_state_for(settings, None) {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    let clock = crate::state::SystemClock;
    match registry.list(&clock) {
        Ok(plans) => {
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&crate::state::status_json(&plans, clock.now()))
                        .unwrap_or_default()
                ),
                _ => print!("{}", crate::state::status_table(&plans, clock.now())),
            }
            Exit::Success
        }
        Err(error) => {
            eprintln!("error: {error}");
            Exit::Trouble
        }
    }
}

fn show(settings: &Settings, name: &str, format: Format) -> Exit {
    use crate::state::Clock;
    let (_, registry, _mirror) = match open_state_for(settings, Some(name)) {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    let clock = crate::state::SystemClock;
    match registry.show(name, &clock) {
        Ok(details) => {
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&crate::state::show_json(&details, clock.now()))
                        .unwrap_or_default()
                ),
                _ => print!("{}", crate::state::show_text(&details, clock.now())),
            }
            Exit::Success
        }
        Err(error @ (crate::state::ShowError::NotFound { .. } | crate::state::ShowError::Expired { .. })) => {
            eprintln!("error: {error}");
            Exit::Errors
        }
        Err(error) => {
            eprintln!("error: {error}");
            Exit::Trouble
        }
    }
}

fn unlock(settings: &Settings, name: &str, yes: bool) -> Exit {
    if let crate::settings::StateLocation::Remote(url) = settings.state_location() {
        return unlock_remote(&url, name, yes);
    }
    let (state, _) = match open_state(settings) {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    let plan = match state.existing_plan(name) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Errors;
        }
    };
    let holder = match crate::state::lock_status(&plan) {
        Ok(crate::state::LockStatus::Free) => {
            println!("plan \"{name}\" is not locked");
            return Exit::Success;
        }
        Ok(crate::state::LockStatus::Held(record)) => {
            let who = record.map_or("a running process".to_string(), |r| {
                format!("{} on {} (pid {}) since {}", r.user, r.host, r.pid, r.since)
            });
            eprintln!("error: plan \"{name}\" is locked by {who}, which is still running; stop it first");
            return Exit::Errors;
        }
        Ok(crate::state::LockStatus::Stale(stale)) => stale.record,
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Trouble;
        }
    };
    println!(
        "plan \"{name}\" was locked by {} on {} (pid {}, {}) for {} since {}",
        holder.user,
        holder.host,
        holder.pid,
        if holder.holder_is_dead() { "no longer running" } else { "state unknown" },
        holder.operation,
        holder.since
    );
    if let Err(exit) = confirm_unlock(yes) {
        return exit;
    }
    match crate::state::force_unlock(&plan) {
        Ok(_) => {
            println!("lock removed; the next apply continues where the last one stopped");
            Exit::Success
        }
        Err(error) => {
            eprintln!("error: {error}");
            Exit::Trouble
        }
    }
}

/// Asks before a lock is removed, unless `--yes` said so already.
fn confirm_unlock(yes: bool) -> Result<(), Exit> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        eprintln!("error: confirm with --yes (no terminal to ask on)");
        return Err(Exit::Errors);
    }
    eprint!("remove the lock? [y/N] ");
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        println!("lock kept");
        return Err(Exit::Errors);
    }
    Ok(())
}

/// `unlock` of a plan whose state is in a store: shows the lease's holder, asks, deletes it.
fn unlock_remote(url: &str, name: &str, yes: bool) -> Exit {
    use crate::state::remote::RemoteLockStatus;
    let remote = match crate::state::remote::RemoteState::open_blocking(
        url,
        crate::state::remote::RemoteOptions::from_env(),
    ) {
        Ok(remote) => remote.blocking(),
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Trouble;
        }
    };
    let holder = match remote.lock_status(name) {
        Ok(RemoteLockStatus::Free) => {
            println!("plan \"{name}\" is not locked");
            return Exit::Success;
        }
        Ok(RemoteLockStatus::Held(record)) => format!(
            "plan \"{name}\" is locked by {} on {} (pid {}) for {} since {}; its lease is being renewed, so it is \
             probably still running",
            record.user, record.host, record.pid, record.operation, record.since
        ),
        Ok(RemoteLockStatus::Lapsed(record)) => format!(
            "plan \"{name}\" was locked by {} on {} (pid {}) for {} since {}; its lease lapsed (the next apply \
             would take it over)",
            record.user, record.host, record.pid, record.operation, record.since
        ),
        Ok(RemoteLockStatus::Unreadable) => format!("plan \"{name}\" has a lock this confcopy cannot read"),
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Trouble;
        }
    };
    println!("{holder}");
    if let Err(exit) = confirm_unlock(yes) {
        return exit;
    }
    match remote.force_unlock(name) {
        Ok(_) => {
            println!("lock removed; a run that still holds it stops writing at its next journal sync");
            Exit::Success
        }
        Err(error) => {
            eprintln!("error: {error}");
            Exit::Trouble
        }
    }
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
    let failed_users =
        applied.rows.users.iter().filter(|u| u.status == "failed" || u.status == "not-copied").count();
    format!(
        "{}: {} spaces; pages {}/{} copied, blog posts {}/{}, attachments {}/{}, comments {}/{} ({} skipped, {} failed); {} users ({} failed), {} groups",
        applied.status.as_str(),
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

fn graph(args: GraphArgs, settings: &Settings) -> Exit {
    let (plan, _) = match valid_plan(&args.plan) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::Trouble;
        }
    };
    let work = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("error: cannot create a work folder: {error}");
            return Exit::Trouble;
        }
    };
    runtime.block_on(async {
        let prepared = match crate::apply::prepare(
            &plan,
            settings,
            ClientOptions::default(),
            work.path(),
            previous_runs(settings, &plan).as_ref(),
            None,
        )
        .await
        {
            Ok(prepared) => prepared,
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::Trouble;
            }
        };
        let exit = match (&prepared.graph, &prepared.snapshot) {
            (Some(graph), Some(snapshot)) => {
                print!(
                    "{}",
                    if args.dot {
                        crate::graph::dot(graph, snapshot)
                    } else {
                        crate::graph::text(graph, snapshot)
                    }
                );
                Exit::Success
            }
            _ => {
                let report = FileReport {
                    file: SourceFile::new(
                        args.plan.display().to_string(),
                        std::fs::read_to_string(&args.plan).unwrap_or_default(),
                    ),
                    diagnostics: prepared.findings.clone(),
                };
                print!("{}", render::human(std::slice::from_ref(&report), use_color()));
                println!("no graph: the checks found errors");
                Exit::Errors
            }
        };
        let _ = prepared.sites.close().await;
        exit
    })
}

fn check(args: CheckArgs, settings: &Settings, quiet: bool) -> Exit {
    let mut reports = Vec::new();
    let mut forecasts: Vec<Option<Forecast>> = Vec::new();
    let mut dry_runs: Vec<Option<DryRun>> = Vec::new();
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
                Err(message) => {
                    eprintln!("error: {}: {message}", loaded.file.name());
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
            let visible: Vec<FileReport> = reports.iter().map(|r| shown(r, quiet)).collect();
            let mut text = render::human(&visible, use_color());
            for ((report, forecast), dry_run) in reports.iter().zip(&forecasts).zip(&dry_runs) {
                if let Some(forecast) = forecast.as_ref().filter(|_| !quiet) {
                    text.push_str(&format!("{}\n{}", report.file.name(), forecast.to_text()));
                    if let Some(dry_run) = dry_run {
                        text.push_str(&dry_run.line());
                    }
                    text.push('\n');
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
/// What earlier applies of this plan recorded, read without taking the plan's lock.
fn previous_runs(settings: &Settings, plan: &Plan) -> Option<crate::state::JournalState> {
    let plan_dir = settings.state_dir().join("plans").join(&plan.name.value);
    if !plan_dir.join("journal.jsonl").exists() {
        return None;
    }
    let state = crate::state::StateDir::open(settings.state_dir()).ok()?;
    let plan_dir = state.existing_plan(&plan.name.value).ok()?;
    crate::state::Journal::replay(&plan_dir).ok()
}

/// What a dry-run walk of the execution graph decided, node by node.
#[derive(Debug, Default)]
struct DryRun {
    nodes: usize,
    tally: crate::report::Tally,
}

/// Looks at both sites: the findings of every check, the forecast, and — when no error blocks
/// the copy — a dry-run walk of the same execution graph apply would walk.
async fn site_checks(
    plan: &Plan,
    settings: &Settings,
) -> Result<(Vec<Diagnostic>, Option<Forecast>, Option<DryRun>), String> {
    let work = tempfile::tempdir().map_err(|e| format!("cannot create a work folder: {e}"))?;
    let previous = previous_runs(settings, plan);
    let prepared =
        crate::apply::prepare(plan, settings, ClientOptions::default(), work.path(), previous.as_ref(), None)
            .await?;
    let inventory = &prepared.inventory;
    let forecast =
        (inventory.source.usable() && inventory.destination.usable()).then(|| Forecast::new(plan, inventory));
    let mut dry_run = None;
    if prepared.graph.is_some() {
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
        let mut tally = crate::report::Tally::default();
        for outcome in &walked.outcomes {
            tally.add(outcome);
        }
        dry_run = Some(DryRun { nodes: walked.outcomes.len(), tally });
    }
    let findings = prepared.findings.clone();
    prepared.sites.close().await?;
    Ok((findings, forecast, dry_run))
}

impl DryRun {
    fn line(&self) -> String {
        format!(
            "dry-run: walked {} nodes of the execution graph: {} would be copied, {} already present or skipped, {} would fail\n",
            self.nodes, self.tally.copied, self.tally.skipped, self.tally.failed
        )
    }
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
