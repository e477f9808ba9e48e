//! Applies whose state lives in an S3-compatible store (`--state s3://…`), as scheduled jobs on
//! throw-away runners keep it: the journal, the record, the lock and the reports outlive the
//! runner. Against the real test server `.ci/run` starts (see tests/state_remote.rs).

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::apply_durable::{Sites, sites};
use crate::state_remote::Server;
use crate::support::Confcopy;

/// One runner: its own empty state directory, the shared store.
fn runner(sites: &Sites, server: &Server, url: &str, dir: &std::path::Path, args: &[&str]) -> Command {
    let plan = sites.plan(dir).display().to_string();
    let state_dir = dir.join("state").display().to_string();
    let mut all = vec!["--state-dir", state_dir.as_str(), "--state", url];
    all.extend_from_slice(args);
    if args.first() == Some(&"apply") {
        all.extend(["--no-progress", plan.as_str()]);
    }
    let command = Confcopy::new(all)
        .with_sites(&sites.source, &sites.destination)
        .env("AWS_ACCESS_KEY_ID", &server.key_id)
        .env("AWS_SECRET_ACCESS_KEY", &server.secret)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &server.endpoint)
        .env("CONFCOPY_STATE_LEASE", "3s");
    command.into_command()
}

fn finish(child: Child) -> (i32, String) {
    let output = child.wait_with_output().unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn run(mut command: Command) -> (i32, String) {
    finish(command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap())
}

#[test]
fn a_completed_plan_applied_from_a_fresh_runner_with_remote_state_copies_only_what_is_new() {
    let Some(server) = Server::find("apply_remote") else { return };
    let url = server.fresh_url("apply");
    let sites = sites();
    let first = tempfile::tempdir().unwrap();
    let (code, out) = run(runner(&sites, &server, &url, first.path(), &["apply"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("reports: {url}/plans/durable/runs/")), "reports go to the store: {out}");
    // Another runner: nothing local, the same store. The plan is there, Complete, with its reports.
    let second = tempfile::tempdir().unwrap();
    let (code, out) = run(runner(&sites, &server, &url, second.path(), &["status"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("durable") && out.contains("Complete"), "{out}");
    let (code, out) = run(runner(&sites, &server, &url, second.path(), &["show", "durable"]));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("not written"), "the reports came down from the store: {out}");
    // A new page on the source: the next scheduled apply, on yet another runner, copies it alone.
    let space =
        sites.on_source(reqwest::Method::GET, "/wiki/api/v2/spaces?keys=MKT", None)["results"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
    sites.on_source(
        reqwest::Method::POST,
        "/wiki/api/v2/pages?root-level=true",
        Some(serde_json::json!({
            "spaceId": space, "status": "current", "title": "Written after the first run",
            "body": {"representation": "storage", "value": "<p>new</p>"}
        })),
    );
    sites.destination.reset_stats();
    let third = tempfile::tempdir().unwrap();
    let (code, out) = run(runner(&sites, &server, &url, third.path(), &["apply"]));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("by their markers"), "the journal came from the store and was trusted: {out}");
    assert!(out.contains("pages 1/13 copied"), "{out}");
    let stats = sites.destination.stats();
    let writes: Vec<_> = stats
        .routes
        .keys()
        .filter(|r| !r.starts_with("GET") && !r.contains("workspaces") && !r.contains("admin-key"))
        .collect();
    assert!(stats.writes <= 3, "only the new page (and its marker) is written: {writes:?}");
    sites.shutdown();
}

#[test]
fn two_runners_sharing_remote_state_one_waits_then_takes_over_after_the_lease() {
    let Some(server) = Server::find("apply_remote") else { return };
    let url = server.fresh_url("lease");
    // The reference: one uninterrupted copy.
    let reference = sites();
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = reference.apply_to_end(dir.path());
    assert_eq!(code, 0, "{out}");
    let expected = reference.destination_views();
    reference.shutdown();

    let sites = sites();
    sites.destination.set_faults(crate::apply_durable::slow_uploads());
    let first_dir = tempfile::tempdir().unwrap();
    let mut first = runner(&sites, &server, &url, first_dir.path(), &["apply"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while sites.destination.stats().writes < 10 && started.elapsed() < Duration::from_secs(60) {
        assert!(first.try_wait().unwrap().is_none(), "the first runner ended before it was killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The second runner is refused, naming the holder.
    let second_dir = tempfile::tempdir().unwrap();
    let (code, out) = run(runner(&sites, &server, &url, second_dir.path(), &["apply"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("is locked in") && out.contains("pid") && out.contains("unlock durable"), "{out}");
    // The first runner dies without releasing its lease; until the lease lapses the second waits.
    let _ = first.kill();
    let _ = first.wait();
    sites.destination.clear_faults();
    let (code, out) = run(runner(&sites, &server, &url, second_dir.path(), &["apply"]));
    assert_eq!(code, 2, "the lease has not lapsed yet: {out}");
    std::thread::sleep(Duration::from_millis(3500));
    let (code, out) = run(runner(&sites, &server, &url, second_dir.path(), &["apply"]));
    assert_eq!(code, 0, "after the lease lapsed: {out}");
    assert_eq!(sites.destination_views(), expected, "nothing doubled, nothing missing");
    sites.shutdown();
}
