//! `cargo bench --bench copy`: copies a generated site between two sandbox sites on loopback and
//! prints plain `name: value` lines. The sandbox runs in this process; `confcopy apply` runs as
//! a child process (the release binary), so its peak memory is measured on its own.
//!
//! Flags (after `--`): `--pages N` (20000) `--spaces N` (20) `--users N` (500)
//! `--latency-ms N` (50) `--concurrency N` (16) `--rate-limit N` (100, requests/s for the
//! rate-limited run; 0 skips it) `--rate-pages N` (2000) `--quick` (CI smoke: 400 pages, 5 ms,
//! rate-limited run on 200 pages) `--scale` (10,000 / 50,000 / 100,000 pages at no latency).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use confcopy::sandbox::command::generated_pair_seed;
use confcopy::sandbox::generate::GenerateSpec;
use confcopy::sandbox::{Fault, FaultConfig, FaultRule, RateLimit, Sandbox, SiteHandle};

struct Options {
    pages: u32,
    spaces: u32,
    users: u32,
    latency_ms: u64,
    concurrency: u32,
    rate_limit: f64,
    rate_pages: u32,
    scale: bool,
}

fn options() -> Options {
    let mut o = Options {
        pages: 20_000,
        spaces: 20,
        users: 500,
        latency_ms: 50,
        concurrency: 16,
        rate_limit: 100.0,
        rate_pages: 2_000,
        scale: false,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = || args.get(i + 1).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        match args[i].as_str() {
            "--pages" => o.pages = value() as u32,
            "--spaces" => o.spaces = value() as u32,
            "--users" => o.users = value() as u32,
            "--latency-ms" => o.latency_ms = value() as u64,
            "--concurrency" => o.concurrency = value() as u32,
            "--rate-limit" => o.rate_limit = value(),
            "--rate-pages" => o.rate_pages = value() as u32,
            "--quick" => {
                o.pages = 400;
                o.spaces = 4;
                o.users = 50;
                o.latency_ms = 5;
                o.rate_pages = 200;
                o.rate_limit = 100.0;
                i -= 1;
            }
            "--scale" => {
                o.scale = true;
                i -= 1;
            }
            _ => i -= 1,
        }
        i += 2;
    }
    o
}

/// The child's peak resident memory, in MB (`getrusage(RUSAGE_CHILDREN)` after it exited).
fn children_peak_mb() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own; RUSAGE_CHILDREN is a valid selector.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

struct Run {
    wall: Duration,
    pages: u64,
    requests: u64,
    rate_limited: u64,
    code: i32,
    peak_mb: f64,
}

fn apply(sandbox: &Sandbox, keys: &[String], concurrency: u32, dir: &Path) -> Run {
    let source = sandbox.site("generated").expect("source site");
    let destination = sandbox.site("generated-dest").expect("destination site");
    let plan = dir.join("plan.toml");
    let quoted: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    std::fs::write(
        &plan,
        format!(
            "name = \"bench\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [{}]\n[run]\nconcurrency = {concurrency}\n",
            source.base_url(),
            destination.base_url(),
            quoted.join(", ")
        ),
    )
    .expect("plan written");
    source.reset_stats();
    destination.reset_stats();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_confcopy"))
        .args(["--state-dir", &dir.join("state").display().to_string(), "apply", "--no-progress"])
        .arg(&plan)
        .args(["--report-dir", &dir.join("reports").display().to_string()])
        .env("CONFCOPY_SOURCE_EMAIL", source.admin_email())
        .env("CONFCOPY_SOURCE_TOKEN", source.admin_token())
        .env("CONFCOPY_SOURCE_ORG_API_KEY", source.org_api_key())
        .env("CONFCOPY_DESTINATION_EMAIL", destination.admin_email())
        .env("CONFCOPY_DESTINATION_TOKEN", destination.admin_token())
        .env("CONFCOPY_DESTINATION_ORG_API_KEY", destination.org_api_key())
        .env("CONFCOPY_API_GATEWAY", destination.base_url())
        .env("NO_COLOR", "1")
        .output()
        .expect("confcopy runs");
    let wall = started.elapsed();
    let code = output.status.code().unwrap_or(-1);
    if code != 0 {
        eprintln!(
            "apply exited {code}:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let summary: serde_json::Value = std::fs::read_to_string(dir.join("reports/summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let pages = summary["totals"]["pages"]["copied"].as_u64().unwrap_or(0);
    let stats = [source.stats(), destination.stats()];
    let requests = stats.iter().map(|s| s.total).sum();
    let rate_limited = stats.iter().flat_map(|s| s.routes.values()).filter_map(|by| by.get(&429)).sum();
    Run { wall, pages, requests, rate_limited, code, peak_mb: children_peak_mb() }
}

fn faults(latency_ms: u64, rate_limit: Option<f64>) -> FaultConfig {
    let mut rules = Vec::new();
    if latency_ms > 0 {
        rules.push(FaultRule {
            route: "*".into(),
            method: "*".into(),
            probability: 1.0,
            after: 0,
            times: None,
            fault: Fault::Latency { fixed_ms: latency_ms, jitter_ms: 0 },
        });
    }
    FaultConfig {
        seed: 1,
        rules,
        rate_limit: rate_limit.map(|per_second| RateLimit { per_second, burst: 10 }),
    }
}

fn space_keys(site: &SiteHandle) -> Vec<String> {
    let state = site.export();
    let mut keys: Vec<String> = state["site"]["spaces"]
        .as_object()
        .map(|spaces| spaces.values().filter_map(|s| s["key"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn start(pages: u32, spaces: u32, users: u32, runtime: &tokio::runtime::Runtime) -> Sandbox {
    let seed = generated_pair_seed(GenerateSpec { spaces, pages, users, seed: 42 });
    runtime.block_on(Sandbox::start(seed)).expect("sandbox starts")
}

fn main() {
    let o = options();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    if o.scale {
        for pages in [10_000, 50_000, 100_000] {
            let sandbox = start(pages, 20, 500, &runtime);
            let keys = space_keys(sandbox.site("generated").expect("site"));
            let dir = tempfile::tempdir().expect("temp dir");
            let run = apply(&sandbox, &keys, o.concurrency, dir.path());
            println!("scale_{pages}_pages_copied: {}", run.pages);
            println!("scale_{pages}_wall_s: {:.1}", run.wall.as_secs_f64());
            println!("scale_{pages}_pages_per_s: {:.0}", run.pages as f64 / run.wall.as_secs_f64());
            println!("scale_{pages}_peak_memory_mb: {:.0}", run.peak_mb);
            runtime.block_on(sandbox.shutdown()).ok();
        }
        return;
    }

    let sandbox = start(o.pages, o.spaces, o.users, &runtime);
    let source = sandbox.site("generated").expect("site").clone();
    let destination = sandbox.site("generated-dest").expect("site").clone();
    let keys = space_keys(&source);
    source.set_faults(faults(o.latency_ms, None));
    destination.set_faults(faults(o.latency_ms, None));
    let dir = tempfile::tempdir().expect("temp dir");
    let run = apply(&sandbox, &keys, o.concurrency, dir.path());
    let wall = run.wall.as_secs_f64();
    let achieved = run.requests as f64 / wall;
    println!("pages_generated: {}", o.pages);
    println!("latency_ms: {}", o.latency_ms);
    println!("concurrency: {}", o.concurrency);
    println!("exit_code: {}", run.code);
    println!("pages_copied: {}", run.pages);
    println!("wall_s: {wall:.1}");
    println!("pages_per_s: {:.0}", run.pages as f64 / wall);
    println!("requests: {}", run.requests);
    println!("requests_per_page: {:.3}", run.requests as f64 / run.pages.max(1) as f64);
    println!("requests_per_s: {achieved:.0}");
    if o.latency_ms > 0 {
        let limit = o.concurrency as f64 * 1000.0 / o.latency_ms as f64;
        println!("limit_requests_per_s: {limit:.0}");
        println!("efficiency: {:.2}", achieved / limit);
    }
    println!("peak_memory_mb: {:.0}", run.peak_mb);
    let mut per_route: BTreeMap<String, u64> = BTreeMap::new();
    for stats in [source.stats(), destination.stats()] {
        for (route, by_status) in stats.routes {
            *per_route.entry(route).or_insert(0) += by_status.values().sum::<u64>();
        }
    }
    for (route, n) in per_route.iter().filter(|(_, n)| **n * 50 >= run.requests) {
        println!("requests[{route}]: {n}");
    }
    runtime.block_on(sandbox.shutdown()).ok();

    if o.rate_limit > 0.0 {
        let sandbox = start(o.rate_pages, o.spaces.min(4), o.users.min(100), &runtime);
        let source = sandbox.site("generated").expect("site").clone();
        let destination = sandbox.site("generated-dest").expect("site").clone();
        let keys = space_keys(&source);
        destination.set_faults(faults(0, Some(o.rate_limit)));
        let dir = tempfile::tempdir().expect("temp dir");
        let run = apply(&sandbox, &keys, o.concurrency, dir.path());
        let wall = run.wall.as_secs_f64();
        let destination_requests = destination.stats().total;
        let rate = destination_requests as f64 / wall;
        println!("rate_limit_per_s: {}", o.rate_limit);
        println!("rate_limited_exit_code: {}", run.code);
        println!("rate_limited_pages_copied: {}", run.pages);
        println!("rate_limited_destination_requests_per_s: {rate:.1}");
        println!("rate_limited_share_of_limit: {:.2}", rate / o.rate_limit);
        println!("rate_limited_429_share: {:.4}", run.rate_limited as f64 / run.requests.max(1) as f64);
        runtime.block_on(sandbox.shutdown()).ok();
    }
}
