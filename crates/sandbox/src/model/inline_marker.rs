//! Anchoring an inline comment in a page body, as Confluence Cloud does when a thread is created
//! with `inlineCommentProperties`: the `textSelectionMatchIndex`-th occurrence of
//! `textSelection` in the page's text is wrapped in `<ac:inline-comment-marker ac:ref="…">`.
//!
//! The page's text is what a reader sees of the markup: text and character references,
//! decoded; macro parameters and CDATA sections are not part of it. Occurrences are counted
//! left to right without overlap. The marker goes as deep as the selection allows (inside a
//! `<strong>` that holds the whole selection) and is widened over tags that open or close right
//! at its edges; a selection that would cut an element in two cannot be anchored.

use quick_xml::Reader;
use quick_xml::events::Event;

/// One piece of the page's text and where it is in the markup.
struct Piece {
    plain: usize,
    raw: usize,
    /// Bytes of text.
    len: usize,
    /// Bytes of markup.
    raw_len: usize,
    /// A character reference: cannot be cut.
    whole: bool,
}

/// An element boundary in the markup.
struct Tag {
    start: usize,
    end: usize,
    /// +1 opens an element, -1 closes one.
    step: i32,
    /// A paragraph, cell, list item, macro or other block: a marker never holds one.
    block: bool,
}

/// Elements a marker cannot hold: Confluence marks a selection that crosses them in segments.
const BLOCKS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "td",
    "th",
    "ul",
    "ol",
    "li",
    "div",
    "blockquote",
    "pre",
    "hr",
    "ac:layout",
    "ac:layout-section",
    "ac:layout-cell",
    "ac:structured-macro",
    "ac:rich-text-body",
    "ac:plain-text-body",
    "ac:parameter",
    "ac:task-list",
    "ac:task",
    "ac:task-body",
    "ac:adf-extension",
    "ac:adf-node",
    "ac:adf-content",
    "ac:adf-fallback",
];

fn is_block(name: &[u8]) -> bool {
    BLOCKS.iter().any(|b| b.as_bytes() == name)
}

struct Page {
    plain: String,
    pieces: Vec<Piece>,
    tags: Vec<Tag>,
}

fn read(body: &str) -> Result<Page, String> {
    let mut reader = Reader::from_str(body);
    reader.config_mut().allow_dangling_amp = true;
    let mut page = Page { plain: String::new(), pieces: Vec::new(), tags: Vec::new() };
    let mut parameters = 0usize;
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| format!("the page body cannot be parsed: {e}"))?;
        let end = reader.buffer_position() as usize;
        let raw = &body[start..end];
        match event {
            Event::Start(e) => {
                if e.name().as_ref() == b"ac:parameter" {
                    parameters += 1;
                }
                page.tags.push(Tag { start, end, step: 1, block: is_block(e.name().as_ref()) });
            }
            Event::End(e) => {
                if e.name().as_ref() == b"ac:parameter" {
                    parameters = parameters.saturating_sub(1);
                }
                page.tags.push(Tag { start, end, step: -1, block: is_block(e.name().as_ref()) });
            }
            Event::Empty(e) => {
                page.tags.push(Tag { start, end, step: 0, block: is_block(e.name().as_ref()) })
            }
            Event::Text(_) if parameters == 0 => {
                page.pieces.push(Piece {
                    plain: page.plain.len(),
                    raw: start,
                    len: raw.len(),
                    raw_len: raw.len(),
                    whole: false,
                });
                page.plain.push_str(raw);
            }
            Event::GeneralRef(_) if parameters == 0 => {
                let decoded = decode_reference(raw);
                page.pieces.push(Piece {
                    plain: page.plain.len(),
                    raw: start,
                    len: decoded.len(),
                    raw_len: raw.len(),
                    whole: true,
                });
                page.plain.push_str(&decoded);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(page)
}

/// A character or entity reference (`&amp;`, `&#160;`, `&eacute;`) as the text it stands for; one
/// the HTML5 table does not know stays as written.
fn decode_reference(raw: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::unescape_with(raw, quick_xml::escape::resolve_html5_entity).unwrap_or(raw.into())
}

/// How often `selection` occurs in the text of `body`.
pub fn occurrences(body: &str, selection: &str) -> Result<usize, String> {
    if selection.is_empty() {
        return Ok(0);
    }
    Ok(read(body)?.plain.matches(selection).count())
}

/// `body` with the `index`-th occurrence of `selection` in its text wrapped in a marker `ref_id`.
pub fn anchor(body: &str, selection: &str, index: usize, ref_id: &str) -> Result<String, String> {
    let page = read(body)?;
    let (from, _) = page
        .plain
        .match_indices(selection)
        .nth(index)
        .ok_or_else(|| format!("occurrence {index} of the selected text is not in the page"))?;
    let to = from + selection.len();
    let mut start = raw_start(&page, from)?;
    let mut end = raw_end(&page, to)?;
    // Widen over tags right at the edges until the markup between is balanced.
    loop {
        if page.tags.iter().any(|t| t.block && t.start >= start && t.end <= end) {
            return Err(cut_error());
        }
        let (lowest, last) = depth_between(&page.tags, start, end);
        if lowest >= 0 && last == 0 {
            break;
        }
        if lowest < 0 {
            // Closes an element opened before the start: take in its start tag if it opens
            // right before the start.
            match page.tags.iter().rev().find(|t| t.end <= start) {
                Some(tag) if tag.end == start && tag.step == 1 => start = tag.start,
                _ => return Err(cut_error()),
            }
        } else {
            match page.tags.iter().find(|t| t.start >= end) {
                Some(tag) if tag.start == end && tag.step == -1 => end = tag.end,
                _ => return Err(cut_error()),
            }
        }
    }
    let open = format!("<ac:inline-comment-marker ac:ref=\"{ref_id}\">");
    let mut out = String::with_capacity(body.len() + open.len() + 26);
    out.push_str(&body[..start]);
    out.push_str(&open);
    out.push_str(&body[start..end]);
    out.push_str("</ac:inline-comment-marker>");
    out.push_str(&body[end..]);
    Ok(out)
}

fn cut_error() -> String {
    "the selected text crosses the edge of a paragraph, cell or other element (anchor each part on its own)"
        .to_owned()
}

/// The lowest depth reached between `start` and `end` (relative to `start`) and the depth at
/// `end`.
fn depth_between(tags: &[Tag], start: usize, end: usize) -> (i32, i32) {
    let (mut depth, mut lowest) = (0, 0);
    for tag in tags.iter().filter(|t| t.start >= start && t.end <= end) {
        depth += tag.step;
        lowest = lowest.min(depth);
    }
    (lowest, depth)
}

/// The markup offset where the text at `plain` begins (just before its character).
fn raw_start(page: &Page, plain: usize) -> Result<usize, String> {
    let piece = page
        .pieces
        .iter()
        .find(|p| plain >= p.plain && plain < p.plain + p.len)
        .ok_or_else(|| "the selected text is not in the page".to_owned())?;
    if piece.whole {
        return if plain == piece.plain { Ok(piece.raw) } else { Err(reference_error()) };
    }
    Ok(piece.raw + (plain - piece.plain))
}

/// The markup offset where the text ending at `plain` ends (just after its last character).
fn raw_end(page: &Page, plain: usize) -> Result<usize, String> {
    let piece = page
        .pieces
        .iter()
        .find(|p| plain > p.plain && plain <= p.plain + p.len)
        .ok_or_else(|| "the selected text is not in the page".to_owned())?;
    if piece.whole {
        return if plain == piece.plain + piece.len {
            Ok(piece.raw + piece.raw_len)
        } else {
            Err(reference_error())
        };
    }
    Ok(piece.raw + (plain - piece.plain))
}

fn reference_error() -> String {
    "the selected text starts or ends inside a character reference".to_owned()
}

#[cfg(test)]
mod tests {
    use super::{anchor, occurrences};

    #[test]
    fn wraps_the_chosen_occurrence_inside_formatting_when_it_can() {
        let body = "<p>the fox and <strong>the fox</strong></p>";
        assert_eq!(occurrences(body, "the fox").unwrap(), 2);
        assert_eq!(
            anchor(body, "the fox", 1, "r").unwrap(),
            "<p>the fox and <strong><ac:inline-comment-marker ac:ref=\"r\">the fox</ac:inline-comment-marker></strong></p>"
        );
        assert_eq!(
            anchor(body, "fox and the fox", 0, "r").unwrap(),
            "<p>the <ac:inline-comment-marker ac:ref=\"r\">fox and <strong>the fox</strong></ac:inline-comment-marker></p>"
        );
    }

    #[test]
    fn widens_over_tags_at_its_edges_and_refuses_to_cut_an_element() {
        let body = "<p><em>one</em> two</p>";
        assert_eq!(
            anchor(body, "one two", 0, "r").unwrap(),
            "<p><ac:inline-comment-marker ac:ref=\"r\"><em>one</em> two</ac:inline-comment-marker></p>"
        );
        assert!(anchor("<p><em>one</em> two</p>", "ne two", 0, "r").is_err());
        assert!(anchor("<p>a</p><p>b</p>", "ab", 0, "r").is_err());
    }

    #[test]
    fn text_is_decoded_and_parameters_are_not_text() {
        let body = r#"<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">café</ac:parameter><ac:rich-text-body><p>caf&eacute;&nbsp;x</p></ac:rich-text-body></ac:structured-macro>"#;
        assert_eq!(occurrences(body, "café").unwrap(), 1);
        assert_eq!(
            anchor(body, "café\u{a0}", 0, "r").unwrap(),
            r#"<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">café</ac:parameter><ac:rich-text-body><p><ac:inline-comment-marker ac:ref="r">caf&eacute;&nbsp;</ac:inline-comment-marker>x</p></ac:rich-text-body></ac:structured-macro>"#
        );
    }
}
