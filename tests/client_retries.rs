//! Retries follow the rules: 429 is retried for any method after at least `Retry-After`, and the
//! pause is shared by every request to the site; 5xx and broken connections are retried only
//! when repeating is safe; a create that may have happened says so; nothing loops forever.

use std::time::{Duration, Instant};

use confcopy::client::model::content::Body;
use confcopy::client::model::page::NewPage;
use confcopy::client::{
    BaseUrl, ClientOptions, Credentials, ErrorKind, RetryPolicy, SiteClient, SpaceFilter,
};
use futures_util::TryStreamExt as _;
use serde_json::json;

use crate::client_fake::{Answer, FakeSite};

fn client_with(site: &BaseUrl, options: ClientOptions) -> SiteClient {
    SiteClient::direct(site.clone(), Credentials::basic("admin@acme.test", "sandbox-token-admin"), options)
        .unwrap()
}

fn new_page() -> NewPage {
    NewPage {
        space_id: "1".into(),
        status: "current".into(),
        title: "Home".into(),
        parent_id: None,
        body: Body::storage("<p>hi</p>"),
    }
}

fn space_json() -> serde_json::Value {
    json!({"id": "1", "key": "MKT", "name": "Marketing"})
}

#[tokio::test]
async fn retry_after_is_honoured_and_shared_by_concurrent_requests() {
    let site = FakeSite::start(|hit, nth| {
        if hit.path == "/wiki/api/v2/spaces/1" && nth == 0 {
            return Answer::json(429, json!({"message": "slow down"})).header("retry-after", "1");
        }
        Answer::json(200, space_json())
    })
    .await;
    let client = client_with(&site.base(), ClientOptions::fast().with_concurrency(8));
    let start = Instant::now();
    let first = {
        let client = client.clone();
        tokio::spawn(async move { client.space("1").await })
    };
    // Let the 429 arrive, then start other requests to the same site.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let others: Vec<_> = (2..6)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.space(&i.to_string()).await })
        })
        .collect();
    first.await.unwrap().unwrap();
    for other in others {
        other.await.unwrap().unwrap();
    }
    let hits = site.hits();
    let rate_limited_at = hits[0].at;
    assert_eq!(hits.len(), 6, "one retry, four others");
    for hit in &hits[1..] {
        assert!(
            hit.at.duration_since(rate_limited_at) >= Duration::from_millis(950),
            "{} arrived {:?} after the 429",
            hit.path,
            hit.at.duration_since(rate_limited_at)
        );
    }
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(client.stats().rate_limited, 1);
}

#[tokio::test]
async fn a_post_is_retried_after_429_because_it_was_not_done() {
    let site = FakeSite::start(|_, nth| {
        if nth == 0 {
            Answer::json(429, json!({})).header("retry-after", "0")
        } else {
            Answer::json(200, json!({"id": "77", "title": "Home"}))
        }
    })
    .await;
    let page = client_with(&site.base(), ClientOptions::fast()).create_page(&new_page()).await.unwrap();
    assert_eq!(page.id, "77");
    assert_eq!(site.count("/wiki/api/v2/pages"), 2);
}

#[tokio::test]
async fn a_post_is_not_repeated_after_a_500() {
    let site = FakeSite::start(|_, _| {
        Answer::json(500, json!({"errors": [{"status": 500, "code": "INTERNAL", "title": "boom"}]}))
    })
    .await;
    let err = client_with(&site.base(), ClientOptions::fast()).create_page(&new_page()).await.unwrap_err();
    assert_eq!(site.count("/wiki/api/v2/pages"), 1);
    assert!(err.is_outcome_unknown(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("create page \"Home\" in space 1"), "{text}");
    assert!(text.contains("HTTP 500: boom"), "{text}");
    assert!(text.contains("look before creating again"), "{text}");
}

#[tokio::test]
async fn a_get_is_retried_after_5xx_until_it_works() {
    let site = FakeSite::start(|_, nth| match nth {
        0 => Answer::json(502, json!({"message": "bad gateway"})),
        1 => Answer::raw(503, "text/html", "<html>down</html>"),
        _ => Answer::json(200, space_json()),
    })
    .await;
    let client = client_with(&site.base(), ClientOptions::fast());
    let space = client.space("1").await.unwrap();
    assert_eq!(space.key, "MKT");
    assert_eq!(site.count("/wiki/api/v2/spaces/1"), 3);
    assert_eq!(client.stats().retries, 2);
}

/// A 503 without `Retry-After` (a node unavailable for a moment) is retried soon, once, like a
/// gateway's 502; when the site keeps failing and serves no one else meanwhile, the backoff
/// grows as before. The waits are read from the client's counters, not timed.
#[tokio::test]
async fn a_503_without_retry_after_is_retried_soon_once_then_backs_off() {
    let options = ClientOptions {
        retry: RetryPolicy { base: Duration::from_millis(100), ..ClientOptions::fast().retry },
        ..ClientOptions::fast()
    };
    let site = FakeSite::start(|_, nth| match nth {
        0 => Answer::raw(503, "text/html", "<html>unavailable</html>"),
        _ => Answer::json(200, space_json()),
    })
    .await;
    let client = client_with(&site.base(), options.clone());
    client.space("1").await.unwrap();
    assert_eq!(client.stats().retries, 1);
    // A tenth of the base, jittered: at most 13 ms (a backoff would be at least 70 ms).
    assert!(client.stats().backoff <= Duration::from_millis(13), "{:?}", client.stats().backoff);

    let site = FakeSite::start(|_, nth| match nth {
        0 | 1 => Answer::raw(503, "text/html", "<html>unavailable</html>"),
        _ => Answer::json(200, space_json()),
    })
    .await;
    let client = client_with(&site.base(), options);
    client.space("1").await.unwrap();
    assert_eq!(client.stats().retries, 2);
    // The second retry backs off (twice the base, jittered: at least 140 ms).
    assert!(client.stats().backoff >= Duration::from_millis(140), "{:?}", client.stats().backoff);
}

#[tokio::test]
async fn endless_429_ends_with_a_clear_error_in_bounded_time() {
    let site = FakeSite::start(|_, _| Answer::json(429, json!({"message": "Rate limit exceeded"}))).await;
    let options = ClientOptions {
        retry: RetryPolicy {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(40),
            max_retries: 4,
            max_total_wait: Duration::from_secs(2),
        },
        ..ClientOptions::fast()
    };
    let start = Instant::now();
    let err = client_with(&site.base(), options)
        .spaces(&SpaceFilter::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(site.count("/wiki/api/v2/spaces"), 5, "1 attempt + 4 retries");
    let text = err.to_string();
    assert!(text.starts_with("127.0.0.1:"), "{text}");
    assert!(text.contains("could not list spaces"), "{text}");
    assert!(text.contains("still rate limited after 5 attempts"), "{text}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_fails_at_once() {
    let site = FakeSite::start(|_, _| Answer::json(429, json!({})).header("retry-after", "3600")).await;
    let start = Instant::now();
    let err = client_with(&site.base(), ClientOptions::fast()).space("1").await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    // Longer than max_retry_wait (5 minutes): the client stops sending to the site at once.
    assert!(matches!(err.kind(), ErrorKind::WaitTooLong { .. }), "{err:?}");
    assert!(err.is_rate_limited());
    assert_eq!(site.count("/wiki/api/v2/spaces/1"), 1);
}

#[tokio::test]
async fn requests_in_flight_never_exceed_the_concurrency() {
    let site = FakeSite::start(|_, _| Answer::json(200, space_json()).delay(Duration::from_millis(60))).await;
    let client = client_with(&site.base(), ClientOptions::fast().with_concurrency(2));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.space(&i.to_string()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(site.max_in_flight(), 2);
}

/// A listener that accepts connections and closes them at once, without answering.
async fn hanging_up_site() -> (BaseUrl, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = BaseUrl::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // Read the request, then hang up without answering.
            let mut buf = [0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
            drop(socket);
        }
    });
    (base, accepted)
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_a_get_but_not_for_a_post() {
    let (base, accepted) = hanging_up_site().await;
    let client = client_with(&base, ClientOptions::fast());
    let err = client.space("1").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { attempts: 6, .. }), "{err:?}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 6);

    let before = accepted.load(std::sync::atomic::Ordering::SeqCst);
    let err = client.create_page(&new_page()).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst) - before, 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = BaseUrl::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let err = client_with(&base, ClientOptions::fast()).create_page(&new_page()).await.unwrap_err();
    // Nothing was sent, so even a create may be retried; in the end it reports the connection.
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
}
