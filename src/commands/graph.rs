//! `confcopy graph PLAN`: the static execution graph of a plan, as a text tree or Graphviz `dot`.
//! Reads both sites; writes nothing.

use std::path::PathBuf;

use crate::client::ClientOptions;
use crate::diagnostic::render::{self, FileReport};
use crate::exit::Exit;
use crate::settings::Settings;

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Print Graphviz `dot` instead of the text tree.
    #[arg(long)]
    pub dot: bool,
}

pub fn run(args: GraphArgs, settings: &Settings) -> Result<Exit, CommandError> {
    let Some((plan, report)) = super::valid_plan(&args.plan)? else {
        return Ok(Exit::Errors);
    };
    let runtime = super::runtime()?;
    let work = tempfile::tempdir().map_err(CommandError::WorkFolder)?;
    runtime.block_on(async {
        let previous = super::state::previous_runs(settings, &plan);
        let prepared = crate::apply::prepare(
            &plan,
            settings,
            ClientOptions::default(),
            work.path(),
            previous.as_ref(),
            None,
        )
        .await?;
        let exit = match (&prepared.outline, &prepared.snapshot) {
            (Some(_), Some(stowed)) => {
                // The whole graph at once: every space's content back in memory.
                let snapshot = &stowed.loaded().map_err(crate::apply::ApplyError::from)?;
                let graph = &crate::graph::Graph::build(&plan, &prepared.inventory, snapshot)
                    .map_err(crate::apply::ApplyError::from)?;
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
                // The checks' findings, on the plan's text as it was read.
                let report = FileReport { file: report.file, diagnostics: prepared.findings.clone() };
                print!("{}", render::human(std::slice::from_ref(&report), super::use_color()));
                println!("no graph: the checks found errors");
                Exit::Errors
            }
        };
        let _ = prepared.sites.close().await;
        Ok(exit)
    })
}
