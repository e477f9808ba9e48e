//! Lists stream page by page: one request per 250 items, cursors from the `Link` header or the
//! body, v1 `_links.next` relative to `/wiki`, and gateway prefixes kept.

use confcopy::client::{ClientOptions, Credentials, SiteClient, SpaceFilter};
use futures_util::TryStreamExt as _;
use serde_json::json;

use crate::client_fake::{Answer, FakeSite, v2_page};

fn client(site: &FakeSite) -> SiteClient {
    SiteClient::direct(
        site.base(),
        Credentials::basic("admin@acme.test", "sandbox-token-admin"),
        ClientOptions::fast(),
    )
    .unwrap()
}

fn cursor_of(query: &str) -> usize {
    query.split('&').find_map(|p| p.strip_prefix("cursor=")).map_or(0, |c| c.parse().unwrap())
}

#[tokio::test]
async fn a_thousand_spaces_take_four_requests_via_link_header() {
    let site = FakeSite::start(|hit, _| {
        assert!(hit.query.contains("limit=250"), "{}", hit.query);
        let start = cursor_of(&hit.query);
        let end = (start + 250).min(1000);
        v2_page("/wiki/api/v2/spaces", start..end, (end < 1000).then_some(end))
    })
    .await;
    let client = client(&site);
    let spaces: Vec<_> = client.spaces(&SpaceFilter::default()).try_collect().await.unwrap();
    assert_eq!(spaces.len(), 1000);
    assert_eq!(spaces[999].key, "K999");
    assert_eq!(site.count("/wiki/api/v2/spaces"), 4);
    assert_eq!(client.stats().requests, 4);
}

#[tokio::test]
async fn the_body_next_link_is_followed_when_there_is_no_header() {
    let site = FakeSite::start(|hit, _| {
        let start = cursor_of(&hit.query);
        let next = (start == 0).then(|| "/wiki/api/v2/spaces?cursor=2&limit=250".to_string());
        let results: Vec<_> =
            (start..start + 2).map(|i| json!({"id": i, "key": format!("K{i}"), "name": "n"})).collect();
        Answer::json(200, json!({"results": results, "_links": {"next": next}}))
    })
    .await;
    let spaces: Vec<_> = client(&site).spaces(&SpaceFilter::default()).try_collect().await.unwrap();
    let ids: Vec<_> = spaces.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["0", "1", "2", "3"], "numeric ids are read as strings");
    assert_eq!(site.count("/wiki/api/v2/spaces"), 2);
}

#[tokio::test]
async fn a_stream_reads_only_the_pages_it_needs() {
    let site = FakeSite::start(|hit, _| {
        let start = cursor_of(&hit.query);
        v2_page("/wiki/api/v2/spaces", start..start + 250, Some(start + 250))
    })
    .await;
    let first: Vec<_> = client(&site)
        .spaces(&SpaceFilter::default())
        .try_take_while(|s| std::future::ready(Ok(s.id != "300")))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 300);
    let requested = site.count("/wiki/api/v2/spaces");
    assert!(
        (2..=3).contains(&requested),
        "an endless list is read lazily, one page ahead at most: {requested}"
    );
}

#[tokio::test]
async fn the_next_page_is_requested_while_the_caller_reads_the_current_one() {
    let site = FakeSite::start(|hit, _| {
        let start = cursor_of(&hit.query);
        v2_page("/wiki/api/v2/spaces", start..start + 250, Some(start + 250))
    })
    .await;
    let client = client(&site);
    let mut spaces = client.spaces(&SpaceFilter::default());
    let first = spaces.try_next().await.unwrap().expect("a first space");
    assert_eq!(first.key, "K0");
    // The caller holds the first page; the second is asked for meanwhile.
    for _ in 0..300 {
        if site.count("/wiki/api/v2/spaces") >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(site.count("/wiki/api/v2/spaces"), 2, "page two is read ahead");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(site.count("/wiki/api/v2/spaces"), 2, "one page ahead, never more");
    // Reading on uses the page read ahead, and asks for the one after it.
    let mut last = first.key;
    for _ in 0..250 {
        last = spaces.try_next().await.unwrap().expect("more spaces").key;
    }
    assert_eq!(last, "K250");
    drop(spaces);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(site.count("/wiki/api/v2/spaces") <= 3, "a dropped list stops reading");
}

#[tokio::test]
async fn v1_next_links_are_relative_to_wiki() {
    let site = FakeSite::start(|hit, _| {
        assert_eq!(hit.path, "/wiki/rest/api/group");
        let start: usize = hit
            .query
            .split('&')
            .find_map(|p| p.strip_prefix("start="))
            .map_or(0, |s| s.parse().unwrap());
        let results: Vec<_> = (start..(start + 200).min(450))
            .map(|i| json!({"type": "group", "id": format!("g{i}"), "name": format!("group-{i}")}))
            .collect();
        let next = (start + 200 < 450).then(|| format!("/rest/api/group?start={}&limit=200", start + 200));
        Answer::json(200, json!({"results": results, "start": start, "limit": 200, "size": 200, "_links": {"next": next, "context": "/wiki"}}))
    })
    .await;
    let groups: Vec<_> = client(&site).groups().try_collect().await.unwrap();
    assert_eq!(groups.len(), 450);
    assert_eq!(site.count("/wiki/rest/api/group"), 3);
}

#[tokio::test]
async fn gateway_lists_stay_on_the_gateway() {
    let site = FakeSite::start(|hit, _| match hit.path.as_str() {
        "/_edge/tenant_info" => {
            assert!(hit.header("authorization").is_none(), "tenant_info needs no credentials");
            Answer::json(200, json!({"cloudId": "cloud-1"}))
        }
        "/ex/confluence/cloud-1/wiki/api/v2/spaces" => {
            assert_eq!(hit.header("authorization"), Some("Bearer scoped-secret"));
            let start = cursor_of(&hit.query);
            // Real gateways answer links without the /ex/confluence prefix.
            v2_page("/wiki/api/v2/spaces", start..start + 250, (start == 0).then_some(250))
        }
        other => Answer::json(404, json!({"message": format!("no route {other}")})),
    })
    .await;
    let options = ClientOptions::fast().with_gateway(site.base());
    let client =
        SiteClient::connect(site.base(), Credentials::bearer("scoped-secret"), options).await.unwrap();
    let spaces: Vec<_> = client.spaces(&SpaceFilter::default()).try_collect().await.unwrap();
    assert_eq!(spaces.len(), 500);
    assert_eq!(site.count("/ex/confluence/cloud-1/wiki/api/v2/spaces"), 2);
}

#[tokio::test]
async fn a_next_link_pointing_at_the_same_page_stops_with_an_error() {
    let site = FakeSite::start(|_, _| v2_page("/wiki/api/v2/spaces", 0..1, Some(0))).await;
    let client = client(&site);
    let mut stream = client.spaces(&SpaceFilter::default());
    let mut errors = 0;
    let mut seen = 0;
    while let Some(item) = futures_util::StreamExt::next(&mut stream).await {
        match item {
            Ok(_) => seen += 1,
            Err(e) => {
                errors += 1;
                assert!(e.to_string().contains("list spaces"), "{e}");
                break;
            }
        }
        assert!(seen < 10, "looping");
    }
    assert_eq!((seen, errors), (1, 1), "the loop is detected on the second page");
}
