//! The client against sandbox sites: the demo seed over real HTTP.

use confcopy::client::{BaseUrl, ClientOptions, Credentials, SiteClient, SpaceFilter};
use confcopy::sandbox::{Sandbox, Seed};
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
