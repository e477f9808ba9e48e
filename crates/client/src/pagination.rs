//! Lists as streams: v2 cursor lists (`Link: <…>; rel="next"` or body `_links.next`) and v1
//! `start`/`limit` lists (`_links.next`, relative to `/wiki`). Callers get one item at a time; a
//! list holds at most two pages in memory (the one being read and the next, requested ahead). A list is bounded: at most `max_list_pages` answers, and a
//! next link back to a page already read stops it.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::{ClientError, ErrorKind};
use super::link_header::next_link;
use super::request::ApiRequest;
use super::transport::Transport;

/// The largest page v2 lists serve.
pub const V2_MAX_LIMIT: u32 = 250;

/// Which API generation a list comes from; it decides how `next` links are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// v2 cursor lists.
    Cursor,
    /// v1 `start`/`limit` lists.
    Offset,
}

#[derive(Deserialize)]
struct ListPage<T> {
    #[serde(default = "Vec::new")]
    results: Vec<T>,
    #[serde(default, rename = "_links")]
    links: Option<ListLinks>,
}

#[derive(Deserialize, Default)]
struct ListLinks {
    #[serde(default)]
    next: Option<String>,
}

/// A page's items and the request for the page after it, if any.
type Fetched<T> = Result<(Vec<T>, Option<ApiRequest>), ClientError>;

/// The next page, requested while the caller is still busy with the current one. Dropping the
/// list stops it.
struct ReadAhead<T>(tokio::task::JoinHandle<Fetched<T>>);

impl<T> Drop for ReadAhead<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a list does when it is next asked for a page.
enum Next<T> {
    /// Request this page now.
    Request(ApiRequest),
    /// Wait for the page already requested.
    Ahead(ReadAhead<T>, ApiRequest),
    /// Report this error (after the page before it was handed out).
    Fail(ClientError),
}

/// Where a list stands between two pages: the next one, and the pages already requested (so a
/// next link that leads back is caught, and a list that never ends is stopped).
struct Cursor<T> {
    next: Option<Next<T>>,
    /// The URL of each page requested so far, with its page number (1 for the first); at most
    /// `max_list_pages` entries.
    seen: HashMap<String, u64>,
}

/// Pages of items, one request each. While the caller works through a page, the next one is
/// already on its way (one page of read-ahead: a list then costs the slower of the site and the
/// caller, not their sum). A list stops with an error when a next link leads back to a page
/// already read, or after `max_list_pages` answers.
pub fn pages<T>(
    transport: Arc<Transport>,
    first: ApiRequest,
    style: ListStyle,
) -> BoxStream<'static, Result<Vec<T>, ClientError>>
where
    T: DeserializeOwned + Send + 'static,
{
    let mut seen = HashMap::new();
    seen.insert(first.url.as_str().to_string(), 1);
    let start = Cursor { next: Some(Next::Request(first)), seen };
    stream::try_unfold(start, move |mut cursor| {
        let transport = Arc::clone(&transport);
        async move {
            let (results, following) = match cursor.next.take() {
                None => return Ok(None),
                Some(Next::Fail(error)) => return Err(error),
                Some(Next::Request(request)) => fetch(Arc::clone(&transport), request, style).await?,
                Some(Next::Ahead(mut ahead, request)) => match (&mut ahead.0).await {
                    Ok(fetched) => fetched?,
                    Err(_) => {
                        let why = "the request for the next page stopped".to_string();
                        return Err(transport.error(&request.operation, ErrorKind::InvalidResponse(why)));
                    }
                },
            };
            if let Some(following) = following {
                let key = following.url.as_str().to_string();
                if let Some(&page) = cursor.seen.get(&key) {
                    return Err(transport.error(&following.operation, ErrorKind::ListLoop { page }));
                }
                let limit = transport.options().max_list_pages;
                cursor.next = Some(if cursor.seen.len() as u64 >= limit {
                    Next::Fail(transport.error(&following.operation, ErrorKind::ListTooLong { limit }))
                } else {
                    cursor.seen.insert(key, cursor.seen.len() as u64 + 1);
                    let task = tokio::spawn(fetch(Arc::clone(&transport), following.clone(), style));
                    Next::Ahead(ReadAhead(task), following)
                });
            }
            Ok(Some((results, cursor)))
        }
    })
    .boxed()
}

/// One page of a list, and the request for the page after it.
async fn fetch<T>(transport: Arc<Transport>, request: ApiRequest, style: ListStyle) -> Fetched<T>
where
    T: DeserializeOwned + Send + 'static,
{
    let (page, headers): (ListPage<T>, _) = transport.json_reply(&request).await?;
    let header_next =
        headers.get_all(reqwest::header::LINK).iter().filter_map(|v| v.to_str().ok()).find_map(next_link);
    let next_target = header_next.or(page.links.and_then(|l| l.next));
    let following = match next_target.filter(|t| !t.is_empty()) {
        Some(target) => {
            let mut following = request.clone();
            following.url = resolve_next(&transport, &request, &target, style)?;
            Some(following)
        }
        None => None,
    };
    Ok((page.results, following))
}

/// Items of a list, page by page.
pub fn items<T>(
    transport: Arc<Transport>,
    first: ApiRequest,
    style: ListStyle,
) -> BoxStream<'static, Result<T, ClientError>>
where
    T: DeserializeOwned + Send + 'static,
{
    pages(transport, first, style).map_ok(|page| stream::iter(page.into_iter().map(Ok))).try_flatten().boxed()
}

/// Turns a `next` link into a URL on this transport's base. Absolute links keep only their path
/// and query (so a gateway client stays on the gateway and credentials never go elsewhere).
pub fn resolve_next(
    transport: &Transport,
    current: &ApiRequest,
    target: &str,
    style: ListStyle,
) -> Result<url::Url, ClientError> {
    let invalid = |why: String| transport.error(&current.operation, ErrorKind::InvalidResponse(why));
    let (path, query) = match url::Url::parse(target) {
        Ok(absolute) => (absolute.path().to_string(), absolute.query().map(str::to_string)),
        Err(_) => {
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let query = (!query.is_empty()).then(|| query.to_string());
            (path.to_string(), query)
        }
    };
    if !path.starts_with('/') {
        return Err(invalid(format!("the list's next link `{target}` is not a path")));
    }
    let prefix = transport.base().path_prefix();
    let path = match path.strip_prefix(prefix) {
        Some(rest) if !prefix.is_empty() && rest.starts_with('/') => rest.to_string(),
        _ => path,
    };
    let path = if path.starts_with("/wiki/") {
        path
    } else {
        match style {
            ListStyle::Offset => format!("/wiki{path}"),
            ListStyle::Cursor if path.starts_with("/api/") => format!("/wiki{path}"),
            ListStyle::Cursor => path,
        }
    };
    let joined = match query {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    transport.base().join(&joined).map_err(|e| invalid(format!("bad next link `{target}`: {e}")))
}
