//! `references.csv`: every reference found in a copied body that did not simply stay as it was —
//! rewritten for the destination, kept pointing at the source, or left unresolved, with why.

use std::path::{Path, PathBuf};

use super::cell::safe;
use super::write::write_private;

/// One row: where the reference is, what it was, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceRow {
    /// `KEY: Title` of the page or blog post (or `KEY: Title (comment N)`).
    pub page: String,
    pub kind: String,
    pub original: String,
    /// rewritten | kept-external | unresolved | pending
    pub outcome: String,
    pub replacement: String,
    pub reason: String,
}

pub fn write_references(dir: &Path, rows: &[ReferenceRow]) -> std::io::Result<PathBuf> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["page", "kind", "original", "outcome", "replacement", "reason"])?;
    for row in rows {
        writer.write_record(
            [&row.page, &row.kind, &row.original, &row.outcome, &row.replacement, &row.reason]
                .map(|c| safe(c)),
        )?;
    }
    let bytes = writer.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
    let path = dir.join("references.csv");
    write_private(&path, &bytes)?;
    Ok(path)
}
