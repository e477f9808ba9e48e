//! The sandbox's title and sibling lookups stay true through every change: creates, renames,
//! trash and purge, moves, direct state edits, restarts from saved state, and corrupt saves.

use reqwest::Method;
use serde_json::json;

use confcopy_sandbox::{Sandbox, Seed, StartOptions};

use crate::support_sandbox::{Caller, demo};

fn page(space: &str, title: &str) -> serde_json::Value {
    json!({"spaceId": space, "title": title, "body": {"representation": "storage", "value": "<p>x</p>"}})
}

fn update(title: &str, version: u64, status: &str) -> serde_json::Value {
    json!({"id": "0", "status": status, "title": title, "version": {"number": version},
           "body": {"representation": "storage", "value": "<p>y</p>"}})
}

#[tokio::test]
async fn titles_are_taken_and_freed_as_pages_change() {
    let sandbox = demo().await;
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let eng = eu.space_id("eng").await;
    let first = eu.post("/wiki/api/v2/pages", page(&eng, "Runbook")).await;
    assert_eq!(first.status, 200);
    let id = first.json()["id"].as_str().unwrap().to_string();
    // Case-insensitive duplicate; a blog post may share a page's title.
    assert_eq!(eu.post("/wiki/api/v2/pages", page(&eng, "RUNBOOK")).await.status, 400);
    assert_eq!(eu.post("/wiki/api/v2/blogposts", page(&eng, "Runbook")).await.status, 200);
    // A rename frees the old title and takes the new one.
    assert_eq!(
        eu.put(&format!("/wiki/api/v2/pages/{id}"), update("Runbook v2", 2, "current")).await.status,
        200
    );
    assert_eq!(eu.post("/wiki/api/v2/pages", page(&eng, "Runbook v2")).await.status, 400);
    let again = eu.post("/wiki/api/v2/pages", page(&eng, "Runbook")).await;
    assert_eq!(again.status, 200);
    let again = again.json()["id"].as_str().unwrap().to_string();
    // Trash frees the title; purge removes the page for good.
    let trash = eu.send(eu.request(Method::DELETE, &format!("/wiki/api/v2/pages/{again}"))).await;
    assert_eq!(trash.status, 204);
    assert_eq!(eu.post("/wiki/api/v2/pages", page(&eng, "Runbook")).await.status, 200);
    let purge = eu.send(eu.request(Method::DELETE, &format!("/wiki/api/v2/pages/{again}?purge=true"))).await;
    assert_eq!(purge.status, 204);
    // A title changed behind the API's back (direct state edit) is seen at once.
    let target: u64 = id.parse().unwrap();
    sandbox.site("acme-eu").unwrap().with_world(|w, s| {
        w.sites[s].contents.get_mut(&target).unwrap().title = "Edited directly".into();
    });
    assert_eq!(eu.post("/wiki/api/v2/pages", page(&eng, "edited DIRECTLY")).await.status, 400);
    assert_eq!(eu.post("/wiki/api/v2/pages", page(&eng, "Runbook v2")).await.status, 200);
}

#[tokio::test]
async fn new_pages_go_after_their_last_sibling_even_after_moves() {
    let sandbox = demo().await;
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let eng = eu.space_id("eng").await;
    let parent = eu.post("/wiki/api/v2/pages", page(&eng, "Parent")).await.json();
    let parent_id = parent["id"].as_str().unwrap().to_string();
    let mut ids = Vec::new();
    for title in ["A", "B", "C"] {
        let mut body = page(&eng, title);
        body["parentId"] = parent_id.clone().into();
        let a = eu.post("/wiki/api/v2/pages", body).await.json();
        ids.push((a["id"].as_str().unwrap().to_string(), a["position"].as_i64().unwrap()));
    }
    let positions: Vec<i64> = ids.iter().map(|(_, p)| *p).collect();
    assert_eq!(positions, [1, 2, 3]);
    // Move C before A: order C, A, B.
    let path = format!("/wiki/rest/api/content/{}/move/before/{}", ids[2].0, ids[0].0);
    assert_eq!(eu.send(eu.request(Method::PUT, &path)).await.status, 200);
    let children = eu.all(&format!("/wiki/api/v2/pages/{parent_id}/children")).await;
    let titles: Vec<&str> = children.iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["C", "A", "B"]);
    let mut body = page(&eng, "D");
    body["parentId"] = parent_id.clone().into();
    let d = eu.post("/wiki/api/v2/pages", body).await.json();
    assert_eq!(d["position"], 4);
    // Move B away under A: the parent's last sibling is now A, D stays last.
    let path = format!("/wiki/rest/api/content/{}/move/append/{}", ids[1].0, ids[0].0);
    assert_eq!(eu.send(eu.request(Method::PUT, &path)).await.status, 200);
    let mut body = page(&eng, "E");
    body["parentId"] = ids[0].0.clone().into();
    let e = eu.post("/wiki/api/v2/pages", body).await.json();
    assert_eq!(e["position"], 2, "after B, A's only child");
}

#[tokio::test]
async fn saved_state_keeps_titles_taken_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sandbox").join("world.json");
    let options = StartOptions { port_base: None, state_file: Some(file.clone()) };
    let sandbox = Sandbox::start_with(Seed::demo(), options.clone()).await.unwrap();
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let eng = eu.space_id("eng").await;
    assert_eq!(eu.post("/wiki/api/v2/pages", page(&eng, "Survivor")).await.status, 200);
    sandbox.shutdown().await.unwrap();
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(!saved.contains("\"index\""), "the index is not saved");
    let again = Sandbox::start_with(Seed::demo(), options).await.unwrap();
    let eu = Caller::admin(again.site("acme-eu").unwrap());
    assert_eq!(eu.post("/wiki/api/v2/pages", page(&eng, "survivor")).await.status, 400);
    again.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_corrupt_or_truncated_saved_state_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = confcopy_sandbox::persist::state_file(dir.path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let sandbox = Sandbox::start_persistent(dir.path()).await.unwrap();
    sandbox.save().unwrap();
    sandbox.shutdown().await.unwrap();
    let good = std::fs::read(&file).unwrap();
    for (what, bytes) in [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("not JSON", b"\x00\x01garbage".to_vec()),
        ("JSON of another shape", b"{\"sites\": 3}".to_vec()),
    ] {
        std::fs::write(&file, &bytes).unwrap();
        let error = match Sandbox::start_persistent(dir.path()).await {
            Ok(_) => panic!("{what}: a corrupt state must not start"),
            Err(e) => e.to_string(),
        };
        assert!(error.contains(&file.display().to_string()), "{what}: names the file: {error}");
        assert!(error.contains("confcopy sandbox reset"), "{what}: says how to recover: {error}");
    }
    assert!(confcopy_sandbox::persist::reset(dir.path()).unwrap());
    let fresh = Sandbox::start_persistent(dir.path()).await.unwrap();
    assert!(fresh.site("acme").is_some(), "after a reset the seed is used again");
    fresh.shutdown().await.unwrap();
}

/// Adds seven pages titled `PREFIX 0` to `PREFIX 6` to space `eng`; its id.
async fn seven_pages_in_eng(eu: &Caller, prefix: &str) -> String {
    let eng = eu.space_id("eng").await;
    for n in 0..7 {
        assert_eq!(eu.post("/wiki/api/v2/pages", page(&eng, &format!("{prefix} {n}"))).await.status, 200);
    }
    eng
}

#[tokio::test]
async fn a_space_lists_page_by_page_in_id_order_through_changes_between_pages() {
    let sandbox = demo().await;
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let eng = seven_pages_in_eng(&eu, "Listed").await;
    let ids = |answer: &serde_json::Value| -> Vec<u64> {
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().parse().unwrap())
            .collect()
    };
    let everything: Vec<u64> = eu
        .all(&format!("/wiki/api/v2/spaces/{eng}/pages?limit=250"))
        .await
        .iter()
        .map(|p| p["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(everything.len() >= 7 && everything.is_sorted(), "{everything:?}");
    // Three at a time; between the first and the second answer a page not listed yet is trashed
    // and one page is added: the walk neither repeats nor skips what stayed, and sees the new one.
    let first = eu.get(&format!("/wiki/api/v2/spaces/{eng}/pages?limit=3")).await;
    assert_eq!(ids(&first.json()), everything[..3]);
    let trashed = everything[4];
    let gone = eu.send(eu.request(Method::DELETE, &format!("/wiki/api/v2/pages/{trashed}"))).await;
    assert_eq!(gone.status, 204);
    let added = eu.post("/wiki/api/v2/pages", page(&eng, "Listed late")).await.json();
    let added: u64 = added["id"].as_str().unwrap().parse().unwrap();
    let mut walked = ids(&first.json());
    let mut next = first.json()["_links"]["next"].as_str().map(str::to_string);
    assert!(first.header("link").is_some_and(|l| l.contains("rel=\"next\"")));
    while let Some(link) = next {
        let answer = eu.get(&link).await;
        assert_eq!(answer.status, 200, "{link}");
        walked.extend(ids(&answer.json()));
        next = answer.json()["_links"]["next"].as_str().map(str::to_string);
    }
    // Each page that stayed comes once, the trashed one not at all, the new one last.
    let mut expected: Vec<u64> = everything.iter().copied().filter(|id| *id != trashed).collect();
    expected.push(added);
    assert_eq!(walked, expected);
    // A sorted list pages by offset as before; a cursor that is not the sandbox's is refused.
    let by_title = eu.all(&format!("/wiki/api/v2/spaces/{eng}/pages?sort=title&limit=2")).await;
    let titles: Vec<&str> = by_title.iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert!(titles.is_sorted(), "{titles:?}");
    assert_eq!(eu.get(&format!("/wiki/api/v2/spaces/{eng}/pages?cursor=bm9wZQ")).await.status, 400);
}

/// v1 lists page by offset (`start`): a page that follows the one before resumes after its last
/// item, and gives exactly what counting `start` items would, also when a write came between.
#[tokio::test]
async fn a_v1_list_pages_by_offset_as_counted_through_changes_between_pages() {
    let sandbox = demo().await;
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    seven_pages_in_eng(&eu, "Offset").await;
    let list = "/wiki/rest/api/content?spaceKey=eng&type=page";
    let ids = |answer: &serde_json::Value| -> Vec<String> {
        answer["results"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect()
    };
    let everything = ids(&eu.get(&format!("{list}&limit=250")).await.json());
    assert!(everything.len() >= 7, "{everything:?}");
    // Three at a time by the next links: every page once, in order.
    let mut walked = Vec::new();
    let mut next = Some(format!("{list}&limit=3"));
    while let Some(link) = next {
        let answer = eu.get(&link).await.json();
        walked.extend(ids(&answer));
        next = answer["_links"]["next"].as_str().map(|n| format!("/wiki{n}"));
    }
    assert_eq!(walked, everything);
    // An offset nobody ended at is counted.
    assert_eq!(ids(&eu.get(&format!("{list}&limit=2&start=5")).await.json()), everything[5..7]);
    // A page already listed is trashed between two answers: the next offset counts the list as
    // it is now (one item further on), as Confluence's offsets do.
    let first = ids(&eu.get(&format!("{list}&limit=3")).await.json());
    assert_eq!(first, everything[..3]);
    let gone = eu.send(eu.request(Method::DELETE, &format!("/wiki/api/v2/pages/{}", everything[1]))).await;
    assert_eq!(gone.status, 204);
    let second = ids(&eu.get(&format!("{list}&limit=3&start=3")).await.json());
    assert_eq!(second, everything[4..7]);
    // Another caller, or another filter, never resumes where this list ended.
    let third = ids(&eu.get(&format!("{list}&limit=3&start=6&status=current,archived")).await.json());
    let counted: Vec<String> =
        everything.iter().filter(|id| **id != everything[1]).skip(6).cloned().collect();
    assert_eq!(third, counted);
}
