//! One JSON document for programs: counts, then every diagnostic with file ranges.

use serde_json::{Value, json};

use super::{FileReport, totals};
use crate::diagnostic::{Diagnostic, SourceFile};

/// The document for a set of plan files. Callers may add fields (a forecast, say).
pub fn json(reports: &[FileReport]) -> Value {
    let (errors, warnings) = totals(reports);
    let plans: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({
                "file": r.file.name(),
                "valid": !r.diagnostics.iter().any(Diagnostic::is_error),
            })
        })
        .collect();
    let diagnostics: Vec<Value> =
        reports.iter().flat_map(|r| r.diagnostics.iter().map(move |d| diagnostic_json(&r.file, d))).collect();
    json!({
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": warnings,
        "plans": plans,
        "diagnostics": diagnostics,
    })
}

/// One diagnostic: code, severity, message, help, file, and the primary range at top level.
pub fn diagnostic_json(file: &SourceFile, diagnostic: &Diagnostic) -> Value {
    let labels: Vec<Value> = diagnostic
        .labels
        .iter()
        .map(|label| {
            let (start, end) = file.range(&label.span);
            json!({
                "message": label.message,
                "line": start.line,
                "column": start.column,
                "end_line": end.line,
                "end_column": end.column,
            })
        })
        .collect();
    let mut value = json!({
        "code": diagnostic.code.as_str(),
        "severity": diagnostic.severity.as_str(),
        "message": diagnostic.message,
        "help": diagnostic.help,
        "file": file.name(),
        "labels": labels,
    });
    if let Some(span) = diagnostic.primary_span() {
        let (start, end) = file.range(span);
        value["line"] = start.line.into();
        value["column"] = start.column.into();
        value["end_line"] = end.line.into();
        value["end_column"] = end.column.into();
    }
    value
}
