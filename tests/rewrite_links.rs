//! Absolute links to the source site, in every URL shape, and tiny-link codes.

use confcopy::rewrite::tiny_link::{decode, encode};
use confcopy::rewrite::{Outcome, ReferenceKind, rewrite};
use proptest::prelude::*;

use crate::rewrite_fixture::{context, plan};

fn link(href: &str) -> (String, Outcome) {
    let body = format!(r#"<p><a href="{href}" title="t">x</a></p>"#);
    let out = rewrite(&body, &context(), &plan());
    let new = out.body.strip_prefix(r#"<p><a href=""#).unwrap().split('"').next().unwrap().to_owned();
    let links: Vec<_> = out.references.iter().filter(|r| r.kind == ReferenceKind::Link).collect();
    assert_eq!(links.len(), 1, "{:?}", out.references);
    (new, links[0].outcome)
}

#[test]
fn page_url_with_and_without_title_slug() {
    assert_eq!(
        link("https://acme.atlassian.net/wiki/spaces/DOC/pages/1001/Install+%26+run?focusedCommentId=9#heading"),
        (
            "https://acme-eu.atlassian.net/wiki/spaces/DOCS/pages/5001/Install+%26+run?focusedCommentId=9#heading".into(),
            Outcome::Rewritten
        )
    );
    assert_eq!(
        link("https://ACME.atlassian.net/wiki/spaces/OPS/pages/1001"),
        ("https://acme-eu.atlassian.net/wiki/spaces/OPS/pages/5001".into(), Outcome::Rewritten)
    );
}

#[test]
fn sandbox_origin_counts_as_the_source() {
    assert_eq!(
        link("http://127.0.0.1:8931/wiki/spaces/DOC/pages/1001"),
        ("https://acme-eu.atlassian.net/wiki/spaces/DOCS/pages/5001".into(), Outcome::Rewritten)
    );
}

#[test]
fn space_overview_and_home() {
    assert_eq!(
        link("https://acme.atlassian.net/wiki/spaces/DOC/overview"),
        ("https://acme-eu.atlassian.net/wiki/spaces/DOCS/overview".into(), Outcome::Rewritten)
    );
    assert_eq!(
        link("https://acme.atlassian.net/wiki/spaces/OPS"),
        ("https://acme-eu.atlassian.net/wiki/spaces/OPS".into(), Outcome::Rewritten)
    );
    assert_eq!(
        link("https://acme.atlassian.net/wiki/spaces/HR/overview"),
        ("https://acme.atlassian.net/wiki/spaces/HR/overview".into(), Outcome::KeptExternal)
    );
}

#[test]
fn blog_post_url() {
    assert_eq!(
        link("https://acme.atlassian.net/wiki/spaces/DOC/blog/2024/05/01/1001/Launch"),
        (
            "https://acme-eu.atlassian.net/wiki/spaces/DOCS/blog/2024/05/01/5001/Launch".into(),
            Outcome::Rewritten
        )
    );
}

#[test]
fn tiny_link() {
    assert_eq!(encode(65536), "AAAB");
    assert_eq!(decode("AAAB"), Some(65536));
    assert_eq!(
        link(&format!("https://acme.atlassian.net/wiki/x/{}", encode(65536))),
        (format!("https://acme-eu.atlassian.net/wiki/x/{}", encode(917505)), Outcome::Rewritten)
    );
    assert_eq!(link(&format!("https://acme.atlassian.net/wiki/x/{}", encode(1002))).1, Outcome::Pending);
    assert_eq!(link("https://acme.atlassian.net/wiki/x/!!").1, Outcome::Unresolved);
}

#[test]
fn display_url_maps_space_and_title() {
    assert_eq!(
        link("https://acme.atlassian.net/wiki/display/DOC/Install+%26+run"),
        ("https://acme-eu.atlassian.net/wiki/display/DOCS/Install+%26+run".into(), Outcome::Rewritten)
    );
    assert_eq!(
        link("https://acme.atlassian.net/wiki/display/OPS/Runbook"),
        ("https://acme-eu.atlassian.net/wiki/display/OPS/Runbook+%28copy%29".into(), Outcome::Rewritten)
    );
}

#[test]
fn viewpage_action_keeps_other_parameters_and_entities() {
    assert_eq!(
        link("https://acme.atlassian.net/wiki/pages/viewpage.action?spaceKey=DOC&amp;pageId=1001&amp;x=1"),
        (
            "https://acme-eu.atlassian.net/wiki/pages/viewpage.action?spaceKey=DOC&amp;pageId=5001&amp;x=1"
                .into(),
            Outcome::Rewritten
        )
    );
}

#[test]
fn attachment_download_url() {
    assert_eq!(
        link("https://acme.atlassian.net/wiki/download/attachments/1001/diagram.png?version=1&amp;api=v2"),
        (
            "https://acme-eu.atlassian.net/wiki/download/attachments/5001/diagram.png?version=1&amp;api=v2"
                .into(),
            Outcome::Rewritten
        )
    );
}

#[test]
fn outside_the_plan_unknown_shapes_and_other_sites() {
    assert_eq!(
        link("https://acme.atlassian.net/wiki/spaces/HR/pages/777/Salaries"),
        ("https://acme.atlassian.net/wiki/spaces/HR/pages/777/Salaries".into(), Outcome::KeptExternal)
    );
    assert_eq!(link("https://acme.atlassian.net/wiki/people/123").1, Outcome::Unresolved);
    let body = r#"<a href="https://acme.atlassian.net/browse/ABC-1">j</a><a href="https://acme.atlassian.net.evil.com/wiki/spaces/DOC/pages/1001">x</a><a href="https://example.com/wiki/x">y</a>"#;
    let out = rewrite(body, &context(), &plan());
    assert_eq!(out.body, body);
    assert!(out.references.is_empty());
}

#[test]
fn relative_wiki_links_stay_relative() {
    assert_eq!(
        link("/wiki/spaces/DOC/pages/1001/Home"),
        ("/wiki/spaces/DOCS/pages/5001/Home".into(), Outcome::Rewritten)
    );
}

#[test]
fn image_src_and_ri_url_are_links_too() {
    let body = r#"<img src="https://acme.atlassian.net/wiki/download/attachments/1001/a.png"/><ac:image><ri:url ri:value="https://acme.atlassian.net/wiki/x/AAAB"/></ac:image>"#;
    let out = rewrite(body, &context(), &plan());
    assert_eq!(
        out.body,
        r#"<img src="https://acme-eu.atlassian.net/wiki/download/attachments/5001/a.png"/><ac:image><ri:url ri:value="https://acme-eu.atlassian.net/wiki/x/AQAO"/></ac:image>"#
    );
}

proptest! {
    #[test]
    fn tiny_link_codes_round_trip(id in any::<u64>()) {
        let code = encode(id);
        prop_assert!(code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        prop_assert_eq!(decode(&code), Some(id));
    }

    #[test]
    fn tiny_link_decode_never_panics(code in "[A-Za-z0-9_=!-]{0,14}") {
        let _ = decode(&code);
    }
}
