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

/// The JSON request schema of `method path` in `spec`.
fn request_schema<'a>(spec: &'a Value, path: &str, method: &str) -> &'a Value {
    let body = resolved(spec, &spec["paths"][path][method]["requestBody"]);
    let schema = &body["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} has a JSON request body");
    schema
}

fn resolved<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let mut node = spec;
            for part in reference.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            node
        }
        None => schema,
    }
}

/// One `body` for each form the request schema's `body` allows (`oneOf` flat | nested), each
/// holding `text` in storage format.
fn body_forms(spec: &Value, path: &str, method: &str, text: &str) -> Vec<Value> {
    let schema = resolved(spec, request_schema(spec, path, method));
    // A schema may extend a model (`allOf`): the body is in whichever part names it.
    let parts: Vec<&Value> = match schema["allOf"].as_array() {
        Some(all) => all.iter().map(|part| resolved(spec, part)).collect(),
        None => vec![schema],
    };
    let body = parts
        .iter()
        .map(|part| &part["properties"]["body"])
        .find(|body| body.is_object())
        .unwrap_or_else(|| panic!("{method} {path}: the request has a body field"));
    let forms = body["oneOf"].as_array().unwrap_or_else(|| panic!("{method} {path}: body is oneOf"));
    let mut out = Vec::new();
    for form in forms {
        let form = resolved(spec, form);
        let flat = json!({"representation": "storage", "value": text});
        if form["properties"]["value"].is_object() {
            out.push(flat);
        } else {
            assert!(form["properties"]["storage"].is_object(), "{method} {path}: a nested form has storage");
            out.push(json!({"storage": flat}));
        }
    }
    assert_eq!(out.len(), 2, "{method} {path}: the flat and the nested form");
    out
}

#[tokio::test]
async fn every_write_route_takes_each_body_form_its_request_schema_allows() {
    let sandbox = demo().await;
    let acme = Caller::admin(sandbox.site("acme").unwrap());
    let v2 = spec_v2();
    let mkt = acme.space_id("MKT").await;
    let mut failures = Vec::new();
    let mut sent = |template: &str, method: &str, request: &Value, answer: &Answer| {
        for e in validate(v2, request_schema(v2, template, method), request) {
            failures.push(format!("request to {method} {template}: {e}"));
        }
        if !(200..300).contains(&answer.status) {
            failures.push(format!("{method} {template} {}: {}", answer.status, answer.json()));
        }
    };
    let stored = |answer: &Answer| answer.json()["body"]["storage"]["value"].as_str().map(str::to_owned);

    for (collection, template) in [("pages", "/pages"), ("blogposts", "/blogposts")] {
        for (n, body) in body_forms(v2, template, "post", "<p>alpha beta gamma</p>").into_iter().enumerate() {
            let request = json!({"spaceId": mkt, "status": "current", "title": format!("{collection} form {n}"), "body": body});
            let created = acme.post(&format!("/wiki/api/v2/{collection}"), request.clone()).await;
            sent(template, "post", &request, &created);
            let id = created.json()["id"].as_str().unwrap().to_owned();
            let read = acme.get(&format!("/wiki/api/v2/{collection}/{id}?body-format=storage")).await;
            assert_eq!(stored(&read).as_deref(), Some("<p>alpha beta gamma</p>"), "{collection} form {n}");

            let item = format!("{template}/{{id}}");
            let forms = body_forms(v2, &item, "put", "<p>alpha beta gamma delta</p>");
            let request = json!({"id": id, "status": "current", "title": format!("{collection} form {n}"),
                "body": forms[n], "version": {"number": 2}});
            let updated = acme.put(&format!("/wiki/api/v2/{collection}/{id}"), request.clone()).await;
            sent(&item, "put", &request, &updated);
            let read = acme.get(&format!("/wiki/api/v2/{collection}/{id}?body-format=storage")).await;
            assert_eq!(
                stored(&read).as_deref(),
                Some("<p>alpha beta gamma delta</p>"),
                "{collection} form {n}"
            );
        }
    }

    let page = acme.page_id("MKT", "pages form 0").await;
    for (template, selections) in
        [("/footer-comments", [None, None]), ("/inline-comments", [Some("alpha"), Some("delta")])]
    {
        for (n, body) in body_forms(v2, template, "post", "<p>a comment</p>").into_iter().enumerate() {
            let mut request = json!({"pageId": page, "body": body});
            if let Some(text) = selections[n] {
                request["inlineCommentProperties"] = json!({"textSelection": text, "textSelectionMatchCount": 1, "textSelectionMatchIndex": 0});
            }
            let created = acme.post(&format!("/wiki/api/v2{template}"), request.clone()).await;
            sent(template, "post", &request, &created);
            let id = created.json()["id"].as_str().unwrap().to_owned();
            let item = format!("{template}/{{comment-id}}");
            let forms = body_forms(v2, &item, "put", "<p>an edited comment</p>");
            let request = json!({"version": {"number": 2}, "body": forms[n]});
            let updated = acme.put(&format!("/wiki/api/v2{template}/{id}"), request.clone()).await;
            sent(&item, "put", &request, &updated);
            let read = acme.get(&format!("/wiki/api/v2{template}/{id}?body-format=storage")).await;
            assert_eq!(stored(&read).as_deref(), Some("<p>an edited comment</p>"), "{template} form {n}");
        }
    }

    // The inline threads are anchored in the page, each on its text, as Confluence does.
    let read = acme.get(&format!("/wiki/api/v2/pages/{page}?body-format=storage")).await;
    let body = stored(&read).unwrap();
    let anchored: Vec<(String, String)> =
        confcopy::rewrite::anchors(&body).into_iter().map(|m| (m.text, m.ref_id)).collect();
    let threads = acme.all(&format!("/wiki/api/v2/pages/{page}/inline-comments")).await;
    let refs: Vec<(String, String)> = threads
        .iter()
        .map(|t| {
            let properties = &t["properties"];
            (
                properties["inlineOriginalSelection"].as_str().unwrap().to_owned(),
                properties["inlineMarkerRef"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(anchored.len(), 2, "{body}");
    for pair in &refs {
        assert!(anchored.contains(pair), "{pair:?} is anchored in {body}");
    }
    assert_eq!(read.json()["version"]["number"], 2, "anchoring a thread makes no new version");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    sandbox.shutdown().await.unwrap();
}
