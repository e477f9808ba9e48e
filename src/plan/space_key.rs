//! What a Confluence space key may look like.

pub const MAX_LEN: usize = 255;

/// A personal space's key: `~` and the owner's user name or account id.
pub fn is_personal(key: &str) -> bool {
    key.starts_with('~')
}

/// Why `key` cannot be a space key, if it cannot.
pub fn problem(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("a space key cannot be empty".into());
    }
    if key.len() > MAX_LEN {
        return Some(format!("a space key has at most {MAX_LEN} characters"));
    }
    if let Some(owner) = key.strip_prefix('~') {
        let fine = !owner.is_empty()
            && owner.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@'));
        return (!fine).then(|| "a personal space key is `~` followed by a user name or account id".into());
    }
    if let Some(bad) = key.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Some(format!("space keys hold only letters A-Z and digits, not {bad:?}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(problem("MKT").is_none());
        assert!(problem("docs2").is_none());
        assert!(problem("~alice").is_none());
        assert!(problem("~557058:f1d2-aa").is_none());
        assert!(problem("MK T").is_some());
        assert!(problem("MKT-EU").is_some());
        assert!(problem("").is_some());
        assert!(problem("~").is_some());
        assert!(problem(&"A".repeat(256)).is_some());
    }
}
