//! Realistic page bodies as Confluence Cloud stores them, rewritten for a plan that renames DOC to
//! DOCS: the exact destination body and the report that goes to references.csv.

use confcopy::rewrite::{
    Context, Outcome, ReferenceKind, Resolution, normalise_for_verify, rewrite, rewrite_many,
};

use crate::rewrite_fixture::{DESTINATION, SOURCE, context, plan};

const RELEASE_NOTES: &str = r#"<ac:layout><ac:layout-section ac:type="two_equal" ac:breakout-mode="default"><ac:layout-cell><h1>Release 4.2 &mdash; notes</h1>
<ac:structured-macro ac:name="toc" ac:schema-version="1" data-layout="default" ac:local-id="5e1" ac:macro-id="a1b2"><ac:parameter ac:name="maxLevel">2</ac:parameter></ac:structured-macro>
<p>Owner: <ac:link><ri:user ri:account-id="557058:aaaa" ri:local-id="f00" /></ac:link>, reviewer <ac:link><ri:user ri:account-id="557058:old" /></ac:link>.</p>
<p>Read <ac:link><ri:page ri:space-key="DOC" ri:content-title="Install &amp; run" ri:version-at-save="3" /><ac:link-body>the install guide</ac:link-body></ac:link>, the <a href="https://acme.atlassian.net/wiki/spaces/OPS/pages/1001/Runbook" data-card-appearance="inline">runbook</a>
and the <a href="https://acme.atlassian.net/wiki/spaces/HR/pages/777/Leave">leave policy</a>.</p>
<ac:task-list>
<ac:task><ac:task-id>1</ac:task-id><ac:task-uuid>9a8b</ac:task-uuid><ac:task-status>complete</ac:task-status><ac:task-body><span class="placeholder-inline-tasks">Ship <ac:link><ri:page ri:content-title="Home" /></ac:link></span></ac:task-body></ac:task>
<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Announce on <a href="https://acme.atlassian.net/wiki/x/AAAB">the blog</a> <time datetime="2024-05-01" /></ac:task-body></ac:task>
</ac:task-list></ac:layout-cell><ac:layout-cell>
<table data-table-width="760" data-layout="default" ac:local-id="t1"><colgroup><col style="width: 226.0px;" /><col style="width: 533.0px;" /></colgroup><tbody>
<tr><th><p><strong>Area</strong></p></th><th><p><strong>Change</strong></p></th></tr>
<tr><td><p>Storage</p></td><td><p><ac:inline-comment-marker ac:ref="6f1e0c2a-1">Faster uploads</ac:inline-comment-marker> for <ac:link><ri:space ri:space-key="DOC" /></ac:link></p></td></tr>
</tbody></table>
<ac:image ac:align="center" ac:layout="center" ac:original-height="500" ac:original-width="800" ac:alt="diagram"><ri:attachment ri:filename="diagram.png" ri:version-at-save="1" /><ac:caption><p>Architecture</p></ac:caption></ac:image>
<ac:structured-macro ac:name="code" ac:schema-version="1" ac:macro-id="c0de"><ac:parameter ac:name="language">xml</ac:parameter><ac:plain-text-body><![CDATA[<ri:page ri:space-key="DOC" ri:content-title="Home"/> & <a href="https://acme.atlassian.net/wiki/x/AAAB">]]></ac:plain-text-body></ac:structured-macro>
<ac:structured-macro ac:name="excerpt-include" ac:schema-version="1"><ac:parameter ac:name="nopanel">true</ac:parameter><ac:parameter ac:name=""><ac:link><ri:page ri:space-key="OPS" ri:content-title="Runbook" /></ac:link></ac:parameter></ac:structured-macro>
<ac:structured-macro ac:name="blog-posts"><ac:parameter ac:name="spaces">DOC</ac:parameter><ac:parameter ac:name="max">5</ac:parameter></ac:structured-macro>
<p><ac:structured-macro ac:name="view-file" ac:schema-version="1"><ac:parameter ac:name="name"><ri:attachment ri:filename="specs.pdf" /></ac:parameter></ac:structured-macro>&nbsp;</p>
</ac:layout-cell></ac:layout-section></ac:layout>"#;

fn expected() -> String {
    RELEASE_NOTES
        .replace(r#"ri:account-id="557058:old""#, r#"ri:account-id="712020:new""#)
        .replace(
            r#"ri:space-key="DOC" ri:content-title="Install &amp; run""#,
            r#"ri:space-key="DOCS" ri:content-title="Install &amp; run""#,
        )
        .replace(
            "https://acme.atlassian.net/wiki/spaces/OPS/pages/1001/Runbook",
            "https://acme-eu.atlassian.net/wiki/spaces/OPS/pages/5001/Runbook",
        )
        .replace(
            r#"<a href="https://acme.atlassian.net/wiki/x/AAAB">the blog</a>"#,
            r#"<a href="https://acme-eu.atlassian.net/wiki/x/AQAO">the blog</a>"#,
        )
        .replace(
            r#"<ac:inline-comment-marker ac:ref="6f1e0c2a-1">Faster uploads</ac:inline-comment-marker>"#,
            "Faster uploads",
        )
        .replace(r#"<ri:space ri:space-key="DOC" />"#, r#"<ri:space ri:space-key="DOCS" />"#)
        .replace(
            r#"<ri:page ri:space-key="OPS" ri:content-title="Runbook" />"#,
            r#"<ri:page ri:space-key="OPS" ri:content-title="Runbook (copy)" />"#,
        )
        .replace(r#"<ac:parameter ac:name="spaces">DOC<"#, r#"<ac:parameter ac:name="spaces">DOCS<"#)
}

#[test]
fn release_notes_page() {
    let out = rewrite(RELEASE_NOTES, &context(), &plan());
    assert_eq!(out.body, expected());
    let mut summary: Vec<(&str, &str)> =
        out.references.iter().map(|r| (r.kind.as_str(), r.outcome.as_str())).collect();
    summary.sort();
    assert_eq!(
        summary,
        [
            ("attachment", "kept-external"),
            ("attachment", "unchanged"),
            ("link", "kept-external"),
            ("link", "rewritten"),
            ("link", "rewritten"),
            ("macro-parameter", "rewritten"),
            ("page", "rewritten"),
            ("page", "rewritten"),
            ("page", "unchanged"),
            ("space", "rewritten"),
            ("user", "rewritten"),
            ("user", "unchanged"),
        ]
    );
    let kept =
        out.references.iter().find(|r| r.kind == ReferenceKind::Link && r.outcome == Outcome::KeptExternal);
    assert_eq!(kept.unwrap().original, "https://acme.atlassian.net/wiki/spaces/HR/pages/777/Leave");
    assert_eq!(out.inline_markers.len(), 1);
    assert_eq!(out.inline_markers[0].text, "Faster uploads");
    assert_eq!(normalise_for_verify(&out.body), normalise_for_verify(&expected()));
}

#[test]
fn final_pass_resolves_pending_links_in_one_rewrite() {
    let body = r#"<p><a href="https://acme.atlassian.net/wiki/spaces/DOC/pages/1002">a</a> <ri:content-entity ri:content-id="1002"/></p>"#;
    let first = rewrite(body, &context(), &plan());
    assert!(first.needs_final_pass());
    assert_eq!(first.references.iter().filter(|r| r.outcome == Outcome::Pending).count(), 2);
    let created = plan().id("1002", Resolution::Rewritten("5002".into()));
    let last = rewrite(&first.body, &context(), &created);
    assert!(!last.needs_final_pass());
    assert_eq!(
        last.body,
        r#"<p><a href="https://acme-eu.atlassian.net/wiki/spaces/DOCS/pages/5002">a</a> <ri:content-entity ri:content-id="5002"/></p>"#
    );
}

#[test]
fn batches_come_back_in_order() {
    let other = Context::new("OPS", "Runbook", [SOURCE], DESTINATION);
    let bodies: Vec<String> = (0..50).map(|i| format!("{RELEASE_NOTES}<p>{i}</p>")).collect();
    let ctx = context();
    let items: Vec<(&str, &Context)> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| (b.as_str(), if i % 2 == 0 { &ctx } else { &other }))
        .collect();
    let out = rewrite_many(&items, &plan());
    assert_eq!(out.len(), 50);
    for (i, rewritten) in out.iter().enumerate() {
        assert!(rewritten.body.ends_with(&format!("<p>{i}</p>")));
        assert_eq!(rewritten, &rewrite(items[i].0, items[i].1, &plan()));
    }
}
