//! The architecture's boundaries, checked on the source text (as rust-analyzer's tidy tests do):
//! which crate may depend on which, where the product may name the sandbox, and which module of
//! the product may import which. A change that crosses one fails here with what to do about it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, with its text up to its first `#[cfg(test)]` (tests may reach
/// further than the code they test).
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    crate::support::rust_sources(dir)
        .into_iter()
        .map(|(path, text)| {
            let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_owned();
            (path, code)
        })
        .collect()
}

/// The crates a crate's manifest depends on (normal dependencies only).
fn dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut out = BTreeSet::new();
    let mut in_dependencies = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies
            && let Some((name, _)) = line.split_once(['=', '.'])
            && !name.trim().is_empty()
            && !name.starts_with('#')
        {
            out.insert(name.trim().to_owned());
        }
    }
    out
}

#[test]
fn the_library_crates_depend_on_no_other_part_of_confcopy() {
    // The client, the rewriter and the sandbox stand alone: the product uses them, never the
    // other way round, and the sandbox (which stands in for Confluence) shares no code with the
    // client it answers.
    for name in ["client", "rewrite", "sandbox"] {
        let crate_dir = root().join("crates").join(name);
        let ours: Vec<String> = dependencies(&crate_dir.join("Cargo.toml"))
            .into_iter()
            .filter(|d| d.starts_with("confcopy"))
            .collect();
        assert!(ours.is_empty(), "crates/{name} depends on {ours:?}: move what it needs into it");
        let others = ["client", "rewrite", "sandbox"].into_iter().filter(|other| *other != name);
        let forbidden: Vec<String> =
            std::iter::once("confcopy::".to_owned()).chain(others.map(|o| format!("confcopy_{o}"))).collect();
        for (path, code) in sources(&crate_dir.join("src")) {
            for word in &forbidden {
                assert!(
                    !code.contains(word.as_str()),
                    "{} names {word}: the crate must not reach into another",
                    path.display()
                );
            }
        }
    }
}

/// The files ARCHITECTURE.md names as the only ones of the product's code that import the
/// sandbox crate (its line `- the product names \`confcopy_sandbox\` only in: …`).
fn sandbox_places() -> BTreeSet<String> {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let line = architecture
        .lines()
        .find(|l| l.starts_with("- the product names `confcopy_sandbox` only in:"))
        .expect("ARCHITECTURE.md says where the product names the sandbox");
    line.split('`').skip(3).step_by(2).map(str::to_owned).collect()
}

#[test]
fn the_product_names_the_sandbox_only_where_architecture_md_says() {
    let allowed = sandbox_places();
    assert!(!allowed.is_empty());
    let mut found = BTreeSet::new();
    for (path, code) in sources(&root().join("src")) {
        if code.contains("confcopy_sandbox") {
            found.insert(path.strip_prefix(root()).unwrap().display().to_string());
        }
    }
    let outside: Vec<&String> = found.difference(&allowed).collect();
    assert!(
        outside.is_empty(),
        "{outside:?} import the sandbox: the product uses it only for `sandbox:NAME` sites and the \
         `sandbox` command; anything else belongs in tests or benches"
    );
}

/// The modules of the product each module may import (`crate::MODULE`), outside its tests.
/// The pipeline reads down: plan → inventory → checks → snapshot → graph → run → report, with
/// the state, the sites and the shared rule beside it, and the commands on top.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("allocator", &[]),
    ("diagnostic", &[]),
    ("suggest", &[]),
    ("digest", &[]),
    ("plan", &["diagnostic", "suggest"]),
    ("settings", &["client"]),
    ("site", &["client", "plan", "settings"]),
    ("state", &["client", "digest", "plan"]),
    ("exit", &["state"]),
    ("reconcile", &["client", "plan", "snapshot", "state"]),
    ("inventory", &["client", "diagnostic", "plan", "reconcile", "site"]),
    ("checks", &["diagnostic", "inventory", "plan", "state", "suggest"]),
    ("snapshot", &["client", "inventory", "plan"]),
    ("graph", &["inventory", "plan", "snapshot"]),
    ("resolve", &["graph", "inventory", "rewrite", "snapshot"]),
    (
        "run",
        &["client", "graph", "inventory", "plan", "reconcile", "resolve", "rewrite", "snapshot", "state"],
    ),
    ("report", &["graph", "inventory", "run", "snapshot", "state"]),
    ("session", &["plan", "reconcile", "report", "run", "settings", "state"]),
    (
        "apply",
        &[
            "allocator",
            "checks",
            "client",
            "diagnostic",
            "graph",
            "inventory",
            "plan",
            "reconcile",
            "report",
            "run",
            "settings",
            "site",
            "snapshot",
            "state",
        ],
    ),
    (
        "verify",
        &[
            "client",
            "diagnostic",
            "digest",
            "inventory",
            "plan",
            "report",
            "resolve",
            "rewrite",
            "site",
            "snapshot",
        ],
    ),
    ("logging", &["commands", "settings"]),
    (
        "commands",
        &[
            "apply",
            "checks",
            "client",
            "diagnostic",
            "exit",
            "graph",
            "plan",
            "report",
            "run",
            "session",
            "settings",
            "site",
            "state",
            "verify",
        ],
    ),
    ("cli", &["commands", "exit", "logging", "settings"]),
];

/// The modules `code` imports: `crate::a::…` and the first names of `use crate::{a, b::…}`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut first) = (0, true);
            let mut name = String::new();
            for ch in group.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => first = true,
                    c if first && (c.is_ascii_alphanumeric() || c == '_') => name.push(c),
                    _ if first && !name.is_empty() => {
                        out.insert(std::mem::take(&mut name));
                        first = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                out.insert(name);
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn each_module_of_the_product_imports_only_what_its_layer_may() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> =
        MAY_IMPORT.iter().map(|(module, may)| (*module, may.iter().copied().collect())).collect();
    let src = root().join("src");
    let mut crossings = Vec::new();
    for (path, code) in sources(&src) {
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs");
        if matches!(module, "lib" | "main") {
            continue;
        }
        let Some(may) = allowed.get(module) else {
            crossings.push(format!(
                "src/{} is in no layer: add `{module}` to MAY_IMPORT and ARCHITECTURE.md",
                relative.display()
            ));
            continue;
        };
        for imported in imports(&code) {
            if imported != module && !may.contains(imported.as_str()) {
                crossings.push(format!("src/{} imports crate::{imported}", relative.display()));
            }
        }
    }
    assert!(
        crossings.is_empty(),
        "imports across the layers ARCHITECTURE.md draws:\n  {}\nMove the code to the layer it belongs to; if the \
         new dependency is meant, redraw ARCHITECTURE.md and this test's MAY_IMPORT together.",
        crossings.join("\n  ")
    );
}

#[test]
fn the_import_reader_sees_grouped_and_nested_imports() {
    let code = "use crate::{plan::{Plan, Span}, state};\nuse crate::client::SiteClient;\nfn f() { crate::report::rows() }";
    let found: Vec<String> = imports(code).into_iter().collect();
    assert_eq!(found, ["client", "plan", "report", "state"]);
}

/// The lines of `code` where a function returns `Result<_, String>`: the error type written
/// out as the last argument of a `Result` after `->`, across line breaks.
fn string_errors(code: &str) -> Vec<usize> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("-> Result<") {
        let start = at + "-> Result<".len();
        // The type arguments at the top level, split at their commas (a trailing one too).
        let (mut depth, mut arguments, mut from) = (1usize, Vec::new(), start);
        for (i, c) in code[start..].char_indices() {
            match c {
                '<' | '(' | '[' => depth += 1,
                '>' | ')' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        arguments.push(code[from..start + i].trim());
                        break;
                    }
                }
                ',' if depth == 1 => {
                    arguments.push(code[from..start + i].trim());
                    from = start + i + 1;
                }
                _ => {}
            }
        }
        arguments.retain(|a| !a.is_empty());
        if arguments.len() == 2 && arguments[1] == "String" {
            found.push(code[..at].matches('\n').count() + 1);
        }
    }
    found
}

#[test]
fn no_function_of_the_product_or_its_libraries_fails_with_a_bare_string() {
    let mut offenders = Vec::new();
    for dir in ["src", "crates/client/src", "crates/rewrite/src"] {
        for (path, code) in sources(&root().join(dir)) {
            for line in string_errors(&code) {
                offenders.push(format!("{}:{line}", path.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "functions that fail with a bare String:\n  {}\nGive the layer's error enum (thiserror) a variant \
         for what went wrong, so callers can tell failures apart and the text is written once.",
        offenders.join("\n  ")
    );
}

#[test]
fn the_string_error_reader_sees_nested_and_wrapped_signatures() {
    let code = "fn a() -> Result<Vec<(u8, String)>, Error> {}\nfn b(\n) -> Result<\n    Option<u64>,\n    String,\n> {}\nfn c() -> Result<(), String> {}\nfn d() -> Result<String, StringError> {}";
    assert_eq!(string_errors(code), [3, 7]);
}
