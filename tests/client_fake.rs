//! A scriptable loopback HTTP site for client tests that need exact control over answers
//! (faults, headers, timing). Each test decides the answer to every request it sees.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use confcopy::client::BaseUrl;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};

/// One request the fake site received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the fake site answers.
pub struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Answer {
    pub fn json(status: u16, value: serde_json::Value) -> Self {
        Self::raw(status, "application/json", value.to_string())
    }

    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Script = dyn Fn(&Hit, usize) -> Answer + Send + Sync;

/// A running fake site.
pub struct FakeSite {
    pub url: String,
    log: Arc<Mutex<Vec<Hit>>>,
    max_in_flight: Arc<AtomicUsize>,
}

impl FakeSite {
    /// Serves `script` on a loopback port. The script gets the request and the number of
    /// earlier requests with the same method and path.
    pub async fn start(script: impl Fn(&Hit, usize) -> Answer + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::new(script);
        let (log2, in_flight2, max2) = (log.clone(), in_flight.clone(), max_in_flight.clone());
        serve(listener, move |request: Request<hyper::body::Incoming>| {
            let (log, script, in_flight, max) =
                (log2.clone(), script.clone(), in_flight2.clone(), max2.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                let (parts, body) = request.into_parts();
                let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                let hit = Hit {
                    method: parts.method.to_string(),
                    path: parts.uri.path().to_string(),
                    query: parts.uri.query().unwrap_or("").to_string(),
                    headers: parts.headers,
                    body,
                    at: Instant::now(),
                };
                let answer = {
                    let mut log = log.lock().unwrap();
                    let nth = log.iter().filter(|h| h.method == hit.method && h.path == hit.path).count();
                    log.push(hit.clone());
                    script(&hit, nth)
                };
                tokio::time::sleep(answer.delay).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let mut response = Response::new(full(answer.body));
                *response.status_mut() = StatusCode::from_u16(answer.status).unwrap();
                for (name, value) in answer.headers {
                    response.headers_mut().insert(
                        HeaderName::from_bytes(name.as_bytes()).unwrap(),
                        HeaderValue::from_str(&value).unwrap(),
                    );
                }
                response
            }
        });
        Self { url, log, max_in_flight }
    }

    pub fn base(&self) -> BaseUrl {
        BaseUrl::parse(&self.url).unwrap()
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.hits().iter().filter(|h| h.path == path).count()
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// What a loopback test site answers with.
pub type Reply = Response<BoxBody<Bytes, std::io::Error>>;

/// A whole answer body.
pub fn full(bytes: impl Into<Bytes>) -> BoxBody<Bytes, std::io::Error> {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

/// Serves `handler` on `listener` for as long as the test runs: HTTP/1.1, a task per connection.
pub fn serve<F, R>(listener: tokio::net::TcpListener, handler: F)
where
    F: Fn(Request<hyper::body::Incoming>) -> R + Clone + Send + Sync + 'static,
    R: std::future::Future<Output = Reply> + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let answer = handler(request);
                    async move { Ok::<_, std::convert::Infallible>(answer.await) }
                });
                let connection = hyper_util::rt::TokioIo::new(stream);
                // A client that goes away mid-answer is part of some tests: not an error here.
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(connection, service).await;
            });
        }
    });
}

/// A v2 list page of `ids` with an optional next cursor in the Link header.
pub fn v2_page(path: &str, ids: std::ops::Range<usize>, next_cursor: Option<usize>) -> Answer {
    let results: Vec<_> = ids
        .map(|i| serde_json::json!({"id": i.to_string(), "key": format!("K{i}"), "name": format!("Space {i}")}))
        .collect();
    let mut answer = Answer::json(200, serde_json::json!({ "results": results, "_links": {} }));
    if let Some(cursor) = next_cursor {
        answer = answer.header("link", format!("<{path}?cursor={cursor}&limit=250>; rel=\"next\""));
    }
    answer
}
