//! What a faithful copy makes of a source body: the references rewritten by the same rule the
//! copy follows ([`crate::resolve`]), fed with the title-matched id mapping, then both sides put
//! in the compared form.

use std::collections::HashMap;

use crate::inventory::Inventory;
use crate::resolve::{Catalogue, Copies, PlanResolver};
use crate::rewrite::{Context, InlineMarker};

/// The destination ids verification matched: source content and attachment id → destination id.
#[derive(Debug, Default)]
pub struct Expected {
    pub ids: HashMap<String, String>,
}

impl Copies for Expected {
    fn destination_id(&self, source_id: &str) -> Option<String> {
        self.ids.get(source_id).cloned()
    }

    /// Markers are compared by where they are and what they group, not by their refs (which the
    /// destination picks), so a re-created thread's marker is expected where the source's was.
    fn marker_ref(&self, _: &str, source_ref: &str) -> Option<String> {
        Some(source_ref.to_owned())
    }
}

/// A body in the compared form: the canonical markup without markers, and the markers on their
/// own (segments with their text and position among repeats, refs numbered by first use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    pub canonical: String,
    pub anchors: Vec<Anchor>,
}

/// One marker segment: which marker of the body (numbered by first appearance), the text it
/// marks, and which of that text's repeats it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub marker: usize,
    pub text: String,
    pub match_count: usize,
    pub match_index: usize,
}

impl Anchor {
    pub fn describe(list: &[Anchor]) -> String {
        let words: Vec<String> = list
            .iter()
            .map(|a| format!("#{} \"{}\" ({} of {})", a.marker, a.text, a.match_index + 1, a.match_count))
            .collect();
        if words.is_empty() { "no markers".into() } else { words.join(", ") }
    }
}

/// The anchors of a body, refs numbered by first appearance.
pub fn anchors(markers: Vec<InlineMarker>) -> Vec<Anchor> {
    let mut numbers: HashMap<String, usize> = HashMap::new();
    markers
        .into_iter()
        .map(|m| {
            let next = numbers.len() + 1;
            let marker = *numbers.entry(m.ref_id).or_insert(next);
            Anchor { marker, text: m.text, match_count: m.match_count, match_index: m.match_index }
        })
        .collect()
}

/// Puts bodies in the form verification compares.
pub struct Bodies<'a> {
    pub expected: &'a Expected,
    pub catalogue: &'a Catalogue,
    pub inventory: &'a Inventory,
    pub source_origins: &'a [String],
    pub destination_origin: &'a str,
}

impl Bodies<'_> {
    /// A source body held by `container` (a page or blog post of the space `space_key`, or the
    /// content a comment is on), as the destination should hold it.
    pub fn source(&self, body: &str, space_key: &str, title: &str, container: &str) -> Compared {
        let context = Context::new(space_key, title, self.source_origins, self.destination_origin);
        let resolver = PlanResolver {
            catalogue: self.catalogue,
            copies: self.expected,
            inventory: self.inventory,
            container,
        };
        let rewritten = crate::rewrite::rewrite(body, &context, &resolver).body;
        Self::compared(&rewritten)
    }

    /// A destination body, as it is.
    pub fn destination(&self, body: &str) -> Compared {
        Self::compared(body)
    }

    fn compared(body: &str) -> Compared {
        Compared {
            canonical: crate::rewrite::normalise_for_verify(body),
            anchors: anchors(crate::rewrite::anchors(body)),
        }
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
