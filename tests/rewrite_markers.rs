//! Inline comment markers: removed from the copied body, reported with their text and where that
//! text sits among its repeats.

use confcopy::rewrite::{InlineMarker, normalise_for_verify, rewrite};

use crate::rewrite_fixture::{context, plan};

#[test]
fn markers_are_removed_and_reported_with_match_count_and_index() {
    let body = concat!(
        r#"<p>the fox and <strong>the fox</strong>: "#,
        r#"<ac:inline-comment-marker ac:ref="a1b2">the <em>fox</em></ac:inline-comment-marker> again</p>"#,
        r#"<p><ac:inline-comment-marker ac:ref="c3">caf&eacute;&nbsp;</ac:inline-comment-marker></p>"#,
        r#"<ac:inline-comment-marker ac:ref="empty"/>"#,
    );
    let out = rewrite(body, &context(), &plan());
    assert_eq!(
        out.body,
        r#"<p>the fox and <strong>the fox</strong>: the <em>fox</em> again</p><p>caf&eacute;&nbsp;</p>"#
    );
    assert!(out.changed);
    assert_eq!(
        out.inline_markers,
        [
            InlineMarker { ref_id: "a1b2".into(), text: "the fox".into(), match_count: 3, match_index: 2 },
            InlineMarker { ref_id: "c3".into(), text: "café\u{a0}".into(), match_count: 1, match_index: 0 },
            InlineMarker { ref_id: "empty".into(), text: String::new(), match_count: 0, match_index: 0 },
        ]
    );
}

#[test]
fn macro_parameters_are_not_page_text() {
    let body = r#"<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">fox</ac:parameter><ac:rich-text-body><p><ac:inline-comment-marker ac:ref="r">fox</ac:inline-comment-marker></p></ac:rich-text-body></ac:structured-macro>"#;
    let out = rewrite(body, &context(), &plan());
    assert_eq!((out.inline_markers[0].match_count, out.inline_markers[0].match_index), (1, 0));
}

#[test]
fn nested_markers() {
    let body = r#"<p><ac:inline-comment-marker ac:ref="outer">a <ac:inline-comment-marker ac:ref="inner">b</ac:inline-comment-marker> c</ac:inline-comment-marker></p>"#;
    let out = rewrite(body, &context(), &plan());
    assert_eq!(out.body, "<p>a b c</p>");
    let texts: Vec<_> = out.inline_markers.iter().map(|m| (m.ref_id.as_str(), m.text.as_str())).collect();
    assert_eq!(texts, [("outer", "a b c"), ("inner", "b")]);
}

#[test]
fn normalised_forms_ignore_markers_quoting_attribute_order_and_entity_spelling() {
    let source = r#"<p class='x'  id="1">a&nbsp;<ac:inline-comment-marker ac:ref="r">b</ac:inline-comment-marker>&#39;</p><br></br><ac:structured-macro ac:name="toc" ac:macro-id="abc"/>"#;
    let destination = "<p id=\"1\" class=\"x\">a\u{a0}b'</p><br/><ac:structured-macro ac:macro-id=\"zzz\" ac:name=\"toc\" />";
    assert_eq!(normalise_for_verify(source), normalise_for_verify(destination));
    assert_ne!(normalise_for_verify(source), normalise_for_verify("<p id=\"1\" class=\"x\">a b'</p><br/>"));
}
