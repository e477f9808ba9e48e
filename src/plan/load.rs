//! Loading a plan file: read with limits, then run every pass and collect all findings.

use std::io::Read;
use std::path::Path;

use super::model::Plan;
use super::{meaning, parse, secrets, shape};
use crate::diagnostic::{Code, Diagnostic, SourceFile};

/// Plans are short; anything larger is not a plan (and would be slow to show).
pub const MAX_PLAN_BYTES: usize = 1024 * 1024;

/// A plan file with its findings, and the plan when it has no errors.
#[derive(Debug)]
pub struct Loaded {
    pub file: SourceFile,
    pub plan: Option<Plan>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads and checks a plan file. `Err` only when the file cannot be read at all.
pub fn load(path: &Path) -> std::io::Result<Loaded> {
    let name = path.display().to_string();
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_PLAN_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    Ok(load_bytes(&name, bytes))
}

/// Checks plan bytes under a display name.
pub fn load_bytes(name: &str, bytes: Vec<u8>) -> Loaded {
    if bytes.len() > MAX_PLAN_BYTES {
        return unreadable(
            name,
            Code::PlanTooLarge,
            format!("the plan is larger than {} KiB", MAX_PLAN_BYTES / 1024),
            "a plan names sites and spaces in a few lines; split a huge selection into several plans",
        );
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return unreadable(
            name,
            Code::PlanNotText,
            format!("the plan holds a NUL byte at offset {offset}: it is binary, not text"),
            "give the path of a TOML plan file",
        );
    }
    match String::from_utf8(bytes) {
        Ok(text) => load_text(name, text),
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            unreadable(
                name,
                Code::PlanNotText,
                format!("the plan is not UTF-8 text (invalid byte at offset {offset})"),
                "save the plan as UTF-8",
            )
        }
    }
}

fn unreadable(name: &str, code: Code, message: String, help: &str) -> Loaded {
    Loaded {
        file: SourceFile::new(name, ""),
        plan: None,
        diagnostics: vec![Diagnostic::new(code, message).help(help)],
    }
}

/// Checks plan text under a display name.
pub fn load_text(name: &str, text: String) -> Loaded {
    let file = SourceFile::new(name, text);
    let (plan, mut diagnostics) = check(file.text());
    diagnostics.sort_by_key(|d| (d.primary_span().map_or(0, |s| s.start), d.code));
    Loaded { file, plan, diagnostics }
}

fn check(text: &str) -> (Option<Plan>, Vec<Diagnostic>) {
    let document = match parse::parse(text) {
        Ok(document) => document,
        Err(syntax) => return (None, syntax),
    };
    let mut diagnostics = secrets::scan(document.get_ref());
    let (tree, shape_problems) = shape::check(&document);
    diagnostics.extend(shape_problems);
    let (plan, meaning_problems) = meaning::check(&tree);
    diagnostics.extend(meaning_problems);
    let plan = plan.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    (plan, diagnostics)
}
