//! Renderings of diagnostics: for people (miette), for programs (JSON), for CI review (GitHub).

mod github;
mod human;
mod json;

pub use github::github;
pub use human::human;
pub use json::{diagnostic_json, json};

use super::{Diagnostic, Severity, SourceFile};

/// The diagnostics of one plan file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Annotated snippets of the plan for people.
    Human,
    /// One JSON document for programs.
    Json,
    /// GitHub Actions workflow commands, shown as annotations on pull requests.
    Github,
}

/// Counts across reports: (errors, warnings).
pub fn totals(reports: &[FileReport]) -> (usize, usize) {
    reports.iter().fold((0, 0), |(errors, warnings), report| {
        (errors + report.count(Severity::Error), warnings + report.count(Severity::Warning))
    })
}

/// "1 error", "2 warnings".
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}
