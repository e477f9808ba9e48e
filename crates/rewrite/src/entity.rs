//! Entity decoding and escaping. Storage format uses XML's five entities, character references and
//! HTML named entities (`&nbsp;`, `&mdash;` …) that XML does not define. Decoding turns the known
//! ones into characters (for resolver look-ups and plain text); unknown names stay literal. The
//! names are HTML5's, from quick-xml's table (its `escape-html` feature), which holds XML's five.

use std::borrow::Cow;

use quick_xml::escape::{partial_escape, resolve_html5_entity};

/// Decodes entity and character references in raw text or an attribute value.
pub fn decode(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find(';').filter(|&semi| semi > 0 && semi <= 32) {
            Some(semi) => match reference(&after[..semi]) {
                Some(decoded) => {
                    out.push_str(&decoded);
                    rest = &after[semi + 1..];
                }
                None => {
                    out.push('&');
                    rest = after;
                }
            },
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The text of one reference `name` (between `&` and `;`), if known.
pub fn reference(name: &str) -> Option<Cow<'static, str>> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return char::from_u32(code).map(|c| Cow::Owned(c.to_string()));
    }
    resolve_html5_entity(name).map(Cow::Borrowed)
}

/// Escapes `value` for an attribute quoted with `quote` (`"` or `'`).
pub fn escape_attribute(value: &str, quote: u8) -> Cow<'_, str> {
    escape(value, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' if quote == b'"' => Some("&quot;"),
        '\'' if quote == b'\'' => Some("&apos;"),
        _ => None,
    })
}

/// Escapes `value` for element text: `&`, `<` and `>`.
pub fn escape_text(value: &str) -> Cow<'_, str> {
    partial_escape(value)
}

fn escape(value: &str, replacement: impl Fn(char) -> Option<&'static str>) -> Cow<'_, str> {
    let Some(first) = value.char_indices().find(|&(_, c)| replacement(c).is_some()).map(|(i, _)| i) else {
        return Cow::Borrowed(value);
    };
    let mut out = String::with_capacity(value.len() + 8);
    out.push_str(&value[..first]);
    for c in value[first..].chars() {
        match replacement(c) {
            Some(text) => out.push_str(text),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}
