//! The fault matrix: the demo plan applied between sandbox sites once per kind of fault a
//! Confluence site (or a proxy in front of it) can throw at a run. Transient faults end
//! Complete; persistent ones end Incomplete with the reason in the reports; in every case the
//! destination holds no duplicate and loses nothing, compared by its exported state against one
//! unfaulted copy, and a second apply without the fault completes the copy. Prints a table
//! (`cargo test --test confcopy apply_fault_matrix -- --nocapture`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use confcopy::client::{ClientOptions, RetryPolicy};
use confcopy::settings::Settings;
use confcopy::state::RunOutcome;
use confcopy_sandbox::{Fault, FaultConfig, FaultRule, Sandbox, Seed, SiteHandle};
use serde_json::Value;

use crate::apply_sandbox::{SpaceView, view};

/// The spaces the plan copies, as the destination names them.
const SPACES: [&str; 2] = ["MKT", "DOCSEU"];

/// Which site a case breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Source,
    Destination,
}

/// How the faulted run must end.
#[derive(Debug, Clone)]
enum Expect {
    Complete,
    /// Incomplete, and every one of these words in the reports' details.
    Incomplete(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    side: Side,
    rules: Vec<FaultRule>,
    expect: Expect,
    /// The most 429 answers the broken site may give (a site that asked for a long wait is not
    /// asked again).
    most_429: Option<u64>,
}

fn rule(route: &str, method: &str, times: Option<u64>, fault: Fault) -> FaultRule {
    FaultRule { route: route.into(), method: method.into(), probability: 1.0, after: 0, times, fault }
}

/// What one apply did.
struct Run {
    status: RunOutcome,
    /// Every space row's detail, joined.
    details: String,
    requests: u64,
    retries: u64,
    elapsed: Duration,
}

/// A destination's exported state, reduced for comparison.
struct Destination {
    views: Vec<SpaceView>,
    counts: BTreeMap<&'static str, usize>,
}

/// Short waits for loopback sites: the same rules, in milliseconds.
fn options() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(100),
            max_retries: 6,
            max_total_wait: Duration::from_secs(8),
        },
        request_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        ..ClientOptions::fast()
    }
}

/// The demo plan's spaces (MKT, and DOCS renamed DOCSEU), with Gliffy's absence accepted.
const DEMO_SPACES: &str = "[spaces]\nkeys = [\"MKT\", \"DOCS\"]\nrename = { DOCS = \"DOCSEU\" }\n\
                           [checks]\napps-missing = { severity = \"warning\", reason = \"test\" }\n";

/// A plan named `name` from `source` to `destination`; `rest` is everything after the sites.
fn plan_text(name: &str, source: &SiteHandle, destination: &SiteHandle, rest: &str) -> String {
    format!(
        "name = \"{name}\"\nsource = \"{}\"\ndestination = \"{}\"\n{rest}",
        source.base_url(),
        destination.base_url()
    )
}

/// The demo sandbox on a runtime of its own, for the tests that drive the binary.
fn demo_sandbox() -> (tokio::runtime::Runtime, Sandbox, SiteHandle, SiteHandle) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sandbox = runtime.block_on(Sandbox::start(Seed::demo())).unwrap();
    let (source, dest) = (sandbox.site("acme").unwrap().clone(), sandbox.site("acme-eu").unwrap().clone());
    (runtime, sandbox, source, dest)
}

/// Applies the demo plan (MKT, DOCS renamed DOCSEU) from `source` to `destination` the way
/// `confcopy apply` does: a session in `state` (lock, journal), checks, snapshot, walk, reports.
async fn apply(source: &SiteHandle, destination: &SiteHandle, state: &Path) -> Run {
    let started = Instant::now();
    let text =
        plan_text("fault-matrix", source, destination, &format!("{DEMO_SPACES}[run]\nconcurrency = 4\n"));
    let plan = crate::support_sandbox::plan("fault-matrix.toml", text.clone());
    let settings = Settings {
        state_dir: Some(state.to_path_buf()),
        ..crate::support_sandbox::admin_settings(source, destination, destination)
    };
    let mut session = confcopy::session::Session::begin(
        &plan,
        text.as_bytes(),
        &confcopy::settings::StateLocation::Local(state.to_path_buf()),
        std::time::Duration::from_secs(120),
    )
    .expect("session begins");
    let run_dir = session.run_dir().unwrap();
    let work = run_dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let prepared = confcopy::apply::prepare(
        &plan,
        &settings,
        options(),
        &work,
        Some(session.previous()),
        Some(session.trust()),
    )
    .await
    .expect("prepared");
    assert!(prepared.outline.is_some(), "the checks pass: {:?}", prepared.findings);
    let recorder = session.recorder(plan.source.value.identity());
    let applied = confcopy::apply::walk(
        &plan,
        &prepared,
        confcopy::run::Mode::Apply,
        &work,
        Some(&run_dir),
        false,
        recorder,
    )
    .await
    .expect("walked");
    let stats = |site: &confcopy::site::Site| site.client.as_ref().map(|c| c.stats()).unwrap_or_default();
    let (s, d) = (stats(&prepared.sites.source), stats(&prepared.sites.destination));
    prepared.sites.close().await.unwrap();
    session.finish(&applied.recorder, applied.status, &applied.rows, &applied.report_files, None).unwrap();
    let details = applied.rows.spaces.iter().map(|r| r.detail.as_str()).collect::<Vec<_>>().join(" | ");
    Run {
        status: applied.status,
        details,
        requests: s.requests + d.requests,
        retries: s.retries + d.retries,
        elapsed: started.elapsed(),
    }
}

fn destination(site: &SiteHandle) -> Destination {
    let state = site.export();
    let views = SPACES.iter().map(|key| view(&state, key, None)).collect();
    Destination { views, counts: counts(&state) }
}

/// Live entities of the destination by kind: a duplicate shows as one more.
fn counts(state: &Value) -> BTreeMap<&'static str, usize> {
    let site = &state["site"];
    let live = |v: &Value| v["status"] == "current" || v["status"] == "archived";
    let mut counts = BTreeMap::new();
    counts.insert("spaces", site["spaces"].as_object().map_or(0, |s| s.len()));
    for c in site["contents"].as_object().into_iter().flat_map(|m| m.values()).filter(|c| live(c)) {
        let kind = match c["kind"].as_str() {
            Some("page") => "pages",
            Some("blogpost") => "blog posts",
            Some("folder") => "folders",
            _ => "other content",
        };
        *counts.entry(kind).or_default() += 1;
    }
    counts.insert(
        "attachments",
        site["attachments"].as_object().into_iter().flat_map(|m| m.values()).filter(|a| live(a)).count(),
    );
    counts.insert(
        "comments",
        site["comments"].as_object().into_iter().flat_map(|m| m.values()).filter(|c| live(c)).count(),
    );
    counts
}

/// One unfaulted copy: what every faulted one must end up equal to.
async fn reference() -> Destination {
    let (sandbox, source, dest) = demo_sites().await;
    let state = tempfile::tempdir().unwrap();
    let run = apply(&source, &dest, state.path()).await;
    assert_eq!(run.status, RunOutcome::Complete, "{}", run.details);
    let out = destination(&dest);
    sandbox.shutdown().await.unwrap();
    out
}

/// A table row.
struct Row {
    fault: &'static str,
    /// Requests the fault hit.
    hits: u64,
    requests: u64,
    retries: u64,
    rate_limited: u64,
    server_errors: u64,
    outcome: String,
    second: String,
    seconds: f64,
}

async fn run_case(case: Case, reference: &Destination) -> Row {
    let started = Instant::now();
    let (sandbox, source, dest) = demo_sites().await;
    let broken = match case.side {
        Side::Source => &source,
        Side::Destination => &dest,
    };
    broken.set_faults(FaultConfig { seed: 11, rules: case.rules.clone(), rate_limit: None });
    let state = tempfile::tempdir().unwrap();
    let first = apply(&source, &dest, state.path()).await;
    let hits: u64 = broken.fault_hits().iter().sum();
    assert!(hits > 0, "{}: the fault was hit", case.name);
    let served = broken.stats();
    let status_count = |pick: &dyn Fn(u16) -> bool| -> u64 {
        served.routes.values().flat_map(|by| by.iter()).filter(|(s, _)| pick(**s)).map(|(_, n)| n).sum()
    };
    let rate_limited = status_count(&|s| s == 429);
    let server_errors = status_count(&|s| s >= 500);
    if let Some(most) = case.most_429 {
        assert!(rate_limited <= most, "{}: {rate_limited} answers 429, at most {most}", case.name);
        assert!(first.elapsed < Duration::from_secs(20), "{}: no long sleep: {:?}", case.name, first.elapsed);
    }
    match &case.expect {
        Expect::Complete => {
            assert_eq!(first.status, RunOutcome::Complete, "{}: {}", case.name, first.details);
        }
        Expect::Incomplete(words) => {
            assert_eq!(first.status, RunOutcome::Incomplete, "{}: {}", case.name, first.details);
            for word in *words {
                assert!(
                    first.details.contains(word),
                    "{}: `{word}` in the reports: {}",
                    case.name,
                    first.details
                );
            }
        }
    }
    let after_fault = destination(&dest);
    for (kind, n) in &after_fault.counts {
        let expected = reference.counts.get(kind).copied().unwrap_or(0);
        assert!(
            *n <= expected,
            "{}: {n} {kind} after the faulted run, {expected} in one clean copy",
            case.name
        );
    }
    if first.status == RunOutcome::Complete {
        assert_eq!(after_fault.counts, reference.counts, "{}: nothing lost", case.name);
        assert!(after_fault.views == reference.views, "{}: the copy equals a clean copy", case.name);
    }
    broken.clear_faults();
    let second = apply(&source, &dest, state.path()).await;
    assert_eq!(second.status, RunOutcome::Complete, "{} (second apply): {}", case.name, second.details);
    let healed = destination(&dest);
    assert_eq!(
        healed.counts, reference.counts,
        "{}: no duplicate, nothing lost after the second apply",
        case.name
    );
    assert!(healed.views == reference.views, "{}: the second apply completes the copy", case.name);
    sandbox.shutdown().await.unwrap();
    let outcome = match first.status {
        RunOutcome::Incomplete => format!("Incomplete {}", first_reason(&first.details)),
        other => other.label().to_string(),
    };
    Row {
        fault: case.name,
        hits,
        requests: first.requests,
        retries: first.retries,
        rate_limited,
        server_errors,
        outcome,
        second: format!("{} ({} requests)", second.status.label(), second.requests),
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// The first failure of the reports' details, shortened for the table: the entity and what
/// went wrong, without the site and operation.
fn first_reason(details: &str) -> String {
    // The items of every space's list; one that failed itself rather than for want of another.
    let items: Vec<&str> = details
        .split(" | ")
        .filter_map(|part| part.split_once("item(s) not copied: ").map(|(_, r)| r))
        .flat_map(|list| list.split("; "))
        .collect();
    let reason = items
        .iter()
        .find(|item| !item.contains("not copied: it needs"))
        .or(items.first())
        .copied()
        .unwrap_or(details);
    let short = match reason.split_once(": ") {
        Some((entity, rest)) => match rest.split_once(": could not ").and_then(|(_, r)| r.split_once(": ")) {
            Some((_, kind)) => format!("{entity}: {kind}"),
            None => format!("{entity}: {rest}"),
        },
        None => reason.to_string(),
    };
    let mut out: String = short.chars().take(100).collect();
    if out.len() < short.len() {
        out.push('…');
    }
    out
}

fn cases() -> Vec<Case> {
    use Expect::*;
    use Side::*;
    let reads = "/wiki/api/v2/*";
    // Pages are created through v1, with their marker in the same request.
    let pages = "/wiki/rest/api/content";
    let comments = "/wiki/api/v2/footer-comments";
    let uploads = "/wiki/rest/api/content/*/child/attachment";
    let downloads = "/wiki/rest/api/content/*/child/attachment/*/download";
    let server_error = |status| Fault::ServerError { status, retry_after: None };
    let case = |name, side, rules, expect| Case { name, side, rules, expect, most_429: None };
    vec![
        // Rate limits.
        case(
            "429 storm with Retry-After (1 s)",
            Destination,
            vec![rule(reads, "*", Some(3), Fault::RateLimited { retry_after: 1 })],
            Complete,
        ),
        case(
            "429 storm without Retry-After",
            Destination,
            vec![FaultRule {
                probability: 0.5,
                ..rule("/wiki/*", "*", Some(8), Fault::RateLimitedWithoutRetryAfter { reset_after: None })
            }],
            Complete,
        ),
        case(
            "429 with only X-RateLimit-Reset (1 s)",
            Destination,
            vec![rule(pages, "POST", Some(2), Fault::RateLimitedWithoutRetryAfter { reset_after: Some(1) })],
            Complete,
        ),
        Case {
            // Only the creates already in flight when the first answer came (concurrency 4).
            most_429: Some(4),
            ..case(
                "Retry-After of an hour",
                Destination,
                vec![rule(pages, "POST", None, Fault::RateLimited { retry_after: 3600 })],
                Incomplete(&["wait 1h", "max_retry_wait", "to resume"]),
            )
        },
        case(
            "429 without Retry-After, persistent",
            Destination,
            vec![rule(comments, "POST", None, Fault::RateLimitedWithoutRetryAfter { reset_after: None })],
            Incomplete(&["still rate limited"]),
        ),
        // Server errors.
        case("500 on reads", Source, vec![rule(reads, "GET", Some(5), server_error(500))], Complete),
        case("502 on reads", Destination, vec![rule(reads, "GET", Some(5), server_error(502))], Complete),
        case(
            "503 with Retry-After (1 s)",
            Destination,
            vec![rule(reads, "GET", Some(2), Fault::ServerError { status: 503, retry_after: Some(1) })],
            Complete,
        ),
        case("504 on reads", Source, vec![rule(reads, "GET", Some(5), server_error(504))], Complete),
        case(
            "500 on downloads, persistent",
            Source,
            vec![rule(downloads, "GET", None, server_error(500))],
            Incomplete(&["HTTP 500", "gave up after"]),
        ),
        // Connections.
        case(
            "connection reset on reads",
            Source,
            vec![rule(reads, "GET", Some(4), Fault::ConnectionReset)],
            Complete,
        ),
        case(
            "connection reset on creates",
            Destination,
            vec![rule(pages, "POST", Some(1), Fault::ConnectionReset)],
            Complete,
        ),
        case(
            "slow answers past the timeout",
            Source,
            vec![rule(reads, "GET", Some(2), Fault::Latency { fixed_ms: 2_300, jitter_ms: 0 })],
            Complete,
        ),
        case(
            "page created, answer lost",
            Destination,
            vec![rule(pages, "POST", Some(2), Fault::CommitThenDrop)],
            Complete,
        ),
        case(
            "upload done, answer lost",
            Destination,
            vec![rule(uploads, "POST", Some(1), Fault::CommitThenDrop)],
            Complete,
        ),
        case(
            "upload done, answer lost, listing behind",
            Destination,
            vec![
                rule(uploads, "POST", Some(1), Fault::CommitThenDrop),
                rule(uploads, "GET", Some(2), Fault::StaleList),
            ],
            Complete,
        ),
        // Bodies.
        case(
            "HTML error page (502)",
            Source,
            vec![rule(reads, "GET", Some(3), Fault::HtmlError { status: 502 })],
            Complete,
        ),
        case(
            "HTML login page (200)",
            Destination,
            vec![rule(reads, "GET", Some(2), Fault::HtmlError { status: 200 })],
            Complete,
        ),
        case(
            "truncated JSON on reads",
            Source,
            vec![rule(reads, "GET", Some(2), Fault::TruncatedJson)],
            Complete,
        ),
        case(
            "truncated JSON on a create",
            Destination,
            vec![rule(pages, "POST", Some(1), Fault::TruncatedJson)],
            Complete,
        ),
        case(
            "wrong content type on reads",
            Destination,
            vec![rule(reads, "GET", Some(2), Fault::WrongContentType)],
            Complete,
        ),
        case(
            "attachment sizes left out",
            Source,
            vec![rule(
                "/wiki/api/v2/attachments",
                "GET",
                None,
                Fault::OmitField { field: "fileSize".into() },
            )],
            Complete,
        ),
        // Redirects.
        case(
            "302 loop on attachment download",
            Source,
            vec![rule(downloads, "GET", None, Fault::RedirectLoop)],
            Incomplete(&["more than 5 redirects"]),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_ends_complete_or_incomplete_without_duplicates() {
    let started = Instant::now();
    let reference = reference().await;
    let mut rows = Vec::new();
    for case in cases() {
        rows.push(run_case(case, &reference).await);
    }
    let line = |cells: [&str; 8]| {
        format!(
            "{:<38} {:>4} {:>8} {:>7} {:>4} {:>4}  {:<11} {}",
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]
        )
    };
    println!(
        "\n{}",
        line([
            "fault",
            "hits",
            "requests",
            "retries",
            "429",
            "5xx",
            "outcome",
            "first reason → second apply"
        ])
    );
    for r in &rows {
        let numbers = [r.hits, r.requests, r.retries, r.rate_limited, r.server_errors].map(|n| n.to_string());
        let (outcome, reason) = r.outcome.split_once(' ').unwrap_or((r.outcome.as_str(), ""));
        println!(
            "{}",
            line([
                r.fault,
                &numbers[0],
                &numbers[1],
                &numbers[2],
                &numbers[3],
                &numbers[4],
                outcome,
                &format!(
                    "{}→ {} [{:.1}s]",
                    if reason.is_empty() { String::new() } else { format!("{reason} ") },
                    r.second,
                    r.seconds
                ),
            ])
        );
    }
    println!("{} faults in {:.1}s", rows.len(), started.elapsed().as_secs_f64());
}

/// Through the binary, as a scheduled job runs it: a site that asks to wait an hour stops the run
/// at once with exit 3, a line that says when to run again, and a resumable journal.
#[test]
fn an_hour_long_retry_after_stops_the_binary_with_a_time_to_resume() {
    let (runtime, sandbox, source, dest) = demo_sandbox();
    let reference = runtime.block_on(reference());
    dest.set_faults(FaultConfig {
        seed: 1,
        rules: vec![rule("/wiki/rest/api/content", "POST", None, Fault::RateLimited { retry_after: 3600 })],
        rate_limit: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, plan_text("hour", &source, &dest, DEMO_SPACES)).unwrap();
    let state = dir.path().join("state").display().to_string();
    let reports = dir.path().join("reports");
    let apply = |extra: &[&str]| {
        let mut args = vec!["--state-dir", &state];
        args.extend_from_slice(extra);
        args.extend(["apply", "--no-progress", plan.to_str().unwrap()]);
        args.extend(["--report-dir", reports.to_str().unwrap()]);
        crate::support::Confcopy::new(args).with_sites(&source, &dest).run()
    };

    let started = Instant::now();
    let run = apply(&["--max-retry-wait", "30m"]);
    assert!(started.elapsed() < Duration::from_secs(30), "no sleeping: {:?}", started.elapsed());
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Incomplete:"), "{}", run.stdout);
    let host = dest.base_url().trim_start_matches("http://");
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("stopped early: "))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.contains(&format!("{host} asked to wait 1h (until ")), "{line}");
    assert!(line.contains("longer than max_retry_wait (30m): run apply again after "), "{line}");
    let until: jiff::Timestamp =
        line.rsplit("run apply again after ").next().unwrap().trim_end_matches(" to resume").parse().unwrap();
    let ahead = until.as_second() - jiff::Timestamp::now().as_second();
    assert!((3500..=3601).contains(&ahead), "resume about an hour from now: {until}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["status"], "Incomplete");
    assert!(summary["stopped"].as_str().unwrap().contains("run apply again after"), "{summary}");
    let spaces = std::fs::read_to_string(reports.join("spaces.csv")).unwrap();
    assert!(spaces.contains("asks to wait 1h") && spaces.contains("to resume"), "{spaces}");
    let served = dest.stats();
    assert!(served.count_status("POST /wiki/rest/api/content", 429) <= 4, "{:?}", served.routes);

    // The hour has passed (the fault is gone): the journal takes the run on from where it stopped.
    dest.clear_faults();
    let run = apply(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Complete:") && !run.stdout.contains("stopped early"), "{}", run.stdout);
    let copied = destination(&dest);
    assert_eq!(copied.counts, reference.counts, "no duplicate, nothing lost");
    assert!(copied.views == reference.views, "the copy equals a clean copy");
    runtime.block_on(sandbox.shutdown()).unwrap();
}

/// A long wait asked while the sites are read, before any write: apply refuses, writes nothing,
/// and says when to try again.
#[test]
fn an_hour_long_retry_after_before_any_write_refuses_the_apply() {
    let (runtime, sandbox, source, dest) = demo_sandbox();
    source.set_faults(FaultConfig {
        seed: 1,
        rules: vec![rule("/wiki/api/v2/spaces", "GET", None, Fault::RateLimited { retry_after: 3600 })],
        rate_limit: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, plan_text("early", &source, &dest, "[spaces]\nkeys = [\"MKT\"]\n")).unwrap();
    let state = dir.path().join("state").display().to_string();
    let started = Instant::now();
    let run = crate::support::Confcopy::new([
        "--state-dir",
        &state,
        "apply",
        "--no-progress",
        plan.to_str().unwrap(),
    ])
    .with_sites(&source, &dest)
    .run();
    assert!(started.elapsed() < Duration::from_secs(30), "no sleeping: {:?}", started.elapsed());
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("asks to wait 1h (until ") && text.contains("to resume"), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    assert_eq!(dest.stats().writes, 0);
    assert_eq!(source.stats().count_status("GET /wiki/api/v2/spaces", 429), 1, "asked once");
    runtime.block_on(sandbox.shutdown()).unwrap();
}

/// The fault matrix's plan applied between fresh demo sites, the destination broken by `rules`
/// (none: a clean copy); the run must complete. Gives the sandbox, to shut down, and the
/// destination.
/// The demo sandbox, started, with its source (`acme`) and destination (`acme-eu`).
async fn demo_sites() -> (Sandbox, SiteHandle, SiteHandle) {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let (source, dest) = (sandbox.site("acme").unwrap().clone(), sandbox.site("acme-eu").unwrap().clone());
    (sandbox, source, dest)
}

async fn demo_apply(rules: Vec<FaultRule>) -> (Sandbox, SiteHandle) {
    let (sandbox, source, dest) = demo_sites().await;
    if !rules.is_empty() {
        dest.set_faults(FaultConfig { seed: 11, rules, rate_limit: None });
    }
    let state = tempfile::tempdir().unwrap();
    let run = apply(&source, &dest, state.path()).await;
    assert_eq!(run.status, RunOutcome::Complete, "{}", run.details);
    (sandbox, dest)
}

/// A page whose create answer was lost is found by its title, with the marker its v1 create
/// carried in the same answer (one v1 GET, the marker expanded): the marker is neither read on
/// its own nor written again (a POST that is refused because the key is taken, then a GET), its
/// place among its siblings comes with it too, and the copy still equals a clean one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_found_after_a_lost_answer_comes_with_its_marker_which_is_not_written_again() {
    let properties = |lost: u64| async move {
        let rules = match lost {
            0 => Vec::new(),
            n => vec![rule("/wiki/rest/api/content", "POST", Some(n), Fault::CommitThenDrop)],
        };
        let (sandbox, dest) = demo_apply(rules).await;
        assert_eq!(dest.fault_hits().iter().sum::<u64>(), lost, "page creates that lost their answer");
        let served = dest.stats();
        let count = |route: &str| served.routes.get(route).map_or(0, |by| by.values().sum::<u64>());
        let counted = (
            count("POST /wiki/api/v2/pages/{id}/properties"),
            count("GET /wiki/api/v2/pages/{id}/properties"),
            count("GET /wiki/rest/api/content"),
            count("GET /wiki/api/v2/pages/{id}/direct-children")
                + count("GET /wiki/api/v2/spaces/{id}/pages"),
        );
        let copy = destination(&dest);
        sandbox.shutdown().await.unwrap();
        (counted, copy)
    };
    let ((clean_writes, clean_reads, clean_lookups, clean_listed), reference) = properties(0).await;
    let ((writes, reads, lookups, listed), copy) = properties(2).await;
    assert_eq!(
        listed, clean_listed,
        "the look-up told each found page's place: no siblings listed to order them"
    );
    assert_eq!(lookups, clean_lookups + 2, "each lost create looked up once by its title, with its marker");
    assert_eq!(writes, clean_writes, "no marker written again");
    assert_eq!(reads, clean_reads, "no marker read on its own");
    assert_eq!(copy.counts, reference.counts, "no duplicate, nothing lost");
    assert!(copy.views == reference.views, "the copy equals a clean copy");
}

/// A page's labels go in its v1 create (`metadata.labels`, the answer asked to list them), so a
/// clean copy posts labels apart only for what is not created that way (blog posts, homepages).
/// A destination whose create answer does not list them gets them posted by the labels node:
/// one request more per labelled page created, and the same copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_is_created_with_its_labels_which_are_posted_apart_only_when_the_answer_leaves_them_out() {
    let copy_with = |omit: bool| async move {
        let leave_out = Fault::OmitField { field: "labels".into() };
        let rules =
            if omit { vec![rule("/wiki/rest/api/content", "POST", None, leave_out)] } else { Vec::new() };
        let (sandbox, dest) = demo_apply(rules).await;
        let posts = dest.stats().count("POST /wiki/rest/api/content/{id}/label");
        let exported = dest.export();
        let homepages: Vec<&Value> = exported["site"]["spaces"]
            .as_object()
            .unwrap()
            .values()
            .map(|space| &space["homepage_id"])
            .collect();
        let created_labelled = exported["site"]["contents"]
            .as_object()
            .unwrap()
            .values()
            .filter(|c| c["kind"] == "page" && !homepages.contains(&&c["id"]))
            .filter(|c| c["labels"].as_array().is_some_and(|l| !l.is_empty()))
            .count();
        let copy = destination(&dest);
        sandbox.shutdown().await.unwrap();
        (posts, created_labelled, copy)
    };
    let (clean_posts, labelled, reference) = copy_with(false).await;
    let (posts, labelled_again, copy) = copy_with(true).await;
    assert!(labelled > 0, "the demo has labelled pages");
    assert_eq!(labelled_again, labelled);
    assert_eq!(posts, clean_posts + labelled as u64, "each labelled page's labels posted apart");
    assert_eq!(copy.counts, reference.counts, "no duplicate, nothing lost");
    assert!(copy.views == reference.views, "the same copy, labels included");
}

/// A page whose create is refused with 429 waits out its `Retry-After` alone, and its lane does
/// not stand still meanwhile: the next sibling is created beside it and lands first, and the
/// fix-up moves the late one into place, so the copy still equals a clean one (sibling order
/// included) while a clean run needs no move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sibling_goes_ahead_while_a_page_waits_out_its_429_and_the_order_is_restored() {
    let copy_with = |refused: u64| async move {
        let (sandbox, source, dest) = demo_sites().await;
        if refused > 0 {
            let refuse = Fault::RateLimited { retry_after: 1 };
            dest.set_faults(FaultConfig {
                seed: 11,
                rules: vec![rule("/wiki/rest/api/content", "POST", Some(refused), refuse)],
                rate_limit: None,
            });
        }
        let state = tempfile::tempdir().unwrap();
        let run = apply(&source, &dest, state.path()).await;
        assert_eq!(run.status, RunOutcome::Complete, "{}", run.details);
        let served = dest.stats();
        let moves = served
            .routes
            .iter()
            .filter(|(route, _)| route.contains("/move/"))
            .flat_map(|(_, by)| by.values())
            .sum::<u64>();
        let copy = destination(&dest);
        sandbox.shutdown().await.unwrap();
        (moves, copy)
    };
    let (clean_moves, reference) = copy_with(0).await;
    let (moves, copy) = copy_with(1).await;
    assert_eq!(clean_moves, 0, "siblings created one after another arrive in order");
    assert!(moves >= 1, "the sibling went ahead of the page waiting out its 429");
    assert_eq!(copy.counts, reference.counts, "no duplicate, nothing lost");
    assert!(copy.views == reference.views, "the copy equals a clean copy, sibling order included");
}

/// What the inventory listed, the snapshot takes instead of asking again: each space's
/// permissions, and the restrictions of its pages and blog posts where none of them carries a
/// label (labels make the snapshot list that kind again, with both). A space's labels come with
/// the space's read, and the homepage of a space the run created is written at the version it
/// came with, without being read first. The copy is the same either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_takes_what_the_inventory_listed_and_a_new_homepage_is_written_unread() {
    let copy_with = |labels: bool| async move {
        let (sandbox, source, dest) = demo_sites().await;
        if !labels {
            source.with_world(|w, i| w.sites[i].contents.values_mut().for_each(|c| c.labels.clear()));
        }
        let state = tempfile::tempdir().unwrap();
        let run = apply(&source, &dest, state.path()).await;
        assert_eq!(run.status, RunOutcome::Complete, "{}", run.details);
        let (read, written) = (source.stats(), dest.stats());
        let counted = [
            read.count("GET /wiki/rest/api/content"),
            read.count("GET /wiki/api/v2/spaces/{id}/permissions"),
            read.count("GET /wiki/api/v2/spaces/{id}/labels"),
            written.count("GET /wiki/api/v2/pages/{id}"),
        ];
        let exported = dest.export();
        let restricted = exported["site"]["contents"]
            .as_object()
            .unwrap()
            .values()
            .filter(|c| {
                let names = |op: &Value| {
                    op.as_object()
                        .is_some_and(|o| o.values().any(|v| v.as_array().is_some_and(|a| !a.is_empty())))
                };
                c["restrictions"].as_object().is_some_and(|r| r.values().any(names))
            })
            .count();
        // The plan's spaces and kinds (page, blog post) that hold labelled content.
        let source_state = source.export();
        let site = &source_state["site"];
        let labelled: std::collections::BTreeSet<(String, String)> = site["contents"]
            .as_object()
            .unwrap()
            .values()
            .filter(|c| c["labels"].as_array().is_some_and(|l| !l.is_empty()))
            .filter(|c| {
                SOURCE_KEYS.contains(
                    &site["spaces"][c["space_id"].to_string().trim_matches('"')]["key"]
                        .as_str()
                        .unwrap_or(""),
                )
            })
            .map(|c| (c["space_id"].to_string(), c["kind"].to_string()))
            .collect();
        let copy = destination(&dest);
        sandbox.shutdown().await.unwrap();
        (counted, labelled.len() as u64, restricted, copy)
    };
    let (labelled, kinds_labelled, restricted, reference) = copy_with(true).await;
    let (unlabelled, none_labelled, restricted_unlabelled, copy) = copy_with(false).await;
    assert!(kinds_labelled > 0 && none_labelled == 0);
    // Each space's permissions once (by the inventory), no space label list, no homepage read.
    assert_eq!(labelled[1..], [SOURCE_KEYS.len() as u64, 0, 0], "{labelled:?}");
    assert_eq!(unlabelled[1..], labelled[1..], "{unlabelled:?}");
    // The v1 listings: the inventory's, and one more for each space and kind holding labels.
    assert_eq!(labelled[0], unlabelled[0] + kinds_labelled, "{labelled:?} {unlabelled:?}");
    assert!(restricted > 0, "the demo restricts some content");
    assert_eq!(restricted_unlabelled, restricted, "restrictions copied from what the inventory listed");
    assert_eq!(copy.counts, reference.counts);
}

/// The source keys of the demo plan's spaces.
const SOURCE_KEYS: [&str; 2] = ["MKT", "DOCS"];

/// A space's permissions as (subject, operation, target), groups by name, anonymous access as
/// `anonymous`: comparable between two sites.
fn space_grants(state: &Value, key: &str) -> std::collections::BTreeSet<(String, String, String)> {
    let site = &state["site"];
    let groups: Vec<&Value> = match &site["groups"] {
        Value::Array(list) => list.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => Vec::new(),
    };
    let space = site["spaces"].as_object().unwrap().values().find(|s| s["key"] == key).expect("space");
    space["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let id = p["principal"]["id"].as_str().unwrap_or("");
            let subject = match p["principal"]["type"].as_str() {
                Some("group") => {
                    let name = groups.iter().find(|g| g["id"] == id).and_then(|g| g["name"].as_str());
                    format!("group:{}", name.unwrap_or(id))
                }
                Some("role") => "anonymous".to_string(),
                _ => format!("user:{id}"),
            };
            (subject, p["operation"].as_str().unwrap().to_string(), p["target"].as_str().unwrap().to_string())
        })
        .collect()
}

/// A new space is created with the source's permissions in the same request, and with the
/// copying account's own, not the destination's defaults: no grant is posted apart, and the copy
/// holds exactly the source's grants and the copying account's. A destination that refuses the
/// create with its permissions gets the space without them, and the grants one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_space_is_created_with_the_sources_permissions_in_one_request() {
    for refused in [false, true] {
        let rules = if refused {
            let refuse = Fault::ServerError { status: 400, retry_after: None };
            vec![rule("/wiki/rest/api/space", "POST", Some(1), refuse)]
        } else {
            Vec::new()
        };
        let (sandbox, dest) = demo_apply(rules).await;
        let source = sandbox.site("acme").unwrap().clone();
        let me = crate::support_sandbox::Caller::admin(&dest).get("/wiki/rest/api/user/current").await.json();
        let me = format!("user:{}", me["accountId"].as_str().unwrap());
        let posted = dest.stats().count("POST /wiki/rest/api/space/{key}/permission");
        let (from, to) = (source.export(), dest.export());
        for (source_key, key) in [("MKT", "MKT"), ("DOCS", "DOCSEU")] {
            let wanted = space_grants(&from, source_key);
            let copied = space_grants(&to, key);
            assert!(!wanted.is_empty());
            let missing: Vec<_> = wanted.difference(&copied).collect();
            assert!(missing.is_empty(), "{key}: the source's grants are all copied, missing {missing:?}");
            let added: Vec<_> = copied.difference(&wanted).filter(|(who, _, _)| *who != me).collect();
            assert!(added.is_empty(), "{key}: only the copying account's grants are added: {added:?}");
            assert!(copied.contains(&(me.clone(), "administer".into(), "space".into())), "{copied:?}");
        }
        if refused {
            assert!(posted > 0, "the refused create's grants were posted one by one");
        } else {
            assert_eq!(posted, 0, "no grant posted apart");
        }
        sandbox.shutdown().await.unwrap();
    }
}

/// A space waits for the groups its permissions name, but a group that cannot be created does
/// not hold the space back: the space and its content are copied, and only its permissions
/// node, which needs the group, is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_that_cannot_be_created_does_not_block_its_spaces() {
    let (sandbox, source, dest) = demo_sites().await;
    let refuse = Fault::ServerError { status: 403, retry_after: None };
    dest.set_faults(FaultConfig {
        seed: 7,
        rules: vec![rule("/wiki/rest/api/group", "POST", None, refuse)],
        rate_limit: None,
    });
    let state = tempfile::tempdir().unwrap();
    let run = apply(&source, &dest, state.path()).await;
    assert!(dest.fault_hits().iter().sum::<u64>() > 0, "some group was to be created");
    assert_ne!(run.status, RunOutcome::Complete, "{}", run.details);
    assert!(
        run.details.contains("it needs group") && run.details.contains("which was not copied"),
        "{}",
        run.details
    );
    let copy = destination(&dest);
    let reference = reference().await;
    assert_eq!(copy.counts, reference.counts, "both spaces and all their content copied");
    sandbox.shutdown().await.unwrap();
}
