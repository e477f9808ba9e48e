//! Bytes of a plan file → TOML tree, with every syntax error as a diagnostic.

use serde_spanned::Spanned;
use toml::de::DeTable;

use crate::diagnostic::{Code, Diagnostic};

/// Parses TOML text, recovering after errors so that all of them are reported at once.
pub fn parse(text: &str) -> Result<Spanned<DeTable<'_>>, Vec<Diagnostic>> {
    let (table, errors) = DeTable::parse_recoverable(text);
    if errors.is_empty() {
        return Ok(table);
    }
    Err(errors
        .into_iter()
        .map(|error| {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim().to_string();
            Diagnostic::new(Code::PlanSyntax, format!("invalid TOML: {message}"))
                .label(span, "here")
                .help("fix the TOML syntax; https://toml.io/en/v1.0.0 describes the format")
        })
        .collect())
}
