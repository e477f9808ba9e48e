//! v2 cursor pagination (opaque cursor, `Link` header, `_links.next`) and v1 start/limit.

use base64::Engine;
use serde_json::{Value, json};

use super::reply::{ApiError, Reply};
use super::request::Request;

const CURSOR_PREFIX: &str = "sbx1:";
/// A cursor that names the last id answered (lists in id order page by it, without counting).
const AFTER_PREFIX: &str = "sbx1-after:";

fn encode_after(id: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{AFTER_PREFIX}{id}"))
}

/// The id a keyset cursor names (`None` without a cursor).
fn after_cursor(req: &Request) -> Result<Option<u64>, ApiError> {
    let Some(cursor) = req.param("cursor").filter(|c| !c.is_empty()) else { return Ok(None) };
    let bad = || ApiError::bad_request("Invalid cursor");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('=').as_bytes())
        .map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix(AFTER_PREFIX).and_then(|n| n.parse().ok()).map(Some).ok_or_else(bad)
}

/// One page of a v2 list in id order: `items` are the list's entries from the one after the
/// request's cursor on (see [`after_cursor`]), already filtered; reads only as far as the page.
pub fn v2_keyset_page<'a, T: 'a>(
    req: &Request,
    items: impl Iterator<Item = (u64, &'a T)>,
    default_limit: usize,
    render: impl Fn(&T) -> Value,
) -> Result<Reply, ApiError> {
    let limit = req.limit(default_limit, 250)?;
    let mut page: Vec<(u64, &T)> = items.take(limit + 1).collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let next = if more { page.last().map(|(id, _)| encode_after(*id)) } else { None };
    let results = page.iter().map(|(_, item)| render(item)).collect();
    Ok(reply_with_cursor(req, results, next))
}

/// Where a keyset list starts: the first id after the request's cursor.
pub fn first_after(req: &Request) -> Result<u64, ApiError> {
    Ok(after_cursor(req)?.map_or(0, |id| id.saturating_add(1)))
}

fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

fn decode_cursor(cursor: &str) -> Result<usize, ApiError> {
    let bad = || ApiError::bad_request("Invalid cursor");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('=').as_bytes())
        .map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix(CURSOR_PREFIX).and_then(|n| n.parse().ok()).ok_or_else(bad)
}

/// The window of a v2 list this request asks for: `(offset, limit)`.
pub fn v2_window(req: &Request, default_limit: usize) -> Result<(usize, usize), ApiError> {
    let limit = req.limit(default_limit, 250)?;
    let offset = match req.param("cursor") {
        Some(c) if !c.is_empty() => decode_cursor(c)?,
        _ => 0,
    };
    Ok((offset, limit))
}

/// Pages `items` (already filtered and ordered) and answers with `results`, `_links` and `Link`.
pub fn v2_page<T>(
    req: &Request,
    items: &[T],
    default_limit: usize,
    render: impl Fn(&T) -> Value,
) -> Result<Reply, ApiError> {
    let (offset, limit) = v2_window(req, default_limit)?;
    let end = (offset + limit).min(items.len());
    let results: Vec<Value> =
        items.get(offset.min(items.len())..end).unwrap_or_default().iter().map(render).collect();
    Ok(v2_reply(req, results, (end < items.len()).then_some(end)))
}

/// A v2 list answer; `next_offset` adds the next link.
pub fn v2_reply(req: &Request, results: Vec<Value>, next_offset: Option<usize>) -> Reply {
    reply_with_cursor(req, results, next_offset.map(encode_cursor))
}

fn reply_with_cursor(req: &Request, results: Vec<Value>, next_cursor: Option<String>) -> Reply {
    let mut links = json!({"base": format!("{}/wiki", req.base_url)});
    let mut reply_next = None;
    if let Some(cursor) = next_cursor {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in req.query.iter().filter(|(k, _)| k != "cursor") {
            url.append_pair(k, v);
        }
        url.append_pair("cursor", &cursor);
        let href = format!("{}?{}", req.path, url.finish());
        links["next"] = Value::String(href.clone());
        reply_next = Some(href);
    }
    let count = results.len();
    let reply = Reply::list(with_results(json!({"_links": links}), results), count);
    match reply_next {
        Some(href) => reply.with_header("link", format!("<{href}>; rel=\"next\"")),
        None => reply,
    }
}

/// A v1 list answer with `start`, `limit`, `size` and `_links.next` relative to `/wiki`.
pub fn v1_page<T, S: serde::Serialize>(
    req: &Request,
    items: &[T],
    default_limit: usize,
    render: impl Fn(&T) -> S,
) -> Result<Reply, ApiError> {
    v1_page_of(req, items.iter(), default_limit, |item: &&T| render(item))
}

/// [`v1_page`] over entries read lazily: only as far as `start` plus the page.
pub fn v1_page_of<T, S: serde::Serialize>(
    req: &Request,
    items: impl Iterator<Item = T>,
    default_limit: usize,
    render: impl Fn(&T) -> S,
) -> Result<Reply, ApiError> {
    let start = v1_start(req)?;
    v1_page_at(req, items.skip(start), start, default_limit, render).map(|(reply, _)| reply)
}

/// The offset a v1 list request asks for (`start`, 0 when absent).
pub fn v1_start(req: &Request) -> Result<usize, ApiError> {
    match req.param("start") {
        None => Ok(0),
        Some(s) => s.parse().map_err(|_| ApiError::bad_request("start must be a number")),
    }
}

/// What names a v1 list whatever its page: who asks, with or without the admin key, the path
/// and every parameter but `start` and `limit` (see [`ListPositions`](crate::model::ListPositions)).
pub fn v1_list_key(req: &Request) -> String {
    let admin = req.header("atl-confluence-with-admin-key").unwrap_or("");
    let mut key = format!("{}\n{admin}\n{}", req.caller.as_deref().unwrap_or(""), req.path);
    for (k, v) in req.query.iter().filter(|(k, _)| k != "start" && k != "limit") {
        key.push('\n');
        key.push_str(k);
        key.push('=');
        key.push_str(v);
    }
    key
}

/// A v1 list answer whose `items` begin at offset `start` (the caller skipped to it), and the
/// page's last item.
pub fn v1_page_at<T, S: serde::Serialize>(
    req: &Request,
    items: impl Iterator<Item = T>,
    start: usize,
    default_limit: usize,
    render: impl Fn(&T) -> S,
) -> Result<(Reply, Option<T>), ApiError> {
    let limit = req.limit(default_limit, 1000)?;
    let mut page: Vec<T> = items.take(limit + 1).collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let end = start + page.len();
    let results: Vec<S> = page.iter().map(render).collect();
    let context = req.path.strip_prefix("/wiki").unwrap_or(&req.path);
    let mut links = json!({
        "base": format!("{}/wiki", req.base_url),
        "context": "/wiki",
        "self": format!("{}/wiki{}", req.base_url, context),
    });
    if more {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in req.query.iter().filter(|(k, _)| k != "start" && k != "limit") {
            url.append_pair(k, v);
        }
        url.append_pair("limit", &limit.to_string());
        url.append_pair("start", &end.to_string());
        links["next"] = Value::String(format!("{context}?{}", url.finish()));
    }
    let count = results.len();
    #[derive(serde::Serialize)]
    struct Page<S> {
        results: Vec<S>,
        start: usize,
        limit: usize,
        size: usize,
        #[serde(rename = "_links")]
        links: Value,
    }
    let last = page.pop();
    let page = Page { results, start, limit, size: count, links };
    Ok((Reply { items: Some(count), ..Reply::serialized(200, &page) }, last))
}

/// `body` with `results` moved in as its `results` array. (Through `json!`, every result would
/// be copied by serializing it again: the sandbox's largest cost on big listings.)
pub fn with_results(mut body: Value, results: Vec<Value>) -> Value {
    body["results"] = Value::Array(results);
    body
}
