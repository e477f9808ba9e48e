//! What the rewriter must do with any text, shared by the `rewrite_body` fuzz target and the
//! proptest run in `tests/fuzz_inputs.rs` (both include this file by path). Every check panics
//! with its reason; the fuzzer and proptest both report a panic as a failure.
//! - nothing panics, and `changed` says whether the body changed;
//! - a body that cannot be parsed comes back as it was, with one `body` reference saying why;
//! - without a rewritten reference and without inline markers the body comes back as it was;
//! - every reference's offset lies inside the input; a rewritten one carries its replacement;
//! - the verifier's canonical form and the tiny-link decoder take any text.

use confcopy::rewrite::{
    AttachmentOwner, Context, Outcome, ReferenceKind, Resolution, Resolver, normalise_for_verify, rewrite,
    tiny_link,
};

/// Gives each question one of the five answers, chosen from the question's text, so the same
/// body always gets the same answers and renames, pending, external and unresolved targets all occur.
pub struct Mixed;

fn answer(question: &str) -> Resolution {
    let pick = question.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    match pick % 5 {
        0 => Resolution::Rewritten(format!("new-{question}")),
        1 => Resolution::Unchanged,
        2 => Resolution::External,
        3 => Resolution::Unresolved(format!("no mapping for {question}")),
        _ => Resolution::Pending(format!("{question} not created yet")),
    }
}

impl Resolver for Mixed {
    fn page(&self, space_key: &str, title: &str) -> Resolution {
        answer(&format!("{space_key}:{title}"))
    }
    fn blog_post(&self, space_key: &str, title: &str, posting_day: &str) -> Resolution {
        answer(&format!("{space_key}:{title}:{posting_day}"))
    }
    fn attachment(&self, owner: &AttachmentOwner<'_>, filename: &str) -> Resolution {
        answer(&format!("{owner:?}:{filename}"))
    }
    fn content_id(&self, source_id: &str) -> Resolution {
        match answer(source_id) {
            Resolution::Rewritten(_) => Resolution::Rewritten("98765".to_string()),
            other => other,
        }
    }
    fn space_key(&self, source_key: &str) -> Resolution {
        answer(source_key)
    }
    fn account_id(&self, source_account_id: &str) -> Resolution {
        answer(source_account_id)
    }
    fn user_key(&self, user_key: &str) -> Resolution {
        answer(user_key)
    }
}

/// The context every checked body is rewritten in.
pub fn context() -> Context {
    Context::new(
        "SRC",
        "Fuzzed page",
        ["https://source.atlassian.net", "http://127.0.0.1:8080"],
        "https://destination.atlassian.net",
    )
}

/// Rewrites `body` and checks the answer's shape; panics with the reason when it is wrong.
pub fn check(body: &str) {
    let out = rewrite(body, &context(), &Mixed);
    assert_eq!(out.changed, out.body != body);
    if out.unparsed() {
        assert_eq!(out.body, body, "an unparsed body must come back unchanged");
        let reported: Vec<_> = out.references.iter().filter(|r| r.kind == ReferenceKind::Body).collect();
        assert_eq!(reported.len(), 1, "{:?}", out.references);
        assert_eq!(reported[0].outcome, Outcome::Unresolved);
        assert!(reported[0].reason.as_deref().is_some_and(|r| !r.is_empty()), "{:?}", reported[0]);
    }
    if out.inline_markers.is_empty() && !out.references.iter().any(|r| r.outcome == Outcome::Rewritten) {
        assert_eq!(out.body, body, "nothing was rewritten, yet the body changed");
    }
    for reference in &out.references {
        assert!(reference.offset <= body.len(), "{reference:?}");
        if reference.outcome == Outcome::Rewritten {
            assert!(reference.replacement.is_some(), "{reference:?}");
        }
    }
    let _ = normalise_for_verify(body);
    let _ = normalise_for_verify(&out.body);
    // Content ids start at 1; `AA` decodes to 0, which names nothing and encodes to nothing.
    if let Some(id) = tiny_link::decode(body).filter(|&id| id != 0) {
        assert_eq!(tiny_link::decode(&tiny_link::encode(id)), Some(id));
    }
}
