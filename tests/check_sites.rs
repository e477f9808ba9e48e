//! `confcopy check` against the bundled sandbox sites: each pre-copy check fires where the demo
//! data calls for it, at the plan line that causes it, and the forecast matches the site's data.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{Confcopy, root};

/// Runs `check --format json` with a fresh sandbox state; returns (exit code, document).
fn check(plan: &str, env: &[(&str, &str)]) -> (i32, Value) {
    let state = tempfile::tempdir().unwrap();
    let plan_path = root().join(plan);
    let mut command = Confcopy::new([
        "--state-dir",
        &state.path().display().to_string(),
        "check",
        "--format",
        "json",
        &plan_path.display().to_string(),
    ]);
    for (key, value) in env {
        command = command.env(key, value);
    }
    let run = command.run();
    let doc =
        serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("JSON: {}\n{}", run.stdout, run.stderr));
    (run.code, doc)
}

fn findings(doc: &Value) -> BTreeSet<(String, String, u64)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str, u64)]) -> BTreeSet<(String, String, u64)> {
    items.iter().map(|(c, s, l)| (c.to_string(), s.to_string(), *l)).collect()
}

#[test]
fn the_demo_plan_passes_with_the_warnings_the_demo_data_calls_for() {
    let (code, doc) = check("plans/marketing-to-eu.toml", &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        findings(&doc),
        set(&[
            ("apps-missing", "warning", 7), // downgraded in [checks], with its reason
            ("space-public-access", "warning", 10),
            ("user-email-missing", "warning", 14),
            ("user-email-shared", "warning", 14),
        ])
    );
    let apps = doc["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "apps-missing").unwrap();
    assert!(apps["message"].as_str().unwrap().contains("Gliffy"));
    assert!(apps["message"].as_str().unwrap().contains("downgraded by the plan: Gliffy is installed"));
    assert_eq!(apps["labels"][1]["line"], 24, "the override line is labelled too");
}

#[test]
fn the_engineering_plan_is_blocked_by_key_conflicts_apps_and_the_free_plan() {
    let (code, doc) = check("plans/engineering-to-eu.toml", &[]);
    assert_eq!(code, 1, "{doc:#}");
    let found = findings(&doc);
    for expected in [
        ("space-key-conflict", "error", 10),
        ("apps-missing", "error", 7),
        ("free-plan-user-limit", "error", 15),
        ("group-name-conflict", "warning", 15),
        ("user-email-missing", "warning", 13),
        ("user-email-shared", "warning", 13),
    ] {
        assert!(
            found.contains(&(expected.0.into(), expected.1.into(), expected.2)),
            "{expected:?} in {found:?}"
        );
    }
    let messages: Vec<&str> =
        doc["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    // `eng` is lowercase on the destination: compared ignoring case.
    assert!(messages.iter().any(|m| m.contains("already has a space with the key \"eng\"")), "{messages:#?}");
    // `Ops` was the destination's OPSARCH space's key once: still reserved.
    assert!(
        messages.iter().any(|m| m.contains("\"OPS\" is reserved") && m.contains("OPSARCH")),
        "{messages:#?}"
    );
    // Merging "marketing" gives Carol (destination only) the source group's access.
    assert!(
        messages.iter().any(|m| m.contains("\"marketing\"") && m.contains("Carol Chen gains")),
        "{messages:#?}"
    );
    assert!(!found.iter().any(|(c, _, _)| c == "space-public-access"), "ENG and OPS are not public");
}

#[test]
fn a_missing_space_gets_a_suggestion_and_wrong_credentials_are_findings() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("typo.toml");
    std::fs::write(
        &plan,
        "name = \"typo\"\nsource = \"sandbox:acme\"\ndestination = \"sandbox:acme-eu\"\n[spaces]\nkeys = [\"MKTG\"]\n",
    )
    .unwrap();
    let plan = plan.display().to_string();
    let state = tempfile::tempdir().unwrap();
    let state = state.path().display().to_string();
    let run = Confcopy::new(["--state-dir", &state, "check", "--format", "json", &plan]).run();
    assert_eq!(run.code, 1);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let missing = &doc["diagnostics"][0];
    assert_eq!((missing["code"].as_str(), missing["line"].as_u64()), (Some("space-not-found"), Some(5)));
    assert!(missing["help"].as_str().unwrap().contains("\"MKT\""), "{missing}");

    let run = Confcopy::new(["--state-dir", &state, "check", "--format", "json", &plan])
        .env("CONFCOPY_SOURCE_EMAIL", "admin@acme.test")
        .env("CONFCOPY_SOURCE_TOKEN", "not-the-token-7f3a")
        .env("CONFCOPY_DESTINATION_EMAIL", "viewer@acme.test")
        .env("CONFCOPY_DESTINATION_TOKEN", "sandbox-token-viewer")
        .run();
    assert_eq!(run.code, 1, "bad credentials are findings, not trouble: {}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let found = findings(&doc);
    assert!(found.contains(&("access-credentials-invalid".into(), "error".into(), 2)), "{found:?}");
    assert!(found.contains(&("access-not-product-admin".into(), "error".into(), 3)), "{found:?}");
    assert!(!run.stdout.contains("not-the-token-7f3a") && !run.stderr.contains("not-the-token-7f3a"));
}

/// Counts of one space, from the sandbox's exported state rather than through confcopy.
fn expected_counts(state: &Value, key: &str) -> (u64, u64, u64, u64) {
    let site = &state["site"];
    let space = site["spaces"].as_object().unwrap().values().find(|s| s["key"] == key).unwrap();
    let in_space: BTreeSet<u64> = site["contents"]
        .as_object()
        .unwrap()
        .values()
        .filter(|c| c["space_id"] == space["id"] && (c["status"] == "current" || c["status"] == "archived"))
        .filter(|c| c["kind"] == "page" || c["kind"] == "blogpost")
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    let kind_count = |kind: &str| {
        site["contents"]
            .as_object()
            .unwrap()
            .values()
            .filter(|c| in_space.contains(&c["id"].as_u64().unwrap()) && c["kind"] == kind)
            .count() as u64
    };
    let attachments = site["attachments"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| in_space.contains(&a["container_id"].as_u64().unwrap()))
        .count() as u64;
    let comments = site["comments"]
        .as_object()
        .unwrap()
        .values()
        .filter(|c| c["status"] == "current" && in_space.contains(&c["container_id"].as_u64().unwrap()))
        .count() as u64;
    (kind_count("page"), kind_count("blogpost"), attachments, comments)
}

#[test]
fn the_forecast_matches_the_source_data() {
    let (_, doc) = check("plans/marketing-to-eu.toml", &[]);
    let forecast = &doc["plans"][0]["forecast"];
    let state: Value = {
        let seed = confcopy_sandbox::Seed::demo();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let sandbox = confcopy_sandbox::Sandbox::start(seed).await.unwrap();
            let state = sandbox.site("acme").unwrap().export();
            sandbox.shutdown().await.unwrap();
            state
        })
    };
    for space in forecast["spaces"].as_array().unwrap() {
        let key = space["key"].as_str().unwrap();
        let (pages, posts, attachments, comments) = expected_counts(&state, key);
        assert!(pages > 0);
        assert_eq!(space["pages"], pages, "{key}");
        assert_eq!(space["blog_posts"], posts, "{key}");
        assert_eq!(space["attachments"], attachments, "{key}");
        assert_eq!(space["comments"], comments, "{key}");
    }
    assert_eq!(forecast["spaces"][1]["destination_key"], "DOCSEU");
    let users = &forecast["users"];
    let by_status = &users["by_status"];
    assert_eq!(
        users["total"].as_u64(),
        Some(
            by_status["active"].as_u64().unwrap()
                + by_status["inactive"].as_u64().unwrap()
                + by_status["former"].as_u64().unwrap()
        )
    );
    assert_eq!(by_status["inactive"], 1, "dana is inactive and related");
    assert_eq!(by_status["former"], 1, "erin's account is closed and she is related");
    assert_eq!(users["by_reason"]["all"], 0);
}
