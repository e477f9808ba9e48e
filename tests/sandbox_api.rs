//! The sandbox answers like Confluence Cloud: auth, pagination, errors, writes and their rules.

use reqwest::Method;
use serde_json::json;

use crate::support_sandbox::{Caller, demo, http};

#[tokio::test]
async fn acceptance_one_space_with_link_header_and_next_link() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let a = acme.get("/wiki/api/v2/spaces?limit=1").await;
    assert_eq!(a.status, 200);
    let v = a.json();
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    let next = v["_links"]["next"].as_str().expect("_links.next");
    let link = a.header("link").expect("Link header");
    assert_eq!(link, format!("<{next}>; rel=\"next\""));
    assert!(next.starts_with("/wiki/api/v2/spaces?"));
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_401_in_each_error_shape() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    let client = http();
    let r = client.get(format!("{}/wiki/api/v2/spaces", site.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["status"], 401);
    let wrong = Caller::as_user(site, "admin@acme.test", "nope");
    let a = wrong.get("/wiki/rest/api/user/current").await;
    assert_eq!(a.status, 401);
    assert_eq!(a.json()["statusCode"], 401);
    // Bearer tokens work only through the gateway.
    let r = client
        .get(format!("{}/wiki/api/v2/spaces", site.base_url()))
        .bearer_auth(site.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client
        .get(format!("{}/wiki/api/v2/spaces?limit=2", site.gateway_url()))
        .bearer_auth(site.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 2);
    // Wrong cloud id in the gateway path.
    let r = client
        .get(format!("{}/ex/confluence/not-a-cloud/wiki/api/v2/spaces", site.base_url()))
        .bearer_auth(site.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn tenant_info_gives_the_cloud_id_without_auth() {
    let sandbox = demo().await;
    let site = sandbox.site("acme-eu").unwrap();
    let v: serde_json::Value = http()
        .get(format!("{}/_edge/tenant_info", site.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["cloudId"], site.cloud_id());
}

#[tokio::test]
async fn limits_outside_1_to_250_are_400_and_pages_cover_everything() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    for bad in ["0", "251", "x"] {
        let a = acme.get(&format!("/wiki/api/v2/spaces?limit={bad}")).await;
        assert_eq!(a.status, 400, "limit={bad}");
        assert_eq!(a.json()["errors"][0]["status"], 400);
    }
    let a = acme.get("/wiki/api/v2/spaces?cursor=garbage").await;
    assert_eq!(a.status, 400);
    let one_by_one = acme.all("/wiki/api/v2/spaces?limit=1").await;
    let at_once = acme.get("/wiki/api/v2/spaces?limit=250").await;
    assert!(at_once.header("link").is_none(), "no Link on the last page");
    assert!(at_once.json()["_links"]["next"].is_null());
    assert_eq!(one_by_one.len(), at_once.json()["results"].as_array().unwrap().len());
    assert_eq!(one_by_one.len(), 6, "MKT, DOCS, ENG, OPS, HR, ~alice");
}

#[tokio::test]
async fn array_parameters_are_accepted_comma_separated_and_repeated() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let comma = acme.get("/wiki/api/v2/spaces?keys=MKT,DOCS").await.json();
    let repeated = acme.get("/wiki/api/v2/spaces?keys=MKT&keys=DOCS").await.json();
    assert_eq!(comma["results"].as_array().unwrap().len(), 2);
    assert_eq!(comma["results"], repeated["results"]);
}

#[tokio::test]
async fn page_lists_include_bodies_only_with_body_format() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let mkt = acme.space_id("MKT").await;
    let plain = acme.get(&format!("/wiki/api/v2/spaces/{mkt}/pages")).await.json();
    assert_eq!(plain["results"][0]["body"], json!({}));
    let with = acme.get(&format!("/wiki/api/v2/spaces/{mkt}/pages?body-format=storage")).await.json();
    let value = with["results"][0]["body"]["storage"]["value"].as_str().unwrap();
    assert!(value.contains("<ac:structured-macro"));
    // Default statuses are current and archived: no draft, no trashed page.
    let titles: Vec<&str> =
        plain["results"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Q2 Campaign"));
    assert!(!titles.contains(&"Holiday campaign ideas"));
    assert!(!titles.contains(&"Obsolete Event Checklist"));
    let trashed = acme.get(&format!("/wiki/api/v2/spaces/{mkt}/pages?status=trashed")).await.json();
    assert_eq!(trashed["results"][0]["title"], "Obsolete Event Checklist");
}

#[tokio::test]
async fn restricted_pages_are_404_to_callers_outside_the_restriction() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    let admin = Caller::admin(site);
    let hank = Caller::as_user(site, "hank@acme.test", "sandbox-token-hank");
    let salaries = hank.page_id("HR", "Salaries 2024").await;
    assert_eq!(hank.get(&format!("/wiki/api/v2/pages/{salaries}")).await.status, 200);
    assert_eq!(admin.get(&format!("/wiki/api/v2/pages/{salaries}")).await.status, 404);
    let hr = admin.space_id("HR").await;
    let listed = admin.all(&format!("/wiki/api/v2/spaces/{hr}/pages")).await;
    assert!(listed.iter().all(|p| p["title"] != "Salaries 2024"));
    // The viewer cannot see the MKT budget page (read restricted to marketing and admin).
    let viewer = Caller::as_user(site, "viewer@acme.test", "sandbox-token-viewer");
    let budget = admin.page_id("MKT", "Budget 2024").await;
    assert_eq!(viewer.get(&format!("/wiki/api/v2/pages/{budget}")).await.status, 404);
}

#[tokio::test]
async fn create_page_rejects_a_duplicate_title_and_update_needs_the_next_version() {
    let sandbox = demo().await;
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let eng = eu.space_id("eng").await;
    let body = json!({"spaceId": eng, "status": "current", "title": "Runbook",
                      "body": {"representation": "storage", "value": "<p>v1</p>"}});
    let created = eu.post("/wiki/api/v2/pages", body.clone()).await;
    assert_eq!(created.status, 200);
    let page = created.json();
    assert_eq!(page["version"]["number"], 1);
    assert_eq!(page["body"]["storage"]["value"], "<p>v1</p>");
    let dup = eu.post("/wiki/api/v2/pages", body).await;
    assert_eq!(dup.status, 400);
    assert!(
        dup.json()["errors"][0]["title"].as_str().unwrap().contains("A page with this title already exists")
    );
    let id = page["id"].as_str().unwrap();
    let stale = eu
        .put(
            &format!("/wiki/api/v2/pages/{id}"),
            json!({"id": id, "status": "current", "title": "Runbook",
              "body": {"representation": "storage", "value": "<p>v2</p>"}, "version": {"number": 1}}),
        )
        .await;
    assert_eq!(stale.status, 409);
    assert_eq!(stale.json()["errors"][0]["code"], "CONFLICT");
    let ok = eu
        .put(&format!("/wiki/api/v2/pages/{id}"), json!({"id": id, "status": "current", "title": "Runbook",
              "body": {"representation": "storage", "value": "<p>v2</p>"}, "version": {"number": 2, "message": "edit"}}))
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["version"]["number"], 2);
    // Without parentId the page went under the space homepage.
    let home = eu.get(&format!("/wiki/api/v2/spaces/{eng}")).await.json()["homepageId"].clone();
    assert_eq!(page["parentId"], home);
}

#[tokio::test]
async fn bad_json_and_oversized_bodies_get_proper_errors() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let a = acme
        .send(
            acme.request(Method::POST, "/wiki/api/v2/pages")
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["errors"][0]["status"], 400);
    let big = vec![b'x'; 5 * 1024 * 1024 + 10];
    let a = acme.send(acme.request(Method::POST, "/wiki/api/v2/pages").body(big)).await;
    assert_eq!(a.status, 413);
    let a = acme.post("/wiki/rest/api/space", json!({"name": 5})).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["statusCode"], 400);
}

#[tokio::test]
async fn new_space_keys_clash_with_current_and_historical_keys_case_insensitively() {
    let sandbox = demo().await;
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    for key in ["ENG", "eng", "OPS", "opsarch"] {
        let a = eu.post("/wiki/rest/api/space", json!({"key": key, "name": "x"})).await;
        assert_eq!(a.status, 400, "key {key}");
        assert_eq!(a.json()["statusCode"], 400);
    }
    let a = eu
        .post(
            "/wiki/rest/api/space",
            json!({"key": "MKT", "name": "Marketing",
               "description": {"plain": {"value": "copied", "representation": "plain"}}}),
        )
        .await;
    assert_eq!(a.status, 200);
    let v = a.json();
    assert_eq!(v["key"], "MKT");
    let home = v["homepage"]["id"].as_str().expect("new space comes with a homepage");
    assert_eq!(eu.get(&format!("/wiki/api/v2/pages/{home}")).await.status, 200);
}

#[tokio::test]
async fn groups_need_a_site_admin_and_the_free_plan_stops_at_ten_users() {
    let sandbox = demo().await;
    let site = sandbox.site("acme-eu").unwrap();
    let admin = Caller::admin(site);
    let viewer = Caller::as_user(site, "viewer@acme.test", "sandbox-token-viewer");
    assert_eq!(viewer.post("/wiki/rest/api/group", json!({"name": "engineering"})).await.status, 403);
    let created = admin.post("/wiki/rest/api/group", json!({"name": "engineering"})).await;
    assert_eq!(created.status, 201);
    assert_eq!(admin.post("/wiki/rest/api/group", json!({"name": "engineering"})).await.status, 400);
    // acme-eu has 5 users with access; grant 5 more, the 11th is refused.
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let users = acme.get("/wiki/rest/api/group").await.json();
    let cu =
        users["results"].as_array().unwrap().iter().find(|g| g["name"] == "confluence-users").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
    let members = acme.get(&format!("/wiki/rest/api/group/{cu}/membersByGroupId?limit=200")).await.json();
    let eu_members: Vec<String> = {
        let g = admin.get("/wiki/rest/api/group").await.json();
        let id =
            g["results"].as_array().unwrap().iter().find(|g| g["name"] == "confluence-users").unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
        admin.get(&format!("/wiki/rest/api/group/{id}/membersByGroupId")).await.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["accountId"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(eu_members.len(), 5);
    let newcomers: Vec<String> = members["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["accountId"].as_str().unwrap().to_string())
        .filter(|id| !eu_members.contains(id))
        .collect();
    let client = http();
    let grant = |account: String| {
        let client = client.clone();
        let url =
            format!("{}/admin/v1/orgs/{}/users/{account}/product-access", site.base_url(), site.org_id());
        let key = site.org_api_key().to_string();
        async move {
            client
                .post(url)
                .bearer_auth(key)
                .json(&json!({"site": "acme-eu", "product": "confluence"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for account in newcomers.iter().take(5) {
        assert_eq!(grant(account.clone()).await, 200);
    }
    assert_eq!(grant(newcomers[5].clone()).await, 400, "the 11th user is refused on Free");
    assert_eq!(grant(newcomers[0].clone()).await, 200, "granting again is fine");
}

#[tokio::test]
async fn attachments_upload_needs_the_xsrf_header_and_download_redirects_to_the_bytes() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let page = acme.page_id("MKT", "Q3 Launch Campaign").await;
    let list = acme.get(&format!("/wiki/api/v2/pages/{page}/attachments")).await.json();
    let logo = list["results"].as_array().unwrap().iter().find(|a| a["title"] == "logo.png").unwrap().clone();
    assert_eq!(logo["version"]["number"], 2);
    assert_eq!(logo["mediaType"], "image/png");
    let att = logo["id"].as_str().unwrap();
    let redirect =
        acme.get(&format!("/wiki/rest/api/content/{page}/child/attachment/{att}/download?version=1")).await;
    assert_eq!(redirect.status, 302);
    let location = redirect.header("location").unwrap();
    assert!(location.starts_with(acme.base.as_str()));
    let bytes = http().get(&location).send().await.unwrap().bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "real PNG bytes");
    // The legacy download link does not take token auth.
    let legacy = logo["downloadLink"].as_str().unwrap();
    assert_eq!(acme.get(&format!("/wiki{legacy}")).await.status, 401);

    let form = || {
        reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"hello".to_vec())
                    .file_name("notes.txt")
                    .mime_str("text/plain")
                    .unwrap(),
            )
            .text("comment", "first upload")
    };
    let path = format!("/wiki/rest/api/content/{page}/child/attachment");
    let no_header = acme.send(acme.request(Method::POST, &path).multipart(form())).await;
    assert_eq!(no_header.status, 403);
    assert_eq!(no_header.json()["message"], "XSRF check failed");
    let ok = acme
        .send(acme.request(Method::POST, &path).header("X-Atlassian-Token", "no-check").multipart(form()))
        .await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.bytes));
    assert_eq!(ok.json()["results"][0]["title"], "notes.txt");
    let again = acme
        .send(acme.request(Method::POST, &path).header("X-Atlassian-Token", "nocheck").multipart(form()))
        .await;
    assert_eq!(again.status, 400, "same file name again with POST");
    let update = acme
        .send(acme.request(Method::PUT, &path).header("X-Atlassian-Token", "nocheck").multipart(form()))
        .await;
    assert_eq!(update.status, 200);
    let list = acme.get(&format!("/wiki/api/v2/pages/{page}/attachments?filename=notes.txt")).await.json();
    assert_eq!(list["results"][0]["version"]["number"], 2);
    assert_eq!(list["results"][0]["fileSize"], 5);
}

#[tokio::test]
async fn move_before_after_and_append_set_sibling_order() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let home = acme.page_id("MKT", "Marketing Home").await;
    let order = |v: serde_json::Value| -> Vec<String> {
        v["results"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap().to_string()).collect()
    };
    let before = order(acme.get(&format!("/wiki/api/v2/pages/{home}/direct-children")).await.json());
    assert_eq!(before[..3], ["Campaigns", "Brand Guidelines", "Assets"]);
    let campaigns = acme.page_id("MKT", "Campaigns").await;
    let brand = acme.page_id("MKT", "Brand Guidelines").await;
    let a = acme
        .send(acme.request(Method::PUT, &format!("/wiki/rest/api/content/{brand}/move/before/{campaigns}")))
        .await;
    assert_eq!(a.status, 403, "Brand Guidelines is update-restricted to marketing");
    let kids = acme.get(&format!("/wiki/api/v2/pages/{home}/direct-children")).await.json();
    let assets = kids["results"][2]["id"].as_str().unwrap().to_string();
    let a = acme
        .send(acme.request(Method::PUT, &format!("/wiki/rest/api/content/{assets}/move/before/{campaigns}")))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["pageId"], assets);
    let after = order(acme.get(&format!("/wiki/api/v2/pages/{home}/direct-children")).await.json());
    assert_eq!(after[..3], ["Assets", "Campaigns", "Brand Guidelines"]);
    let a = acme
        .send(acme.request(Method::PUT, &format!("/wiki/rest/api/content/{assets}/move/after/{brand}")))
        .await;
    assert_eq!(a.status, 200);
    let after = order(acme.get(&format!("/wiki/api/v2/pages/{home}/direct-children")).await.json());
    assert_eq!(after[..3], ["Campaigns", "Brand Guidelines", "Assets"]);
    let a = acme
        .send(acme.request(Method::PUT, &format!("/wiki/rest/api/content/{assets}/move/append/{campaigns}")))
        .await;
    assert_eq!(a.status, 200);
    let kids = order(acme.get(&format!("/wiki/api/v2/pages/{campaigns}/direct-children")).await.json());
    assert_eq!(kids.last().unwrap(), "Assets");
    let a = acme
        .send(acme.request(Method::PUT, &format!("/wiki/rest/api/content/{campaigns}/move/append/{assets}")))
        .await;
    assert_eq!(a.status, 400, "cannot move a page under its own descendant");
}

#[tokio::test]
async fn labels_restrictions_and_space_permissions_are_written_through_v1() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let page = acme.page_id("DOCS", "FAQ").await;
    let a = acme
        .post(
            &format!("/wiki/rest/api/content/{page}/label"),
            json!([{"prefix": "global", "name": "Copied"}]),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["results"][0]["name"], "copied");
    let labels = acme.get(&format!("/wiki/api/v2/pages/{page}/labels")).await.json();
    assert_eq!(labels["results"][0]["name"], "copied");
    assert_eq!(
        acme.post(&format!("/wiki/rest/api/content/{page}/label"), json!([{"name": "bad label"}]))
            .await
            .status,
        400
    );

    let alice = acme.get("/wiki/rest/api/user/current").await.json()["accountId"].clone();
    let a = acme
        .put(&format!("/wiki/rest/api/content/{page}/restriction"),
             json!([{"operation": "update", "restrictions": {"user": [{"type": "known", "accountId": alice}], "group": [{"type": "group", "name": "engineering"}]}}]))
        .await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.bytes));
    let r = acme.get(&format!("/wiki/rest/api/content/{page}/restriction")).await.json();
    let update =
        r["results"].as_array().unwrap().iter().find(|x| x["operation"] == "update").unwrap().clone();
    assert_eq!(update["restrictions"]["group"]["results"][0]["name"], "engineering");

    let a = acme
        .post("/wiki/rest/api/space/DOCS/permission",
              json!({"subject": {"type": "group", "identifier": "marketing"}, "operation": {"key": "read", "target": "space"}}))
        .await;
    assert_eq!(a.status, 200);
    let docs = acme.space_id("DOCS").await;
    let perms = acme.all(&format!("/wiki/api/v2/spaces/{docs}/permissions")).await;
    assert!(perms.iter().any(|p| p["principal"]["type"] == "group" && p["operation"]["key"] == "read"));
    let mkt = acme.space_id("MKT").await;
    let perms = acme.all(&format!("/wiki/api/v2/spaces/{mkt}/permissions")).await;
    assert!(
        perms.iter().any(|p| p["principal"] == json!({"type": "role", "id": "ANONYMOUS"})),
        "MKT is public"
    );
}

#[tokio::test]
async fn comments_have_replies_and_inline_comments_need_a_selection() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let page = acme.page_id("MKT", "Q3 Launch Campaign").await;
    let footer =
        acme.get(&format!("/wiki/api/v2/pages/{page}/footer-comments?body-format=storage")).await.json();
    let root = footer["results"][0]["id"].as_str().unwrap().to_string();
    let replies = acme.get(&format!("/wiki/api/v2/footer-comments/{root}/children")).await.json();
    assert_eq!(replies["results"].as_array().unwrap().len(), 2);
    let inline = acme.get(&format!("/wiki/api/v2/pages/{page}/inline-comments")).await.json();
    let marker = inline["results"][0]["properties"]["inlineMarkerRef"].as_str().unwrap();
    let body = acme.get(&format!("/wiki/api/v2/pages/{page}?body-format=storage")).await.json();
    assert!(body["body"]["storage"]["value"].as_str().unwrap().contains(&format!("ac:ref=\"{marker}\"")));

    let a = acme
        .post(
            "/wiki/api/v2/footer-comments",
            json!({"pageId": page, "body": {"representation": "storage", "value": "<p>hi</p>"}}),
        )
        .await;
    assert_eq!(a.status, 201);
    let a = acme
        .post(
            "/wiki/api/v2/footer-comments",
            json!({"parentCommentId": root, "body": {"representation": "storage", "value": "<p>reply</p>"}}),
        )
        .await;
    assert_eq!(a.status, 201);
    assert_eq!(a.json()["parentCommentId"], root);
    let a = acme
        .post(
            "/wiki/api/v2/inline-comments",
            json!({"pageId": page, "body": {"representation": "storage", "value": "<p>?</p>"}}),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = acme
        .post("/wiki/api/v2/inline-comments", json!({"pageId": page, "body": {"representation": "storage", "value": "<p>?</p>"},
               "inlineCommentProperties": {"textSelection": "pending legal review", "textSelectionMatchCount": 1, "textSelectionMatchIndex": 0}}))
        .await;
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.bytes));
    assert_eq!(a.json()["resolutionStatus"], "open");
}

#[tokio::test]
async fn blog_posts_keep_a_back_dated_created_at() {
    let sandbox = demo().await;
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let eng = eu.space_id("eng").await;
    let a = eu
        .post("/wiki/api/v2/blogposts", json!({"spaceId": eng, "status": "current", "title": "Launch recap",
               "createdAt": "2024-03-18T15:00:00Z", "body": {"representation": "storage", "value": "<p>x</p>"}}))
        .await;
    assert_eq!(a.status, 200);
    assert!(a.json()["createdAt"].as_str().unwrap().starts_with("2024-03-18T15:00:00"));
    let posts = eu.get(&format!("/wiki/api/v2/spaces/{eng}/blogposts")).await.json();
    assert_eq!(posts["results"][0]["title"], "Launch recap");
}

#[tokio::test]
async fn users_groups_apps_and_admin_checks() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    let admin = Caller::admin(site);
    let viewer = Caller::as_user(site, "viewer@acme.test", "sandbox-token-viewer");
    assert_eq!(admin.get("/wiki/api/v2/admin-key").await.status, 200);
    assert_eq!(viewer.get("/wiki/api/v2/admin-key").await.status, 403);
    let apps = admin.get("/wiki/rest/plugins/1.0/").await.json();
    let keys: Vec<&str> =
        apps["plugins"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"com.gliffy.integration.confluence"));
    let eu_apps = Caller::admin(sandbox.site("acme-eu").unwrap()).get("/wiki/rest/plugins/1.0/").await.json();
    assert_eq!(eu_apps["plugins"].as_array().unwrap().len(), 1, "Gliffy missing on acme-eu");

    let groups = admin.get("/wiki/rest/api/group?limit=2").await.json();
    assert_eq!(groups["size"], 2);
    assert!(
        groups["_links"]["next"].as_str().unwrap().starts_with("/rest/api/group?"),
        "v1 next is relative to /wiki"
    );
    let me = admin.get("/wiki/rest/api/user/current").await.json();
    let id = me["accountId"].as_str().unwrap();
    let memberof = admin.get(&format!("/wiki/rest/api/user/memberof?accountId={id}")).await.json();
    assert!(memberof["results"].as_array().unwrap().iter().any(|g| g["name"] == "site-admins"));

    // Every user referenced by the MKT content resolves, inactive and former users included.
    let all = crate::support_sandbox::http();
    let _ = all;
    let export = site.export();
    let ids: Vec<String> = export["accounts"].as_object().unwrap().keys().cloned().collect();
    let bulk = admin.post("/wiki/api/v2/users-bulk", json!({"accountIds": ids})).await.json();
    let statuses: Vec<&str> =
        bulk["results"].as_array().unwrap().iter().map(|u| u["accountStatus"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"inactive") && statuses.contains(&"closed"));
    let former = bulk["results"].as_array().unwrap().iter().find(|u| u["accountStatus"] == "closed").unwrap();
    assert_eq!(former["displayName"], "Former user");
}

#[tokio::test]
async fn organization_admin_api_lists_users_and_groups_with_the_org_key() {
    let sandbox = demo().await;
    let site = sandbox.site("acme").unwrap();
    let client = http();
    let url = |p: &str| format!("{}/admin/v1/orgs/{}{p}", site.base_url(), site.org_id());
    assert_eq!(client.get(url("/users")).send().await.unwrap().status(), 401);
    let users: serde_json::Value =
        client.get(url("/users")).bearer_auth(site.org_api_key()).send().await.unwrap().json().await.unwrap();
    assert!(users["data"].as_array().unwrap().len() >= 15);
    let groups: serde_json::Value = client
        .get(url("/groups"))
        .bearer_auth(site.org_api_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let marketing: Vec<_> =
        groups["data"].as_array().unwrap().iter().filter(|g| g["name"] == "marketing").collect();
    assert_eq!(marketing.len(), 2, "marketing exists on acme and acme-eu");
    // Another organization's key sees nothing here.
    let r = client.get(url("/users")).bearer_auth("sandbox-orgkey-globex").send().await.unwrap();
    assert_eq!(r.status(), 404);
}

/// Properties on every holder confcopy marks, and the v1 listings that expand one property.
#[tokio::test]
async fn properties_of_spaces_folders_comments_and_attachments_and_their_v1_expansion() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let space = acme.space_id("MKT").await;
    let page = acme.page_id("MKT", "Q3 Launch Campaign").await;
    let comments = acme.all(&format!("/wiki/api/v2/pages/{page}/footer-comments")).await;
    let attachments = acme.all(&format!("/wiki/api/v2/pages/{page}/attachments")).await;
    let marker = json!({"format": 1, "source_site": "sandbox:acme", "kind": "page", "id": "1"});
    let mut holders = vec![format!("spaces/{space}"), format!("pages/{page}")];
    holders.extend(comments.first().map(|c| format!("comments/{}", c["id"].as_str().unwrap())));
    holders.extend(attachments.first().map(|a| format!("attachments/{}", a["id"].as_str().unwrap())));
    assert_eq!(holders.len(), 4, "the demo page has comments and attachments: {holders:?}");
    for holder in &holders {
        let created = acme
            .post(
                &format!("/wiki/api/v2/{holder}/properties"),
                json!({"key": "confcopy-origin", "value": marker}),
            )
            .await;
        assert_eq!(created.status, 200, "{holder}: {}", String::from_utf8_lossy(&created.bytes));
        let id = created.json()["id"].as_str().unwrap().to_string();
        let again = acme
            .post(&format!("/wiki/api/v2/{holder}/properties"), json!({"key": "confcopy-origin", "value": 1}))
            .await;
        assert_eq!(again.status, 400, "{holder}: a key is created once");
        let listed = acme.all(&format!("/wiki/api/v2/{holder}/properties?key=confcopy-origin")).await;
        assert_eq!(listed.len(), 1, "{holder}");
        assert_eq!(listed[0]["value"], marker);
        let stale = acme
            .put(
                &format!("/wiki/api/v2/{holder}/properties/{id}"),
                json!({"key": "confcopy-origin", "value": 2, "version": {"number": 1}}),
            )
            .await;
        assert_eq!(stale.status, 409, "{holder}: the version must go up");
        let updated = acme
            .put(
                &format!("/wiki/api/v2/{holder}/properties/{id}"),
                json!({"key": "confcopy-origin", "value": marker, "version": {"number": 2}}),
            )
            .await;
        assert_eq!(updated.status, 200, "{holder}");
        assert_eq!(updated.json()["version"]["number"], 2);
    }
    // v1 listings carry the property asked for, and only that one.
    let listed = acme
        .get("/wiki/rest/api/content?spaceKey=MKT&type=page&expand=metadata.properties.confcopy-origin")
        .await;
    assert_eq!(listed.status, 200);
    let results = listed.json()["results"].as_array().unwrap().clone();
    let campaigns = results.iter().find(|r| r["id"] == page.as_str()).expect("the page is listed");
    assert_eq!(campaigns["metadata"]["properties"]["confcopy-origin"]["value"], marker);
    assert!(campaigns["metadata"].get("labels").is_none(), "labels were not asked for");
    let other = results.iter().find(|r| r["id"] != page.as_str()).unwrap();
    assert_eq!(other["metadata"]["properties"], json!({}), "a page without the property");
    let listed = acme
        .get(&format!(
            "/wiki/rest/api/content/{page}/child/comment?depth=all&expand=metadata.properties.confcopy-origin"
        ))
        .await;
    assert_eq!(listed.status, 200);
    let all = listed.json()["results"].as_array().unwrap().clone();
    let top = acme.get(&format!("/wiki/rest/api/content/{page}/child/comment")).await.json()["results"]
        .as_array()
        .unwrap()
        .len();
    assert!(all.len() >= top, "depth=all lists replies too");
    if let Some(first) = comments.first() {
        let found = all.iter().find(|c| c["id"] == first["id"]).expect("the footer comment is listed");
        assert_eq!(found["metadata"]["properties"]["confcopy-origin"]["value"], marker);
        assert_eq!(found["extensions"]["location"], "footer");
    }
    if let Some(first) = attachments.first() {
        let listed = acme
            .get(&format!(
                "/wiki/rest/api/content/{page}/child/attachment?expand=metadata.properties.confcopy-origin"
            ))
            .await;
        let found = listed.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == first["id"])
            .cloned()
            .expect("the attachment is listed");
        assert_eq!(found["metadata"]["properties"]["confcopy-origin"]["value"], marker);
    }
    // A holder that is not there is 404.
    let nobody = acme.post("/wiki/api/v2/spaces/999999/properties", json!({"key": "k", "value": 1})).await;
    assert_eq!(nobody.status, 404);
}

#[tokio::test]
async fn v1_content_create_makes_a_page_with_its_properties_in_one_request() {
    let sandbox = demo().await;
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let eng = eu.space_id("eng").await;
    let marker = json!({"format": 1, "source_site": "https://acme.atlassian.net", "kind": "page", "id": "7"});
    let page = |title: &str, ancestors: Option<&str>| {
        let mut body = json!({"type": "page", "title": title, "space": {"key": "eng"}, "status": "current",
            "body": {"storage": {"value": format!("<p>{title}</p>"), "representation": "storage"}},
            "metadata": {"properties": {"confcopy-origin": {"key": "confcopy-origin", "value": marker}}}});
        if let Some(parent) = ancestors {
            body["ancestors"] = json!([{"id": parent}]);
        }
        body
    };

    // Without ancestors: at the space's root level, beside the homepage.
    let root = eu.post("/wiki/rest/api/content", page("Top", None)).await;
    assert_eq!(root.status, 200, "{}", String::from_utf8_lossy(&root.bytes));
    let root = root.json();
    assert_eq!((root["type"].as_str(), root["status"].as_str()), (Some("page"), Some("current")));
    assert_eq!(root["title"], "Top");
    assert_eq!(root["version"]["number"], 1);
    assert_eq!(root["space"]["key"], "eng");
    let root_id = root["id"].as_str().unwrap().to_string();
    let v2 = eu.get(&format!("/wiki/api/v2/pages/{root_id}?body-format=storage")).await.json();
    assert!(v2.get("parentId").is_none(), "at the root level: {v2}");
    assert_eq!(v2["body"]["storage"]["value"], "<p>Top</p>");
    assert!(root["extensions"]["position"].is_i64(), "{root}");
    assert_eq!(root["extensions"]["position"], v2["position"]);
    let roots = eu.all(&format!("/wiki/api/v2/spaces/{eng}/pages?depth=root")).await;
    assert!(roots.iter().any(|p| p["id"] == root_id.as_str()));

    // With one ancestor: under that page, after its earlier children.
    let first = eu.post("/wiki/rest/api/content", page("Child one", Some(&root_id))).await.json();
    let second = eu.post("/wiki/rest/api/content", page("Child two", Some(&root_id))).await.json();
    let second_id = second["id"].as_str().unwrap();
    assert_eq!(eu.get(&format!("/wiki/api/v2/pages/{second_id}")).await.json()["parentId"], root_id.as_str());
    let (p1, p2) = (
        first["extensions"]["position"].as_i64().unwrap(),
        second["extensions"]["position"].as_i64().unwrap(),
    );
    assert!(p1 < p2, "siblings in creation order: {p1} {p2}");
    let kids = eu.get(&format!("/wiki/api/v2/pages/{root_id}/direct-children")).await.json();
    let titles: Vec<&str> =
        kids["results"].as_array().unwrap().iter().map(|k| k["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Child one", "Child two"]);

    // The property came with the create, readable through v2 like one added later.
    let props = eu.get(&format!("/wiki/api/v2/pages/{second_id}/properties?key=confcopy-origin")).await;
    assert_eq!(props.status, 200);
    let props = props.json();
    assert_eq!(props["results"].as_array().unwrap().len(), 1);
    assert_eq!(props["results"][0]["value"], marker);
    assert_eq!(props["results"][0]["version"]["number"], 1);

    // A title taken in the space is refused, as v2 refuses it (any letter case).
    let dup = eu.post("/wiki/rest/api/content", page("child ONE", None)).await;
    assert_eq!(dup.status, 400);
    assert!(dup.json()["message"].as_str().unwrap().contains("already exists"), "{}", dup.json());
    // An unknown space, a parent in another space, more than one parent, another type, a
    // property whose inner key disagrees with its name: refused, and nothing is created.
    let mut nowhere = page("Nowhere", None);
    nowhere["space"]["key"] = json!("NOPE");
    assert_eq!(eu.post("/wiki/rest/api/content", nowhere).await.status, 404);
    let archive_home = eu.page_id("OPSARCH", "Operations archive Home").await;
    let outside = eu.post("/wiki/rest/api/content", page("Elsewhere", Some(&archive_home))).await;
    assert_eq!(outside.status, 400, "{}", outside.json());
    let mut two = page("Two parents", Some(&root_id));
    two["ancestors"] = json!([{"id": root_id}, {"id": second_id}]);
    assert_eq!(eu.post("/wiki/rest/api/content", two).await.status, 400);
    let mut blog = page("A post", None);
    blog["type"] = json!("blogpost");
    let blog = eu.post("/wiki/rest/api/content", blog).await;
    assert_eq!(blog.status, 400);
    assert!(blog.json()["message"].as_str().unwrap().contains("not supported here"));
    let mut renamed = page("Renamed key", None);
    renamed["metadata"]["properties"]["confcopy-origin"]["key"] = json!("other");
    assert_eq!(eu.post("/wiki/rest/api/content", renamed).await.status, 400);
    assert!(
        eu.get(&format!("/wiki/api/v2/spaces/{eng}/pages?title=Renamed%20key")).await.json()["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Space permissions bind as for v2: a reader of the space may not create in it.
    let acme = sandbox.site("acme").unwrap();
    let viewer = Caller::as_user(acme, "viewer@acme.test", "sandbox-token-viewer");
    let mut denied = page("Viewer page", None);
    denied["space"]["key"] = json!("ENG");
    assert_eq!(viewer.post("/wiki/rest/api/content", denied).await.status, 403);
}

/// A space created with `permissions` (v1 `SpacePermissionCreate`: an operation, its users by
/// account id, its groups by id, anonymous access) has only those, each once; without them its
/// creator gets the default set. An account the site does not know refuses the create.
#[tokio::test]
async fn a_space_created_with_permissions_has_only_those() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let me = acme.get("/wiki/rest/api/user/current").await.json()["accountId"].as_str().unwrap().to_string();
    let groups = acme.get("/wiki/rest/api/group").await.json();
    let marketing = groups["results"].as_array().unwrap().iter().find(|g| g["name"] == "marketing").unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let entry = |op: &str,
                 target: &str,
                 users: serde_json::Value,
                 groups: serde_json::Value,
                 anonymous: bool| {
        json!({"subjects": {"user": {"results": users, "size": 0}, "group": {"results": groups, "size": 0}},
               "operation": {"operation": op, "targetType": target},
               "anonymousAccess": anonymous, "unlicensedAccess": false})
    };
    let permissions = json!([
        entry(
            "read",
            "space",
            json!([{"type": "known", "accountId": me}]),
            json!([{"type": "group", "id": marketing}]),
            true
        ),
        entry("administer", "space", json!([{"type": "known", "accountId": me}]), json!([]), false),
        // The same grant twice is kept once.
        entry("read", "space", json!([{"type": "known", "accountId": me}]), json!([]), false),
    ]);
    let created = acme
        .post("/wiki/rest/api/space", json!({"key": "GIVEN", "name": "Given", "permissions": permissions}))
        .await;
    assert_eq!(created.status, 200, "{}", String::from_utf8_lossy(&created.bytes));
    let id = acme.space_id("GIVEN").await;
    let mut held: Vec<(String, String, String)> = acme
        .all(&format!("/wiki/api/v2/spaces/{id}/permissions"))
        .await
        .iter()
        .map(|p| {
            let who = format!(
                "{}:{}",
                p["principal"]["type"].as_str().unwrap(),
                p["principal"]["id"].as_str().unwrap()
            );
            (
                who,
                p["operation"]["key"].as_str().unwrap().into(),
                p["operation"]["targetType"].as_str().unwrap().into(),
            )
        })
        .collect();
    held.sort();
    let mut wanted = vec![
        (format!("user:{me}"), "read".to_string(), "space".to_string()),
        (format!("group:{marketing}"), "read".into(), "space".into()),
        ("role:ANONYMOUS".into(), "read".into(), "space".into()),
        (format!("user:{me}"), "administer".into(), "space".into()),
    ];
    wanted.sort();
    assert_eq!(held, wanted);

    let plain = acme.post("/wiki/rest/api/space", json!({"key": "PLAIN", "name": "Plain"})).await;
    assert_eq!(plain.status, 200);
    let id = acme.space_id("PLAIN").await;
    let defaults = acme.all(&format!("/wiki/api/v2/spaces/{id}/permissions")).await;
    assert!(
        defaults.len() > 1 && defaults.iter().all(|p| p["principal"]["id"] == me.as_str()),
        "{defaults:?}"
    );

    let stranger = json!([entry(
        "read",
        "space",
        json!([{"type": "known", "accountId": "nobody-here"}]),
        json!([]),
        false
    )]);
    let refused = acme
        .post("/wiki/rest/api/space", json!({"key": "ODD", "name": "Odd", "permissions": stranger}))
        .await;
    assert_eq!(refused.status, 400);
}
