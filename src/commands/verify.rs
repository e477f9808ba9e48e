//! `confcopy verify PLAN`: loads the plan, reads both sites and compares them (`src/verify/`),
//! prints the differences and a summary line, and writes `verify.csv`. Exit 0 when nothing
//! differs, 1 when something does, 2 when verification could not run.

use std::path::{Path, PathBuf};

use crate::client::ClientOptions;
use crate::diagnostic::SourceFile;
use crate::diagnostic::render::{self, FileReport};
use crate::exit::Exit;
use crate::plan::Plan;
use crate::settings::Settings;
use crate::verify::{Compared, Difference, Trouble};

use super::CommandError;

/// How many differences are printed; all of them are in `verify.csv`.
const PRINTED: usize = 50;

/// Arguments of `confcopy verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The plan whose copy to verify.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Where to write verify.csv [default: a folder per verification under the state directory].
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
}

/// Runs the verification; exit 0 when source and destination match.
pub fn run(args: VerifyArgs, settings: &Settings) -> Result<Exit, CommandError> {
    let loaded = crate::plan::load(&args.plan)
        .map_err(|source| CommandError::PlanUnreadable { path: args.plan.clone(), source })?;
    let Some(plan) = loaded.plan else {
        let report = FileReport { file: loaded.file, diagnostics: loaded.diagnostics };
        print!("{}", render::human(std::slice::from_ref(&report), super::use_color()));
        println!("verify refused: the plan has errors");
        return Ok(Exit::Errors);
    };
    let runtime = super::runtime()?;
    let state_dir = settings.state_dir();
    crate::report::create_private_dir_all(&state_dir)
        .map_err(|source| CommandError::CreateDir { path: state_dir.clone(), source })?;
    let work = tempfile::Builder::new()
        .prefix("verify-")
        .tempdir_in(&state_dir)
        .map_err(|source| CommandError::WorkFolderIn { dir: state_dir.clone(), source })?;
    let report_dir = args.report_dir.clone().unwrap_or_else(|| default_report_dir(&state_dir, &plan));
    let read = runtime.block_on(async {
        let sites = crate::site::PlanSites::connect(&plan, settings, ClientOptions::default()).await?;
        let outcome = crate::verify::compare_sites(&plan, &sites, work.path()).await;
        if let Err(message) = sites.close().await {
            eprintln!("warning: {message}");
        }
        outcome
    });
    let (differences, compared) = match read {
        Ok(read) => read,
        Err(Trouble::Unreachable(diagnostic)) => {
            let report = FileReport { file: loaded.file, diagnostics: vec![diagnostic] };
            print!("{}", render::human(std::slice::from_ref(&report), super::use_color()));
            println!("verify could not run: a site cannot be read");
            return Ok(Exit::Trouble);
        }
        Err(error) => return Err(CommandError::Verify(error)),
    };
    print_differences(&plan, &loaded.file, &differences);
    let csv = crate::verify::write_csv(&report_dir, &plan, &differences)
        .map_err(|source| CommandError::VerifyCsv { dir: report_dir.clone(), source })?;
    println!("{}", summary_line(differences.len(), compared));
    println!("report: {}", csv.display());
    Ok(if differences.is_empty() { Exit::Success } else { Exit::Errors })
}

/// `<state>/plans/<plan>/verify/<UTC time>`.
fn default_report_dir(state_dir: &Path, plan: &Plan) -> PathBuf {
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    state_dir.join("plans").join(&plan.name.value).join("verify").join(stamp)
}

fn print_differences(plan: &Plan, file: &SourceFile, differences: &[Difference]) {
    if differences.is_empty() {
        return;
    }
    let diagnostics = differences.iter().take(PRINTED).map(|d| d.diagnostic(plan)).collect();
    let report = FileReport { file: file.clone(), diagnostics };
    print!("{}", render::human(std::slice::from_ref(&report), super::use_color()));
    if differences.len() > PRINTED {
        println!("… and {} more differences in verify.csv", differences.len() - PRINTED);
    }
}

fn summary_line(differences: usize, compared: Compared) -> String {
    let verdict = match differences {
        0 => "no differences".to_string(),
        n => render::plural(n, "difference"),
    };
    format!(
        "verify: {verdict}; compared {} spaces, {} pages and folders, {} blog posts, {} attachments, {} comments",
        compared.spaces, compared.pages, compared.blog_posts, compared.attachments, compared.comments
    )
}
