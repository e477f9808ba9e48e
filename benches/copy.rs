//! `cargo bench --bench copy`: copies generated sites between two sandbox sites on loopback and
//! prints plain `name: value` lines, each target on the line after its figure (`target_...`).
//! The sandbox runs in this process; `confcopy apply` runs as a child process (the release
//! binary), so its peak memory is measured on its own.
//!
//! Scenarios, in order:
//! 1. the copy at `--latency-ms` and `--concurrency`: pages/s, requests per page, requests/s
//!    against the limit C / latency ("efficiency"), over the whole run and over the window in
//!    which the destination is written, peak memory;
//! 2. plain pages (no attachments, comments or labels, at no latency): requests per page;
//! 3. zero latency: pages/s with client and sandbox on this machine;
//! 4. a destination rate limit: the rate achieved against it, and the share of 429 answers;
//! 5. turbulence: the same copy (`--turbulent-pages`, at `--latency-ms` and `--concurrency`)
//!    with and without a destination that misbehaves (see [`turbulence`]): pages/s of each and
//!    their ratio, the 429s, retries and waits apply's client reports, and the two destinations
//!    compared item by item (a duplicate, a missing or a different item fails the bench).
//!
//! `--scale` runs instead the copy of 10,000, 50,000, 100,000 and 1,000,000 pages (no latency,
//! 20 spaces; `--scale-pages N,N` picks the sizes): time and peak memory of apply and of the
//! sandbox, the growth per page between the two largest sizes, and `check`'s peak memory on the
//! largest site; and
//! `--big-attachment` the copy of a 1 GiB attachment (memory growth against the same copy
//! without it). Neither is for CI.
//!
//! Flags (after `--`): `--pages N` (20000) `--spaces N` (20) `--users N` (500) `--latency-ms N`
//! (50) `--concurrency N` (16) `--plain-pages N` (4000; 0 skips) `--zero-pages N` (10000; 0
//! skips) `--rate-limit N` (100 requests/s; 0 skips) `--rate-pages N` (6000) `--turbulent-pages N`
//! (2000; 0 skips) `--quick` (CI smoke: small sites, 5 ms latency, well under a minute). `--pages 0`
//! skips scenario 1.
//!
//! The exit status is non-zero only when a copy fails (apply's exit code, fewer pages copied
//! than the source holds, or a turbulent copy that differs from the clean one), never because
//! of a figure.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use confcopy_sandbox::command::generated_pair_seed;
use confcopy_sandbox::generate::GenerateSpec;
use confcopy_sandbox::model::{Attachment, AttachmentVersion, BlobData, ContentKind, ContentStatus, World};
use confcopy_sandbox::{Fault, FaultConfig, FaultRule, RateLimit, Sandbox, SiteHandle};

struct Options {
    pages: u32,
    spaces: u32,
    users: u32,
    latency_ms: u64,
    concurrency: u32,
    plain_pages: u32,
    zero_pages: u32,
    rate_limit: f64,
    rate_pages: u32,
    turbulent_pages: u32,
    scale: bool,
    scale_pages: Vec<u32>,
    big_attachment: bool,
}

fn options() -> Options {
    let mut o = Options {
        pages: 20_000,
        spaces: 20,
        users: 500,
        latency_ms: 50,
        concurrency: 16,
        plain_pages: 4_000,
        zero_pages: 10_000,
        rate_limit: 100.0,
        rate_pages: 6_000,
        turbulent_pages: 2_000,
        scale: false,
        scale_pages: vec![10_000, 50_000, 100_000, 1_000_000],
        big_attachment: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = || args.get(i + 1).and_then(|v| v.parse::<f64>().ok());
        let mut takes_value = true;
        match args[i].as_str() {
            "--pages" => o.pages = value().unwrap_or(0.0) as u32,
            "--spaces" => o.spaces = value().unwrap_or(1.0) as u32,
            "--users" => o.users = value().unwrap_or(0.0) as u32,
            "--latency-ms" => o.latency_ms = value().unwrap_or(0.0) as u64,
            "--concurrency" => o.concurrency = value().unwrap_or(1.0) as u32,
            "--plain-pages" => o.plain_pages = value().unwrap_or(0.0) as u32,
            "--zero-pages" => o.zero_pages = value().unwrap_or(0.0) as u32,
            "--rate-limit" => o.rate_limit = value().unwrap_or(0.0),
            "--rate-pages" => o.rate_pages = value().unwrap_or(0.0) as u32,
            "--turbulent-pages" => o.turbulent_pages = value().unwrap_or(0.0) as u32,
            "--quick" => {
                o.pages = 400;
                o.spaces = 4;
                o.users = 50;
                o.latency_ms = 5;
                o.plain_pages = 200;
                o.zero_pages = 400;
                o.rate_pages = 200;
                o.turbulent_pages = 200;
                takes_value = false;
            }
            "--scale" => {
                o.scale = true;
                takes_value = false;
            }
            "--scale-pages" => {
                o.scale = true;
                let list = args.get(i + 1).map(String::as_str).unwrap_or_default();
                o.scale_pages = list.split(',').filter_map(|n| n.trim().parse().ok()).collect();
            }
            "--big-attachment" => {
                o.big_attachment = true;
                takes_value = false;
            }
            // `cargo bench` passes `--bench`; anything else unknown is ignored too.
            _ => takes_value = false,
        }
        i += if takes_value { 2 } else { 1 };
    }
    o.spaces = o.spaces.max(1);
    o.concurrency = o.concurrency.max(1);
    o
}

/// Destination activity sampled while a copy runs: when writes started and stopped, and how
/// many requests each site had answered by then.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    /// Seconds from the child's start to the first and the last sampled write.
    first_write: f64,
    last_write: f64,
    /// Requests (both sites) and destination requests between those samples.
    requests: u64,
    destination_requests: u64,
    destination_429: u64,
    /// The same from `SETTLE` after the first write to the last (once a rate limit is learned).
    settled_seconds: f64,
    settled_destination_requests: u64,
    settled_destination_429: u64,
}

/// How long after the first write the rate-limited scenario's steady share is measured from.
const SETTLE: f64 = 10.0;

impl Window {
    fn seconds(&self) -> f64 {
        (self.last_write - self.first_write).max(1e-9)
    }
}

struct Run {
    wall: Duration,
    /// Pages and blog posts copied, how many the plan's graph held (those the copying account
    /// can read), and how many the source holds.
    pages: u64,
    expected: u64,
    source_pages: u64,
    requests: u64,
    destination_requests: u64,
    rate_limited: u64,
    code: i32,
    peak_mb: f64,
    /// CPU seconds of the child (confcopy) and of this process (the sandbox) during the copy.
    cpu_s: f64,
    sandbox_cpu_s: f64,
    window: Window,
    per_route: BTreeMap<String, u64>,
    /// What apply's client says it sent to each site (`confcopy::requests` log line): requests,
    /// retries, rate_limited, paused_s, backoff_s, held_s, lowest_paced_rate.
    client: BTreeMap<String, BTreeMap<String, String>>,
    /// The destination reduced to what a copy must hold (see [`digest`]), when asked for.
    digest: Option<Digest>,
}

impl Run {
    /// The copy failed: apply said so, a page was not copied, or the plan missed more than the
    /// read-restricted tenth of the source (generated sites restrict about 3% of their pages).
    fn failed(&self) -> bool {
        self.code != 0 || self.pages < self.expected || self.expected * 10 < self.source_pages * 9
    }
}

/// Pages and blog posts of the site (current or archived), readable or not.
fn expected_pages(site: &SiteHandle) -> u64 {
    site.with_world(|w: &mut World, i| {
        w.sites[i]
            .contents
            .values()
            .filter(|c| matches!(c.kind, ContentKind::Page | ContentKind::BlogPost))
            .filter(|c| matches!(c.status, ContentStatus::Current | ContentStatus::Archived))
            .count() as u64
    })
}

/// Writes the plan that copies every space of the generated site; its path.
fn write_plan(sandbox: &Sandbox, concurrency: u32, dir: &Path) -> std::path::PathBuf {
    let source = sandbox.site("generated").expect("source site");
    let destination = sandbox.site("generated-dest").expect("destination site");
    let quoted: Vec<String> = space_keys(source).iter().map(|k| format!("\"{k}\"")).collect();
    let plan = dir.join("plan.toml");
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
    plan
}

/// Gives confcopy the credentials of both generated sites (and the gateway of the org API).
fn with_credentials(command: &mut Command, source: &SiteHandle, destination: &SiteHandle) {
    command.envs(SiteHandle::signed_in_env(source, destination)).env("NO_COLOR", "1");
}

/// One `--scale` size: `check` of a plan that copies `pages` pages in 20 spaces (no latency),
/// then its apply; with apply's figures, the peak memory of `check` and of this process (the
/// sandbox holding both sites; a process's peak never falls, so sizes go up).
fn scale(runtime: &tokio::runtime::Runtime, pages: u32, concurrency: u32) -> Scaled {
    let sandbox = start(pages, 20, 500, runtime);
    let dir = tempfile::tempdir().expect("temp dir");
    let check_peak_mb = check_peak_mb(&sandbox, concurrency, dir.path());

    let run = apply(&sandbox, concurrency, dir.path());
    let sandbox_peak_mb = peak_rss_mb(std::process::id()).unwrap_or(0.0);
    runtime.block_on(sandbox.shutdown()).ok();
    Scaled { run, check_peak_mb, sandbox_peak_mb }
}

struct Scaled {
    run: Run,
    check_peak_mb: Option<f64>,
    sandbox_peak_mb: f64,
}

/// Runs `confcopy check` (the site checks and the dry-run walk) of the plan in `dir`; the peak
/// resident memory it reached, sampled every 20 ms, or `None` when it could not run.
// The child is reaped by `wait4` (in `wait_for`), as in `apply`.
#[allow(clippy::zombie_processes)]
fn check_peak_mb(sandbox: &Sandbox, concurrency: u32, dir: &Path) -> Option<f64> {
    let source = sandbox.site("generated").expect("source site");
    let destination = sandbox.site("generated-dest").expect("destination site");
    let plan = write_plan(sandbox, concurrency, dir);
    let mut command = Command::new(env!("CARGO_BIN_EXE_confcopy"));
    with_credentials(&mut command, source, destination);
    let child = command
        .args(["--state-dir", &dir.join("state").display().to_string(), "check"])
        .arg(&plan)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut peak = 0.0f64;
            while !done.load(Ordering::Acquire) {
                peak = peak.max(peak_rss_mb(pid).unwrap_or(0.0));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let (code, _) = wait_for(pid);
    done.store(true, Ordering::Release);
    let peak = sampler.join().ok()?;
    if code > 1 {
        eprintln!("check exited {code}");
        return None;
    }
    Some(peak)
}

/// Runs `confcopy apply` for every space of the generated site; waits for it with `wait4` so its
/// own peak resident memory is known.
// The child is reaped by `wait4` (in `wait_for`), which `Child::wait` cannot do with rusage.
#[allow(clippy::zombie_processes)]
fn apply(sandbox: &Sandbox, concurrency: u32, dir: &Path) -> Run {
    let source = sandbox.site("generated").expect("source site").clone();
    let destination = sandbox.site("generated-dest").expect("destination site").clone();
    let source_pages = expected_pages(&source);
    let plan = write_plan(sandbox, concurrency, dir);
    source.reset_stats();
    destination.reset_stats();
    let own_cpu_before = own_cpu_s();
    let started = Instant::now();
    // `COPY_BENCH_WRAP="perf record -g -o /tmp/apply.perf --"` runs apply under a profiler.
    let wrap: Vec<String> = std::env::var("COPY_BENCH_WRAP")
        .map(|w| w.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mut command = match wrap.split_first() {
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(env!("CARGO_BIN_EXE_confcopy"));
            command
        }
        None => Command::new(env!("CARGO_BIN_EXE_confcopy")),
    };
    with_credentials(&mut command, &source, &destination);
    let mut child = command
        .args(["--state-dir", &dir.join("state").display().to_string(), "apply", "--no-progress"])
        .arg(&plan)
        .args(["--report-dir", &dir.join("reports").display().to_string()])
        .env(
            "CONFCOPY_LOG",
            std::env::var("CONFCOPY_LOG").unwrap_or_else(|_| "warn,confcopy::requests=info".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("confcopy starts");
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("stdout piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("stderr piped")));
    let done = Arc::new(AtomicBool::new(false));
    let pid = child.id();
    let sampler = {
        let (source, destination, done) = (source.clone(), destination.clone(), Arc::clone(&done));
        std::thread::spawn(move || sample(&source, &destination, pid, started, &done))
    };
    let (code, cpu_s) = wait_for(pid);
    let sandbox_cpu_s = own_cpu_s() - own_cpu_before;
    let wall = started.elapsed();
    done.store(true, Ordering::Release);
    let (window, peak_mb) = sampler.join().unwrap_or_default();
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    if let Some(path) = std::env::var_os("COPY_BENCH_STDERR") {
        // For a closer look: `CONFCOPY_LOG=debug COPY_BENCH_STDERR=/tmp/apply.log cargo bench ...`
        // (each apply of the run appended, after a line naming the plan it copied).
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path);
        if let Ok(mut file) = file {
            use std::io::Write as _;
            let _ = writeln!(file, "==== apply of {}", plan.display());
            let _ = file.write_all(stderr.as_bytes());
        }
    }
    if code != 0 {
        eprintln!("apply exited {code}:\n{stdout}\n{}", tail(&stderr, 40));
    }
    let summary: serde_json::Value = std::fs::read_to_string(dir.join("reports/summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let totals = &summary["totals"];
    let count = |what: &str, of: &str| totals[what][of].as_u64().unwrap_or(0);
    let pages = count("pages", "copied") + count("blog_posts", "copied");
    let expected = count("pages", "total") + count("blog_posts", "total");
    let stats = [source.stats(), destination.stats()];
    let requests = stats.iter().map(|s| s.total).sum();
    let rate_limited = stats.iter().flat_map(|s| s.routes.values()).filter_map(|by| by.get(&429)).sum();
    let mut per_route: BTreeMap<String, u64> = BTreeMap::new();
    for stats in &stats {
        for (route, by_status) in &stats.routes {
            *per_route.entry(route.clone()).or_insert(0) += by_status.values().sum::<u64>();
        }
    }
    let client = client_stats(&stderr);
    Run {
        client,
        digest: None,
        wall,
        pages,
        expected,
        source_pages,
        requests,
        destination_requests: stats[1].total,
        rate_limited,
        code,
        peak_mb,
        cpu_s,
        sandbox_cpu_s,
        window,
        per_route,
    }
}

/// The `confcopy::requests` lines of apply's log, by site: `key=value` fields.
fn client_stats(log: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for line in log.lines().filter(|l| l.contains("confcopy::requests")) {
        let fields: BTreeMap<String, String> = line
            .split_whitespace()
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect();
        if let Some(site) = fields.get("site").cloned() {
            out.insert(site, fields);
        }
    }
    out
}

/// A site reduced to what a copy must hold, as a multiset of lines that name things by space key
/// and title (ids differ between runs): spaces, pages, blog posts and folders (parent, status,
/// version count, labels, restrictions, property keys, body with ids replaced by names, children
/// in order), attachments (container, versions, sizes), comments (container, kind, parent, body,
/// resolution). A copy made twice over differs from one made once; so does one missing anything.
fn digest(site: &SiteHandle) -> Digest {
    use std::fmt::Write as _;
    site.with_world(|w: &mut World, i| {
        let site = &w.sites[i];
        let space_key = |id: u64| site.spaces.get(&id).map_or("?".to_string(), |s| s.key.clone());
        let mut names: BTreeMap<u64, String> = BTreeMap::new();
        for c in site.contents.values() {
            names.insert(c.id, format!("{}/{}", space_key(c.space_id), c.title));
        }
        for a in site.attachments.values() {
            let container = names.get(&a.container_id).cloned().unwrap_or_default();
            names.insert(a.id, format!("{container}/{}", a.title));
        }
        for c in site.comments.values() {
            names.insert(c.id, "comment".into());
        }
        let group_names: BTreeMap<&str, &str> =
            site.groups.iter().map(|g| (g.id.as_str(), g.name.as_str())).collect();
        // Ids in a body name what they point at.
        let text = |body: &confcopy_sandbox::model::Body| -> String {
            let raw = match body {
                confcopy_sandbox::model::Body::Text { value } => value.text().to_string(),
                other => format!("{other:?}"),
            };
            let mut out = String::with_capacity(raw.len());
            let mut digits = String::new();
            for ch in raw.chars().chain(std::iter::once(' ')) {
                if ch.is_ascii_digit() {
                    digits.push(ch);
                    continue;
                }
                if !digits.is_empty() {
                    match digits.parse::<u64>().ok().and_then(|n| names.get(&n)) {
                        Some(name) if digits.len() >= 3 => out.push_str(&format!("<{name}>")),
                        _ => out.push_str(&digits),
                    }
                    digits.clear();
                }
                out.push(ch);
            }
            out
        };
        let hash = |text: &str| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            h.finish()
        };
        let mut lines: Digest = BTreeMap::new();
        let mut add = |identity: String, details: String| lines.entry(identity).or_default().push(details);
        for space in site.spaces.values() {
            let labels: Vec<&str> = space.labels.iter().map(|l| l.name.as_str()).collect();
            add(format!("space {}", space.key), format!("{:?} {labels:?} {:?}", space.name, space.status));
            for p in &space.permissions {
                let who = group_names.get(p.principal.id.as_str()).copied().unwrap_or(p.principal.id.as_str());
                add(
                    format!("permission {} {} {} {}", space.key, p.principal.kind.as_str(), who, p.operation),
                    p.target.clone(),
                );
            }
        }
        for g in &site.groups {
            add(format!("group {}", g.name), format!("members={:?}", g.members));
        }
        let mut children: BTreeMap<Option<u64>, Vec<(i64, &str)>> = BTreeMap::new();
        for c in site.contents.values() {
            if matches!(c.status, ContentStatus::Current | ContentStatus::Archived) {
                children.entry(c.parent_id).or_default().push((c.position, c.title.as_str()));
            }
        }
        for c in site.contents.values() {
            let mut labels: Vec<&str> = c.labels.iter().map(|l| l.name.as_str()).collect();
            labels.sort();
            let mut properties: Vec<&str> = c.properties.iter().map(|p| p.key.as_str()).collect();
            properties.sort();
            let restricted = |r: &confcopy_sandbox::model::Restriction| {
                let mut groups: Vec<&str> =
                    r.groups.iter().map(|g| group_names.get(g.as_str()).copied().unwrap_or("?")).collect();
                groups.sort();
                format!("{:?}/{groups:?}", r.users)
            };
            let mut kids = children.get(&Some(c.id)).cloned().unwrap_or_default();
            kids.sort();
            let kids: Vec<&str> = kids.into_iter().map(|(_, t)| t).collect();
            let mut line = format!(
                "parent={:?} {:?} versions={} labels={labels:?} properties={properties:?} read={} update={} body={:x} children={}",
                c.parent_id.and_then(|p| names.get(&p)),
                c.status,
                c.versions.len(),
                restricted(&c.restrictions.read),
                restricted(&c.restrictions.update),
                hash(&text(&c.current().body)),
                hash(&format!("{kids:?}")),
            );
            if c.kind == ContentKind::BlogPost {
                let _ = write!(line, " posted={}", c.created_at);
            }
            add(format!("{} {}", c.kind.as_str(), names[&c.id]), line);
        }
        for a in site.attachments.values() {
            let sizes: Vec<u64> = a.versions.iter().map(|v| v.data.size()).collect();
            let mut properties: Vec<&str> = a.properties.iter().map(|p| p.key.as_str()).collect();
            properties.sort();
            add(
                format!("attachment {}", names[&a.id]),
                format!("{} {:?} sizes={sizes:?} properties={properties:?}", a.media_type, a.status),
            );
        }
        for c in site.comments.values() {
            let container = names.get(&c.container_id).cloned().unwrap_or_default();
            let parent = c.parent_comment_id.and_then(|p| site.comments.get(&p)).map(|p| hash(&text(&p.current().body)));
            let mut properties: Vec<&str> = c.properties.iter().map(|p| p.key.as_str()).collect();
            properties.sort();
            add(
                format!(
                    "comment {container} {:?} parent={parent:?} body={:x} selection={:?}",
                    c.kind,
                    hash(&text(&c.current().body)),
                    c.inline_original_selection,
                ),
                format!("{:?} resolution={:?} properties={properties:?}", c.status, c.resolution_status),
            );
        }
        for details in lines.values_mut() {
            details.sort();
        }
        lines
    })
}

/// What a site holds, by identity (kind and name; a comment by container, parent and body):
/// the details of each item with that identity, sorted.
type Digest = BTreeMap<String, Vec<String>>;

/// How `got` differs from `expected`: items it holds more of (duplicates), fewer of (missing),
/// and items held as often but not the same; with a few examples.
struct Difference {
    duplicates: usize,
    missing: usize,
    changed: usize,
    examples: Vec<String>,
}

fn compare(expected: &Digest, got: &Digest) -> Difference {
    let mut d = Difference { duplicates: 0, missing: 0, changed: 0, examples: Vec::new() };
    let none = Vec::new();
    for identity in expected.keys().chain(got.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (want, have) = (expected.get(identity).unwrap_or(&none), got.get(identity).unwrap_or(&none));
        if want == have {
            continue;
        }
        d.duplicates += have.len().saturating_sub(want.len());
        d.missing += want.len().saturating_sub(have.len());
        if want.len() == have.len() {
            d.changed += 1;
        }
        if d.examples.len() < 8 {
            d.examples.push(format!("{identity}: expected {want:?}, found {have:?}"));
        }
    }
    d
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Waits for the child and returns its exit code and the CPU seconds it used.
fn wait_for(pid: u32) -> (i32, f64) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes into the status and the rusage we own; the pid is our child's.
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    if waited < 0 {
        return (-1, 0.0);
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    (code, cpu_seconds(&usage))
}

/// The process's peak resident memory so far (`VmHWM`), in MB. (The child's `ru_maxrss` would
/// include this process's size at the fork, which the exec does not reset.)
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn cpu_seconds(usage: &libc::rusage) -> f64 {
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// CPU seconds this process (the sandbox, mostly) has used so far.
fn own_cpu_s() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own; RUSAGE_SELF is a valid selector.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    cpu_seconds(&usage)
}

/// Samples both sites and the child every 10 ms until `done`: the window from the first to the
/// last destination write, the requests answered within it, and the child's peak memory.
fn sample(
    source: &SiteHandle,
    destination: &SiteHandle,
    pid: u32,
    started: Instant,
    done: &AtomicBool,
) -> (Window, f64) {
    struct Sample {
        at: f64,
        requests: u64,
        destination: u64,
        limited: u64,
    }
    let mut first: Option<Sample> = None;
    let mut settled: Option<Sample> = None;
    let mut last: Option<Sample> = None;
    let mut writes = 0;
    let mut peak_mb: f64 = 0.0;
    loop {
        let finished = done.load(Ordering::Acquire);
        if let Some(mb) = peak_rss_mb(pid) {
            peak_mb = peak_mb.max(mb);
        }
        let d = destination.stats();
        let now = Sample {
            at: started.elapsed().as_secs_f64(),
            requests: source.stats().total + d.total,
            destination: d.total,
            limited: d.routes.values().filter_map(|by| by.get(&429)).sum(),
        };
        if d.writes > writes {
            writes = d.writes;
            if first.is_none() {
                first = Some(Sample { ..now });
            } else {
                if settled.is_none() && first.as_ref().is_some_and(|f| now.at >= f.at + SETTLE) {
                    settled = Some(Sample { ..now });
                }
                last = Some(now);
            }
        }
        if finished {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let window = match (first, last) {
        (Some(first), Some(last)) => Window {
            first_write: first.at,
            last_write: last.at,
            requests: last.requests - first.requests,
            destination_requests: last.destination - first.destination,
            destination_429: last.limited - first.limited,
            settled_seconds: settled.as_ref().map_or(0.0, |s| last.at - s.at),
            settled_destination_requests: settled.as_ref().map_or(0, |s| last.destination - s.destination),
            settled_destination_429: settled.as_ref().map_or(0, |s| last.limited - s.limited),
        },
        _ => Window::default(),
    };
    (window, peak_mb)
}

fn latency(latency_ms: u64) -> FaultConfig {
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
    FaultConfig { seed: 1, rules, rate_limit: None }
}

/// The turbulent destination: `latency_ms` on every request, and a mix of what a busy Cloud
/// site and the proxies in front of it throw at a run. Each rule draws on its own for each
/// request it matches and the first fault drawn wins, so later rules hit a little less often
/// than their rate:
/// - 429 with `Retry-After: 1` on 3% of requests;
/// - a connection reset (nothing done) on 3% of requests;
/// - 503 (no `Retry-After`) on 4% of POSTs;
/// - a JSON answer cut in half on 2% of requests (the request is done);
/// - a 502 HTML page from a proxy on 2% of GETs;
/// - commit then drop (the write is done, the answer lost) on 5% of v1 content creates (pages)
///   and 10% of the other POSTs (blog posts, comments, attachments, properties, labels).
fn turbulence(latency_ms: u64) -> FaultConfig {
    let mut config = latency(latency_ms);
    config.seed = 16;
    let rule = |route: &str, method: &str, probability: f64, fault: Fault| FaultRule {
        route: route.into(),
        method: method.into(),
        probability,
        after: 0,
        times: None,
        fault,
    };
    config.rules.extend([
        rule("*", "*", 0.03, Fault::RateLimited { retry_after: 1 }),
        rule("*", "*", 0.03, Fault::ConnectionReset),
        rule("*", "POST", 0.04, Fault::ServerError { status: 503, retry_after: None }),
        rule("*", "*", 0.02, Fault::TruncatedJson),
        rule("*", "GET", 0.02, Fault::HtmlError { status: 502 }),
        rule("/wiki/rest/api/content", "POST", 0.05, Fault::CommitThenDrop),
        rule("*", "POST", 0.10, Fault::CommitThenDrop),
    ]);
    config
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

fn print(name: &str, value: impl std::fmt::Display) {
    println!("{name}: {value}");
}

/// Runs one scenario on a fresh pair of sites; `prepare` may change the source first.
fn scenario(
    runtime: &tokio::runtime::Runtime,
    site: (u32, u32, u32),
    concurrency: u32,
    faults: (FaultConfig, FaultConfig),
    prepare: impl FnOnce(&SiteHandle),
) -> Run {
    scenario_with(runtime, site, concurrency, faults, prepare, false)
}

/// [`scenario`], with the destination's [`digest`] when `keep_digest`.
fn scenario_with(
    runtime: &tokio::runtime::Runtime,
    (pages, spaces, users): (u32, u32, u32),
    concurrency: u32,
    faults: (FaultConfig, FaultConfig),
    prepare: impl FnOnce(&SiteHandle),
    keep_digest: bool,
) -> Run {
    let sandbox = start(pages, spaces, users, runtime);
    let source = sandbox.site("generated").expect("site").clone();
    let destination = sandbox.site("generated-dest").expect("site").clone();
    prepare(&source);
    source.set_faults(faults.0);
    destination.set_faults(faults.1);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut run = apply(&sandbox, concurrency, dir.path());
    if keep_digest {
        run.digest = Some(digest(&destination));
    }
    runtime.block_on(sandbox.shutdown()).ok();
    if std::env::var_os("COPY_BENCH_KEEP").is_some() {
        // Keeps the plan, state and reports for a closer look.
        eprintln!("kept {}", dir.keep().display());
    }
    run
}

fn report_copy(prefix: &str, run: &Run) {
    print(&format!("{prefix}exit_code"), run.code);
    print(
        &format!("{prefix}pages_copied"),
        format!("{} of {} readable ({} on the source)", run.pages, run.expected, run.source_pages),
    );
    print(&format!("{prefix}wall_s"), format!("{:.1}", run.wall.as_secs_f64()));
    // Reading both sites, the checks, the snapshot and the graph: everything before the first write.
    print(&format!("{prefix}first_write_s"), format!("{:.1}", run.window.first_write));
    print(&format!("{prefix}pages_per_s"), format!("{:.0}", run.pages as f64 / run.wall.as_secs_f64()));
    print(&format!("{prefix}requests"), run.requests);
    print(
        &format!("{prefix}requests_per_page"),
        format!("{:.3}", run.requests as f64 / run.pages.max(1) as f64),
    );
    print(&format!("{prefix}peak_memory_mb"), format!("{:.0}", run.peak_mb));
    print(&format!("{prefix}confcopy_cpu_s"), format!("{:.1}", run.cpu_s));
    print(&format!("{prefix}sandbox_cpu_s"), format!("{:.1}", run.sandbox_cpu_s));
    // `COPY_BENCH_ALL_ROUTES=1` lists every route, however few its requests.
    let all = std::env::var_os("COPY_BENCH_ALL_ROUTES").is_some();
    for (route, n) in run.per_route.iter().filter(|(_, n)| all || **n * 500 >= run.requests) {
        print(&format!("{prefix}requests[{route}]"), n);
    }
}

fn main() {
    let o = options();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let mut failed = Vec::new();
    let mut check = |name: &str, run: &Run| {
        if run.failed() {
            failed.push(name.to_string());
        }
    };
    let none = || (latency(0), latency(0));
    if o.scale {
        let mut peaks: Vec<(u32, f64)> = Vec::new();
        for &pages in &o.scale_pages {
            let scaled = scale(&runtime, pages, o.concurrency);
            let run = scaled.run;
            let prefix = format!("scale_{pages}_");
            report_copy(&prefix, &run);
            print(&format!("{prefix}sandbox_peak_memory_mb"), format!("{:.0}", scaled.sandbox_peak_mb));
            if let Some(check_mb) = scaled.check_peak_mb {
                print(&format!("{prefix}check_peak_memory_mb"), format!("{check_mb:.0}"));
            }
            match pages {
                100_000 => print("target_scale_100000_peak_memory_mb", 150),
                1_000_000 => {
                    print("target_scale_1000000_peak_memory_mb", 400);
                    print("target_scale_1000000_check_peak_memory_mb", 200);
                }
                _ => {}
            }
            if let Some(&(smaller, smaller_mb)) = peaks.last() {
                let kb = (run.peak_mb - smaller_mb) * 1024.0 / f64::from(pages - smaller);
                print(&format!("scale_growth_kb_per_page_{smaller}_to_{pages}"), format!("{kb:.2}"));
                if (smaller, pages) == (100_000, 1_000_000) {
                    print("target_scale_growth_kb_per_page_100000_to_1000000", 0.2);
                }
            }
            peaks.push((pages, run.peak_mb));
            check(&prefix, &run);
        }
    } else if o.big_attachment {
        big_attachment(&runtime, o.concurrency, &mut check);
    } else {
        // 1. The copy at the given latency.
        if o.pages > 0 {
            let faults = (latency(o.latency_ms), latency(o.latency_ms));
            let run = scenario(&runtime, (o.pages, o.spaces, o.users), o.concurrency, faults, |_| {});
            let wall = run.wall.as_secs_f64();
            print("pages_generated", o.pages);
            print("latency_ms", o.latency_ms);
            print("concurrency", o.concurrency);
            report_copy("", &run);
            let achieved = run.requests as f64 / wall;
            print("requests_per_s", format!("{achieved:.0}"));
            let in_window = run.window.requests as f64 / run.window.seconds();
            print("write_window_s", format!("{:.1} to {:.1}", run.window.first_write, run.window.last_write));
            print("write_window_requests_per_s", format!("{in_window:.0}"));
            if o.latency_ms > 0 {
                let limit = o.concurrency as f64 * 1000.0 / o.latency_ms as f64;
                print("limit_requests_per_s", format!("{limit:.0}"));
                print("efficiency", format!("{:.2}", achieved / limit));
                print("target_efficiency", 0.85);
                print("efficiency_write_window", format!("{:.2}", in_window / limit));
            }
            check("copy", &run);
        }

        // 2. Plain pages: no attachments, comments or labels (each is a write of its own).
        if o.plain_pages > 0 {
            // As dense as the default copy (1,000 pages a space): space setup is not per page.
            let spaces = o.spaces.min(o.plain_pages.div_ceil(1_000)).max(1);
            let run = scenario(
                &runtime,
                (o.plain_pages, spaces, o.users.min(100)),
                o.concurrency,
                none(),
                |source| {
                    source.with_world(|w, i| {
                        let site = &mut w.sites[i];
                        site.attachments.clear();
                        site.comments.clear();
                        for c in site.contents.values_mut() {
                            c.labels.clear();
                        }
                    })
                },
            );
            report_copy("plain_", &run);
            print("requests_per_page_plain", format!("{:.3}", run.requests as f64 / run.pages.max(1) as f64));
            print("target_requests_per_page_plain", 1.05);
            check("plain", &run);
        }

        // 3. No latency: what client and sandbox do together on this machine.
        if o.zero_pages > 0 {
            let run = scenario(&runtime, (o.zero_pages, o.spaces, o.users), o.concurrency, none(), |_| {});
            report_copy("zero_latency_", &run);
            print("target_zero_latency_pages_per_s", 2000);
            check("zero latency", &run);
        }

        // 4. A rate-limited destination.
        if o.rate_limit > 0.0 {
            let limited = FaultConfig {
                seed: 1,
                rules: Vec::new(),
                rate_limit: Some(RateLimit { per_second: o.rate_limit, burst: 10 }),
            };
            let run = scenario(
                &runtime,
                (o.rate_pages, o.spaces.min(4), o.users.min(100)),
                o.concurrency,
                (latency(0), limited),
                |_| {},
            );
            print("rate_limit_per_s", o.rate_limit);
            report_copy("rate_limited_", &run);
            let whole = run.destination_requests as f64 / run.wall.as_secs_f64();
            let window = &run.window;
            let accepted = window.destination_requests.saturating_sub(window.destination_429) as f64;
            let in_window = accepted / window.seconds();
            print("rate_limited_destination_requests_per_s_whole_run", format!("{whole:.1}"));
            print(
                "rate_limited_write_window_s",
                format!("{:.1} to {:.1}", window.first_write, window.last_write),
            );
            print("rate_limited_destination_accepted_per_s", format!("{in_window:.1}"));
            print("rate_limited_share_of_limit", format!("{:.2}", in_window / o.rate_limit));
            print("target_rate_limited_share_of_limit", 0.90);
            if window.settled_seconds > 0.0 {
                // Learning the limit (a first 429 and its Retry-After pause, then finding the
                // rate) takes a few seconds whatever the run's length; this is the rate after it.
                let accepted =
                    window.settled_destination_requests.saturating_sub(window.settled_destination_429) as f64;
                print(
                    &format!("rate_limited_share_of_limit_after_{SETTLE:.0}s"),
                    format!("{:.2}", accepted / window.settled_seconds / o.rate_limit),
                );
            }
            print(
                "rate_limited_429_share",
                format!("{:.4}", run.rate_limited as f64 / run.destination_requests.max(1) as f64),
            );
            print("target_rate_limited_429_share", 0.01);
            check("rate limited", &run);
        }

        // 5. Turbulence: the same copy with and without a destination that misbehaves.
        if o.turbulent_pages > 0 {
            let site =
                (o.turbulent_pages, o.spaces.min(o.turbulent_pages.div_ceil(500)).max(1), o.users.min(100));
            let clean_faults = (latency(o.latency_ms), latency(o.latency_ms));
            let clean = scenario_with(&runtime, site, o.concurrency, clean_faults, |_| {}, true);
            report_copy("clean_", &clean);
            check("clean", &clean);
            let faults = (latency(o.latency_ms), turbulence(o.latency_ms));
            let turbulent = scenario_with(&runtime, site, o.concurrency, faults, |_| {}, true);
            report_copy("turbulent_", &turbulent);
            check("turbulent", &turbulent);
            let clean_rate = clean.pages as f64 / clean.wall.as_secs_f64();
            let turbulent_rate = turbulent.pages as f64 / turbulent.wall.as_secs_f64();
            print("clean_pages_per_s", format!("{clean_rate:.1}"));
            print("turbulent_pages_per_s", format!("{turbulent_rate:.1}"));
            print("turbulent_share_of_clean", format!("{:.2}", turbulent_rate / clean_rate));
            print("target_turbulent_share_of_clean", 0.6);
            print("turbulent_429s", turbulent.rate_limited);
            let sent = |field: &str| {
                turbulent.client.get("destination").and_then(|f| f.get(field)).cloned().unwrap_or("?".into())
            };
            print("turbulent_retries", sent("retries"));
            print("turbulent_retry_after_pause_s", sent("paused_s"));
            print("turbulent_backoff_s", sent("backoff_s"));
            print("turbulent_held_by_pacer_s", sent("held_s"));
            print("turbulent_lowest_paced_rate", sent("lowest_paced_rate"));
            let d = compare(
                clean.digest.as_ref().expect("digest kept"),
                turbulent.digest.as_ref().expect("digest kept"),
            );
            print("turbulent_duplicates", d.duplicates);
            print("target_turbulent_duplicates", 0);
            print("turbulent_missing", d.missing);
            print("turbulent_changed", d.changed);
            let same = d.duplicates == 0 && d.missing == 0 && d.changed == 0;
            print("turbulent_same_destination_as_clean", same);
            for example in &d.examples {
                eprintln!("turbulent destination differs: {example}");
            }
            if !same {
                failed.push("turbulent (destination differs from the clean copy)".into());
            }
        }
    }
    if !failed.is_empty() {
        eprintln!("copy failed in: {}", failed.join(", "));
        std::process::exit(1);
    }
}

/// A 1 GiB attachment: the child's peak memory against the same copy without it.
fn big_attachment(runtime: &tokio::runtime::Runtime, concurrency: u32, check: &mut impl FnMut(&str, &Run)) {
    const SIZE: u64 = 1 << 30;
    let site = (40, 1, 10);
    let baseline = scenario(runtime, site, concurrency, (latency(0), latency(0)), |_| {});
    report_copy("big_attachment_baseline_", &baseline);
    check("big attachment baseline", &baseline);
    let run = scenario(runtime, site, concurrency, (latency(0), latency(0)), |source| {
        source.with_world(|w, i| {
            let site = &mut w.sites[i];
            let Some(page) = site
                .contents
                .values()
                .find(|c| c.kind == ContentKind::Page && c.status == ContentStatus::Current)
                .map(|c| (c.id, c.created_at.clone(), c.author_id.clone()))
            else {
                return;
            };
            let id = site.alloc_id();
            site.attachments.insert(
                id,
                Attachment {
                    id,
                    container_id: page.0,
                    title: "big.bin".into(),
                    media_type: "application/octet-stream".into(),
                    file_id: format!("{id:032x}"),
                    status: ContentStatus::Current,
                    created_at: page.1.clone(),
                    versions: vec![AttachmentVersion {
                        number: 1,
                        created_at: page.1,
                        author_id: page.2,
                        comment: String::new(),
                        minor_edit: false,
                        data: BlobData::Generated { seed: id, size: SIZE },
                    }],
                    labels: Vec::new(),
                    properties: Vec::new(),
                },
            );
        })
    });
    report_copy("big_attachment_", &run);
    print("big_attachment_bytes", SIZE);
    print("big_attachment_memory_growth_mb", format!("{:.0}", run.peak_mb - baseline.peak_mb));
    print("target_big_attachment_memory_growth_mb", 50);
    check("big attachment", &run);
}
