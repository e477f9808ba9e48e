//! Sandbox throughput and memory: small GETs/s and page creates/s on loopback, and resident
//! memory of a generated 100,000-page site. Prints `name: value` lines.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use confcopy_sandbox::command::generated_seed;
use confcopy_sandbox::generate::GenerateSpec;
use confcopy_sandbox::{Sandbox, Seed};

const CONCURRENCY: usize = 32;
const WINDOW: Duration = Duration::from_secs(3);

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn hammer<F, Fut>(make: F) -> f64
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let make = Arc::new(make);
    let done = Arc::new(AtomicU64::new(0));
    let counter = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (make, done, counter) = (make.clone(), done.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            while start.elapsed() < WINDOW {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if make(n).await {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::start(Seed::demo()).await.expect("demo starts");
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(CONCURRENCY)
            .build()
            .expect("client");
        let acme = sandbox.site("acme").expect("acme").clone();
        let url = format!("{}/wiki/rest/api/user/current", acme.base_url());
        let (email, token) = (acme.admin_email().to_string(), acme.admin_token().to_string());
        let c = client.clone();
        let gets = hammer(move |_| {
            let (c, url, email, token) = (c.clone(), url.clone(), email.clone(), token.clone());
            async move {
                match c.get(&url).basic_auth(email, Some(token)).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        })
        .await;
        println!("small_gets_per_second: {gets:.0}");

        let eu = sandbox.site("acme-eu").expect("acme-eu").clone();
        let space = eu.with_world(|w, s| {
            w.sites[s].spaces.values().find(|sp| sp.key == "eng").map(|sp| sp.id).unwrap_or(0)
        });
        let url = format!("{}/wiki/api/v2/pages", eu.base_url());
        let (email, token) = (eu.admin_email().to_string(), eu.admin_token().to_string());
        let c = client.clone();
        let creates = hammer(move |n| {
            let (c, url, email, token) = (c.clone(), url.clone(), email.clone(), token.clone());
            async move {
                let body = serde_json::json!({"spaceId": space.to_string(), "status": "current",
                    "title": format!("Bench page {n}"),
                    "body": {"representation": "storage", "value": "<p>Benchmark page body with a little text.</p>"}});
                match c.post(&url).basic_auth(email, Some(token)).json(&body).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        })
        .await;
        println!("page_creates_per_second: {creates:.0}");
        let _ = sandbox.shutdown().await;

        let before = status_kb("VmRSS:");
        let started = Instant::now();
        let big = Sandbox::start(generated_seed(GenerateSpec { spaces: 50, pages: 100_000, users: 500, seed: 1 }))
            .await
            .expect("generated site starts");
        println!("generated_100k_start_seconds: {:.2}", started.elapsed().as_secs_f64());
        let pages = big.sites()[0].with_world(|w, s| w.sites[s].contents.len());
        println!("generated_pages: {pages}");
        println!("rss_before_generated_kb: {before}");
        println!("rss_with_100k_pages_kb: {}", status_kb("VmRSS:"));
        println!("peak_rss_kb: {}", status_kb("VmHWM:"));
        // The first create builds the site's title and sibling index.
        let site = big.sites()[0].clone();
        let space = site.with_world(|w, s| w.sites[s].spaces.keys().next().copied().unwrap_or(0));
        let started = Instant::now();
        let created = client
            .post(format!("{}/wiki/api/v2/pages", site.base_url()))
            .basic_auth(site.admin_email(), Some(site.admin_token()))
            .json(&serde_json::json!({"spaceId": space.to_string(), "title": "Indexed",
                "body": {"representation": "storage", "value": "<p>x</p>"}}))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        println!("first_create_on_100k_ms: {:.0} (status {created})", started.elapsed().as_secs_f64() * 1000.0);
        println!("rss_with_100k_pages_indexed_kb: {}", status_kb("VmRSS:"));
        let _ = big.shutdown().await;
    });
}
