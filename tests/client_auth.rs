//! Credentials: the right header goes to the right place and nowhere else, and secrets never
//! appear in errors or debug output.

use confcopy::client::model::attachment::{AttachmentUpload, UploadMode};
use confcopy::client::{BaseUrl, ClientOptions, Credentials, Secret, SiteClient, USER_AGENT};
use futures_util::TryStreamExt as _;
use serde_json::json;

use crate::client_fake::{Answer, FakeSite};

const TOKEN: &str = "sandbox-token-admin";

fn basic() -> Credentials {
    Credentials::basic("admin@acme.test", TOKEN)
}

#[tokio::test]
async fn basic_auth_and_a_non_browser_user_agent_are_sent() {
    let site = FakeSite::start(|_, _| {
        Answer::json(200, json!({"accountId": "acc-1", "accountType": "atlassian", "email": "admin@acme.test", "publicName": "Admin"}))
    })
    .await;
    let client = SiteClient::direct(site.base(), basic(), ClientOptions::fast()).unwrap();
    let me = client.current_user().await.unwrap();
    assert_eq!(me.account_id, "acc-1");
    let hit = &site.hits()[0];
    assert_eq!(hit.path, "/wiki/rest/api/user/current");
    // base64("admin@acme.test:sandbox-token-admin")
    assert_eq!(hit.header("authorization"), Some("Basic YWRtaW5AYWNtZS50ZXN0OnNhbmRib3gtdG9rZW4tYWRtaW4="));
    assert_eq!(hit.header("user-agent"), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("confcopy/"));
}

#[tokio::test]
async fn secrets_never_show_in_errors_or_debug_output() {
    let site = FakeSite::start(|hit, _| {
        // A hostile server echoing the header back must not leak it through the client either.
        let echoed = hit.header("authorization").unwrap_or_default().to_string();
        Answer::json(401, json!({"message": "Unauthorized"})).header("x-echo", echoed)
    })
    .await;
    let credentials = basic();
    let client = SiteClient::direct(site.base(), credentials.clone(), ClientOptions::fast()).unwrap();
    let err = client.current_user().await.unwrap_err();
    assert!(err.is_access_denied());
    for text in [
        err.to_string(),
        format!("{err:?}"),
        format!("{credentials:?}"),
        format!("{credentials}"),
        format!("{client:?}"),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains("YWRtaW5AYWNtZS50ZXN0"), "{text}");
    }
    let bearer = Credentials::bearer(Secret::new("oauth-secret"));
    assert!(!format!("{bearer:?} {bearer}").contains("oauth-secret"));
    assert_eq!(format!("{}", Secret::new("x")), "***");
}

#[tokio::test]
async fn a_redirect_to_another_host_does_not_carry_the_credentials() {
    // The data host: 127.0.0.1 and localhost are different hosts to the client.
    let data = FakeSite::start(|_, _| Answer::raw(200, "image/png", vec![7u8; 3000])).await;
    let data_port = data.url.rsplit(':').next().unwrap().to_string();
    let site = FakeSite::start(move |hit, _| {
        assert!(hit.path.ends_with("/child/attachment/att9/download"), "{}", hit.path);
        Answer::raw(302, "text/plain", "")
            .header("location", format!("http://localhost:{data_port}/file/att9?token=signed"))
    })
    .await;
    let client = SiteClient::direct(site.base(), basic(), ClientOptions::fast()).unwrap();
    let download = client.download_attachment("123", "att9").await.unwrap();
    assert_eq!(download.content_length, Some(3000));
    let bytes: Vec<u8> = download.body.map_ok(|c| c.to_vec()).try_concat().await.unwrap();
    assert_eq!(bytes.len(), 3000);
    assert!(site.hits()[0].header("authorization").is_some());
    let fetched = &data.hits()[0];
    assert_eq!(fetched.path, "/file/att9");
    assert!(fetched.header("authorization").is_none(), "credentials leaked to another host");
}

#[tokio::test]
async fn a_redirect_on_the_same_host_keeps_the_credentials() {
    let site = FakeSite::start(|hit, _| {
        if hit.path.ends_with("/download") {
            Answer::raw(302, "text/plain", "").header("location", "/data/att9")
        } else {
            assert!(hit.header("authorization").is_some());
            Answer::raw(200, "application/octet-stream", "abc")
        }
    })
    .await;
    let client = SiteClient::direct(site.base(), basic(), ClientOptions::fast()).unwrap();
    let download = client.download_attachment("123", "att9").await.unwrap();
    let bytes: Vec<u8> = download.body.map_ok(|c| c.to_vec()).try_concat().await.unwrap();
    assert_eq!(bytes, b"abc");
}

#[tokio::test]
async fn uploads_stream_a_file_with_the_xsrf_header() {
    let site = FakeSite::start(|_, _| {
        Answer::json(200, json!({"results": [{"id": "att1", "title": "report.pdf"}]}))
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, b"%PDF-1.7 hello").unwrap();
    let client = SiteClient::direct(site.base(), basic(), ClientOptions::fast()).unwrap();
    let upload = AttachmentUpload {
        file_name: "report.pdf".into(),
        media_type: Some("application/pdf".into()),
        comment: Some("copied".into()),
        minor_edit: true,
    };
    let uploaded = client.upload_attachment_file("123", &upload, UploadMode::Create, &path).await.unwrap();
    assert_eq!(uploaded[0].id, "att1");
    let hit = &site.hits()[0];
    assert_eq!(hit.method, "POST");
    assert_eq!(hit.path, "/wiki/rest/api/content/123/child/attachment");
    assert_eq!(hit.header("x-atlassian-token"), Some("no-check"));
    assert!(hit.header("content-type").unwrap().starts_with("multipart/form-data"));
    let body = String::from_utf8_lossy(&hit.body);
    assert!(body.contains("filename=\"report.pdf\""), "{body}");
    assert!(body.contains("%PDF-1.7 hello"));
    assert!(body.contains("name=\"comment\""));
}

#[tokio::test]
async fn a_streamed_upload_is_not_replayed_after_429() {
    let site = FakeSite::start(|_, _| Answer::json(429, json!({})).header("retry-after", "0")).await;
    let client = SiteClient::direct(site.base(), basic(), ClientOptions::fast()).unwrap();
    let upload =
        AttachmentUpload { file_name: "a.txt".into(), media_type: None, comment: None, minor_edit: false };
    let stream =
        futures_util::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"data"))]);
    let err = client
        .upload_attachment_stream("123", &upload, UploadMode::CreateOrNewVersion, Some(4), stream)
        .await
        .unwrap_err();
    assert_eq!(site.count("/wiki/rest/api/content/123/child/attachment"), 1);
    assert_eq!(err.status(), Some(429));
    assert!(err.to_string().contains("not done"), "{err}");
}

#[test]
fn plain_http_is_refused_for_real_hosts() {
    let err = BaseUrl::parse("http://acme.atlassian.net").unwrap_err();
    assert!(err.to_string().contains("use https"), "{err}");
}
