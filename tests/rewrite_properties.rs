//! Property tests over bodies generated from storage-format building blocks. Each block is
//! generated with the destination text expected under the test plan (DOC renamed DOCS, page 1001
//! is 5001, account `old` is `new`, HR outside the plan), so the whole body comes with its
//! expected rewrite.

use confcopy::rewrite::resolver::IdentityResolver;
use confcopy::rewrite::{Outcome, normalise_for_verify, rewrite, tiny_link};
use proptest::prelude::*;

use confcopy::rewrite::{Context, Resolution};

use crate::rewrite_fixture::{MapResolver, SOURCE, context};

/// A body fragment as on the source, and as expected on the destination.
#[derive(Debug, Clone)]
struct Block {
    source: String,
    destination: String,
    has_marker: bool,
}

impl Block {
    fn same(text: String) -> Self {
        Self { source: text.clone(), destination: text, has_marker: false }
    }
}

const TITLES: &[&str] = &["Home", "Install & run", "Ünïcode — title", "a \"quoted\" <title>"];

fn resolver() -> MapResolver {
    let mut plan = MapResolver::default().space("DOC", "DOCS").space("OPS", "OPS");
    for title in TITLES {
        plan = plan.page("DOC", title, Resolution::Unchanged).page("OPS", title, Resolution::Unchanged);
    }
    plan.id("1001", Resolution::Rewritten("5001".into()))
        .id("1002", Resolution::Rewritten("5002".into()))
        .account("aaaa", Resolution::Unchanged)
        .account("old", Resolution::Rewritten("new".into()))
        .attachment("", "a.png", Resolution::Unchanged)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn text() -> impl Strategy<Value = Block> {
    prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 .,;:!?()'\\-]{1,12}".prop_map(|s| s),
            Just("&amp;".to_owned()),
            Just("&nbsp;".to_owned()),
            Just("&mdash;".to_owned()),
            Just("&lt;&gt;".to_owned()),
            Just("&#169;".to_owned()),
            Just("\n  ".to_owned()),
            Just("é 漢字 🎉".to_owned()),
        ],
        1..6,
    )
    .prop_map(|parts| Block::same(parts.concat()))
}

fn quote() -> impl Strategy<Value = char> {
    prop_oneof![Just('"'), Just('\'')]
}

fn page_link() -> impl Strategy<Value = Block> {
    (
        prop::sample::select(vec![None, Some("DOC"), Some("OPS"), Some("HR")]),
        prop::sample::select(TITLES),
        quote(),
        any::<bool>(),
    )
        .prop_map(|(space, title, q, spaced)| {
            let title = escape(title).replace('\'', "&apos;");
            let gap = if spaced { "  " } else { " " };
            let key_attr = |key: &str| format!("ri:space-key={q}{key}{q}{gap}");
            let make = |key: Option<&str>| {
                format!(
                    "<ac:link><ri:page {}ri:content-title={q}{title}{q}{}/></ac:link>",
                    key.map(key_attr).unwrap_or_default(),
                    if spaced { " " } else { "" }
                )
            };
            let renamed = space.map(|key| if key == "DOC" { "DOCS" } else { key });
            Block { source: make(space), destination: make(renamed), has_marker: false }
        })
}

fn mention() -> impl Strategy<Value = Block> {
    prop::sample::select(vec!["aaaa", "old", "ghost"]).prop_map(|account| {
        let make = |a: &str| format!(r#"<ac:link><ri:user ri:account-id="{a}" /></ac:link>"#);
        Block {
            source: make(account),
            destination: make(if account == "old" { "new" } else { account }),
            has_marker: false,
        }
    })
}

fn absolute_link() -> impl Strategy<Value = Block> {
    (
        prop::sample::select(vec![
            "https://acme.atlassian.net",
            "http://127.0.0.1:8931",
            "https://other.example",
        ]),
        prop::sample::select(vec!["DOC", "OPS", "HR"]),
        prop::sample::select(vec!["1001", "1002", "777"]),
        0..4usize,
    )
        .prop_map(|(origin, key, id, shape)| {
            let mapped = origin != "https://other.example" && id != "777";
            let new_origin = if mapped { "https://acme-eu.atlassian.net" } else { origin };
            let new_id = if mapped { id.replace("100", "500") } else { id.to_owned() };
            let new_key = if mapped && key == "DOC" { "DOCS" } else { key };
            let (source, destination) = match shape {
                0 => (
                    format!("{origin}/wiki/spaces/{key}/pages/{id}/Some+Title?a=1&amp;b=2#h"),
                    format!("{new_origin}/wiki/spaces/{new_key}/pages/{new_id}/Some+Title?a=1&amp;b=2#h"),
                ),
                1 => (
                    format!("{origin}/wiki/pages/viewpage.action?pageId={id}"),
                    format!("{new_origin}/wiki/pages/viewpage.action?pageId={new_id}"),
                ),
                2 => (
                    format!("{origin}/wiki/x/{}", tiny_link::encode(id.parse().unwrap())),
                    format!("{new_origin}/wiki/x/{}", tiny_link::encode(new_id.parse().unwrap())),
                ),
                _ => (
                    format!("{origin}/wiki/spaces/{key}/blog/2024/01/31/{id}/Post"),
                    format!("{new_origin}/wiki/spaces/{new_key}/blog/2024/01/31/{new_id}/Post"),
                ),
            };
            let make = |href: &str| format!(r#"<a href="{href}" rel="nofollow">link</a>"#);
            Block { source: make(&source), destination: make(&destination), has_marker: false }
        })
}

fn fixed() -> impl Strategy<Value = Block> {
    prop_oneof![
        Just(Block::same(r#"<ac:image ac:height="250"><ri:attachment ri:filename="a.png" /></ac:image>"#.into())),
        Just(Block::same("<br/>".into())),
        Just(Block::same("<br />".into())),
        Just(Block::same("<!-- a comment with <tags> & stuff -->".into())),
        Just(Block::same("<hr></hr>".into())),
        "[ -~]{0,40}".prop_filter("no CDATA end", |s| !s.contains("]]>")).prop_map(|code| Block::same(format!(
            r#"<ac:structured-macro ac:name="code" ac:macro-id="x1"><ac:parameter ac:name="language">rust</ac:parameter><ac:plain-text-body><![CDATA[{code}]]></ac:plain-text-body></ac:structured-macro>"#
        ))),
        Just(Block {
            source: r#"<ac:structured-macro ac:name="contentbylabel"><ac:parameter ac:name="spaces">DOC,HR</ac:parameter></ac:structured-macro>"#.into(),
            destination: r#"<ac:structured-macro ac:name="contentbylabel"><ac:parameter ac:name="spaces">DOCS,HR</ac:parameter></ac:structured-macro>"#.into(),
            has_marker: false,
        }),
        Just(Block {
            source: r#"<ri:space ri:space-key="DOC"/><ri:content-entity ri:content-id="1001"/>"#.into(),
            destination: r#"<ri:space ri:space-key="DOCS"/><ri:content-entity ri:content-id="5001"/>"#.into(),
            has_marker: false,
        }),
    ]
}

fn leaf() -> impl Strategy<Value = Block> {
    prop_oneof![3 => text(), 2 => page_link(), 1 => mention(), 2 => absolute_link(), 2 => fixed()]
}

fn wrap(open: &str, close: &str, inner: Vec<Block>) -> Block {
    let has_marker = inner.iter().any(|b| b.has_marker);
    let source: String = inner.iter().map(|b| b.source.as_str()).collect();
    let destination: String = inner.iter().map(|b| b.destination.as_str()).collect();
    Block {
        source: format!("{open}{source}{close}"),
        destination: format!("{open}{destination}{close}"),
        has_marker,
    }
}

fn block() -> impl Strategy<Value = Block> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        let children = prop::collection::vec(inner, 1..5);
        prop_oneof![
            children.clone().prop_map(|c| wrap("<p>", "</p>", c)),
            children.clone().prop_map(|c| wrap("<div class='x'>", "</div>", c)),
            children.clone().prop_map(|c| wrap("<table><tbody><tr><td>", "</td></tr></tbody></table>", c)),
            children.clone().prop_map(|c| wrap(
                r#"<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">More</ac:parameter><ac:rich-text-body>"#,
                "</ac:rich-text-body></ac:structured-macro>",
                c
            )),
            (children, "[a-f0-9]{8}").prop_map(|(c, id)| {
                let inner = wrap("", "", c);
                Block {
                    source: format!(r#"<ac:inline-comment-marker ac:ref="{id}">{}</ac:inline-comment-marker>"#, inner.source),
                    destination: inner.destination,
                    has_marker: true,
                }
            }),
        ]
    })
}

fn body() -> impl Strategy<Value = Block> {
    prop::collection::vec(block(), 0..6).prop_map(|blocks| wrap("", "", blocks))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn rewrite_produces_the_expected_destination_and_round_trips_through_verify(body in body()) {
        let out = rewrite(&body.source, &context(), &resolver());
        prop_assert!(!out.unparsed(), "{:?}", out.references);
        prop_assert_eq!(&out.body, &body.destination);
        prop_assert_eq!(normalise_for_verify(&out.body), normalise_for_verify(&body.destination));
        prop_assert!(out.references.iter().all(|r| r.outcome != Outcome::Pending));
    }

    #[test]
    fn identity_resolver_returns_the_body_byte_for_byte(body in body().prop_filter("markers are removed by design", |b| !b.has_marker)) {
        // Same site on both ends: every mapping is the identity.
        let same_site = Context::new("DOC", "Home", [SOURCE], SOURCE);
        let out = rewrite(&body.source, &same_site, &IdentityResolver::default());
        prop_assert_eq!(&out.body, &body.source);
        prop_assert!(!out.changed);
    }

    #[test]
    fn rewriting_twice_changes_nothing_more(body in body()) {
        let once = rewrite(&body.source, &context(), &resolver());
        let twice = rewrite(&once.body, &context(), &resolver());
        prop_assert_eq!(&twice.body, &once.body);
        prop_assert!(!twice.changed);
    }

    #[test]
    fn truncated_bodies_never_panic_and_come_back_unchanged_when_unparsable(body in body(), cut in any::<prop::sample::Index>()) {
        let source = &body.source;
        let mut at = cut.index(source.len() + 1);
        while !source.is_char_boundary(at) {
            at -= 1;
        }
        let truncated = &source[..at];
        let out = rewrite(truncated, &context(), &resolver());
        if out.unparsed() {
            prop_assert_eq!(&out.body, truncated);
            prop_assert_eq!(out.references.len(), 1);
        }
        let _ = normalise_for_verify(truncated);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", markup in "[<>/&;=\"' a-z:!\\[\\]-]{0,200}") {
        let _ = rewrite(&text, &context(), &resolver());
        let _ = rewrite(&markup, &context(), &resolver());
        let _ = normalise_for_verify(&markup);
    }
}
