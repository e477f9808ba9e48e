//! Malformed storage format comes back unchanged with one `body` reference saying why, quickly and
//! without exhausting the stack.

use std::time::{Duration, Instant};

use confcopy::rewrite::{Outcome, ReferenceKind, normalise_for_verify, rewrite};

use crate::rewrite_fixture::{context, plan};

fn assert_unchanged_and_reported(body: &str, why: &str) {
    let started = Instant::now();
    let out = rewrite(body, &context(), &plan());
    assert!(started.elapsed() < Duration::from_secs(5), "too slow");
    assert_eq!(out.body, body);
    assert!(!out.changed);
    assert!(out.unparsed());
    assert_eq!(out.references.len(), 1);
    let reference = &out.references[0];
    assert_eq!((reference.kind, reference.outcome), (ReferenceKind::Body, Outcome::Unresolved));
    let reason = reference.reason.as_deref().unwrap();
    assert!(reason.contains(why), "{reason}");
    assert!(reason.contains("body copied unchanged"), "{reason}");
    let _ = normalise_for_verify(body);
}

#[test]
fn unclosed_tag() {
    assert_unchanged_and_reported(
        r#"<p><ac:link><ri:page ri:space-key="DOC" ri:content-title="Home"/></ac:link>"#,
        "never closed",
    );
}

#[test]
fn mismatched_tags() {
    assert_unchanged_and_reported(
        r#"<p><strong><ri:page ri:space-key="DOC" ri:content-title="Home"/></p></strong>"#,
        "parsed at byte",
    );
}

#[test]
fn stray_closing_tag() {
    assert_unchanged_and_reported("<p>x</p></div>", "parsed at byte");
}

#[test]
fn broken_attributes() {
    assert_unchanged_and_reported(r#"<ri:page ri:space-key=DOC ri:content-title="Home"/>"#, "unquoted");
    assert_unchanged_and_reported(r#"<ri:page ri:space-key="DOC ri:content-title=Home/>"#, "parsed at byte");
}

#[test]
fn unterminated_cdata_and_comment() {
    assert_unchanged_and_reported("<p><![CDATA[never ends</p>", "parsed at byte");
    assert_unchanged_and_reported("<p><!-- never ends</p>", "parsed at byte");
}

#[test]
fn unknown_namespaces_and_undefined_entities_are_not_errors() {
    let body = r#"<foo:bar xyz:attr="&undefined;">&bogus; &amp; & &#xFFFFFF; <ri:page ri:space-key="DOC" ri:content-title="Home"/></foo:bar>"#;
    let out = rewrite(body, &context(), &plan());
    assert!(!out.unparsed(), "{:?}", out.references);
    assert_eq!(out.body, body.replace(r#""DOC""#, r#""DOCS""#));
}

#[test]
fn ten_thousand_nested_macros() {
    let depth = 10_000;
    let open = r#"<ac:structured-macro ac:name="expand"><ac:rich-text-body>"#;
    let close = "</ac:rich-text-body></ac:structured-macro>";
    let inner = r#"<ac:link><ri:page ri:space-key="DOC" ri:content-title="Home"/></ac:link>"#;
    let body = format!("{}{inner}{}", open.repeat(depth), close.repeat(depth));
    let started = Instant::now();
    let out = rewrite(&body, &context(), &plan());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(out.body, body.replace(r#""DOC""#, r#""DOCS""#));
    assert_eq!(normalise_for_verify(&out.body).len(), normalise_for_verify(&body).len() + 1);
    // The same nesting left unclosed is reported, not crashed on.
    assert_unchanged_and_reported(&format!("{}{inner}", open.repeat(depth)), "never closed");
}

#[test]
fn five_megabyte_bodies() {
    let block = r#"<p>Line with <a href="https://acme.atlassian.net/wiki/spaces/DOC/pages/1001/Home">a link</a> and text&nbsp;&mdash; more.</p>"#;
    let body = block.repeat(5 * 1024 * 1024 / block.len() + 1);
    let started = Instant::now();
    let out = rewrite(&body, &context(), &plan());
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(out.changed);
    let broken = format!("{body}<p>");
    assert_unchanged_and_reported(&broken, "never closed");
}

#[test]
fn garbage() {
    for body in ["<", "<<<>>>", "</>", "<a", "<a b='", "&", "<?xml", "<!DOCTYPE", "]]>", "<p/><p"] {
        let out = rewrite(body, &context(), &plan());
        assert_eq!(out.body, body);
        let _ = normalise_for_verify(body);
    }
}

#[test]
fn unclosed_element_is_reported_where_it_opens() {
    let body = "<div><p>fine</p><table><tr><td>x</td></tr>";
    let out = rewrite(body, &context(), &plan());
    let reference = &out.references[0];
    assert_eq!(reference.offset, 16);
    assert!(reference.original.starts_with("<table>"));
    assert!(
        reference.reason.as_deref().unwrap().contains("element <table> opened at byte 16 is never closed")
    );
}
