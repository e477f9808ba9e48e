//! Splicing: a body is copied as written, except for the byte ranges an [`Edit`] replaces.

/// Replace `start..end` of the source by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Applies non-overlapping `edits` (any order) to `source`.
pub fn apply(source: &str, edits: &mut [Edit]) -> String {
    edits.sort_by_key(|e| (e.start, e.end));
    let grow: usize = edits.iter().map(|e| e.text.len()).sum();
    let mut out = String::with_capacity(source.len() + grow);
    let mut position = 0;
    for edit in edits.iter() {
        if edit.start < position {
            continue; // overlapping edit: the first one wins (never produced by the walk)
        }
        out.push_str(&source[position..edit.start]);
        out.push_str(&edit.text);
        position = edit.end;
    }
    out.push_str(&source[position..]);
    out
}
