//! Plans are committed to version control, so a secret in one is a leak. This pass looks at
//! every key and string of the file, wherever it stands, and never repeats what it found.

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Code, Diagnostic};

const HELP: &str = "remove it from the plan and revoke it if it was ever committed; credentials \
                    come from CONFCOPY_SOURCE_TOKEN / CONFCOPY_DESTINATION_TOKEN (and the *_EMAIL \
                    variables) or a credentials file outside the repository";

/// Key names that only ever hold secrets.
pub fn key_looks_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace(['-', '_'], "");
    ["token", "password", "passwd", "secret", "apikey", "authorization", "credential", "bearer", "privatekey"]
        .iter()
        .any(|word| key.contains(word))
}

/// Why a string value looks like a secret, if it does.
pub fn value_looks_secret(value: &str) -> Option<&'static str> {
    let trimmed = value.trim();
    let lower = trimmed.to_ascii_lowercase();
    if trimmed.starts_with("ATATT") || trimmed.starts_with("ATCTT") {
        return Some("an Atlassian API token");
    }
    if lower.starts_with("bearer ") || lower.starts_with("basic ") {
        return Some("an Authorization header value");
    }
    // The URL parser's own reading first: it drops tabs and newlines and accepts `https:/host`,
    // so a password can hide from a plain look at the text.
    if url::Url::parse(trimmed).is_ok_and(|url| url.password().is_some()) {
        return Some("a URL with a password in it");
    }
    if let Some(rest) = lower.split_once("://").map(|(_, rest)| rest) {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') && authority.split('@').next().is_some_and(|user| user.contains(':')) {
            return Some("a URL with a password in it");
        }
    }
    let parts: Vec<&str> = trimmed.split('.').collect();
    if parts.len() == 3 && parts[0].starts_with("eyJ") && parts[1].starts_with("eyJ") {
        return Some("a JSON Web Token");
    }
    if looks_random(trimmed) {
        return Some("a long random string, like a token");
    }
    None
}

/// Long strings without spaces that mix letter cases and digits, and repeat few characters.
fn looks_random(value: &str) -> bool {
    if value.len() < 32 || value.chars().any(|c| c.is_whitespace() || c == '/' || c == ':') {
        return false;
    }
    let upper = value.chars().any(|c| c.is_ascii_uppercase());
    let lower = value.chars().any(|c| c.is_ascii_lowercase());
    let digit = value.chars().any(|c| c.is_ascii_digit());
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    upper && lower && digit && distinct.len() * 2 >= value.len().min(64)
}

/// Every secret-looking key or value in the file.
pub fn scan(root: &DeTable<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    scan_table(root, &mut found);
    found
}

fn scan_table(table: &DeTable<'_>, found: &mut Vec<Diagnostic>) {
    for (key, value) in table.iter() {
        if key_looks_secret(key.get_ref()) {
            found.push(
                Diagnostic::new(Code::PlanSecret, format!("the key `{}` holds a credential", key.get_ref()))
                    .label(key.span(), "credentials never belong in a plan file")
                    .redact(value.span())
                    .help(HELP),
            );
            continue;
        }
        scan_value(value, found);
    }
}

fn scan_value(value: &Spanned<DeValue<'_>>, found: &mut Vec<Diagnostic>) {
    match value.get_ref() {
        DeValue::String(text) => {
            if let Some(what) = value_looks_secret(text) {
                found.push(
                    Diagnostic::new(Code::PlanSecret, format!("this value looks like {what}"))
                        .label(value.span(), "a secret must not be in a plan file")
                        .redact(value.span())
                        .help(HELP),
                );
            }
        }
        DeValue::Array(items) => items.iter().for_each(|item| scan_value(item, found)),
        DeValue::Table(table) => scan_table(table, found),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_tokens_but_not_prose() {
        assert!(value_looks_secret("ATATT3xFfGF0abc").is_some());
        assert!(value_looks_secret("Bearer abc").is_some());
        assert!(value_looks_secret("https://me:hunter2@acme.atlassian.net").is_some());
        assert!(value_looks_secret("Zx81kQp0Lm3nB7vC2wE9rT4yU6iO1aSd").is_some());
        assert!(value_looks_secret("Move marketing spaces to the EU site").is_none());
        assert!(value_looks_secret("https://acme.atlassian.net").is_none());
        assert!(value_looks_secret("the-gliffy-app-is-installed-next-week").is_none());
        assert!(key_looks_secret("api_token"));
        assert!(key_looks_secret("Authorization"));
        assert!(!key_looks_secret("memberships"));
    }
}
