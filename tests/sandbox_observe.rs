//! Observability and persistence: request counts, state export, reset, state kept on disk.

use confcopy_sandbox::{Sandbox, Seed, StartOptions};
use serde_json::json;

use crate::support_sandbox::{Caller, demo, http};

#[tokio::test]
async fn requests_are_counted_per_route_method_and_status_but_control_routes_are_not() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    let acme = Caller::admin(site);
    let mkt = acme.space_id("MKT").await;
    acme.get(&format!("/wiki/api/v2/spaces/{mkt}/pages")).await;
    acme.get("/wiki/api/v2/pages/1").await;
    http().get(format!("{}/__sandbox/state", site.base_url())).send().await.unwrap();
    let stats: serde_json::Value = http()
        .get(format!("{}/__sandbox/stats", site.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"], 3);
    assert_eq!(stats["writes"], 0);
    assert_eq!(stats["routes"]["GET /wiki/api/v2/spaces/{id}/pages"]["200"], 1);
    assert_eq!(stats["routes"]["GET /wiki/api/v2/pages/{id}"]["404"], 1);
    assert_eq!(site.stats().count("GET /wiki/api/v2/spaces"), 1);
}

#[tokio::test]
async fn state_export_shows_writes_and_reset_restores_the_seed() {
    let sandbox = demo().await;
    let site = sandbox.site("acme-eu").unwrap();
    let eu = Caller::admin(site);
    let before = site.export();
    let a = eu.post("/wiki/rest/api/space", json!({"key": "NEW", "name": "New"})).await;
    assert_eq!(a.status, 200);
    let state: serde_json::Value = http()
        .get(format!("{}/__sandbox/state", site.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> =
        state["site"]["spaces"].as_object().unwrap().values().map(|s| s["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"NEW"));
    let r = http().post(format!("{}/__sandbox/reset", site.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(site.export()["site"], before["site"]);
}

#[tokio::test]
async fn persistent_state_survives_a_restart_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sandbox").join("world.json");
    let options = StartOptions { port_base: None, state_file: Some(file.clone()) };
    let sandbox = Sandbox::start_with(Seed::demo(), options.clone()).await.unwrap();
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let eng = eu.space_id("eng").await;
    let a = eu
        .post("/wiki/api/v2/pages", json!({"spaceId": eng, "title": "Kept", "body": {"representation": "storage", "value": "<p>k</p>"}}))
        .await;
    assert_eq!(a.status, 200);
    sandbox.shutdown().await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = Sandbox::start_with(Seed::demo(), options).await.unwrap();
    let eu = Caller::admin(again.site("acme-eu").unwrap());
    let found = eu.get(&format!("/wiki/api/v2/spaces/{eng}/pages?title=Kept")).await.json();
    assert_eq!(found["results"].as_array().unwrap().len(), 1);
    again.shutdown().await.unwrap();
    assert!(confcopy_sandbox::persist::reset(dir.path()).unwrap());
    assert!(!file.exists());
}
