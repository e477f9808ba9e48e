//! The request pipeline of one site: control routes, gateway prefix, faults, body limit,
//! authentication, dispatch, statistics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use tokio::net::TcpListener;

use super::reply::{ApiError, Flavor, Reply};
use super::request::Request;
use super::{auth, control, route};
use crate::faults::{Fault, FaultState};
use crate::model::World;
use crate::stats::{Stats, route_pattern};

/// Largest request body Confluence accepts.
pub const MAX_BODY: usize = 5 * 1024 * 1024;

/// Largest attachment upload (`.../child/attachment`, multipart): files are bigger than JSON.
pub const MAX_UPLOAD: usize = 2 * 1024 * 1024 * 1024;

/// State shared by every site of a sandbox.
pub struct Shared {
    pub world: Mutex<World>,
    /// What a site is reset to: the seed, built again on reset (a second world kept whole for
    /// resets would double a large generated site's memory).
    pub initial: crate::seed::Seed,
    /// Set after a write; the persister saves and clears it.
    pub dirty: AtomicBool,
    pub sites: Vec<SiteRuntime>,
}

/// Per-site runtime state outside the data model.
pub struct SiteRuntime {
    pub faults: Mutex<FaultState>,
    pub stats: Mutex<Stats>,
    pub base_url: OnceLock<String>,
}

/// Marker error: close the connection without an answer.
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a sandbox fault")
    }
}

impl std::error::Error for DropConnection {}

/// Serves one site until `shutdown` flips.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    site: usize,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        async move { handle(shared, site, req).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
            _ = shutdown.changed() => break,
        }
    }
    connections.abort_all();
}

fn to_response(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let mut builder =
        hyper::Response::builder().status(reply.status).header("content-type", reply.content_type);
    for (name, value) in &reply.headers {
        builder = builder.header(*name, value.as_str());
    }
    builder.body(Full::new(reply.body)).unwrap_or_else(|error| {
        // Never an empty 200 in place of the real answer: a client would take it for data.
        let body = serde_json::json!({
            "statusCode": 500,
            "message": format!("the sandbox could not build its response: {error}"),
        });
        let mut broken = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
        *broken.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        broken
            .headers_mut()
            .insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
        broken
    })
}

async fn handle(
    shared: Arc<Shared>,
    site: usize,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let runtime = &shared.sites[site];
    let base = runtime.base_url.get().cloned().unwrap_or_default();

    if raw_path.starts_with("/__sandbox") {
        let body = match read_body(body, &parts.headers, MAX_BODY).await {
            Ok(b) => b,
            Err(e) => return Ok(to_response(e.render(Flavor::Other))),
        };
        return Ok(to_response(control::handle(&shared, site, &parts.method, &raw_path, &query, body)));
    }

    // The API gateway form: /ex/confluence/{cloudId}/wiki/...
    let mut path = raw_path.clone();
    let mut base_url = base.clone();
    let mut gateway = false;
    if let Some(rest) = raw_path.strip_prefix("/ex/confluence/") {
        let (cloud, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let known = shared.world.lock().map(|w| w.sites[site].cloud_id == cloud).unwrap_or(false);
        if !known {
            let reply = ApiError::not_found().render(Flavor::Other);
            record(&shared, site, parts.method.as_str(), &raw_path, &reply);
            return Ok(to_response(reply));
        }
        path = format!("/{tail}");
        base_url = format!("{base}/ex/confluence/{cloud}");
        gateway = true;
    }
    let flavor = Flavor::of(&path);
    let method = parts.method.as_str().to_string();

    let decision = runtime.faults.lock().map(|mut f| f.decide(&method, &path)).unwrap_or_default();
    if let Some(delay) = decision.delay {
        tokio::time::sleep(delay).await;
    }
    let rate_headers = |mut reply: Reply| -> Reply {
        if let Some((limit, remaining, reset)) = decision.rate {
            let reset_at = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(reset as i64))
                .unwrap_or_else(|_| jiff::Timestamp::now());
            reply.headers.push(("x-ratelimit-limit", limit.to_string()));
            reply.headers.push(("x-ratelimit-remaining", remaining.to_string()));
            reply.headers.push(("x-ratelimit-reset", reset_at.to_string()));
            if (remaining as f64) < limit as f64 * 0.2 {
                reply.headers.push(("x-ratelimit-nearlimit", "true".into()));
            }
        }
        reply
    };
    let pre = match &decision.fault {
        Some(Fault::RateLimited { retry_after }) => {
            let mut r = ApiError::new(429, "Rate limited").render(flavor);
            r.headers.push(("retry-after", retry_after.to_string()));
            r.headers.push(("ratelimit-reason", "sandbox-burst-limit".into()));
            if decision.rate.is_none() {
                let reset = jiff::Timestamp::now()
                    .checked_add(jiff::SignedDuration::from_secs(*retry_after as i64))
                    .unwrap_or_else(|_| jiff::Timestamp::now());
                r.headers.push(("x-ratelimit-limit", "100".into()));
                r.headers.push(("x-ratelimit-remaining", "0".into()));
                r.headers.push(("x-ratelimit-reset", reset.to_string()));
                r.headers.push(("x-ratelimit-nearlimit", "true".into()));
            }
            Some(r)
        }
        Some(Fault::RateLimitedWithoutRetryAfter { reset_after }) => {
            let mut r = ApiError::new(429, "Rate limited").render(flavor);
            r.headers.push(("ratelimit-reason", "sandbox-burst-limit".into()));
            if let (Some(seconds), None) = (reset_after, decision.rate) {
                let reset = jiff::Timestamp::now()
                    .checked_add(jiff::SignedDuration::from_secs(*seconds as i64))
                    .unwrap_or_else(|_| jiff::Timestamp::now());
                r.headers.push(("x-ratelimit-limit", "100".into()));
                r.headers.push(("x-ratelimit-remaining", "0".into()));
                r.headers.push(("x-ratelimit-reset", reset.to_string()));
            }
            Some(r)
        }
        Some(Fault::RedirectLoop) => {
            let again = match &raw_query {
                Some(query) => format!("{base}{raw_path}?{query}"),
                None => format!("{base}{raw_path}"),
            };
            Some(Reply::redirect(again))
        }
        Some(Fault::ServerError { status, retry_after }) => {
            let mut r = ApiError::new(*status, "Service temporarily unavailable").render(flavor);
            if let Some(s) = retry_after {
                r.headers.push(("retry-after", s.to_string()));
            }
            Some(r)
        }
        Some(Fault::HtmlError { status }) => Some(Reply {
            status: *status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: Bytes::from(format!(
                "<!DOCTYPE html><html><head><title>{status} Error</title></head><body><h1>Something went wrong</h1><p>Atlassian proxy error {status}</p></body></html>"
            )),
            items: None,
        }),
        Some(Fault::ConnectionReset) => {
            record_status(&shared, site, &method, &path, 0, None);
            return Err(DropConnection);
        }
        _ => None,
    };
    if let Some(reply) = pre {
        let reply = rate_headers(reply);
        record(&shared, site, &method, &path, &reply);
        return Ok(to_response(reply));
    }

    let limit = if path.contains("/child/attachment") { MAX_UPLOAD } else { MAX_BODY };
    let reply = match read_body(body, &parts.headers, limit).await {
        Err(e) => e.render(flavor),
        Ok(body) => {
            let request = Request {
                method: parts.method.clone(),
                path: path.clone(),
                query,
                headers: parts.headers,
                body,
                caller: None,
                base_url,
            };
            answer(&shared, site, request, gateway, flavor)
        }
    };
    let mut reply = rate_headers(reply);
    match decision.fault {
        Some(Fault::CommitThenDrop) => {
            record(&shared, site, &method, &path, &reply);
            return Err(DropConnection);
        }
        Some(Fault::TruncatedJson) => {
            let half = reply.body.len() / 2;
            reply.body = reply.body.slice(..half);
        }
        Some(Fault::WrongContentType) => reply.content_type = "text/html; charset=utf-8",
        Some(Fault::NextLinkLoop) if reply.items.is_some() => {
            let again = match &raw_query {
                Some(query) => format!("{raw_path}?{query}"),
                None => raw_path.clone(),
            };
            if let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
                body["_links"]["next"] = serde_json::Value::String(again.clone());
                reply.body = Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
            }
            reply.headers.retain(|(name, _)| *name != "link");
            reply.headers.push(("link", format!("<{again}>; rel=\"next\"")));
        }
        Some(Fault::StaleList) if reply.items.is_some() => {
            if let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
                if let Some(results) = body.get_mut("results") {
                    *results = serde_json::Value::Array(Vec::new());
                }
                if body.get("size").is_some() {
                    body["size"] = 0.into();
                }
                if let Some(links) = body.get_mut("_links").and_then(|l| l.as_object_mut()) {
                    links.remove("next");
                }
                reply.body = Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
                reply.items = Some(0);
            }
            reply.headers.retain(|(name, _)| *name != "link");
        }
        Some(Fault::OmitField { field }) => {
            if let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
                omit(&mut body, &field);
                reply.body = Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
            }
        }
        _ => {}
    }
    record(&shared, site, &method, &path, &reply);
    Ok(to_response(reply))
}

/// Removes `field` from every object in `value`, however deep.
fn omit(value: &mut serde_json::Value, field: &str) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove(field);
            map.values_mut().for_each(|v| omit(v, field));
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| omit(v, field)),
        _ => {}
    }
}

fn answer(shared: &Shared, site: usize, mut request: Request, gateway: bool, flavor: Flavor) -> Reply {
    let Ok(mut world) = shared.world.lock() else {
        return ApiError::new(500, "sandbox state poisoned").render(flavor);
    };
    let public = request.path == "/_edge/tenant_info" || request.path.starts_with("/__media/");
    if !public && flavor != Flavor::Admin {
        if !world.sites[site].confluence {
            return ApiError::not_found().render(flavor);
        }
        match auth::site_caller(&world, site, &request.headers, gateway) {
            Ok(caller) => request.caller = Some(caller),
            Err(e) => return e.render(flavor),
        }
    }
    let result = route::dispatch(&request, &mut world, site);
    let reply = result.unwrap_or_else(|e| e.render(flavor));
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        // Even a refused write may have changed something: lists count from the start again.
        world.list_positions.forget();
        if reply.status < 400 {
            shared.dirty.store(true, Ordering::Release);
        }
    }
    reply
}

async fn read_body(body: Incoming, headers: &hyper::HeaderMap, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || ApiError::new(413, "Request entity too large");
    if headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > limit)
    {
        return Err(too_large());
    }
    Limited::new(body, limit).collect().await.map(|c| c.to_bytes()).map_err(|_| too_large())
}

fn record(shared: &Shared, site: usize, method: &str, path: &str, reply: &Reply) {
    // A list cut short by a fault is still a list request.
    record_status(shared, site, method, path, reply.status, reply.items);
}

fn record_status(shared: &Shared, site: usize, method: &str, path: &str, status: u16, items: Option<usize>) {
    if let Ok(mut stats) = shared.sites[site].stats.lock() {
        stats.record(method, &route_pattern(path), status, items);
    }
}
