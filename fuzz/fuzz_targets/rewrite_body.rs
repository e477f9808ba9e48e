//! The storage-format rewriter on arbitrary text. The resolver answers every question with one of
//! its five answers, chosen from the question, so renames, pending, external and unresolved
//! targets all occur. Nothing may panic, and:
//! - `changed` says whether the body changed;
//! - a body that cannot be parsed comes back as it was, with one `body` reference;
//! - without a rename and without inline markers the body comes back as it was;
//! - every reference's offset lies inside the input;
//! - the verifier's canonical form and the tiny-link decoder take any text.
#![no_main]

use confcopy::rewrite::{
    AttachmentOwner, Context, Outcome, ReferenceKind, Resolution, Resolver, normalise_for_verify, rewrite,
    tiny_link,
};
use libfuzzer_sys::fuzz_target;

/// Answers from the question's text, so the same body always gets the same answers.
struct Mixed;

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
            Resolution::Rewritten(_) => Resolution::Rewritten("98765".to_owned()),
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

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = Context::new(
        "SRC",
        "Fuzzed page",
        ["https://source.atlassian.net", "http://127.0.0.1:8080"],
        "https://destination.atlassian.net",
    );
    let out = rewrite(body, &ctx, &Mixed);
    assert_eq!(out.changed, out.body != body);
    if out.unparsed() {
        assert_eq!(out.body, body, "an unparsed body must come back unchanged");
        assert_eq!(out.references.iter().filter(|r| r.kind == ReferenceKind::Body).count(), 1);
    }
    if out.inline_markers.is_empty() && !out.references.iter().any(|r| r.outcome == Outcome::Rewritten) {
        assert_eq!(out.body, body, "nothing was rewritten, yet the body changed");
    }
    for reference in &out.references {
        assert!(reference.offset <= body.len(), "{reference:?}");
    }
    let _ = normalise_for_verify(body);
    let _ = normalise_for_verify(&out.body);
    // Content ids start at 1; `AA` decodes to 0, which names nothing and encodes to nothing.
    if let Some(id) = tiny_link::decode(body).filter(|&id| id != 0) {
        assert_eq!(tiny_link::decode(&tiny_link::encode(id)), Some(id));
    }
});
