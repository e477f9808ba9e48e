//! `confcopy check --offline`: example plans pass; broken plans give the expected codes at the
//! expected lines, rendered the same way every time; bad files never crash it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Confcopy, root};

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

#[test]
fn every_example_plan_is_valid() {
    let plans = toml_files(&root().join("plans"));
    assert!(plans.len() >= 3);
    for plan in plans {
        let run = Confcopy::new(["check", "--offline", &relative(&plan)]).run();
        assert_eq!(run.code, 0, "{}: {}{}", plan.display(), run.stdout, run.stderr);
        assert!(run.stdout.contains("success: 1 plan checked, no problems"), "{}", run.stdout);
    }
}

/// `# expect: code@line code@line` on a broken plan's first line.
fn expectations(text: &str) -> BTreeMap<(String, u64), usize> {
    let line =
        text.lines().next().and_then(|l| l.strip_prefix("# expect:")).expect("first line is `# expect: ...`");
    let mut expected = BTreeMap::new();
    for item in line.split_whitespace() {
        let (code, at) = item.split_once('@').expect("code@line");
        *expected.entry((code.to_string(), at.parse().expect("line number"))).or_insert(0) += 1;
    }
    expected
}

#[test]
fn broken_plans_report_the_expected_codes_at_the_expected_lines() {
    let plans = toml_files(&root().join("tests/plans/broken"));
    assert!(plans.len() >= 30, "only {} broken plans", plans.len());
    for plan in plans {
        let name = relative(&plan);
        let expected = expectations(&std::fs::read_to_string(&plan).unwrap());
        let run = Confcopy::new(["check", "--offline", "--format", "json", &name]).run();
        assert_eq!(run.code, 1, "{name} should have errors: {}", run.stdout);
        let document: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
        let mut found = BTreeMap::new();
        for d in document["diagnostics"].as_array().unwrap() {
            *found
                .entry((d["code"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap_or(0)))
                .or_insert(0) += 1;
            assert!(d["help"].is_string(), "{name}: every diagnostic has help: {d}");
            assert_eq!(d["file"], name.as_str());
        }
        assert_eq!(found, expected, "{name}");

        let human = Confcopy::new(["check", "--offline", &name]).run();
        assert_eq!(human.code, 1);
        assert!(!human.stdout.contains('\u{1b}'), "no colour when NO_COLOR is set");
        assert!(human.stdout.ends_with('\n'), "{name}: the output ends its last line");
        // `tests/plans/broken/NAME.snap`; README's testing section says how to update them.
        let stem = plan.file_stem().unwrap().to_str().unwrap().to_string();
        insta::with_settings!({
            snapshot_path => "plans/broken",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(stem, human.stdout);
        });
    }
}

#[test]
fn json_output_counts_and_ranges() {
    let run = Confcopy::new([
        "check",
        "--offline",
        "--format",
        "json",
        "tests/plans/broken/group-members-all-scope.toml",
        "plans/marketing-to-eu.toml",
    ])
    .run();
    assert_eq!(run.code, 1);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["error_count"], 1);
    assert_eq!(doc["warning_count"], 1);
    assert_eq!(doc["plans"].as_array().unwrap().len(), 2);
    assert_eq!(doc["plans"][1]["valid"], true);
    let warning = &doc["diagnostics"][0];
    assert_eq!(warning["code"], "plan-group-members-ignored");
    assert_eq!(warning["severity"], "warning");
    assert_eq!((warning["line"].as_u64(), warning["column"].as_u64()), (Some(9), Some(25)));
    assert_eq!((warning["end_line"].as_u64(), warning["end_column"].as_u64()), (Some(9), Some(28)));
    assert_eq!(warning["labels"].as_array().unwrap().len(), 2);
    let error = &doc["diagnostics"][1];
    assert_eq!(error["code"], "plan-concurrency-range");
    assert_eq!(error["message"], "run.concurrency cannot be 500");
}

#[test]
fn github_output_is_workflow_commands() {
    let run = Confcopy::new([
        "check",
        "--offline",
        "--format",
        "github",
        "tests/plans/broken/group-members-all-scope.toml",
    ])
    .run();
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].starts_with(
        "::warning file=tests/plans/broken/group-members-all-scope.toml,line=9,col=25,endLine=9,endColumn=28,title=plan-group-members-ignored::"
    ), "{}", lines[0]);
    assert!(lines[1].starts_with(
        "::error file=tests/plans/broken/group-members-all-scope.toml,line=11,col=15,endLine=11,endColumn=17,title=plan-concurrency-range::run.concurrency cannot be 500%0Ahelp: "
    ), "{}", lines[1]);
}

#[test]
fn warnings_pass_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.toml");
    std::fs::write(
        &plan,
        "name = \"p\"\nsource = \"https://a.atlassian.net\"\ndestination = \"https://b.atlassian.net\"\n[spaces]\nkeys = [\"A\"]\nrename = { A = \"a\" }\n",
    )
    .unwrap();
    let plan = plan.display().to_string();
    let run = Confcopy::new(["check", "--offline", &plan]).run();
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("warnings: 1 plan checked, 1 warning"), "{}", run.stdout);
    assert_eq!(Confcopy::new(["check", "--offline", "--strict", &plan]).run().code, 1);
}

#[test]
fn secrets_in_a_plan_are_never_repeated() {
    for format in ["human", "json", "github"] {
        for plan in ["secret-value", "secret-key", "secret-in-url", "secret-authorization"] {
            let path = format!("tests/plans/broken/{plan}.toml");
            let run = Confcopy::new(["check", "--offline", "--format", format, &path]).run();
            assert_eq!(run.code, 1);
            for secret in ["ATATT3xFfGF0T4nH1sIsN0tAR3alT0k3n", "abc123", "hunter2", "YWRtaW46aHVudGVyMg"] {
                assert!(!run.stdout.contains(secret), "{format} {plan} shows the secret:\n{}", run.stdout);
            }
        }
    }
}

fn check_bytes(bytes: &[u8]) -> (crate::support::Run, Value) {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, bytes).unwrap();
    let run = Confcopy::new(["check", "--offline", "--format", "json", &plan.display().to_string()]).run();
    let doc = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run, doc)
}

fn codes(doc: &Value) -> Vec<String> {
    doc["diagnostics"]
        .as_array()
        .map_or(Vec::new(), |d| d.iter().map(|d| d["code"].as_str().unwrap().to_string()).collect())
}

#[test]
fn hostile_files_give_diagnostics_not_crashes() {
    let (run, doc) = check_bytes(b"");
    assert_eq!(run.code, 1);
    assert_eq!(codes(&doc), ["plan-missing-key"; 4]);

    let (run, doc) = check_bytes(&[0x7f, b'E', b'L', b'F', 0, 0, 1, 2]);
    assert_eq!((run.code, codes(&doc)), (1, vec!["plan-not-text".to_string()]));

    let (run, doc) = check_bytes(b"name = \"caf\xe9\"\n");
    assert_eq!((run.code, codes(&doc)), (1, vec!["plan-not-text".to_string()]));

    let mut huge = b"description = \"".to_vec();
    huge.resize(20 * 1024 * 1024, b'a');
    let (run, doc) = check_bytes(&huge);
    assert_eq!((run.code, codes(&doc)), (1, vec!["plan-too-large".to_string()]));

    let nested = format!("x = {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let (run, doc) = check_bytes(nested.as_bytes());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(codes(&doc).contains(&"plan-syntax".to_string()), "{doc}");

    let tables = format!("x = {}1{}", "{ a = ".repeat(10_000), " }".repeat(10_000));
    let (run, doc) = check_bytes(tables.as_bytes());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(codes(&doc).contains(&"plan-syntax".to_string()), "{doc}");

    let garbage: Vec<u8> = (0..5000u32).map(|i| b"[]{}=\"'#\n.,ab1"[(i * 7 % 14) as usize]).collect();
    let (run, _) = check_bytes(&garbage);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn an_unreadable_plan_is_trouble_not_a_finding() {
    let run = Confcopy::new(["check", "--offline", "no/such/plan.toml"]).run();
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("cannot read no/such/plan.toml"), "{}", run.stdout);
}

#[test]
fn bad_flags_exit_2() {
    let run = Confcopy::new(["check", "--offline", "--format", "xml", "plans/marketing-to-eu.toml"]).run();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("xml"));
}

#[test]
fn committed_schema_matches_the_binary_and_accepts_every_example_plan() {
    let run = Confcopy::new(["schema"]).run();
    assert_eq!(run.code, 0);
    let committed = std::fs::read_to_string(root().join("schemas/plan.schema.json")).unwrap_or_default();
    assert_eq!(
        committed, run.stdout,
        "schemas/plan.schema.json is not what `confcopy schema` prints: run `cargo run -- schema > schemas/plan.schema.json`"
    );

    let schema: Value = serde_json::from_str(&run.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid JSON Schema");
    for plan in toml_files(&root().join("plans")) {
        let value: toml::Value = toml::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
        let json = serde_json::to_value(value).unwrap();
        let errors: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", plan.display());
    }
    // And it rejects what the validator rejects for shape.
    let bad = serde_json::json!({"name": "p", "source": "https://a", "destination": "https://b",
        "spaces": {"keys": ["A"]}, "users": {"scope": "everyone"}});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn every_diagnostic_code_is_documented() {
    let docs = std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs/diagnostics.md");
    for info in confcopy::diagnostic::CATALOGUE {
        let heading = format!("### `{}`", info.name);
        let section =
            docs.split(&heading).nth(1).unwrap_or_else(|| panic!("{} is not documented", info.name));
        let section = section.split("\n### ").next().unwrap();
        assert!(section.contains("Fix:"), "{} has no fix in docs/diagnostics.md", info.name);
    }
}

#[test]
fn a_settings_file_with_credentials_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("confcopy.toml");
    std::fs::write(&settings, "[source]\nemail = \"a@b.c\"\ntoken = \"s3cr3t-t0ken-value\"\n").unwrap();
    std::fs::set_permissions(&settings, std::fs::Permissions::from_mode(0o644)).unwrap();
    let plan = root().join("plans/marketing-to-eu.toml");
    let run = Confcopy::new(["check", "--offline", &plan.display().to_string()])
        .env("CONFCOPY_CONFIG", &settings)
        .current_dir(dir.path())
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cr3t") && !run.stdout.contains("s3cr3t"));

    std::fs::set_permissions(&settings, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = Confcopy::new(["check", "--offline", &plan.display().to_string()])
        .env("CONFCOPY_CONFIG", &settings)
        .current_dir(dir.path())
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
}
