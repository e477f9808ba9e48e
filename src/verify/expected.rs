//! What a faithful copy makes of a source body: the references a copy must rewrite, rewritten
//! from the title-matched id mapping and the plan's renames, then both sides normalised.

use std::collections::HashMap;

use crate::rewrite::{AttachmentOwner, Context, Resolution, Resolver};

/// Answers the rewriter from what verification matched: source ids → destination ids, and
/// source space keys → destination keys. Titles and file names are kept by a copy.
#[derive(Debug, Default)]
pub struct Expected {
    /// Source space key → destination space key, for every selected space.
    pub keys: HashMap<String, String>,
    /// Source content and attachment id → destination id, for what was matched.
    pub ids: HashMap<String, String>,
}

impl Resolver for Expected {
    fn page(&self, _: &str, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn blog_post(&self, _: &str, _: &str, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn attachment(&self, _: &AttachmentOwner<'_>, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn content_id(&self, id: &str) -> Resolution {
        match self.ids.get(id) {
            Some(new) if new == id => Resolution::Unchanged,
            Some(new) => Resolution::Rewritten(new.clone()),
            None => Resolution::External,
        }
    }
    fn space_key(&self, key: &str) -> Resolution {
        match self.keys.get(key) {
            Some(new) if new == key => Resolution::Unchanged,
            Some(new) => Resolution::Rewritten(new.clone()),
            None => Resolution::External,
        }
    }
    fn account_id(&self, _: &str) -> Resolution {
        Resolution::Unchanged
    }
}

/// Puts bodies in the form verification compares.
pub struct Bodies<'a> {
    pub expected: &'a Expected,
    pub source_origins: &'a [String],
    pub destination_origin: &'a str,
}

impl Bodies<'_> {
    /// A source body of content in the space `space_key`, as the destination should hold it.
    pub fn source(&self, body: &str, space_key: &str, title: &str) -> String {
        let context = Context::new(space_key, title, self.source_origins, self.destination_origin);
        let rewritten = crate::rewrite::rewrite(body, &context, self.expected).body;
        crate::rewrite::normalise_for_verify(&rewritten)
    }

    /// A destination body, as it is.
    pub fn destination(&self, body: &str) -> String {
        crate::rewrite::normalise_for_verify(body)
    }
}

/// Where two canonical bodies part, with a little context on each side: (expected, actual).
pub fn excerpts(expected: &str, actual: &str) -> (String, String) {
    let common = expected.chars().zip(actual.chars()).take_while(|(a, b)| a == b).count();
    let cut = |text: &str| {
        let start = common.saturating_sub(30);
        let piece: String = text.chars().skip(start).take(80).collect();
        let mut shown = String::new();
        if start > 0 {
            shown.push('…');
        }
        shown.push_str(&piece);
        if text.chars().count() > start + 80 {
            shown.push('…');
        }
        shown
    };
    (cut(expected), cut(actual))
}
