//! `verify.csv`: one row per difference (space, kind, item, expected, actual), written whole
//! to a private temporary file and renamed.

use std::path::{Path, PathBuf};

use super::difference::Difference;
use crate::plan::Plan;

/// Writes `dir/verify.csv`; the header alone when nothing differs.
pub fn write(dir: &Path, plan: &Plan, differences: &[Difference]) -> std::io::Result<PathBuf> {
    crate::report::create_private_dir_all(dir)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["space", "kind", "item", "expected", "actual"])?;
    for d in differences {
        let row = [d.space(plan), d.kind().to_string(), d.item.clone(), d.expected.clone(), d.actual.clone()];
        writer.write_record(row.iter().map(|cell| crate::report::safe(cell)))?;
    }
    let bytes = writer.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
    let path = dir.join("verify.csv");
    crate::report::write_private(&path, &bytes)?;
    Ok(path)
}
