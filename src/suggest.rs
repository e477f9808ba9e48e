//! "Did you mean": the closest known word to a misspelt one.

/// The candidate closest to `word`, when it is close enough to be a likely typo.
/// Comparison ignores case, '-' and '_' differences count as near.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_norm = normalise(word);
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&word_norm, &normalise(candidate));
        if score >= 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(candidate, _)| candidate)
}

fn normalise(word: &str) -> String {
    word.chars().map(|c| if c == '-' { '_' } else { c.to_ascii_lowercase() }).collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        assert_eq!(closest("destinaton", ["source", "destination"]), Some("destination"));
        assert_eq!(closest("memberships", ["membership", "scope"]), Some("membership"));
        assert_eq!(
            closest("include-group-members", ["include_group_members"]),
            Some("include_group_members")
        );
        assert_eq!(closest("zebra", ["source", "destination"]), None);
    }
}
