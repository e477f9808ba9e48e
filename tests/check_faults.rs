//! `confcopy check` against sites that misbehave: HTML instead of JSON, truncated JSON, the
//! wrong content type, a storm of 500s, endless 429s. Each ends in bounded time with a
//! `site-unreachable` finding on the failing site's plan line that names the site and the
//! problem — never a panic, never a hang. And a check never writes to either site.

use std::time::{Duration, Instant};

use confcopy::checks::Forecast;
use confcopy::client::ClientOptions;
use confcopy::diagnostic::{Code, Diagnostic};
use confcopy::site::PlanSites;
use confcopy_sandbox::{Fault, FaultConfig, FaultRule, Sandbox, Seed, SiteHandle};

/// Only a guard against hangs: every case should end in a few seconds.
const HANG_GUARD: Duration = Duration::from_secs(30);
const SOURCE_LINE: usize = 2;
const DESTINATION_LINE: usize = 3;

fn everywhere(fault: Fault) -> FaultConfig {
    FaultConfig {
        seed: 3,
        rules: vec![FaultRule {
            route: "*".into(),
            method: "*".into(),
            probability: 1.0,
            after: 0,
            times: None,
            fault,
        }],
        rate_limit: None,
    }
}

struct Checked {
    findings: Vec<Diagnostic>,
    forecast: Option<Forecast>,
    text: String,
    elapsed: Duration,
}

impl Checked {
    fn line_of(&self, d: &Diagnostic) -> usize {
        let start = d.primary_span().map_or(0, |s| s.start).min(self.text.len());
        self.text[..start].matches('\n').count() + 1
    }

    fn unreachable(&self) -> &Diagnostic {
        self.findings
            .iter()
            .find(|d| d.code == Code::SiteUnreachable)
            .unwrap_or_else(|| panic!("no site-unreachable finding in {:#?}", self.findings))
    }
}

/// Runs the check as `confcopy check` does (src/commands/check.rs `site_checks`), with short retries.
async fn check(source: &SiteHandle, destination: &SiteHandle, text: String) -> Checked {
    let plan = crate::support_sandbox::plan("check.toml", text.clone());
    let settings = crate::support_sandbox::admin_settings(source, destination, source);
    let started = Instant::now();
    let run = async {
        let sites = PlanSites::connect(&plan, &settings, ClientOptions::fast()).await.expect("connect");
        let result = match confcopy::inventory::read(&plan, &sites).await {
            Ok(inventory) => {
                let findings = confcopy::checks::run(&plan, &inventory);
                let forecast = (inventory.source.usable() && inventory.destination.usable())
                    .then(|| Forecast::new(&plan, &inventory));
                (findings, forecast)
            }
            Err(unreachable) => (vec![unreachable], None),
        };
        sites.close().await.expect("close");
        result
    };
    let (findings, forecast) =
        tokio::time::timeout(HANG_GUARD, run).await.expect("the check ends in bounded time");
    Checked { findings, forecast, text, elapsed: started.elapsed() }
}

fn plan_text(source: &SiteHandle, destination: &SiteHandle) -> String {
    format!(
        "name = \"faults\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [\"MKT\"]\n",
        source.base_url(),
        destination.base_url()
    )
}

/// Checks with `fault` on every route of the source, then of the destination; `problem` is
/// what the message must say (any of the words, case-insensitive).
async fn fails_cleanly(fault: Fault, problem: &[&str]) {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let source = sandbox.site("acme").unwrap().clone();
    let destination = sandbox.site("acme-eu").unwrap().clone();
    for (failing, healthy, line) in
        [(&source, &destination, SOURCE_LINE), (&destination, &source, DESTINATION_LINE)]
    {
        failing.set_faults(everywhere(fault.clone()));
        healthy.clear_faults();
        let checked = check(&source, &destination, plan_text(&source, &destination)).await;
        let found = checked.unreachable();
        let side = if line == SOURCE_LINE { "source" } else { "destination" };
        assert_eq!(checked.line_of(found), line, "{side}: labelled on the failing site's line: {found:#?}");
        assert!(found.message.contains(failing.base_url()), "{side}: names the site: {}", found.message);
        let message = found.message.to_lowercase();
        assert!(
            problem.iter().any(|p| message.contains(&p.to_lowercase())),
            "{side}: names the problem ({problem:?}): {}",
            found.message
        );
        assert!(checked.forecast.is_none(), "{side}: no forecast from a site that did not answer");
        assert!(checked.elapsed < HANG_GUARD, "{side}: took {:?}", checked.elapsed);
    }
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_error_page_instead_of_json() {
    fails_cleanly(Fault::HtmlError { status: 200 }, &["html", "json", "content type"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_proxy_error() {
    fails_cleanly(Fault::HtmlError { status: 502 }, &["502", "bad gateway"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_json() {
    fails_cleanly(Fault::TruncatedJson, &["json", "eof", "truncated", "decode", "parse"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_labelled_as_html() {
    fails_cleanly(Fault::WrongContentType, &["html", "content type", "content-type"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_500s() {
    fails_cleanly(Fault::ServerError { status: 500, retry_after: None }, &["500", "server error"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_429s() {
    fails_cleanly(Fault::RateLimited { retry_after: 1 }, &["rate limit", "rate-limit", "429"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_in_the_middle_of_the_read() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let source = sandbox.site("acme").unwrap().clone();
    let destination = sandbox.site("acme-eu").unwrap().clone();
    // The site answered its first requests well, then its page listing breaks.
    let mut config = everywhere(Fault::TruncatedJson);
    config.rules[0].route = "/wiki/rest/api/content".into();
    source.set_faults(config);
    let checked = check(&source, &destination, plan_text(&source, &destination)).await;
    let found = checked.unreachable();
    assert_eq!(checked.line_of(found), SOURCE_LINE, "{found:#?}");
    assert!(
        found.message.contains(source.base_url()) && found.message.contains("truncated"),
        "{}",
        found.message
    );
    assert!(source.stats().count("GET /wiki/api/v2/spaces") > 0, "the failure came mid-read");
    sandbox.shutdown().await.unwrap();
}

/// The demo plans with their `sandbox:` sites pointed at a sandbox this test watches.
fn demo_plan(file: &str, source: &SiteHandle, destination: &SiteHandle) -> String {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    text.replace("\"sandbox:acme-eu\"", &format!("\"{}\"", destination.base_url()))
        .replace("\"sandbox:acme\"", &format!("\"{}\"", source.base_url()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_never_writes_to_either_site() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let source = sandbox.site("acme").unwrap().clone();
    let destination = sandbox.site("acme-eu").unwrap().clone();
    let before = (source.export(), destination.export());
    for file in ["plans/marketing-to-eu.toml", "plans/engineering-to-eu.toml"] {
        source.reset_stats();
        destination.reset_stats();
        let checked = check(&source, &destination, demo_plan(file, &source, &destination)).await;
        assert!(!checked.findings.iter().any(|d| d.code == Code::SiteUnreachable), "{:#?}", checked.findings);
        let (s, d) = (source.stats(), destination.stats());
        assert!(s.total > 0 && d.total > 0, "{file}: both sites were read");
        assert_eq!((s.writes, d.writes), (0, 0), "{file}: no writes: {:#?} {:#?}", s.routes, d.routes);
    }
    assert_eq!((source.export(), destination.export()), before, "the sites' state is unchanged");
    sandbox.shutdown().await.unwrap();
}
