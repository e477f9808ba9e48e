//! Counts by status from a run's report files (`users.csv`, `groups.csv`, `spaces.csv`),
//! which the apply writes in the run's folder with a `status` column.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::error::StateError;

/// The report counts of one run; a report not (yet) written is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RunReports {
    pub users: Option<ReportCounts>,
    pub groups: Option<ReportCounts>,
    pub spaces: Option<ReportCounts>,
}

/// One report's rows counted by their `status` value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ReportCounts {
    pub rows: u64,
    pub by_status: BTreeMap<String, u64>,
}

impl RunReports {
    /// Reads the reports in `run_dir`; `None` when the folder does not exist.
    pub fn read(run_dir: &Path) -> Result<Option<RunReports>, StateError> {
        if !run_dir.is_dir() {
            return Ok(None);
        }
        Ok(Some(RunReports {
            users: ReportCounts::read(&run_dir.join("users.csv"))?,
            groups: ReportCounts::read(&run_dir.join("groups.csv"))?,
            spaces: ReportCounts::read(&run_dir.join("spaces.csv"))?,
        }))
    }
}

impl ReportCounts {
    /// Counts a CSV report's rows by the column named `status` (any case); `None` when the
    /// file does not exist.
    pub fn read(path: &Path) -> Result<Option<ReportCounts>, StateError> {
        let mut reader = match csv::Reader::from_path(path) {
            Ok(reader) => reader,
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                _ => return Err(StateError::corrupt(path, e)),
            },
        };
        let headers = reader.headers().map_err(|e| StateError::corrupt(path, e))?.clone();
        let column = headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case("status"))
            .ok_or_else(|| StateError::corrupt(path, "the report has no \"status\" column"))?;
        let mut counts = ReportCounts::default();
        for row in reader.records() {
            let row = row.map_err(|e| StateError::corrupt(path, e))?;
            let status = row.get(column).unwrap_or("").trim();
            let status = if status.is_empty() { "(none)" } else { status };
            counts.rows += 1;
            *counts.by_status.entry(status.to_string()).or_default() += 1;
        }
        Ok(Some(counts))
    }
}
