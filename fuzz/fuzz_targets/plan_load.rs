//! The plan loader and validator on arbitrary bytes: every pass runs (size and text checks,
//! TOML parsing, the secret scan, shape, meaning) and every finding is rendered in the three
//! formats `confcopy check` offers. Nothing may panic, and:
//! - a plan comes back exactly when no finding is an error;
//! - every label points inside the file, on character boundaries;
//! - a redacted secret never shows in any rendering.
#![no_main]

use confcopy::diagnostic::render::{FileReport, github, human, json};
use confcopy::plan::load_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let loaded = load_bytes("fuzz.toml", data.to_vec());
    assert_eq!(
        loaded.plan.is_some(),
        !loaded.has_errors(),
        "a plan must come back exactly when there is no error: {:?}",
        loaded.diagnostics
    );
    let text = loaded.file.text();
    for diagnostic in &loaded.diagnostics {
        for label in &diagnostic.labels {
            assert!(label.span.start <= label.span.end && label.span.end <= text.len(), "{diagnostic:?}");
            assert!(text.is_char_boundary(label.span.start) && text.is_char_boundary(label.span.end));
        }
    }
    let secrets: Vec<&str> = loaded
        .diagnostics
        .iter()
        .flat_map(|d| d.redact.iter())
        .filter_map(|span| text.get(span.clone()))
        .map(|secret| secret.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace()))
        // Short texts can appear in a rendering by chance (a column number, a word of help).
        .filter(|secret| secret.len() >= 16 && text.matches(*secret).count() == 1)
        .collect();
    let reports = [FileReport { file: loaded.file.clone(), diagnostics: loaded.diagnostics.clone() }];
    let renderings = [human(&reports, false), json(&reports).to_string(), github(&reports)];
    for secret in secrets {
        for rendering in &renderings {
            assert!(!rendering.contains(secret), "a redacted secret was shown: {secret:?}");
        }
    }
});
