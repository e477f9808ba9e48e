//! What a check asks of the sites, counted by the sandbox over HTTP: the organization is looked
//! up once for two sites that share it, users are looked up 250 at a time (the v2 `users-bulk`
//! limit, which the sandbox enforces as Confluence does), the site-wide listings ask no more
//! often than their entries call for, and nothing already known is asked again.

use confcopy::client::{AdminClient, BaseUrl, ClientOptions};
use confcopy::site::PlanSites;
use confcopy_sandbox::command::generated_pair_seed;
use confcopy_sandbox::generate::{GenerateSpec, space_key};
use confcopy_sandbox::{Sandbox, Seed, Stats};
use futures_util::TryStreamExt;
use serde_json::json;

use crate::support_sandbox::Caller;

/// Requests the list answers of `route` took, and the entries they held.
fn list(stats: &Stats, route: &str) -> (u64, u64) {
    stats.lists.get(route).map_or((0, 0), |l| (l.requests, l.items))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_bulk_takes_up_to_250_account_ids_and_refuses_more() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let acme = sandbox.site("acme").unwrap().clone();
    let admin = Caller::admin(&acme);
    let me = admin.get("/wiki/rest/api/user/current").await.json();
    let me = me["accountId"].as_str().unwrap().to_string();
    // Ids the site does not know are simply absent from the answer.
    let mut ids: Vec<String> = (1..250).map(|i| format!("unknown-{i}")).collect();
    ids.push(me.clone());

    let answer = admin.post("/wiki/api/v2/users-bulk", json!({ "accountIds": ids })).await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.bytes));
    let results = answer.json()["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 1, "only the known account comes back: {results:?}");
    assert_eq!(results[0]["accountId"], me.as_str());

    ids.push("unknown-251".into());
    let over = admin.post("/wiki/api/v2/users-bulk", json!({ "accountIds": ids })).await;
    assert_eq!(over.status, 400, "251 ids are one too many");
    let empty = admin.post("/wiki/api/v2/users-bulk", json!({ "accountIds": [] })).await;
    assert_eq!(empty.status, 400, "at least one id");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_of_two_sites_in_one_organization_reads_the_organization_once() {
    let spec = GenerateSpec { spaces: 3, pages: 600, users: 300, seed: 7 };
    let sandbox = Sandbox::start(generated_pair_seed(spec)).await.unwrap();
    let source = sandbox.site("generated").unwrap().clone();
    let destination = sandbox.site("generated-dest").unwrap().clone();
    assert_eq!(source.org_id(), destination.org_id(), "the generated pair shares one organization");
    let keys: Vec<String> = (0..2).map(|i| format!("\"{}\"", space_key(i))).collect();
    let text = format!(
        "name = \"requests\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [{}]\n",
        source.base_url(),
        destination.base_url(),
        keys.join(", ")
    );
    let plan = crate::support_sandbox::plan("requests.toml", text);
    let settings = crate::support_sandbox::admin_settings(&source, &destination, &source);
    source.reset_stats();
    destination.reset_stats();
    let sites = PlanSites::connect(&plan, &settings, ClientOptions::fast()).await.expect("connect");
    let inventory = confcopy::inventory::read(&plan, &sites).await.expect("both sites answer");
    sites.close().await.expect("close");
    assert!(inventory.source.usable() && inventory.destination.usable(), "{inventory:#?}");
    assert!(
        matches!(inventory.destination.org_admin, confcopy::inventory::OrgAdmin::Yes { .. }),
        "the destination's organization is confirmed from the shared lookup: {:?}",
        inventory.destination.org_admin
    );
    assert!(!inventory.destination_licensed.is_empty(), "licences come from the shared user listing");

    // The admin API is served where the gateway points: the source's sandbox site.
    let stats = source.stats();
    assert_eq!(
        stats.count("GET /admin/v1/orgs"),
        1,
        "one key, one organization listing: {:#?}",
        stats.routes
    );
    assert_eq!(stats.count("POST /admin/v2/orgs/{orgId}/workspaces"), 1, "{:#?}", stats.routes);
    let (_, listed) = list(&stats, "GET /admin/v1/orgs/{orgId}/users");
    // One pass over the organization's users, read afresh through the client after counting.
    let gateway = BaseUrl::parse(source.base_url()).unwrap();
    let admin = AdminClient::new(
        source.org_id(),
        confcopy::client::Secret::new(source.org_api_key()),
        ClientOptions::fast().with_gateway(gateway),
    )
    .unwrap();
    let org_users: Vec<_> = admin.users().try_collect().await.unwrap();
    assert!(!org_users.is_empty());
    assert_eq!(listed, org_users.len() as u64, "the organization's users are listed once for both sites");

    // Users in scope are looked up 250 at a time.
    let scoped = inventory.users.len() as u64;
    assert!(scoped > 250, "enough users to need two lookups: {scoped}");
    let (bulk_requests, _) = list(&stats, "POST /wiki/api/v2/users-bulk");
    assert_eq!(bulk_requests, scoped.div_ceil(250), "{scoped} users");

    // Site-wide listings are full but for their last page.
    for route in ["GET /wiki/api/v2/attachments", "GET /wiki/api/v2/footer-comments"] {
        let (requests, items) = list(&stats, route);
        assert!(requests <= items.div_ceil(250).max(1), "{route}: {requests} requests for {items} entries");
    }
    // The groups that permissions name were read anyway; they settle the read restrictions.
    assert_eq!(stats.count("GET /wiki/rest/api/user/memberof"), 0, "{:#?}", stats.routes);
    // The source has no apps of its own: the destination's are not asked for.
    assert!(inventory.source.apps.is_empty());
    assert_eq!(
        destination.stats().count("GET /wiki/rest/plugins/1.0/"),
        0,
        "{:#?}",
        destination.stats().routes
    );
    assert_eq!(stats.writes + destination.stats().writes, 0, "a check writes nothing");
    sandbox.shutdown().await.unwrap();
}
