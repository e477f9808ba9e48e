//! The canonical form the verifier compares. A source body, once rewritten, and the destination's
//! body are equal in this form when the copy is faithful, whatever the destination did to the
//! markup on save:
//! - inline comment markers are dropped (their text kept): threads are re-created separately;
//! - tags are re-serialised: attributes sorted by name, double-quoted, single spaces, and empty
//!   elements written `<x/>` whether they came as `<x/>` or `<x></x>`;
//! - attribute values and text have entities decoded and are re-escaped minimally, so `&nbsp;`,
//!   `&#160;` and a literal no-break space compare equal;
//! - volatile ids the server may regenerate (`ac:macro-id`, `ac:local-id`, `local-id`,
//!   `ac:schema-version`) are dropped.
//!
//! CDATA and comments are kept as written; leading byte-order marks are dropped. A body that cannot
//! be parsed is returned as it is.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::entity;
use super::tag::StartTag;

const VOLATILE: &[&str] = &["ac:macro-id", "ac:local-id", "local-id", "ac:schema-version"];

/// The canonical form of `body` for comparison.
pub fn normalise_for_verify(body: &str) -> String {
    // Invisible leading byte-order marks are dropped (quick-xml would not count one in positions).
    let body = body.trim_start_matches('\u{feff}');
    canonical(body).unwrap_or_else(|| body.to_owned())
}

fn canonical(body: &str) -> Option<String> {
    let mut reader = Reader::from_str(body);
    reader.config_mut().allow_dangling_amp = true;
    let mut out = String::with_capacity(body.len());
    // Where the last start tag's `>` was written, if nothing followed it yet.
    let mut open_start: Option<usize> = None;
    let mut depth = 0usize;
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event().ok()?;
        let end = reader.buffer_position() as usize;
        let raw = &body[start..end];
        match event {
            Event::Start(_) | Event::Empty(_) => {
                let empty = matches!(event, Event::Empty(_));
                if !empty {
                    depth += 1;
                }
                let tag = StartTag::new(raw, start);
                if tag.name == "ac:inline-comment-marker" {
                    continue;
                }
                open_start = None;
                out.push('<');
                out.push_str(tag.name);
                let mut attributes = Vec::new();
                for attribute in tag.attributes() {
                    let attribute = attribute.ok()?;
                    if !VOLATILE.contains(&attribute.name) {
                        attributes.push((attribute.name, entity::decode(attribute.raw_value)));
                    }
                }
                attributes.sort();
                for (name, value) in attributes {
                    out.push(' ');
                    out.push_str(name);
                    out.push_str("=\"");
                    out.push_str(&entity::escape_attribute(&value, b'"'));
                    out.push('"');
                }
                if empty {
                    out.push_str("/>");
                } else {
                    open_start = Some(out.len());
                    out.push('>');
                }
            }
            Event::End(_) => {
                depth = depth.checked_sub(1)?;
                let name = raw.trim_start_matches("</").trim_end_matches('>').trim_end();
                if name == "ac:inline-comment-marker" {
                    continue;
                }
                match open_start.take() {
                    Some(at) if at + 1 == out.len() => {
                        out.truncate(at);
                        out.push_str("/>");
                    }
                    _ => {
                        out.push_str("</");
                        out.push_str(name);
                        out.push('>');
                    }
                }
            }
            Event::Text(_) | Event::GeneralRef(_) => {
                if !raw.is_empty() {
                    open_start = None;
                    out.push_str(&entity::escape_text(&entity::decode(raw)));
                }
            }
            Event::Eof => break,
            _ => {
                open_start = None;
                out.push_str(raw);
            }
        }
    }
    (depth == 0).then_some(out)
}
