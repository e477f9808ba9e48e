//! Faults are injected per route and method, deterministically, and the rate limiter answers
//! 429 the way Confluence does.

use confcopy_sandbox::{Fault, FaultConfig, FaultRule, RateLimit};
use serde_json::json;

use crate::support_sandbox::{Caller, demo, http};

fn rule(route: &str, method: &str, fault: Fault) -> FaultRule {
    FaultRule { route: route.into(), method: method.into(), probability: 1.0, after: 0, times: None, fault }
}

#[tokio::test]
async fn rate_limited_answers_carry_retry_after_and_rate_limit_headers() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    site.set_faults(FaultConfig {
        seed: 1,
        rules: vec![FaultRule {
            times: Some(1),
            ..rule("/wiki/api/v2/spaces", "GET", Fault::RateLimited { retry_after: 3 })
        }],
        rate_limit: None,
    });
    let acme = Caller::admin(site);
    let a = acme.get("/wiki/api/v2/spaces").await;
    assert_eq!(a.status, 429);
    assert_eq!(a.header("retry-after").as_deref(), Some("3"));
    for h in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-nearlimit"] {
        assert!(a.header(h).is_some(), "{h}");
    }
    assert_eq!(a.json()["errors"][0]["status"], 429);
    assert_eq!(acme.get("/wiki/api/v2/spaces").await.status, 200, "only once");
    assert_eq!(site.stats().count_status("GET /wiki/api/v2/spaces", 429), 1);
}

#[tokio::test]
async fn server_errors_with_and_without_retry_after_and_hostile_bodies() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    site.set_faults(FaultConfig {
        seed: 2,
        rules: vec![
            rule("/wiki/api/v2/spaces", "GET", Fault::ServerError { status: 503, retry_after: Some(2) }),
            rule("/wiki/api/v2/pages/*", "GET", Fault::ServerError { status: 500, retry_after: None }),
            rule("/wiki/rest/api/user/current", "*", Fault::HtmlError { status: 502 }),
            rule("/wiki/rest/api/group", "GET", Fault::TruncatedJson),
            rule("/wiki/rest/api/space", "GET", Fault::WrongContentType),
        ],
        rate_limit: None,
    });
    let acme = Caller::admin(site);
    let a = acme.get("/wiki/api/v2/spaces").await;
    assert_eq!((a.status, a.header("retry-after").as_deref()), (503, Some("2")));
    let a = acme.get("/wiki/api/v2/pages/1").await;
    assert_eq!((a.status, a.header("retry-after")), (500, None));
    let a = acme.get("/wiki/rest/api/user/current").await;
    assert_eq!(a.status, 502);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    let a = acme.get("/wiki/rest/api/group").await;
    assert_eq!(a.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&a.bytes).is_err(), "truncated JSON");
    let a = acme.get("/wiki/rest/api/space").await;
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    assert!(a.json().is_object(), "the body is still JSON");
}

#[tokio::test]
async fn connection_reset_answers_nothing_and_commit_then_drop_still_writes() {
    let sandbox = demo().await;
    let site = sandbox.site("acme-eu").unwrap();
    let eu = Caller::admin(site);
    let eng = eu.space_id("eng").await;
    site.set_faults(FaultConfig {
        seed: 3,
        rules: vec![
            FaultRule { times: Some(1), ..rule("/wiki/api/v2/spaces", "GET", Fault::ConnectionReset) },
            FaultRule { times: Some(1), ..rule("/wiki/api/v2/pages", "POST", Fault::CommitThenDrop) },
        ],
        rate_limit: None,
    });
    let r = eu.request(reqwest::Method::GET, "/wiki/api/v2/spaces").send().await;
    assert!(r.is_err(), "connection dropped without an answer");
    let r = eu
        .request(reqwest::Method::POST, "/wiki/api/v2/pages")
        .json(&json!({"spaceId": eng, "status": "current", "title": "Dropped",
                      "body": {"representation": "storage", "value": "<p>x</p>"}}))
        .send()
        .await;
    assert!(r.is_err(), "the answer to the write is lost");
    let found = eu.get(&format!("/wiki/api/v2/spaces/{eng}/pages?title=Dropped")).await.json();
    assert_eq!(found["results"].as_array().unwrap().len(), 1, "but the page was created");
    assert_eq!(site.stats().writes, 1);
}

#[tokio::test]
async fn latency_is_added_and_probabilities_are_deterministic_by_seed() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    site.set_faults(FaultConfig {
        seed: 9,
        rules: vec![rule(
            "/wiki/rest/api/user/current",
            "GET",
            Fault::Latency { fixed_ms: 150, jitter_ms: 20 },
        )],
        rate_limit: None,
    });
    let acme = Caller::admin(site);
    let start = std::time::Instant::now();
    assert_eq!(acme.get("/wiki/rest/api/user/current").await.status, 200);
    assert!(start.elapsed() >= std::time::Duration::from_millis(150));

    let pattern = |seed: u64| async move {
        site.set_faults(FaultConfig {
            seed,
            rules: vec![FaultRule {
                probability: 0.5,
                ..rule("/wiki/api/v2/spaces", "GET", Fault::ServerError { status: 500, retry_after: None })
            }],
            rate_limit: None,
        });
        let mut out = Vec::new();
        for _ in 0..16 {
            out.push(Caller::admin(site).get("/wiki/api/v2/spaces").await.status);
        }
        out
    };
    let first = pattern(42).await;
    let second = pattern(42).await;
    assert_eq!(first, second, "same seed, same faults");
    assert!(first.contains(&500) && first.contains(&200));
}

#[tokio::test]
async fn the_site_wide_rate_limiter_answers_429_beyond_the_burst() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    site.set_faults(FaultConfig {
        seed: 0,
        rules: Vec::new(),
        rate_limit: Some(RateLimit { per_second: 1.0, burst: 3 }),
    });
    let acme = Caller::admin(site);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(acme.get("/wiki/rest/api/user/current").await);
    }
    assert_eq!(statuses.iter().filter(|a| a.status == 200).count(), 3);
    let limited = statuses.iter().find(|a| a.status == 429).unwrap();
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(limited.header("x-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(statuses[2].header("x-ratelimit-nearlimit").as_deref(), Some("true"));
}

#[tokio::test]
async fn faults_are_set_at_runtime_through_the_control_route() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    let client = http();
    let r = client
        .put(format!("{}/__sandbox/faults", site.base_url()))
        .json(&json!({"seed": 5, "rules": [{"route": "/wiki/api/v2/*", "method": "GET", "times": 1,
                      "fault": {"kind": "server_error", "status": 504}}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(Caller::admin(site).get("/wiki/api/v2/spaces").await.status, 504);
    let bad = client.put(format!("{}/__sandbox/faults", site.base_url())).body("{").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let current: serde_json::Value = client
        .get(format!("{}/__sandbox/faults", site.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current["seed"], 5);
}

#[tokio::test]
async fn a_429_without_retry_after_and_a_redirect_loop() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    let download = "/wiki/rest/api/content/*/child/attachment/*/download";
    site.set_faults(FaultConfig {
        seed: 4,
        rules: vec![
            FaultRule {
                times: Some(1),
                ..rule(
                    "/wiki/api/v2/spaces",
                    "GET",
                    Fault::RateLimitedWithoutRetryAfter { reset_after: None },
                )
            },
            FaultRule {
                times: Some(1),
                ..rule(
                    "/wiki/api/v2/pages",
                    "GET",
                    Fault::RateLimitedWithoutRetryAfter { reset_after: Some(3600) },
                )
            },
            rule(download, "GET", Fault::RedirectLoop),
        ],
        rate_limit: None,
    });
    let acme = Caller::admin(site);
    let a = acme.get("/wiki/api/v2/spaces").await;
    assert_eq!(a.status, 429);
    assert_eq!(a.json()["errors"][0]["status"], 429);
    for h in ["retry-after", "x-ratelimit-reset", "x-ratelimit-remaining"] {
        assert_eq!(a.header(h), None, "{h}");
    }
    assert_eq!(acme.get("/wiki/api/v2/spaces").await.status, 200, "only once");
    let a = acme.get("/wiki/api/v2/pages").await;
    assert_eq!((a.status, a.header("retry-after")), (429, None));
    let reset: jiff::Timestamp = a.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let ahead = reset.as_second() - jiff::Timestamp::now().as_second();
    assert!((3590..=3601).contains(&ahead), "reset an hour ahead: {reset}");

    // The download answers 302 to the very URL asked, query and all, every time.
    let path = "/wiki/rest/api/content/1/child/attachment/att2/download?version=3";
    for _ in 0..3 {
        let a = acme.get(path).await;
        assert_eq!(a.status, 302);
        assert_eq!(a.header("location"), Some(format!("{}{path}", site.base_url())));
    }
    let served = site.stats();
    assert_eq!(served.count_status("GET /wiki/rest/api/content/{id}/child/attachment/{id}/download", 302), 3);
    assert_eq!(served.writes, 0, "nothing was done");
}

#[tokio::test]
async fn a_list_whose_next_link_points_back_at_itself() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    site.set_faults(FaultConfig {
        seed: 6,
        rules: vec![rule("/wiki/api/v2/spaces", "GET", Fault::NextLinkLoop)],
        rate_limit: None,
    });
    let acme = Caller::admin(site);
    let path = "/wiki/api/v2/spaces?limit=1&sort=key";
    let a = acme.get(path).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["results"].as_array().unwrap().len(), 1, "the answer itself is whole");
    assert_eq!(a.json()["_links"]["next"], path);
    assert_eq!(a.header("link"), Some(format!("<{path}>; rel=\"next\"")));
    // Answers that are not lists are left alone.
    site.set_faults(FaultConfig {
        seed: 6,
        rules: vec![rule("/wiki/api/v2/spaces/*", "GET", Fault::NextLinkLoop)],
        rate_limit: None,
    });
    let id = acme.space_id("MKT").await;
    let a = acme.get(&format!("/wiki/api/v2/spaces/{id}")).await;
    assert_eq!((a.status, a.header("link")), (200, None));
    assert!(a.json()["_links"]["next"].is_null());
}
