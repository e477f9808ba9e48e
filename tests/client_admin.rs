//! The organization admin API: bearer org API key, cursor lists, product access.

use confcopy::client::{AdminClient, ClientOptions, Secret};
use futures_util::TryStreamExt as _;
use serde_json::json;

use crate::client_fake::{Answer, FakeSite};

#[tokio::test]
async fn org_users_are_listed_across_cursor_pages_with_the_org_key() {
    let site = FakeSite::start(|hit, _| {
        assert_eq!(hit.header("authorization"), Some("Bearer org-key-secret"));
        match hit.path.as_str() {
            "/admin/v1/orgs/org-1/users" if hit.query.is_empty() => Answer::json(
                200,
                json!({"data": [{"account_id": "a1", "account_status": "active"}],
                       "links": {"next": "/admin/v1/orgs/org-1/users?cursor=c2"}}),
            ),
            "/admin/v1/orgs/org-1/users" => {
                assert_eq!(hit.query, "cursor=c2");
                Answer::json(200, json!({"data": [{"account_id": "a2", "email": "b@x.test"}], "links": {}}))
            }
            "/admin/v1/orgs/org-1/users/a2/product-access" => {
                assert_eq!(hit.body.as_ref(), br#"{"product":"confluence","site":"acme"}"#);
                Answer::json(200, json!({"message": "ok"}))
            }
            other => Answer::json(404, json!({"message": format!("no route {other}")})),
        }
    })
    .await;
    let admin = AdminClient::new(
        "org-1",
        Secret::new("org-key-secret"),
        ClientOptions::fast().with_gateway(site.base()),
    )
    .unwrap();
    let users: Vec<_> = admin.users().try_collect().await.unwrap();
    let ids: Vec<_> = users.iter().map(|u| u.account_id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2"]);
    admin.grant_product_access("a2", "acme").await.unwrap();
    assert_eq!(admin.stats().requests, 3);
}

#[tokio::test]
async fn a_wrong_org_key_names_the_organization() {
    let site = FakeSite::start(|_, _| {
        Answer::json(401, json!({"code": 401, "message": "Unauthorized; scope does not match"}))
    })
    .await;
    let admin =
        AdminClient::new("org-9", Secret::new("nope"), ClientOptions::fast().with_gateway(site.base()))
            .unwrap();
    let err = admin.groups().try_collect::<Vec<_>>().await.unwrap_err();
    assert!(err.is_access_denied());
    let text = err.to_string();
    assert!(
        text.contains("(organization org-9): could not list groups of the organization: HTTP 401"),
        "{text}"
    );
    assert!(!text.contains("nope"));
}
