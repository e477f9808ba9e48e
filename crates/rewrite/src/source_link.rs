//! Links to the source site in `href`, `src` and `ri:url ri:value`, in every URL shape Confluence
//! Cloud uses. The link is rewritten on its raw (entity-escaped) text: only the origin, the space
//! key, the content id or the title slug are replaced, so query strings, fragments and entities
//! stay as written. Relative `/wiki/…` links are treated as source-site links and stay relative.
//! Links to other products of the source site (outside `/wiki/`) are not references.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::context::Context;
use super::entity;
use super::reference::Outcome;
use super::resolver::{Resolution, Resolver};
use super::tiny_link;

/// What became of one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRewrite {
    pub outcome: Outcome,
    /// The new raw attribute text when the outcome is `Rewritten`.
    pub replacement: Option<String>,
    pub reason: Option<String>,
}

/// Rewrites `raw` (an attribute value as written) when it is a link to the source site;
/// `None` when it points elsewhere.
pub fn rewrite_link(raw: &str, ctx: &Context, resolver: &impl Resolver) -> Option<LinkRewrite> {
    let path_start = source_path_start(raw, ctx)?;
    let relative = path_start == 0;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    if !relative {
        edits.push((0, path_start, ctx.destination_origin.clone()));
    }
    let path_end = raw[path_start..].find(['?', '#']).map_or(raw.len(), |i| path_start + i);
    let path = &raw[path_start..path_end];
    // Other products on the source site (Jira, …) are not copied: not a reference.
    let wiki = path.strip_prefix("/wiki/")?;
    let base = path_start + "/wiki/".len();
    let segments: Vec<(usize, &str)> = split_segments(wiki, base);
    let segment = |i: usize| segments.get(i).map(|&(_, s)| s);
    let primary = match (segment(0), segment(1), segment(2)) {
        (Some("spaces"), Some(_), Some("pages")) => {
            let at = if segment(3).is_some_and(|s| s.starts_with("edit")) { 4 } else { 3 };
            match segments.get(at).filter(|(_, s)| is_id(s)) {
                Some(&(offset, id)) => {
                    let resolution = resolver.content_id(id);
                    replace_value(&resolution, offset, id, &mut edits);
                    space_segment(&segments[1], resolver, &mut edits);
                    resolution
                }
                None => Resolution::Unresolved("page link without a content id".to_owned()),
            }
        }
        (Some("spaces"), Some(_), Some("blog")) => {
            let dated = segment(3).is_some_and(|s| s.len() == 4 && is_id(s))
                && segment(4).is_some_and(|s| s.len() == 2 && is_id(s))
                && segment(5).is_some_and(|s| s.len() == 2 && is_id(s));
            match segments.get(if dated { 6 } else { 3 }).filter(|(_, s)| is_id(s)) {
                Some(&(offset, id)) => {
                    let resolution = resolver.content_id(id);
                    replace_value(&resolution, offset, id, &mut edits);
                    space_segment(&segments[1], resolver, &mut edits);
                    resolution
                }
                None => Resolution::Unresolved("blog post link without a content id".to_owned()),
            }
        }
        (Some("spaces"), Some(key), None | Some("overview" | "")) => {
            let resolution = resolver.space_key(&entity::decode(key));
            replace_value(&resolution, segments[1].0, key, &mut edits);
            resolution
        }
        (Some("x"), Some(code), _) => match tiny_link::decode(code) {
            Some(id) => {
                let resolution = resolver.content_id(&id.to_string());
                if let Resolution::Rewritten(new) = &resolution {
                    match new.parse::<u64>() {
                        Ok(new_id) => {
                            edits.push((segments[1].0, segments[1].0 + code.len(), tiny_link::encode(new_id)))
                        }
                        Err(_) => return Some(unresolved(format!("destination id {new} is not numeric"))),
                    }
                }
                resolution
            }
            None => Resolution::Unresolved(format!("tiny link code {code} does not decode to a content id")),
        },
        (Some("display"), Some(key), title) => {
            let space = entity::decode(key).into_owned();
            let resolution = match title.filter(|t| !t.is_empty()) {
                Some(slug) => {
                    let title = title_from_slug(&entity::decode(slug));
                    let resolution = resolver.page(&space, &title);
                    if let Resolution::Rewritten(new) = &resolution
                        && *new != title
                    {
                        edits.push((segments[2].0, segments[2].0 + slug.len(), slug_from_title(new)));
                    }
                    resolution
                }
                None => resolver.space_key(&space),
            };
            if matches!(resolution, Resolution::Rewritten(_) | Resolution::Unchanged) {
                space_segment(&segments[1], resolver, &mut edits);
            }
            resolution
        }
        (Some("pages"), Some("viewpage.action"), _) => match page_id_parameter(raw, path_end) {
            Some((offset, id)) => {
                let resolution = resolver.content_id(id);
                replace_value(&resolution, offset, id, &mut edits);
                resolution
            }
            None => Resolution::Unresolved("viewpage.action link without a pageId".to_owned()),
        },
        (Some("download"), Some("attachments" | "thumbnails"), Some(id)) if is_id(id) => {
            let resolution = resolver.content_id(id);
            replace_value(&resolution, segments[2].0, id, &mut edits);
            resolution
        }
        _ => Resolution::Unresolved("link to the source site in an unrecognised URL shape".to_owned()),
    };
    Some(match primary {
        Resolution::Rewritten(_) | Resolution::Unchanged => {
            if edits.is_empty() {
                LinkRewrite { outcome: Outcome::Unchanged, replacement: None, reason: None }
            } else {
                let replacement = splice(raw, &mut edits);
                if replacement == raw {
                    LinkRewrite { outcome: Outcome::Unchanged, replacement: None, reason: None }
                } else {
                    LinkRewrite { outcome: Outcome::Rewritten, replacement: Some(replacement), reason: None }
                }
            }
        }
        Resolution::External => kept("content outside the plan"),
        Resolution::Unresolved(reason) => unresolved(reason),
        Resolution::Pending(reason) => {
            LinkRewrite { outcome: Outcome::Pending, replacement: None, reason: Some(reason) }
        }
    })
}

fn kept(reason: &str) -> LinkRewrite {
    LinkRewrite { outcome: Outcome::KeptExternal, replacement: None, reason: Some(reason.to_owned()) }
}

fn unresolved(reason: String) -> LinkRewrite {
    LinkRewrite { outcome: Outcome::Unresolved, replacement: None, reason: Some(reason) }
}

/// Where the path starts in `raw` when it links to the source site: past the origin, or 0 for a
/// relative `/wiki/` link.
fn source_path_start(raw: &str, ctx: &Context) -> Option<usize> {
    if raw.starts_with("/wiki/") {
        return Some(0);
    }
    let after_scheme = strip_prefix_ignore_case(raw, "https://")
        .or_else(|| strip_prefix_ignore_case(raw, "http://"))
        .or_else(|| raw.strip_prefix("//"))?;
    let scheme_len = raw.len() - after_scheme.len();
    ctx.source_origins.iter().find_map(|origin| {
        let host = origin.split_once("://").map_or(origin.as_str(), |(_, host)| host);
        let rest = strip_prefix_ignore_case(after_scheme, host)?;
        (rest.is_empty() || rest.starts_with(['/', '?', '#'])).then_some(scheme_len + host.len())
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

fn split_segments(path: &str, base: usize) -> Vec<(usize, &str)> {
    let mut offset = base;
    path.split('/')
        .map(|segment| {
            let item = (offset, segment);
            offset += segment.len() + 1;
            item
        })
        .collect()
}

fn is_id(segment: &str) -> bool {
    !segment.is_empty() && segment.len() <= 20 && segment.bytes().all(|b| b.is_ascii_digit())
}

fn replace_value(resolution: &Resolution, offset: usize, old: &str, edits: &mut Vec<(usize, usize, String)>) {
    if let Resolution::Rewritten(new) = resolution
        && new != old
    {
        edits.push((offset, offset + old.len(), entity::escape_attribute(new, b'"').into_owned()));
    }
}

/// Renames the space key segment when the plan renames the space.
fn space_segment(segment: &(usize, &str), resolver: &impl Resolver, edits: &mut Vec<(usize, usize, String)>) {
    let (offset, key) = *segment;
    if let Resolution::Rewritten(new) = resolver.space_key(&entity::decode(key))
        && new != key
    {
        edits.push((offset, offset + key.len(), entity::escape_attribute(&new, b'"').into_owned()));
    }
}

/// The `pageId` value in the query string of `raw` (which starts at `query_start`, at `?`).
fn page_id_parameter(raw: &str, query_start: usize) -> Option<(usize, &str)> {
    let query = raw[query_start..].strip_prefix('?')?;
    let query_end = query.find('#').unwrap_or(query.len());
    let query = &query[..query_end];
    let mut offset = query_start + 1;
    for pair in query.split('&') {
        // `&amp;` splits into "...", "amp;pageId=1": skip the entity's tail.
        let (skip, pair_text) = match pair.strip_prefix("amp;") {
            Some(rest) => (4, rest),
            None => (0, pair),
        };
        if let Some(value) = pair_text.strip_prefix("pageId=") {
            let id_len = value.bytes().take_while(u8::is_ascii_digit).count();
            if id_len > 0 {
                return Some((offset + skip + "pageId=".len(), &value[..id_len]));
            }
        }
        offset += pair.len() + 1;
    }
    None
}

/// The bytes a title slug encodes: all but ASCII letters, digits, `-`, `.`, `_`, `~` and the
/// space, which becomes `+`.
const SLUG: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b' ');

/// A `/wiki/display/KEY/Title` slug back to the title: `+` is a space, `%XX` a byte (a `%` not
/// followed by two hex digits stays as it is).
pub fn title_from_slug(slug: &str) -> String {
    percent_decode_str(&slug.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// A title as a `/wiki/display/KEY/…` slug.
pub fn slug_from_title(title: &str) -> String {
    // A `+` in the title is encoded (`%2B`), so every `+` of the slug is a space.
    utf8_percent_encode(title, SLUG).to_string().replace(' ', "+")
}

fn splice(raw: &str, edits: &mut [(usize, usize, String)]) -> String {
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(raw.len() + 16);
    let mut position = 0;
    for (start, end, text) in edits.iter() {
        if *start < position {
            continue;
        }
        out.push_str(&raw[position..*start]);
        out.push_str(text);
        position = *end;
    }
    out.push_str(&raw[position..]);
    out
}

#[cfg(test)]
mod tests {
    use super::{slug_from_title, title_from_slug};

    #[test]
    fn slugs_encode_spaces_as_plus_and_the_rest_by_byte() {
        let pairs = [
            ("Install & run (v2) ~ 1+1 é", "Install+%26+run+%28v2%29+~+1%2B1+%C3%A9"),
            ("a-b_c.d", "a-b_c.d"),
        ];
        for (title, slug) in pairs {
            assert_eq!((slug_from_title(title).as_str(), title_from_slug(slug).as_str()), (slug, title));
        }
        // A `%` without two hex digits stays; bytes that are not UTF-8 become U+FFFD.
        let odd = ["100%+sure%2", "bad%FFbyte"].map(title_from_slug);
        assert_eq!(odd, ["100% sure%2", "bad\u{fffd}byte"]);
    }
}
