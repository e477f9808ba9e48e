//! Bad answers give clear errors that name the site, the operation and the entity: HTML pages,
//! truncated JSON, other content types, oversized bodies, v1 and v2 error shapes.

use confcopy::client::{ClientOptions, Credentials, ErrorKind, SiteClient};
use futures_util::TryStreamExt as _;
use serde_json::json;

use crate::client_fake::{Answer, FakeSite};

async fn site_answering(answer: fn() -> Answer) -> (FakeSite, SiteClient) {
    let site = FakeSite::start(move |_, _| answer()).await;
    let client = SiteClient::direct(
        site.base(),
        Credentials::basic("admin@acme.test", "sandbox-token-admin"),
        ClientOptions::fast(),
    )
    .unwrap();
    (site, client)
}

#[tokio::test]
async fn an_html_page_instead_of_json_is_named() {
    let (_site, client) =
        site_answering(|| Answer::raw(200, "text/html; charset=utf-8", "<!DOCTYPE html><html>Log in</html>"))
            .await;
    let err = client.space("42").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidResponse(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("could not read space 42"), "{text}");
    assert!(text.contains("HTML page instead of JSON"), "{text}");
}

#[tokio::test]
async fn html_without_a_content_type_is_recognised_too() {
    let (_site, client) = site_answering(|| Answer::raw(200, "", "  <html><body>proxy</body></html>")).await;
    let err = client.current_user().await.unwrap_err();
    assert!(err.to_string().contains("HTML page"), "{err}");
}

#[tokio::test]
async fn truncated_json_is_named() {
    let (_site, client) =
        site_answering(|| Answer::raw(200, "application/json", r#"{"results":[{"id":"1","key":"A","na"#))
            .await;
    let err = client.spaces(&Default::default()).try_collect::<Vec<_>>().await.unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[tokio::test]
async fn another_content_type_is_named() {
    let (_site, client) = site_answering(|| Answer::raw(200, "text/plain", "ok")).await;
    let err = client.space("1").await.unwrap_err();
    assert!(err.to_string().contains("`text/plain` instead of JSON"), "{err}");
}

#[tokio::test]
async fn a_wrong_shape_is_named() {
    let (_site, client) = site_answering(|| Answer::json(200, json!({"id": "1"}))).await;
    let err = client.space("1").await.unwrap_err();
    assert!(err.to_string().contains("does not have the expected shape"), "{err}");
    assert!(err.to_string().contains("missing field `key`"), "{err}");
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let site =
        FakeSite::start(|_, _| Answer::json(200, json!({"id": "1", "key": "K", "name": "x".repeat(5000)})))
            .await;
    let options = ClientOptions { max_json_body: 1000, ..ClientOptions::fast() };
    let client = SiteClient::direct(site.base(), Credentials::basic("a@b.c", "t"), options).unwrap();
    let err = client.space("1").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::BodyTooLarge { limit: 1000 }), "{err:?}");
    assert!(err.to_string().contains("larger than 1000 bytes"), "{err}");
}

#[tokio::test]
async fn v1_error_messages_are_shown() {
    let (_site, client) = site_answering(|| {
        Answer::json(
            403,
            json!({"statusCode": 403, "message": "Could not create space with key MKT", "data": {}}),
        )
    })
    .await;
    let err = client
        .create_space(&confcopy::client::model::space::NewSpace {
            key: "MKT".into(),
            name: "Marketing".into(),
            description: None,
            permissions: Vec::new(),
        })
        .await
        .unwrap_err();
    assert!(err.is_access_denied());
    assert_eq!(
        err.to_string(),
        format!("{}: could not create space MKT: HTTP 403: Could not create space with key MKT", err.site())
    );
}

#[tokio::test]
async fn v2_error_messages_are_shown() {
    let (_site, client) = site_answering(|| {
        Answer::json(409, json!({"errors": [{"status": 409, "code": "CONFLICT", "title": "Version must be incremented", "detail": null}]}))
    })
    .await;
    let update = confcopy::client::model::page::PageUpdate {
        id: "5".into(),
        status: "current".into(),
        title: "T".into(),
        body: confcopy::client::model::content::Body::storage("<p/>"),
        version_number: 2,
        version_message: None,
        parent_id: None,
    };
    let err = client.update_page(&update).await.unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(err.server_message().unwrap().code.as_deref(), Some("CONFLICT"));
    assert!(
        err.to_string()
            .contains("update page 5 to version 2: HTTP 409: Version must be incremented (CONFLICT)"),
        "{err}"
    );
}

#[tokio::test]
async fn an_html_error_page_is_described() {
    let (_site, client) = site_answering(|| Answer::raw(404, "text/html", "<html>Not here</html>")).await;
    let err = client.page("9").await.unwrap_err();
    assert!(err.is_not_found());
    assert!(err.to_string().contains("HTTP 404: Not Found (the server answered an HTML page)"), "{err}");
}
