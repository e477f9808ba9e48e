//! The client against sandbox sites: the demo seed over real HTTP.

use confcopy::client::{BaseUrl, ClientOptions, Credentials, SiteClient, SpaceFilter};
use confcopy_sandbox::{Sandbox, Seed};
use futures_util::TryStreamExt as _;

#[tokio::test]
async fn the_demo_site_lists_spaces_pages_and_groups_through_both_url_forms() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let acme = sandbox.site("acme").expect("demo site acme");
    let site = BaseUrl::parse(acme.base_url()).unwrap();
    let basic = Credentials::basic(acme.admin_email(), acme.admin_token());
    let client = SiteClient::direct(site.clone(), basic.clone(), ClientOptions::fast()).unwrap();

    let me = client.current_user().await.unwrap();
    assert!(!me.account_id.is_empty());
    let spaces: Vec<_> = client.spaces(&SpaceFilter::default()).try_collect().await.unwrap();
    assert!(!spaces.is_empty());
    let mut pages = 0;
    for space in &spaces {
        let listed: Vec<_> = client.pages_in_space(&space.id, None).try_collect().await.unwrap();
        pages += listed.len();
    }
    let groups: Vec<_> = client.groups().try_collect().await.unwrap();
    assert!(!groups.is_empty());
    let apps = client.apps().await.unwrap();
    eprintln!("spaces {} pages {pages} groups {} apps {}", spaces.len(), groups.len(), apps.len());

    let tenant = client.tenant_info().await.unwrap();
    assert_eq!(tenant.cloud_id, acme.cloud_id());
    sandbox.shutdown().await.unwrap();
}

/// Names a multipart header must encode: each one, uploaded through the client, is stored under
/// exactly that name with exactly its bytes, is found again by that name (the `filename` query)
/// and downloads whole.
#[tokio::test]
async fn attachments_with_hostile_names_upload_and_download_byte_for_byte() {
    use confcopy::client::model::attachment::{AttachmentUpload, UploadMode};
    use confcopy::client::model::content::Container;

    const NAMES: &[&str] = &[
        "plain name (1).txt",
        "back\\slash\\",
        "quote\"d\".txt",
        "cr\rlf\n crlf\r\nContent-Type: text/html\r\n\r\nx.txt",
        "tab\tbell\u{7}escape\u{1b}[31m.txt",
        "percent %22 %ZZ %.txt",
        "semi; filename=\"other.txt\"",
        "caf\u{e9}.txt",
        "\u{65e5}\u{672c}.txt",
        "\u{1f600}.png",
        "..dots",
        ".hidden",
    ];
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let acme = sandbox.site("acme").expect("demo site acme");
    let site = BaseUrl::parse(acme.base_url()).unwrap();
    let basic = Credentials::basic(acme.admin_email(), acme.admin_token());
    let client = SiteClient::direct(site, basic, ClientOptions::fast()).unwrap();
    let space = client.spaces(&SpaceFilter::default()).try_next().await.unwrap().unwrap();
    let page = client.pages_in_space(&space.id, None).try_next().await.unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();

    for (index, name) in NAMES.iter().enumerate() {
        let bytes = format!("{index}: the file called {name:?}").into_bytes();
        let path = dir.path().join(format!("{index}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        let upload = AttachmentUpload {
            file_name: (*name).to_string(),
            media_type: Some("text/plain".into()),
            comment: Some(format!("comment {index}")),
            minor_edit: true,
        };
        let mode = if index % 2 == 0 { UploadMode::Create } else { UploadMode::CreateOrNewVersion };
        let uploaded = if index % 3 == 0 {
            client.upload_attachment_file_reconciled(&page.id, &upload, &path).await.unwrap()
        } else {
            client.upload_attachment_file(&page.id, &upload, mode, &path).await.unwrap()
        };
        assert_eq!(uploaded.len(), 1, "{name:?}");
        assert_eq!(uploaded[0].title, *name, "the upload answer names {name:?}");
        assert_eq!(uploaded[0].file_size(), Some(bytes.len() as u64), "{name:?}");

        let found = client.attachments_named(&page.id, name).await.unwrap();
        assert_eq!(found.len(), 1, "found by its name: {name:?}");
        assert_eq!(found[0].id, uploaded[0].id);

        let download = client.download_attachment(&page.id, &uploaded[0].id).await.unwrap();
        let download = download.limit_to(bytes.len() as u64).unwrap();
        let chunks: Vec<_> = download.body.try_collect().await.unwrap();
        assert_eq!(chunks.concat(), bytes, "{name:?} downloads whole");
    }
    let listed: Vec<_> = client.attachments(&Container::Page(page.id.clone())).try_collect().await.unwrap();
    for name in NAMES {
        let hits = listed.iter().filter(|a| a.title == *name).count();
        assert_eq!(hits, 1, "{name:?} is listed once under its name");
    }
    sandbox.shutdown().await.unwrap();
}

/// A space read includes its labels up to the site's limit (50); past it the answer says there
/// are more, and the client leaves them to the label list, which holds them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_space_read_brings_its_labels_unless_it_has_more_than_the_site_includes() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let acme = sandbox.site("acme").expect("demo site acme");
    let site = BaseUrl::parse(acme.base_url()).unwrap();
    let basic = Credentials::basic(acme.admin_email(), acme.admin_token());
    let client = SiteClient::direct(site, basic, ClientOptions::fast()).unwrap();
    let spaces: Vec<_> = client.spaces(&SpaceFilter::default()).try_collect().await.unwrap();
    let space = spaces.iter().find(|s| s.key == "MKT").expect("MKT");

    let names = |labels: Vec<confcopy::client::model::label::Label>| {
        let mut names: Vec<String> = labels.into_iter().map(|l| l.name).collect();
        names.sort();
        names
    };
    let add: Vec<String> = (0..3).map(|i| format!("first-{i}")).collect();
    client.add_space_labels("MKT", &add).await.unwrap();
    let (read, included) = client.space_with_labels(&space.id).await.unwrap();
    assert_eq!(read.key, "MKT");
    let listed: Vec<_> = client.space_labels(&space.id).try_collect().await.unwrap();
    assert_eq!(names(included.expect("a few labels are included")), names(listed));

    let more: Vec<String> = (0..60).map(|i| format!("many-{i}")).collect();
    client.add_space_labels("MKT", &more).await.unwrap();
    let (_, included) = client.space_with_labels(&space.id).await.unwrap();
    assert!(included.is_none(), "more labels than the read includes: list them");
    let listed: Vec<_> = client.space_labels(&space.id).try_collect().await.unwrap();
    assert!(listed.len() >= 63, "{}", listed.len());
    sandbox.shutdown().await.unwrap();
}
