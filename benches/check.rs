//! The dry-run check of a generated site (20,000 pages unless `--pages N`) against an empty
//! destination, through the library exactly as `confcopy check` runs it: pages, list requests per
//! route, entries per list request, total requests and wall time. Prints `name: value` lines:
//! `list_requests`, `items` (entries in every list answer), `allowance` (one list request per 250
//! items, rounded up) and `within_allowance: yes|no`.
//!
//! `cargo bench --bench check` or `cargo bench --bench check -- --pages 100000`.

use std::time::Instant;

use confcopy::checks::Forecast;
use confcopy::client::ClientOptions;
use confcopy::settings::{Settings, SiteCredentials};
use confcopy::site::PlanSites;
use confcopy_sandbox::command::generated_pair_seed;
use confcopy_sandbox::generate::{GenerateSpec, space_key};
use confcopy_sandbox::{Sandbox, Stats};

const SPACES: u32 = 10;
const DEFAULT_PAGES: u32 = 20_000;
const USERS: u32 = 300;
/// The client's largest page size: a list request should bring this many entries at most.
const ENTRIES_PER_LIST: u64 = 250;

fn print_lists(side: &str, stats: &Stats) {
    for (route, list) in &stats.lists {
        println!(
            "{side}_list {route}: {} requests, {} entries ({:.1} per request)",
            list.requests,
            list.items,
            list.items as f64 / list.requests.max(1) as f64
        );
    }
    let per_item: Vec<&String> = stats
        .routes
        .keys()
        .filter(|r| r.starts_with("GET ") && !stats.lists.contains_key(*r))
        .filter(|r| stats.count(r) > 10)
        .collect();
    for route in per_item {
        println!("{side}_single_item_gets {route}: {}", stats.count(route));
    }
}

/// `--pages N` (or `--pages=N`); cargo's own `--bench` flag is ignored.
fn pages_from_args() -> Result<u32, String> {
    let mut pages = DEFAULT_PAGES;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--bench" => continue,
            "--pages" => args.next().ok_or("--pages needs a number, e.g. --pages 100000")?,
            other => match other.strip_prefix("--pages=") {
                Some(value) => value.to_string(),
                None => return Err(format!("unknown argument {other:?}; the check bench takes --pages N")),
            },
        };
        pages = value
            .replace('_', "")
            .parse()
            .ok()
            .filter(|n| *n >= SPACES)
            .ok_or(format!("--pages {value:?}: give a whole number of at least {SPACES}"))?;
    }
    Ok(pages)
}

fn main() {
    let pages = match pages_from_args() {
        Ok(pages) => pages,
        Err(message) => {
            eprintln!("check bench: {message}");
            std::process::exit(2);
        }
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let spec = GenerateSpec { spaces: SPACES, pages, users: USERS, seed: 1 };
        let sandbox = Sandbox::start(generated_pair_seed(spec)).await.expect("generated sites start");
        let source = sandbox.site("generated").expect("source").clone();
        let destination = sandbox.site("generated-dest").expect("destination").clone();
        let keys: Vec<String> = (0..SPACES).map(|i| format!("\"{}\"", space_key(i))).collect();
        let text = format!(
            "name = \"check-bench\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [{}]\n",
            source.base_url(),
            destination.base_url(),
            keys.join(", ")
        );
        let loaded = confcopy::plan::load_text("check-bench.toml", text);
        let plan = loaded.plan.unwrap_or_else(|| panic!("plan: {:?}", loaded.diagnostics));
        let settings = Settings {
            source: SiteCredentials::basic(
                source.admin_email(),
                source.admin_token(),
                Some(source.org_api_key()),
            ),
            destination: SiteCredentials::basic(
                destination.admin_email(),
                destination.admin_token(),
                Some(destination.org_api_key()),
            ),
            api_gateway: Some(source.base_url().to_string()),
            ..Settings::default()
        };
        let (pages, blog_posts) = source.with_world(|w, s| {
            let c = &w.sites[s].contents;
            let pages = c.values().filter(|c| c.kind == confcopy_sandbox::model::ContentKind::Page).count();
            (pages, c.len() - pages)
        });
        source.reset_stats();
        destination.reset_stats();

        let started = Instant::now();
        let sites = PlanSites::connect(&plan, &settings, ClientOptions::default()).await.expect("connect");
        let (findings, forecast) = match confcopy::inventory::read(&plan, &sites).await {
            Ok(inventory) => {
                let findings = confcopy::checks::run(&plan, &inventory);
                let forecast = (inventory.source.usable() && inventory.destination.usable())
                    .then(|| Forecast::new(&plan, &inventory));
                (findings, forecast)
            }
            Err(unreachable) => (vec![unreachable], None),
        };
        sites.close().await.expect("close");
        let wall = started.elapsed();

        let (src, dst) = (source.stats(), destination.stats());
        println!("pages: {pages}");
        println!("blog_posts: {blog_posts}");
        println!("findings: {}", findings.len());
        for f in &findings {
            println!("finding {}: {}", f.code.as_str(), f.message.lines().next().unwrap_or(""));
        }
        println!("forecast: {}", if forecast.is_some() { "yes" } else { "no" });
        print_lists("source", &src);
        print_lists("destination", &dst);
        let list_requests = src.list_requests() + dst.list_requests();
        let items = src.list_items() + dst.list_items();
        let allowance = items.div_ceil(ENTRIES_PER_LIST);
        println!("list_requests: {list_requests}");
        println!("items: {items}");
        println!("allowance: {allowance}");
        println!("within_allowance: {}", if list_requests <= allowance { "yes" } else { "no" });
        println!("items_per_list_request: {:.1}", items as f64 / list_requests.max(1) as f64);
        // The fewest list requests these routes could take if each were one listing filled to
        // 250 (a route answering nothing still costs its one request): the allowance can only
        // hold when this floor is within it.
        let route_floor: u64 = [&src, &dst]
            .iter()
            .flat_map(|s| s.lists.values())
            .map(|l| l.items.div_ceil(ENTRIES_PER_LIST).max(1))
            .sum();
        println!("route_floor: {route_floor}");
        println!("source_requests: {}", src.total);
        println!("destination_requests: {}", dst.total);
        println!("total_requests: {}", src.total + dst.total);
        println!("writes: {}", src.writes + dst.writes);
        println!("wall_seconds: {:.2}", wall.as_secs_f64());
        // Routes that ask more often than their entries call for: per-item or per-container
        // reads, or pages smaller than 250.
        for (side, stats) in [("source", &src), ("destination", &dst)] {
            for (route, l) in &stats.lists {
                let needed = l.items.div_ceil(ENTRIES_PER_LIST).max(1);
                if l.requests > needed {
                    println!(
                        "over_budget {side} {route}: {} requests for {} entries (needs {needed})",
                        l.requests, l.items
                    );
                }
            }
        }
        let _ = sandbox.shutdown().await;
    });
}
