//! Faithfulness: every JSON answer the sandbox gives for an operation confcopy uses validates
//! against that operation's response schema in the official OpenAPI documents.

use serde_json::{Value, json};

use crate::support_sandbox::{
    Answer, Caller, demo, http, response_schema, spec_admin, spec_v1, spec_v2, validate,
};

fn conforms(spec: &Value, template: &str, method: &str, answer: &Answer, failures: &mut Vec<String>) {
    let body = answer.json();
    if body.is_null() {
        failures.push(format!("{method} {template}: status {} without JSON", answer.status));
        return;
    }
    let schema = response_schema(spec, template, method, answer.status);
    for e in validate(spec, schema, &body) {
        failures.push(format!("{method} {template} {}: {e}", answer.status));
    }
}

#[tokio::test]
async fn every_operation_confcopy_uses_answers_in_the_documented_shape() {
    let sandbox = demo().await;
    let acme_site = sandbox.site("acme").unwrap();
    let acme = Caller::admin(acme_site);
    let eu = Caller::admin(sandbox.site("acme-eu").unwrap());
    let (v1, v2) = (spec_v1(), spec_v2());
    let mut f = Vec::new();

    let mkt = acme.space_id("MKT").await;
    let page = acme.page_id("MKT", "Q3 Launch Campaign").await;
    let home = acme.page_id("MKT", "Marketing Home").await;
    let blog = acme.get(&format!("/wiki/api/v2/spaces/{mkt}/blogposts")).await.json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let folder = acme.get(&format!("/wiki/api/v2/pages/{home}/direct-children")).await.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "folder")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let reads: Vec<(&Value, &str, String)> = vec![
        (v2, "/spaces", "/wiki/api/v2/spaces?limit=2&description-format=plain".into()),
        (
            v2,
            "/spaces/{id}",
            format!(
                "/wiki/api/v2/spaces/{mkt}?description-format=plain&include-labels=true&include-permissions=true"
            ),
        ),
        (
            v2,
            "/spaces/{id}/pages",
            format!(
                "/wiki/api/v2/spaces/{mkt}/pages?body-format=storage&limit=250&status=current,archived,trashed"
            ),
        ),
        (v2, "/spaces/{id}/blogposts", format!("/wiki/api/v2/spaces/{mkt}/blogposts?body-format=storage")),
        (v2, "/spaces/{id}/permissions", format!("/wiki/api/v2/spaces/{mkt}/permissions")),
        (v2, "/spaces/{id}/labels", format!("/wiki/api/v2/spaces/{mkt}/labels")),
        (v2, "/pages", format!("/wiki/api/v2/pages?space-id={mkt}&body-format=storage")),
        (
            v2,
            "/pages/{id}",
            format!(
                "/wiki/api/v2/pages/{page}?body-format=storage&include-labels=true&include-properties=true&include-likes=true"
            ),
        ),
        (v2, "/pages/{id}/direct-children", format!("/wiki/api/v2/pages/{home}/direct-children")),
        (v2, "/pages/{id}/descendants", format!("/wiki/api/v2/pages/{home}/descendants")),
        (v2, "/pages/{id}/ancestors", format!("/wiki/api/v2/pages/{page}/ancestors")),
        (v2, "/pages/{id}/labels", format!("/wiki/api/v2/pages/{page}/labels")),
        (v2, "/pages/{id}/likes/count", format!("/wiki/api/v2/pages/{page}/likes/count")),
        (v2, "/pages/{id}/likes/users", format!("/wiki/api/v2/pages/{page}/likes/users")),
        (v2, "/pages/{id}/versions", format!("/wiki/api/v2/pages/{page}/versions?body-format=storage")),
        (v2, "/pages/{page-id}/properties", format!("/wiki/api/v2/pages/{page}/properties")),
        (v2, "/pages/{id}/attachments", format!("/wiki/api/v2/pages/{page}/attachments")),
        (
            v2,
            "/pages/{id}/footer-comments",
            format!("/wiki/api/v2/pages/{page}/footer-comments?body-format=storage"),
        ),
        (
            v2,
            "/pages/{id}/inline-comments",
            format!("/wiki/api/v2/pages/{page}/inline-comments?body-format=storage"),
        ),
        (v2, "/blogposts/{id}", format!("/wiki/api/v2/blogposts/{blog}?body-format=storage")),
        (v2, "/blogposts/{id}/footer-comments", format!("/wiki/api/v2/blogposts/{blog}/footer-comments")),
        (v2, "/blogposts/{id}/labels", format!("/wiki/api/v2/blogposts/{blog}/labels")),
        (v2, "/folders/{id}", format!("/wiki/api/v2/folders/{folder}")),
        (v2, "/admin-key", "/wiki/api/v2/admin-key".into()),
        (v2, "/space-role-mode", "/wiki/api/v2/space-role-mode".into()),
        (v1, "/wiki/rest/api/user/current", "/wiki/rest/api/user/current".into()),
        (v1, "/wiki/rest/api/group", "/wiki/rest/api/group?limit=2".into()),
        (v1, "/wiki/rest/api/content/{id}/restriction", format!("/wiki/rest/api/content/{page}/restriction")),
    ];
    for (spec, template, path) in &reads {
        let a = acme.get(path).await;
        assert_eq!(a.status, 200, "GET {path}: {}", String::from_utf8_lossy(&a.bytes));
        conforms(spec, template, "get", &a, &mut f);
    }
    let att = acme.get(&format!("/wiki/api/v2/pages/{page}/attachments")).await.json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    conforms(
        v2,
        "/attachments/{id}",
        "get",
        &acme.get(&format!("/wiki/api/v2/attachments/{att}")).await,
        &mut f,
    );
    let footer =
        acme.get(&format!("/wiki/api/v2/pages/{page}/footer-comments")).await.json()["results"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
    conforms(
        v2,
        "/footer-comments/{comment-id}",
        "get",
        &acme.get(&format!("/wiki/api/v2/footer-comments/{footer}?body-format=storage")).await,
        &mut f,
    );
    conforms(
        v2,
        "/footer-comments/{id}/children",
        "get",
        &acme.get(&format!("/wiki/api/v2/footer-comments/{footer}/children")).await,
        &mut f,
    );
    let inline =
        acme.get(&format!("/wiki/api/v2/pages/{page}/inline-comments")).await.json()["results"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
    conforms(
        v2,
        "/inline-comments/{comment-id}",
        "get",
        &acme.get(&format!("/wiki/api/v2/inline-comments/{inline}")).await,
        &mut f,
    );
    conforms(
        v2,
        "/inline-comments/{id}/children",
        "get",
        &acme.get(&format!("/wiki/api/v2/inline-comments/{inline}/children")).await,
        &mut f,
    );
    let me = acme.get("/wiki/rest/api/user/current").await.json()["accountId"].as_str().unwrap().to_string();
    conforms(
        v1,
        "/wiki/rest/api/user/memberof",
        "get",
        &acme.get(&format!("/wiki/rest/api/user/memberof?accountId={me}")).await,
        &mut f,
    );
    let group =
        acme.get("/wiki/rest/api/group").await.json()["results"][0]["id"].as_str().unwrap().to_string();
    conforms(
        v1,
        "/wiki/rest/api/group/{groupId}/membersByGroupId",
        "get",
        &acme.get(&format!("/wiki/rest/api/group/{group}/membersByGroupId")).await,
        &mut f,
    );
    conforms(
        v2,
        "/users-bulk",
        "post",
        &acme.post("/wiki/api/v2/users-bulk", json!({"accountIds": [me]})).await,
        &mut f,
    );

    // Writes, on the destination.
    let eng = eu.space_id("eng").await;
    let created = eu
        .post(
            "/wiki/api/v2/pages",
            json!({"spaceId": eng, "status": "current", "title": "Schema",
        "body": {"representation": "storage", "value": "<p>s</p>"}}),
        )
        .await;
    conforms(v2, "/pages", "post", &created, &mut f);
    let id = created.json()["id"].as_str().unwrap().to_string();
    conforms(v2, "/pages/{id}", "put", &eu.put(&format!("/wiki/api/v2/pages/{id}"), json!({"id": id, "status": "current",
        "title": "Schema", "body": {"representation": "storage", "value": "<p>t</p>"}, "version": {"number": 2}})).await, &mut f);
    conforms(
        v2,
        "/blogposts",
        "post",
        &eu.post(
            "/wiki/api/v2/blogposts",
            json!({"spaceId": eng, "title": "B",
        "createdAt": "2023-01-01T00:00:00Z", "body": {"representation": "storage", "value": "<p>b</p>"}}),
        )
        .await,
        &mut f,
    );
    conforms(
        v2,
        "/folders",
        "post",
        &eu.post("/wiki/api/v2/folders", json!({"spaceId": eng, "title": "F"})).await,
        &mut f,
    );
    conforms(
        v2,
        "/footer-comments",
        "post",
        &eu.post(
            "/wiki/api/v2/footer-comments",
            json!({"pageId": id,
        "body": {"representation": "storage", "value": "<p>c</p>"}}),
        )
        .await,
        &mut f,
    );
    conforms(v2, "/inline-comments", "post", &eu.post("/wiki/api/v2/inline-comments", json!({"pageId": id,
        "body": {"representation": "storage", "value": "<p>c</p>"}, "inlineCommentProperties": {"textSelection": "t",
        "textSelectionMatchCount": 1, "textSelectionMatchIndex": 0}})).await, &mut f);
    conforms(
        v2,
        "/pages/{page-id}/properties",
        "post",
        &eu.post(
            &format!("/wiki/api/v2/pages/{id}/properties"),
            json!({"key": "confcopy.source", "value": {"id": "1"}}),
        )
        .await,
        &mut f,
    );
    // The v1 page create is gone from the current v1 document (deprecated in favour of v2's),
    // so its answer is held to the v1 Content schema it always answered with.
    let v1_created = eu
        .post(
            "/wiki/rest/api/content",
            json!({"type": "page", "title": "Schema v1", "space": {"key": "eng"}, "status": "current",
                   "ancestors": [{"id": id}],
                   "body": {"storage": {"value": "<p>v1</p>", "representation": "storage"}},
                   "metadata": {"properties": {"confcopy-origin": {"key": "confcopy-origin", "value": {"id": "1"}}}}}),
        )
        .await;
    assert_eq!(v1_created.status, 200, "{}", String::from_utf8_lossy(&v1_created.bytes));
    for e in validate(v1, &json!({"$ref": "#/components/schemas/Content"}), &v1_created.json()) {
        f.push(format!("post /wiki/rest/api/content 200: {e}"));
    }
    conforms(
        v1,
        "/wiki/rest/api/space",
        "post",
        &eu.post("/wiki/rest/api/space", json!({"key": "SCH", "name": "Schema"})).await,
        &mut f,
    );
    conforms(v1, "/wiki/rest/api/space/{spaceKey}/permission", "post", &eu.post("/wiki/rest/api/space/SCH/permission",
        json!({"subject": {"type": "group", "identifier": "marketing"}, "operation": {"key": "read", "target": "space"}})).await, &mut f);
    conforms(
        v1,
        "/wiki/rest/api/content/{id}/label",
        "post",
        &eu.post(
            &format!("/wiki/rest/api/content/{id}/label"),
            json!([{"prefix": "global", "name": "copied"}]),
        )
        .await,
        &mut f,
    );
    conforms(
        v1,
        "/wiki/rest/api/group",
        "post",
        &eu.post("/wiki/rest/api/group", json!({"name": "schema-group"})).await,
        &mut f,
    );
    let moved = eu
        .send(eu.request(
            reqwest::Method::PUT,
            &format!(
                "/wiki/rest/api/content/{id}/move/append/{}",
                eu.page_id("eng", "Engineering (EU) Home").await
            ),
        ))
        .await;
    conforms(v1, "/wiki/rest/api/content/{pageId}/move/{position}/{targetId}", "put", &moved, &mut f);
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(vec![1, 2, 3]).file_name("a.bin"));
    let up = eu
        .send(
            eu.request(reqwest::Method::POST, &format!("/wiki/rest/api/content/{id}/child/attachment"))
                .header("X-Atlassian-Token", "no-check")
                .multipart(form),
        )
        .await;
    conforms(v1, "/wiki/rest/api/content/{id}/child/attachment", "post", &up, &mut f);

    conforms(v1, "/wiki/rest/api/content/{id}/restriction", "put", &eu.put(&format!("/wiki/rest/api/content/{id}/restriction"),
        json!([{"operation": "read", "restrictions": {"group": [{"type": "group", "name": "marketing"}]}}])).await, &mut f);

    // The organization admin API.
    let client = http();
    let users = client
        .get(format!("{}/admin/v1/orgs/{}/users", acme_site.base_url(), acme_site.org_id()))
        .bearer_auth(acme_site.org_api_key())
        .send()
        .await
        .unwrap();
    let answer = Answer {
        status: users.status().as_u16(),
        headers: users.headers().clone(),
        bytes: users.bytes().await.unwrap(),
    };
    conforms(spec_admin(), "/v1/orgs/{orgId}/users", "get", &answer, &mut f);
    let orgs = client
        .get(format!("{}/admin/v1/orgs", acme_site.base_url()))
        .bearer_auth(acme_site.org_api_key())
        .send()
        .await
        .unwrap();
    let answer = Answer {
        status: orgs.status().as_u16(),
        headers: orgs.headers().clone(),
        bytes: orgs.bytes().await.unwrap(),
    };
    conforms(spec_admin(), "/v1/orgs", "get", &answer, &mut f);

    assert!(f.is_empty(), "schema violations:\n{}", f.join("\n"));
}

#[test]
fn the_validator_reports_the_path_of_each_violation() {
    let spec = json!({"components": {"schemas": {"Item": {"type": "object", "required": ["id"],
        "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["a", "b"]},
                       "n": {"type": "integer", "nullable": true}}}}}});
    let schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/Item"}});
    let errors = validate(&spec, &schema, &json!([{"id": "1", "n": null}, {"id": 2, "kind": "c"}, {}]));
    assert_eq!(
        errors,
        vec![
            "$[1].id: expected string, got 2".to_string(),
            "$[1].kind: \"c\" not in enum [String(\"a\"), String(\"b\")]".to_string(),
            "$[2]: missing required `id`".to_string(),
        ]
    );
}
