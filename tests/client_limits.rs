//! What a hostile site can make the client hold or do is bounded, each bound with a clear error
//! naming the site, the operation and the limit (docs/limits.md): JSON answers, lists that loop or
//! never end, downloads longer than allowed or than declared, redirect loops, and waits a site
//! asks for that are longer than `max_retry_wait`.

use std::time::{Duration, Instant};

use bytes::Bytes;
use confcopy::client::{ClientOptions, Credentials, ErrorKind, SiteClient, SpaceFilter};
use confcopy_sandbox::{Fault, FaultConfig, FaultRule};
use futures_util::TryStreamExt as _;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::json;

use crate::client_fake::{Answer, FakeSite, v2_page};

fn client(base: &confcopy::client::BaseUrl, options: ClientOptions) -> SiteClient {
    SiteClient::direct(base.clone(), Credentials::basic("admin@acme.test", "sandbox-token-admin"), options)
        .unwrap()
}

fn cursor_of(query: &str) -> usize {
    query.split('&').find_map(|p| p.strip_prefix("cursor=")).map_or(0, |c| c.parse().unwrap())
}

/// A loopback site that answers every request with `chunks` pieces of `chunk` bytes, streamed
/// without a length (chunked).
async fn streaming_site(chunk: usize, chunks: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    crate::client_fake::serve(listener, move |_| async move {
        let pieces = futures_util::stream::iter(
            (0..chunks).map(move |_| Ok::<_, std::io::Error>(Frame::data(Bytes::from(vec![b' '; chunk])))),
        );
        let mut response = hyper::Response::new(StreamBody::new(pieces).boxed());
        response.headers_mut().insert("content-type", "application/json".parse().unwrap());
        response
    });
    url
}

#[tokio::test]
async fn a_json_answer_over_the_cap_is_refused_with_or_without_a_length() {
    // With a length: refused before the body is read.
    let site = FakeSite::start(|_, _| {
        Answer::json(200, json!({"id": "1", "key": "K", "name": "x".repeat(3 * 1024 * 1024)}))
    })
    .await;
    let options = ClientOptions { max_json_body: 1024 * 1024, ..ClientOptions::fast() };
    let err = client(&site.base(), options.clone()).space("1").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::BodyTooLarge { limit: 1048576 }), "{err:?}");
    let host = site.url.trim_start_matches("http://");
    assert_eq!(
        err.to_string(),
        format!(
            "{host}: could not read space 1: the response is larger than 1 MiB (max_json_body); refusing to read it"
        )
    );
    assert_eq!(site.count("/wiki/api/v2/spaces/1"), 1, "not retried: the next answer would be as large");

    // Without a length (chunked), it is read up to the cap and no further.
    let url = streaming_site(64 * 1024, 64).await;
    let base = confcopy::client::BaseUrl::parse(&url).unwrap();
    let err = client(&base, options).space("1").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::BodyTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_next_link_back_to_an_earlier_page_stops_the_list() {
    // The first page → cursor 1 → cursor 2 → cursor 1 again.
    let site = FakeSite::start(|hit, _| {
        let at = cursor_of(&hit.query);
        v2_page("/wiki/api/v2/spaces", at * 10..at * 10 + 10, Some(if at == 2 { 1 } else { at + 1 }))
    })
    .await;
    let client = client(&site.base(), ClientOptions::fast());
    let mut spaces = client.spaces(&SpaceFilter::default());
    let mut read = 0;
    let err = loop {
        match spaces.try_next().await {
            Ok(Some(_)) => read += 1,
            Ok(None) => panic!("the list ended"),
            Err(e) => break e,
        }
    };
    assert_eq!(read, 20, "two pages were read; the third's next link is the loop");
    assert!(matches!(err.kind(), ErrorKind::ListLoop { page: 2 }), "{err:?}");
    assert!(err.to_string().contains("could not list spaces"), "{err}");
    assert!(err.to_string().contains("leads back to page 2, already read (a cursor loop)"), "{err}");
    assert_eq!(site.count("/wiki/api/v2/spaces"), 3);
}

#[tokio::test]
async fn a_next_link_to_the_same_page_stops_at_once() {
    let site = FakeSite::start(|_, _| v2_page("/wiki/api/v2/spaces", 0..3, Some(0))).await;
    let client = client(&site.base(), ClientOptions::fast());
    // The first page is asked without a cursor; its next link names cursor 0, then again.
    let err = client.spaces(&SpaceFilter::default()).try_collect::<Vec<_>>().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ListLoop { page: 2 }), "{err:?}");
    assert_eq!(site.count("/wiki/api/v2/spaces"), 2);
}

#[tokio::test]
async fn a_list_that_never_ends_stops_at_the_page_bound() {
    let site = FakeSite::start(|hit, _| {
        let at = cursor_of(&hit.query);
        v2_page("/wiki/api/v2/spaces", at..at + 2, Some(at + 2))
    })
    .await;
    let options = ClientOptions { max_list_pages: 25, ..ClientOptions::fast() };
    let client = client(&site.base(), options);
    let err = client.spaces(&SpaceFilter::default()).try_collect::<Vec<_>>().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ListTooLong { limit: 25 }), "{err:?}");
    assert!(err.to_string().contains("did not end after 25 pages of answers"), "{err}");
    assert_eq!(site.count("/wiki/api/v2/spaces"), 25, "no request past the bound");
}

const DOWNLOAD: &str = "/wiki/rest/api/content/7/child/attachment/att9/download";

async fn download_error(download: confcopy::client::Download) -> confcopy::client::ClientError {
    let mut body = download.body;
    let mut received = 0usize;
    loop {
        match body.try_next().await {
            Ok(Some(chunk)) => received += chunk.len(),
            Ok(None) => panic!("the download ended after {received} bytes without an error"),
            Err(e) => {
                assert!(body.try_next().await.unwrap().is_none(), "nothing follows the error");
                return e;
            }
        }
    }
}

#[tokio::test]
async fn a_download_is_bounded_by_the_setting_and_by_its_declared_size() {
    // A length over the bound: refused before reading.
    let site = FakeSite::start(|_, _| Answer::raw(200, "application/octet-stream", vec![7u8; 4096])).await;
    let options = ClientOptions { max_download_bytes: 1000, ..ClientOptions::fast() };
    let err = client(&site.base(), options).download_attachment("7", "att9").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::DownloadTooLarge { limit: 1000, .. }), "{err:?}");
    assert!(
        err.to_string().contains("could not download attachment att9 of content 7: the download is larger than 1000 bytes (max_download_bytes)"),
        "{err}"
    );

    // No length, and a body that goes on: stopped at the bound.
    let url = streaming_site(16 * 1024, 1000).await;
    let base = confcopy::client::BaseUrl::parse(&url).unwrap();
    let options = ClientOptions { max_download_bytes: 100 * 1024, ..ClientOptions::fast() };
    let download = client(&base, options).download_attachment("7", "att9").await.unwrap();
    let err = download_error(download).await;
    assert!(matches!(err.kind(), ErrorKind::DownloadTooLarge { limit: 102400, .. }), "{err:?}");

    // The declared size: a longer length is refused at once, a longer stream is cut.
    let client_fast = client(&site.base(), ClientOptions::fast());
    let download = client_fast.download_attachment("7", "att9").await.unwrap();
    let err = download.limit_to(100).unwrap_err();
    assert!(err.to_string().contains("larger than 100 bytes (the size its metadata declares)"), "{err}");
    let download = client(&base, ClientOptions::fast()).download_attachment("7", "att9").await.unwrap();
    let err = download_error(download.limit_to(40_000).unwrap()).await;
    assert!(matches!(err.kind(), ErrorKind::DownloadTooLarge { limit: 40_000, .. }), "{err:?}");

    // Within the declared size, every byte comes through.
    let download = client_fast.download_attachment("7", "att9").await.unwrap().limit_to(4096).unwrap();
    let chunks: Vec<_> = download.body.try_collect().await.unwrap();
    let bytes: Vec<u8> = chunks.concat();
    assert_eq!(bytes, vec![7u8; 4096]);
    assert_eq!(site.count(DOWNLOAD), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_on_download_stops_after_five_hops_and_is_not_retried() {
    let sandbox = crate::support_sandbox::demo().await;
    let site = sandbox.site("acme").unwrap();
    let caller = crate::support_sandbox::Caller::admin(site);
    let page = caller.page_id("MKT", "Q3 Launch Campaign").await;
    let attachments = caller.all(&format!("/wiki/api/v2/pages/{page}/attachments")).await;
    let attachment = attachments[0]["id"].as_str().unwrap().to_string();
    site.set_faults(FaultConfig {
        seed: 1,
        rules: vec![FaultRule {
            route: "/wiki/rest/api/content/*/child/attachment/*/download".into(),
            method: "GET".into(),
            probability: 1.0,
            after: 0,
            times: None,
            fault: Fault::RedirectLoop,
        }],
        rate_limit: None,
    });
    site.reset_stats();
    let base = confcopy::client::BaseUrl::parse(site.base_url()).unwrap();
    let client = SiteClient::direct(
        base,
        Credentials::basic(site.admin_email(), site.admin_token().to_string()),
        ClientOptions::fast(),
    )
    .unwrap();
    let err = client.download_attachment(&page, &attachment).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Redirect(_)), "{err:?}");
    assert!(err.to_string().contains("more than 5 redirects"), "{err}");
    assert!(err.to_string().contains(&format!("could not download attachment {attachment}")), "{err}");
    let served = site.stats().count("GET /wiki/rest/api/content/{id}/child/attachment/{id}/download");
    assert_eq!(served, 6, "the request and five hops, once: {:?}", site.stats().routes);
    assert_eq!(client.stats().retries, 0);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_wait_longer_than_max_retry_wait_fails_fast_and_stops_sending() {
    let site = FakeSite::start(|hit, _| {
        if hit.path == "/wiki/api/v2/spaces/1" {
            return Answer::json(429, json!({"message": "quota"})).header("retry-after", "3600");
        }
        Answer::json(200, json!({"id": "2", "key": "K", "name": "n"}))
    })
    .await;
    let options = ClientOptions::fast().with_max_retry_wait(Duration::from_secs(60));
    let client = client(&site.base(), options);
    let started = Instant::now();
    let err = client.space("1").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "no sleeping: {:?}", started.elapsed());
    let ErrorKind::WaitTooLong { asked, until, limit } = err.kind().clone() else { panic!("{err:?}") };
    assert_eq!((asked, limit), (Duration::from_secs(3600), Duration::from_secs(60)));
    let ahead = until.as_second() - jiff::Timestamp::now().as_second();
    assert!((3595..=3602).contains(&ahead), "until is an hour ahead: {until}");
    let text = err.to_string();
    assert!(text.contains("the site asks to wait 1h (until "), "{text}");
    assert!(text.contains("longer than max_retry_wait (1m)"), "{text}");
    assert!(text.contains(&format!("run again after {until} to resume")), "{text}");
    assert_eq!(err.wait_until(), Some(until));

    // Nothing more goes to the site, whatever is asked of it.
    let again = client.space("2").await.unwrap_err();
    assert!(matches!(again.kind(), ErrorKind::WaitTooLong { .. }), "{again:?}");
    assert!(again.to_string().contains("could not read space 2"), "{again}");
    assert_eq!(site.hits().len(), 1, "one request in all");
    assert_eq!(client.stats().requests, 1);
}

#[tokio::test]
async fn long_waits_are_caught_in_every_form() {
    type Form = (&'static str, fn() -> Answer);
    let forms: [Form; 4] = [
        ("an absurd Retry-After", || {
            Answer::json(429, json!({})).header("retry-after", "18446744073709551615")
        }),
        ("a 503 with Retry-After", || Answer::json(503, json!({})).header("retry-after", "7200")),
        ("an HTTP-date Retry-After", || {
            let at = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(2)).unwrap();
            let date = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&at).unwrap();
            Answer::json(429, json!({})).header("retry-after", date)
        }),
        ("a 429 whose X-RateLimit-Reset is an hour away", || {
            let at = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
            Answer::json(429, json!({})).header("x-ratelimit-reset", at.to_string())
        }),
    ];
    for (name, answer) in forms {
        let site = FakeSite::start(move |_, _| answer()).await;
        let client = client(&site.base(), ClientOptions::fast());
        let started = Instant::now();
        let err = client.space("1").await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::WaitTooLong { .. }), "{name}: {err:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "{name}: {:?}", started.elapsed());
        assert_eq!(site.hits().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn a_short_wait_is_still_honoured() {
    let site = FakeSite::start(|_, nth| {
        if nth == 0 {
            return Answer::json(429, json!({})).header("retry-after", "1");
        }
        Answer::json(200, json!({"id": "1", "key": "K", "name": "n"}))
    })
    .await;
    // Even when the retry budget is smaller: a wait within max_retry_wait is honoured.
    let mut options = ClientOptions::fast().with_max_retry_wait(Duration::from_secs(1));
    options.retry.max_total_wait = Duration::from_millis(100);
    let started = Instant::now();
    client(&site.base(), options).space("1").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950), "waited the second it asked");
    assert_eq!(site.hits().len(), 2);
}

#[tokio::test]
async fn an_unreadable_success_is_read_again_but_a_write_is_never_sent_twice() {
    let site = FakeSite::start(|hit, nth| match (hit.method.as_str(), nth) {
        ("GET", 0) => Answer::raw(200, "application/json", r#"{"id":"1","key":"K","na"#),
        ("GET", 1) => Answer::raw(200, "text/html", "<html><body>proxy</body></html>"),
        ("GET", _) => Answer::json(200, json!({"id": "1", "key": "K", "name": "n"})),
        _ => Answer::raw(200, "application/json", r#"{"id":"5","tit"#),
    })
    .await;
    let client = client(&site.base(), ClientOptions::fast());
    let space = client.space("1").await.unwrap();
    assert_eq!(space.key, "K");
    assert_eq!(site.count("/wiki/api/v2/spaces/1"), 3, "read three times");
    assert_eq!(client.stats().retries, 2);

    let new = confcopy::client::model::page::NewPage {
        space_id: "1".into(),
        status: "current".into(),
        title: "Home".into(),
        parent_id: None,
        body: confcopy::client::model::content::Body::storage("<p/>"),
    };
    let err = client.create_page(&new).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(err.to_string().contains("HTTP 200, but the JSON answer is truncated"), "{err}");
    assert!(err.to_string().contains("look before creating again"), "{err}");
    assert_eq!(site.count("/wiki/api/v2/pages"), 1, "the create went out once");
}

#[tokio::test]
async fn error_bodies_are_read_only_so_far() {
    let site = FakeSite::start(|_, _| Answer::raw(404, "text/plain", vec![b'x'; 8 * 1024 * 1024])).await;
    let err = client(&site.base(), ClientOptions::fast()).space("1").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.to_string().len() < 500, "the message stays short: {} bytes", err.to_string().len());
}

#[tokio::test]
async fn a_login_page_in_front_of_the_site_fails_after_three_attempts() {
    let site =
        FakeSite::start(|_, _| Answer::raw(200, "text/html", "<!DOCTYPE html><html>Sign in</html>")).await;
    let client = client(&site.base(), ClientOptions::fast());
    let err = client.space("1").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidResponse(_)), "{err:?}");
    assert!(err.to_string().contains("HTML page instead of JSON"), "{err}");
    assert!(err.to_string().ends_with("(after 3 attempts)"), "{err}");
    assert_eq!(site.count("/wiki/api/v2/spaces/1"), 3);
}

#[tokio::test]
async fn an_absurd_wait_with_an_absurd_setting_is_still_refused() {
    let site =
        FakeSite::start(|_, _| Answer::json(429, json!({})).header("retry-after", "18446744073709551615"))
            .await;
    let options = ClientOptions::fast().with_max_retry_wait(Duration::MAX);
    let err = client(&site.base(), options).space("1").await.unwrap_err();
    let ErrorKind::WaitTooLong { limit, .. } = err.kind() else { panic!("{err:?}") };
    assert_eq!(*limit, Duration::from_secs(24 * 3600), "a day at most");
    assert!(err.to_string().contains("longer than max_retry_wait (24h)"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_list_whose_next_link_loops_is_stopped_after_one_request() {
    let sandbox = crate::support_sandbox::demo().await;
    let site = sandbox.site("acme").unwrap();
    site.set_faults(FaultConfig {
        seed: 1,
        rules: vec![FaultRule {
            route: "/wiki/api/v2/spaces".into(),
            method: "GET".into(),
            probability: 1.0,
            after: 0,
            times: None,
            fault: Fault::NextLinkLoop,
        }],
        rate_limit: None,
    });
    let base = confcopy::client::BaseUrl::parse(site.base_url()).unwrap();
    let client = SiteClient::direct(
        base,
        Credentials::basic(site.admin_email(), site.admin_token().to_string()),
        ClientOptions::fast(),
    )
    .unwrap();
    let err = client.spaces(&SpaceFilter::default()).try_collect::<Vec<_>>().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ListLoop { page: 1 }), "{err:?}");
    assert_eq!(site.stats().count("GET /wiki/api/v2/spaces"), 1);
    assert_eq!(site.fault_hits(), [1]);
    sandbox.shutdown().await.unwrap();
}
