//! One storage-format reference kind at a time: body in, exact body and report out.

use confcopy::rewrite::{Outcome, ReferenceKind, Resolution, rewrite};

use crate::rewrite_fixture::{MapResolver, context, plan};

fn run(body: &str) -> confcopy::rewrite::Rewritten {
    rewrite(body, &context(), &plan())
}

#[test]
fn page_link_in_a_renamed_space_gets_the_new_key_and_nothing_else_changes() {
    let body = r#"<p>See <ac:link><ri:page ri:space-key="DOC"  ri:content-title="Home" /><ac:plain-text-link-body><![CDATA[home]]></ac:plain-text-link-body></ac:link>&nbsp;now</p>"#;
    let out = run(body);
    assert_eq!(
        out.body,
        r#"<p>See <ac:link><ri:page ri:space-key="DOCS"  ri:content-title="Home" /><ac:plain-text-link-body><![CDATA[home]]></ac:plain-text-link-body></ac:link>&nbsp;now</p>"#
    );
    assert!(out.changed);
    assert_eq!(out.references.len(), 1);
    let reference = &out.references[0];
    assert_eq!((reference.kind, reference.outcome), (ReferenceKind::Page, Outcome::Rewritten));
    assert_eq!(reference.original, r#"<ri:page ri:space-key="DOC"  ri:content-title="Home" />"#);
    assert_eq!(
        reference.replacement.as_deref(),
        Some(r#"<ri:page ri:space-key="DOCS"  ri:content-title="Home" />"#)
    );
}

#[test]
fn page_link_without_space_key_is_relative_and_stays() {
    let body = r#"<ac:link><ri:page ri:content-title="Install &amp; run"/></ac:link>"#;
    let out = run(body);
    assert_eq!(out.body, body);
    assert!(!out.changed);
    assert_eq!(out.references[0].outcome, Outcome::Unchanged);
}

#[test]
fn renamed_page_title_is_escaped_with_the_attribute_quote() {
    let body = "<ac:link><ri:page ri:space-key='OPS' ri:content-title='Runbook'/></ac:link>";
    let resolver = plan().page("OPS", "Runbook", Resolution::Rewritten("Ops' \"Runbook\" & co".into()));
    let out = rewrite(body, &context(), &resolver);
    assert_eq!(
        out.body,
        "<ac:link><ri:page ri:space-key='OPS' ri:content-title='Ops&apos; \"Runbook\" &amp; co'/></ac:link>"
    );
}

#[test]
fn page_outside_the_plan_is_kept_and_reported() {
    let body = r#"<ac:link><ri:page ri:space-key="HR" ri:content-title="Salaries"/></ac:link>"#;
    let out = run(body);
    assert_eq!(out.body, body);
    assert_eq!(out.references[0].outcome, Outcome::KeptExternal);
    assert_eq!(out.references[0].reason.as_deref(), Some("outside the plan"));
}

#[test]
fn blog_post_link_is_resolved_with_its_posting_day() {
    let body = r#"<ac:link><ri:blog-post ri:space-key="DOC" ri:content-title="Launch" ri:posting-day="2024/05/01"/></ac:link>"#;
    let out = run(body);
    assert_eq!(
        out.body,
        r#"<ac:link><ri:blog-post ri:space-key="DOCS" ri:content-title="Launch" ri:posting-day="2024/05/01"/></ac:link>"#
    );
    assert_eq!(out.references[0].kind, ReferenceKind::BlogPost);
    let other_day = body.replace("2024/05/01", "2024/05/02");
    assert_eq!(run(&other_day).references[0].outcome, Outcome::KeptExternal);
}

#[test]
fn attachment_of_the_containing_page() {
    let body = r#"<ac:image ac:height="250"><ri:attachment ri:filename="diagram.png" /></ac:image>"#;
    let out = run(body);
    assert_eq!(out.body, body);
    assert_eq!(
        (out.references[0].kind, out.references[0].outcome),
        (ReferenceKind::Attachment, Outcome::Unchanged)
    );
}

#[test]
fn attachment_of_another_page_resolves_against_that_page_and_renames_both() {
    let body = r#"<ac:image><ri:attachment ri:filename="flow.png"><ri:page ri:space-key="OPS" ri:content-title="Runbook"/></ri:attachment></ac:image>"#;
    let out = run(body);
    assert_eq!(
        out.body,
        r#"<ac:image><ri:attachment ri:filename="flow-1.png"><ri:page ri:space-key="OPS" ri:content-title="Runbook (copy)"/></ri:attachment></ac:image>"#
    );
    let kinds: Vec<_> = out.references.iter().map(|r| (r.kind, r.outcome)).collect();
    assert_eq!(
        kinds,
        [(ReferenceKind::Page, Outcome::Rewritten), (ReferenceKind::Attachment, Outcome::Rewritten)]
    );
}

#[test]
fn attachment_of_a_page_outside_the_plan_is_kept_external() {
    let body = r#"<ri:attachment ri:filename="x.pdf"><ri:page ri:space-key="HR" ri:content-title="Forms"/></ri:attachment>"#;
    let out = run(body);
    assert_eq!(out.body, body);
    assert!(out.references.iter().all(|r| r.outcome == Outcome::KeptExternal));
}

#[test]
fn mention_with_the_same_account_is_unchanged_and_a_mapped_one_is_rewritten() {
    let body = r#"<ac:link><ri:user ri:account-id="557058:aaaa"/></ac:link> and <ac:link><ri:user ri:account-id="557058:old"/></ac:link>"#;
    let out = run(body);
    assert_eq!(
        out.body,
        r#"<ac:link><ri:user ri:account-id="557058:aaaa"/></ac:link> and <ac:link><ri:user ri:account-id="712020:new"/></ac:link>"#
    );
    let outcomes: Vec<_> = out.references.iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [Outcome::Unchanged, Outcome::Rewritten]);
}

#[test]
fn legacy_userkey_is_unresolved_unless_the_resolver_maps_it() {
    let body = r#"<ac:link><ri:user ri:userkey="8a7f808a4d"/></ac:link>"#;
    let out = run(body);
    assert_eq!(out.body, body);
    assert_eq!(out.references[0].outcome, Outcome::Unresolved);
    let mapped = plan().user_key("8a7f808a4d", Resolution::Rewritten("557058:aaaa".into()));
    let out = rewrite(body, &context(), &mapped);
    assert_eq!(out.body, r#"<ac:link><ri:user ri:account-id="557058:aaaa"/></ac:link>"#);
}

#[test]
fn unknown_account_is_unresolved() {
    let body = r#"<ri:user ri:account-id="nobody"/>"#;
    let out = run(body);
    assert_eq!(out.body, body);
    assert_eq!(out.references[0].outcome, Outcome::Unresolved);
    assert_eq!(out.references[0].reason.as_deref(), Some("unknown account"));
}

#[test]
fn space_and_content_entity_references() {
    let body = r#"<ri:space ri:space-key="DOC"/><ri:space ri:space-key="HR"/><ri:content-entity ri:content-id="1001"/><ri:content-entity ri:content-id="1002"/>"#;
    let out = run(body);
    assert_eq!(
        out.body,
        r#"<ri:space ri:space-key="DOCS"/><ri:space ri:space-key="HR"/><ri:content-entity ri:content-id="5001"/><ri:content-entity ri:content-id="1002"/>"#
    );
    let outcomes: Vec<_> = out.references.iter().map(|r| (r.kind, r.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            (ReferenceKind::Space, Outcome::Rewritten),
            (ReferenceKind::Space, Outcome::KeptExternal),
            (ReferenceKind::ContentEntity, Outcome::Rewritten),
            (ReferenceKind::ContentEntity, Outcome::Pending),
        ]
    );
    assert!(out.needs_final_pass());
}

#[test]
fn macro_parameters_naming_spaces_and_pages() {
    let body = concat!(
        r#"<ac:structured-macro ac:name="contentbylabel" ac:schema-version="3" ac:macro-id="m1">"#,
        r#"<ac:parameter ac:name="spaces">DOC, OPS,@self,HR</ac:parameter>"#,
        r#"<ac:parameter ac:name="labels">howto</ac:parameter></ac:structured-macro>"#,
        r#"<ac:structured-macro ac:name="excerpt-include"><ac:parameter ac:name="spaceKey">DOC</ac:parameter>"#,
        r#"<ac:parameter ac:name="page">OPS:Runbook</ac:parameter></ac:structured-macro>"#,
        r#"<ac:structured-macro ac:name="include"><ac:parameter ac:name=""><ac:link><ri:page ri:space-key="DOC" ri:content-title="Home"/></ac:link></ac:parameter></ac:structured-macro>"#,
        r#"<ac:structured-macro ac:name="jira"><ac:parameter ac:name="spaceKey">DOC</ac:parameter></ac:structured-macro>"#,
    );
    let out = run(body);
    let expected = body
        .replace("DOC, OPS,@self,HR", "DOCS, OPS,@self,HR")
        .replace(
            r#""spaceKey">DOC</ac:parameter><ac:parameter ac:name="page">OPS:Runbook"#,
            r#""spaceKey">DOCS</ac:parameter><ac:parameter ac:name="page">OPS:Runbook (copy)"#,
        )
        .replace(r#"ri:space-key="DOC""#, r#"ri:space-key="DOCS""#);
    assert_eq!(out.body, expected);
    let parameters: Vec<_> = out
        .references
        .iter()
        .filter(|r| r.kind == ReferenceKind::MacroParameter)
        .map(|r| (r.original.as_str(), r.outcome))
        .collect();
    assert_eq!(
        parameters,
        [
            ("spaces=DOC", Outcome::Rewritten),
            ("spaces=OPS", Outcome::Unchanged),
            ("spaces=HR", Outcome::KeptExternal),
            ("spaceKey=DOC", Outcome::Rewritten),
            ("page=OPS:Runbook", Outcome::Rewritten),
        ]
    );
}

#[test]
fn identity_of_everything_not_a_reference() {
    let body = "<!-- note --><h1 class=\"x\">Title&mdash;&hellip;</h1>\n<ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[if a < b && c > d { <ri:page ri:content-title=\"x\"/> }]]></ac:plain-text-body></ac:structured-macro><br/><br /><p></p>";
    let out = rewrite(body, &context(), &MapResolver::default());
    assert_eq!(out.body, body);
    assert!(out.references.is_empty(), "CDATA is not markup: {:?}", out.references);
}

#[test]
fn self_is_the_current_space_and_never_reported_as_outside_the_plan() {
    // The context's space is DOC, which the plan renames to DOCS: `@self` stays `@self` (it still
    // means the space holding the body), and a page named with it resolves in DOC.
    let body = r#"<ri:space ri:space-key="@self"/><ac:link><ri:page ri:space-key="@SELF" ri:content-title="Home"/></ac:link>"#;
    let out = run(body);
    assert_eq!(out.body, body, "nothing to rewrite");
    let outcomes: Vec<_> = out.references.iter().map(|r| (r.kind, r.outcome, r.reason.clone())).collect();
    assert_eq!(
        outcomes,
        [
            (ReferenceKind::Space, Outcome::Unchanged, None),
            // Resolved in DOC: the fixture knows DOC's "Home" and nothing of a space "@SELF".
            (ReferenceKind::Page, Outcome::Unchanged, None),
        ]
    );
    assert_eq!(out.reportable().filter(|r| r.kind == ReferenceKind::Space).count(), 0);
}
