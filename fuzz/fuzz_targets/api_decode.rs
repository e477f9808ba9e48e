//! The client's decoders on arbitrary bytes, as a hostile or broken site could send them: every
//! model type the client reads from a response body, the error-body reader, the `Link` header's
//! `next` target, and `Retry-After`. Each must answer `Err`/`None` to what it cannot read, never
//! panic, and a `next` target must be a piece of the header it came from.
#![no_main]

use confcopy::client::ServerMessage;
use confcopy::client::link_header::next_link;
use confcopy::client::model::{
    admin_key, app, attachment, comment, content, group, label, org, page, property, restriction, space,
    tenant, user,
};
use confcopy::client::retry_after::parse_retry_after;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned>(data: &[u8]) {
    let _ = serde_json::from_slice::<T>(data);
    let _ = serde_json::from_slice::<restriction::Listed<T>>(data);
    let _ = serde_json::from_slice::<Vec<T>>(data);
}

fuzz_target!(|data: &[u8]| {
    decode::<admin_key::AdminKey>(data);
    decode::<app::AppListing>(data);
    decode::<app::App>(data);
    decode::<attachment::Attachment>(data);
    decode::<attachment::UploadedAttachment>(data);
    decode::<attachment::UploadResult>(data);
    decode::<comment::Comment>(data);
    decode::<comment::InlineProperties>(data);
    decode::<content::Version>(data);
    decode::<content::Body>(data);
    decode::<content::Bodies>(data);
    decode::<content::Links>(data);
    decode::<group::Group>(data);
    decode::<label::Label>(data);
    decode::<org::OrgUser>(data);
    decode::<org::ProductAccess>(data);
    decode::<org::CreatedOrgGroup>(data);
    decode::<org::Workspace>(data);
    decode::<org::WorkspaceAttributes>(data);
    decode::<org::Org>(data);
    decode::<org::OrgAttributes>(data);
    decode::<org::OrgGroup>(data);
    decode::<org::OrgGroupMember>(data);
    decode::<page::Page>(data);
    decode::<page::BlogPost>(data);
    decode::<page::TreeNode>(data);
    decode::<property::ContentProperty>(data);
    decode::<restriction::OperationRestrictions>(data);
    decode::<restriction::Restricted>(data);
    decode::<restriction::ContentRestrictions>(data);
    decode::<space::Space>(data);
    decode::<space::SpaceDescription>(data);
    decode::<space::CreatedSpace>(data);
    decode::<space::CreatedHomepage>(data);
    decode::<space::SpacePermission>(data);
    decode::<space::Principal>(data);
    decode::<space::PermissionOperation>(data);
    decode::<tenant::TenantInfo>(data);
    decode::<user::User>(data);
    let _ = ServerMessage::parse(data);

    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(next) = next_link(header) {
        assert!(header.contains(next.as_str()), "`{next}` is not in the header");
    }
    let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("a valid timestamp");
    let _ = parse_retry_after(header, now);
});
