//! The fuzz targets' entry points (see fuzz/ and docs/fuzzing.md) on generated inputs, for CI,
//! which has only stable Rust: the plan loader and validator, the storage-format rewriter, and
//! the client's response decoders. Inputs are arbitrary text and mutations of real inputs (the
//! example plans, storage bodies, and answers the sandbox gives over HTTP). Each runs a bounded
//! number of cases, a few seconds in a debug build.
//!
//! Beyond "no panic", each entry point must answer in its documented shape:
//! - plans: a plan exactly when no finding is an error; every finding carries a catalogued
//!   `plan-*` code and renders in the three formats;
//! - rewriter: an output body, or the input unchanged with one `body` reference saying why;
//! - decoders: `Err`/`None` for what they cannot read.

use confcopy::client::ServerMessage;
use confcopy::client::link_header::next_link;
use confcopy::client::model::attachment::Attachment;
use confcopy::client::model::comment::Comment;
use confcopy::client::model::group::Group;
use confcopy::client::model::label::Label;
use confcopy::client::model::page::Page;
use confcopy::client::model::restriction::{ContentRestrictions, Listed};
use confcopy::client::model::space::{Space, SpacePermission};
use confcopy::client::model::user::User;
use confcopy::client::retry_after::parse_retry_after;
use confcopy::diagnostic::Code;
use confcopy::diagnostic::render::{FileReport, github, human, json};
use confcopy::plan::load_bytes;
use confcopy::rewrite::{normalise_for_verify, rewrite};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::support_sandbox::{Caller, demo};

// ------------------------------------------------------------------ mutations

/// One edit of a text: the building block of "a real input, slightly broken".
#[derive(Debug, Clone)]
enum Edit {
    /// Cut the text at a point.
    Truncate(prop::sample::Index),
    /// Remove a stretch.
    Delete(prop::sample::Index, usize),
    /// Insert text at a point.
    Insert(prop::sample::Index, String),
    /// Repeat a stretch right after itself.
    Duplicate(prop::sample::Index, usize),
    /// Replace one character.
    Replace(prop::sample::Index, char),
}

/// Texts that break parsers: quotes, brackets, escapes, markup, control and wide characters.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"".to_string()),
        Just("'''".to_string()),
        Just("[[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("=".to_string()),
        Just("\n[spaces]\n".to_string()),
        Just("\\u{0}".to_string()),
        Just("\\".to_string()),
        Just("<".to_string()),
        Just("</p>".to_string()),
        Just("<![CDATA[".to_string()),
        Just("&amp".to_string()),
        Just("&#x110000;".to_string()),
        Just("ri:".to_string()),
        Just("ac:".to_string()),
        Just("\u{7f}\u{1b}[31m".to_string()),
        Just("\u{feff}".to_string()),
        Just("é😀".to_string()),
        Just("9999999999999999999999".to_string()),
        Just("-1".to_string()),
        Just("null".to_string()),
        Just("ATATT3xFfGF0T4nH1sIsN0tAR3alT0k3n".to_string()),
        any::<String>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Edit::Truncate),
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<prop::sample::Index>(), nasty()).prop_map(|(at, text)| Edit::Insert(at, text)),
        (any::<prop::sample::Index>(), 1usize..80).prop_map(|(at, len)| Edit::Duplicate(at, len)),
        (any::<prop::sample::Index>(), any::<char>()).prop_map(|(at, c)| Edit::Replace(at, c)),
    ]
}

/// The character boundary at or before the index's point in `text`.
fn boundary(text: &str, at: &prop::sample::Index) -> usize {
    let mut offset = at.index(text.len() + 1);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn end_from(text: &str, start: usize, len: usize) -> usize {
    let mut end = (start + len).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_string();
    for edit in edits {
        match edit {
            Edit::Truncate(at) => {
                let at = boundary(&text, at);
                text.truncate(at);
            }
            Edit::Delete(at, len) => {
                let start = boundary(&text, at);
                let end = end_from(&text, start, *len);
                text.replace_range(start..end, "");
            }
            Edit::Insert(at, insert) => {
                let at = boundary(&text, at);
                text.insert_str(at, insert);
            }
            Edit::Duplicate(at, len) => {
                let start = boundary(&text, at);
                let end = end_from(&text, start, *len);
                let copy = text[start..end].to_string();
                text.insert_str(end, &copy);
            }
            Edit::Replace(at, c) => {
                let start = boundary(&text, at);
                if let Some(old) = text[start..].chars().next() {
                    text.replace_range(start..start + old.len_utf8(), &c.to_string());
                }
            }
        }
    }
    text
}

/// One of `originals`, mutated by a few edits.
fn mutated(originals: &'static [&'static str]) -> impl Strategy<Value = String> {
    (prop::sample::select(originals), prop::collection::vec(edit(), 1..5))
        .prop_map(|(original, edits)| apply(original, &edits))
}

// ------------------------------------------------------------------ plans

const PLANS: &[&str] = &[
    include_str!("../plans/marketing-to-eu.toml"),
    include_str!("../plans/engineering-to-eu.toml"),
    include_str!("../plans/all-users-to-globex.toml"),
    include_str!("plans/broken/secret-value.toml"),
    include_str!("plans/broken/secret-in-url.toml"),
];

/// The documented shape of a loaded plan, checked on any input.
fn check_plan(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let loaded = load_bytes("generated.toml", bytes);
    prop_assert_eq!(loaded.plan.is_some(), !loaded.has_errors(), "{:?}", loaded.diagnostics);
    let text = loaded.file.text();
    for diagnostic in &loaded.diagnostics {
        let code = diagnostic.code.as_str();
        prop_assert_eq!(Code::from_name(code), Some(diagnostic.code), "uncatalogued code {}", code);
        prop_assert!(code.starts_with("plan-"), "a plan file yielded the non-plan code {}", code);
        prop_assert!(!diagnostic.message.trim().is_empty(), "{:?}", diagnostic);
        for label in &diagnostic.labels {
            prop_assert!(
                label.span.end <= text.len() && label.span.start <= label.span.end,
                "{:?}",
                diagnostic
            );
        }
    }
    let reports = [FileReport { file: loaded.file.clone(), diagnostics: loaded.diagnostics.clone() }];
    let document = json(&reports);
    let listed = document["diagnostics"].as_array().map_or(0, Vec::len);
    prop_assert_eq!(listed, loaded.diagnostics.len());
    for entry in document["diagnostics"].as_array().into_iter().flatten() {
        prop_assert!(entry["code"].as_str().is_some_and(|c| c.starts_with("plan-")), "{}", entry);
    }
    let for_people = human(&reports, false);
    let for_ci = github(&reports);
    for diagnostic in &loaded.diagnostics {
        prop_assert!(for_people.contains(diagnostic.code.as_str()), "{}", for_people);
        prop_assert!(for_ci.contains(diagnostic.code.as_str()), "{}", for_ci);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn plans_from_arbitrary_text_answer_with_coded_findings(text in any::<String>()) {
        check_plan(text.into_bytes())?;
    }

    #[test]
    fn plans_from_arbitrary_bytes_answer_with_coded_findings(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_plan(bytes)?;
    }

    #[test]
    fn mutated_plans_answer_with_coded_findings(text in mutated(PLANS)) {
        check_plan(text.into_bytes())?;
    }
}

#[test]
fn the_unmutated_example_plans_load_without_errors() {
    for plan in &PLANS[..3] {
        let loaded = load_bytes("example.toml", plan.as_bytes().to_vec());
        assert!(loaded.plan.is_some(), "{:?}", loaded.diagnostics);
    }
}

// ------------------------------------------------------------------ rewriter

const BODIES: &[&str] = &[
    include_str!("../fuzz/seeds/rewrite_body/links.xml"),
    include_str!("../fuzz/seeds/rewrite_body/macros.xml"),
    include_str!("../fuzz/seeds/rewrite_body/mentions.xml"),
    include_str!("../fuzz/seeds/rewrite_body/markers.xml"),
    include_str!("../fuzz/seeds/rewrite_body/malformed.xml"),
];

#[path = "../fuzz/common/rewrite_oracle.rs"]
mod rewrite_oracle;

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_is_rewritten_or_reported_malformed(text in any::<String>()) {
        rewrite_oracle::check(&text);
    }

    #[test]
    fn mutated_storage_bodies_are_rewritten_or_reported_malformed(body in mutated(BODIES)) {
        rewrite_oracle::check(&body);
    }
}

#[test]
fn the_unmutated_bodies_parse_except_the_malformed_one() {
    let ctx = rewrite_oracle::context();
    for body in BODIES {
        let out = rewrite(body, &ctx, &rewrite_oracle::Mixed);
        assert_eq!(out.unparsed(), body.contains("unclosed"), "{body}\n{:?}", out.references);
    }
}

// ------------------------------------------------------------------ decoders

/// What the client may decode a response body into.
fn decode_all(bytes: &[u8]) {
    fn one<T: DeserializeOwned>(bytes: &[u8]) {
        let _ = serde_json::from_slice::<T>(bytes);
        let _ = serde_json::from_slice::<Listed<T>>(bytes);
    }
    one::<User>(bytes);
    one::<Space>(bytes);
    one::<Page>(bytes);
    one::<Attachment>(bytes);
    one::<Comment>(bytes);
    one::<Group>(bytes);
    one::<Label>(bytes);
    one::<SpacePermission>(bytes);
    one::<ContentRestrictions>(bytes);
    let _ = ServerMessage::parse(bytes);
}

/// A JSON value with one node (chosen by `pick`) replaced.
fn replace_node(value: &mut Value, pick: &mut usize, with: &Value) -> bool {
    if *pick == 0 {
        *value = with.clone();
        return true;
    }
    *pick -= 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|item| replace_node(item, pick, with)),
        Value::Object(map) => map.values_mut().any(|item| replace_node(item, pick, with)),
        _ => false,
    }
}

fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(1e308)),
        Just(serde_json::json!("")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!(true)),
        Just(serde_json::json!([[[[[[[[[[]]]]]]]]]])),
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
    ]
}

/// The answers the demo sandbox gives to the reads the client makes, fetched over HTTP, each
/// with a check that the right decoder reads the unmutated answer.
fn real_answers() -> Vec<(String, Vec<u8>)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let sandbox = demo().await;
        let site = sandbox.site("acme").unwrap();
        let caller = Caller::admin(site);
        let space = caller.space_id("DOCS").await;
        let pages = caller.get(&format!("/wiki/api/v2/spaces/{space}/pages?body-format=storage")).await;
        let page = pages.json()["results"][0]["id"].as_str().unwrap().to_string();
        let mut answers = Vec::new();
        for path in [
            "/wiki/rest/api/user/current".to_string(),
            "/wiki/api/v2/spaces".to_string(),
            format!("/wiki/api/v2/spaces/{space}/pages?body-format=storage"),
            format!("/wiki/api/v2/pages/{page}?body-format=storage"),
            format!("/wiki/rest/api/content/{page}/restriction?expand=restrictions.user,restrictions.group"),
            format!("/wiki/api/v2/pages/{page}/attachments"),
            format!("/wiki/api/v2/pages/{page}/footer-comments?body-format=storage"),
            format!("/wiki/api/v2/pages/{page}/labels"),
            format!("/wiki/api/v2/spaces/{space}/permissions"),
            "/wiki/rest/api/group".to_string(),
            "/wiki/api/v2/pages/999999999".to_string(),
        ] {
            let answer = caller.get(&path).await;
            answers.push((path, answer.bytes.to_vec()));
        }
        sandbox.shutdown().await.unwrap();
        answers
    })
}

fn decodes<T: DeserializeOwned>(bytes: &[u8]) -> bool {
    serde_json::from_slice::<T>(bytes).is_ok()
}

#[test]
fn decoders_read_real_answers_and_never_panic_on_mutated_ones() {
    let answers = real_answers();
    // The decoders read what the sandbox really answers (else the mutations would test nothing).
    let read = |path: &str| &answers.iter().find(|(p, _)| p.starts_with(path)).unwrap().1;
    assert!(decodes::<User>(read("/wiki/rest/api/user/current")));
    assert!(decodes::<Listed<Space>>(read("/wiki/api/v2/spaces")));
    let pages: Listed<Page> = serde_json::from_slice(read("/wiki/api/v2/spaces/")).unwrap();
    assert!(!pages.results.is_empty());
    assert!(decodes::<ContentRestrictions>(read("/wiki/rest/api/content/")));
    assert!(decodes::<Listed<Group>>(read("/wiki/rest/api/group")));
    assert!(ServerMessage::parse(read("/wiki/api/v2/pages/999999999")).is_some());

    let mut runner = TestRunner::new(Config { cases: 3000, failure_persistence: None, ..Config::default() });
    let originals: Vec<Vec<u8>> = answers.into_iter().map(|(_, bytes)| bytes).collect();
    let byte_edits = (prop::sample::select(originals.clone()), prop::collection::vec(edit(), 1..5))
        .prop_map(|(bytes, edits)| apply(&String::from_utf8_lossy(&bytes), &edits).into_bytes());
    runner
        .run(&byte_edits, |bytes| {
            decode_all(&bytes);
            Ok(())
        })
        .unwrap();
    let node_swaps = (prop::sample::select(originals), any::<prop::sample::Index>(), hostile_value())
        .prop_map(|(bytes, at, with)| {
            let mut value: Value = serde_json::from_slice(&bytes).unwrap();
            let mut pick = at.index(64);
            replace_node(&mut value, &mut pick, &with);
            serde_json::to_vec(&value).unwrap()
        });
    runner
        .run(&node_swaps, |bytes| {
            decode_all(&bytes);
            Ok(())
        })
        .unwrap();
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..256), |bytes| {
            decode_all(&bytes);
            Ok(())
        })
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

    #[test]
    fn a_next_link_is_a_piece_of_its_header(header in prop_oneof![
        any::<String>(),
        mutated(&[r#"</wiki/api/v2/pages?cursor=abc&limit=250>; rel="next""#,
                  r#"<https://x.test/a?c=1>; rel="prev", <https://x.test/a?c=2>; rel="next""#]),
    ]) {
        if let Some(next) = next_link(&header) {
            prop_assert!(header.contains(next.as_str()), "{:?} from {:?}", next, header);
        }
    }

    #[test]
    fn retry_after_is_a_duration_or_nothing(value in prop_oneof![
        any::<String>(),
        "[0-9]{1,25}",
        "[0-9]{1,12}\\.[0-9]{1,6}",
        mutated(&["Wed, 21 Oct 2026 07:28:00 GMT", "120", "0.5"]),
    ]) {
        let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let wait = parse_retry_after(&value, now);
        if let Ok(seconds) = value.trim().parse::<u64>() {
            prop_assert_eq!(wait, Some(std::time::Duration::from_secs(seconds)));
        } else if value.trim().contains('.') && let Some(wait) = wait {
            // Fractional seconds are capped at a day.
            prop_assert!(wait <= std::time::Duration::from_secs(86_400), "{:?}", wait);
        }
    }
}

// ------------------------------------------------------------------ crashes the fuzzers found

/// `rewrite_body` (fuzz/seeds/rewrite_body/crash-bom.xml): a body starting with a byte-order mark
/// panicked the rewriter and the verifier's canonical form, because quick-xml skips the mark
/// without counting it in its positions.
#[test]
fn a_body_starting_with_a_byte_order_mark_is_rewritten_at_the_right_places() {
    let found = include_bytes!("../fuzz/seeds/rewrite_body/crash-bom.xml");
    rewrite_oracle::check(&String::from_utf8_lossy(found));
    // And fuzz/seeds/rewrite_body/crash-two-boms.xml: quick-xml skips one more mark after the first.
    let found = include_bytes!("../fuzz/seeds/rewrite_body/crash-two-boms.xml");
    rewrite_oracle::check(&String::from_utf8_lossy(found));
    let many = format!("{}<p>x</p>", "\u{feff}".repeat(100_000));
    for body in ["\u{feff}p", "\u{feff}p<p>x</p>", "\u{feff}", "\u{feff}<p/>", "\u{feff}\u{feff}p", &many] {
        rewrite_oracle::check(body);
    }
    // The splices land where they would without the mark, and the mark stays.
    let ctx = rewrite_oracle::context();
    let body = r#"<p><ri:space ri:space-key="SRC" /></p>"#;
    let plain = rewrite(body, &ctx, &rewrite_oracle::Mixed);
    let marked = rewrite(&format!("\u{feff}{body}"), &ctx, &rewrite_oracle::Mixed);
    assert_eq!(marked.body, format!("\u{feff}{}", plain.body));
    assert_eq!(marked.changed, plain.changed);
    let offsets =
        |out: &confcopy::rewrite::Rewritten| out.references.iter().map(|r| r.offset).collect::<Vec<_>>();
    assert_eq!(offsets(&marked), offsets(&plain).iter().map(|o| o + 3).collect::<Vec<_>>());
    assert_eq!(normalise_for_verify(&marked.body), normalise_for_verify(&plain.body));
}
#[test]
fn a_url_password_the_parser_finds_behind_a_tab_is_a_secret_finding() {
    // Found by `mutated_plans_answer_with_coded_findings`: the URL parser drops the tab and reads
    // `https:/user:password@host`, which the text heuristic missed, so the plan was refused with
    // no finding at all.
    let text = "name = \"p\"\nsource = \"https:\t/9999999999999999999999admin:hunter2@a.atlassian.net\"\n\
                destination = \"https://b.atlassian.net\"\n[spaces]\nkeys = [\"A\"]\n";
    let loaded = load_bytes("tab.toml", text.as_bytes().to_vec());
    assert!(loaded.plan.is_none());
    let codes: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["plan-secret"], "{:?}", loaded.diagnostics);
    check_plan(text.as_bytes().to_vec()).unwrap();
}
