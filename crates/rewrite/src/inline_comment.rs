//! Where an inline comment's marked text sits among its repeats in the page's plain text: the
//! inline-comment API anchors a thread by `textSelection`, `textSelectionMatchCount` and
//! `textSelectionMatchIndex`.

/// `(match_count, match_index)` of `text` marked at byte `offset` of `plain`. Occurrences are
/// counted without overlap, left to right, as the editor does; the index is that of the
/// occurrence starting at `offset` (or the number starting before it).
pub fn selection(plain: &str, text: &str, offset: usize) -> (usize, usize) {
    if text.is_empty() {
        return (0, 0);
    }
    let mut count = 0;
    let mut index = None;
    for (at, _) in plain.match_indices(text) {
        if index.is_none() && at >= offset {
            index = Some(count);
        }
        count += 1;
    }
    (count, index.unwrap_or(count.saturating_sub(1)))
}

/// Every inline comment marker segment of `body`, in body order, with the text it marks and
/// where that text sits among its repeats; the body itself is not changed. A body that cannot be
/// parsed has none.
pub fn anchors(body: &str) -> Vec<super::InlineMarker> {
    let lift = super::resolver::IdentityResolver { lift_markers: true };
    super::rewrite(body, &super::Context::default(), &lift).inline_markers
}
