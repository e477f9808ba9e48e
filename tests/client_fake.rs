//! A scriptable loopback HTTP site for client tests that need exact control over answers
//! (faults, headers, timing). Each test decides the answer to every request it sees.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use confcopy::client::BaseUrl;

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
        let app = axum::Router::new().fallback(
            move |method: axum::http::Method, uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let (log, script, in_flight, max) =
                    (log2.clone(), script.clone(), in_flight2.clone(), max2.clone());
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    let hit = Hit {
                        method: method.to_string(),
                        path: uri.path().to_string(),
                        query: uri.query().unwrap_or("").to_string(),
                        headers,
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
                    let mut response: Response =
                        (StatusCode::from_u16(answer.status).unwrap(), answer.body).into_response();
                    for (name, value) in answer.headers {
                        response.headers_mut().insert(
                            HeaderName::from_bytes(name.as_bytes()).unwrap(),
                            HeaderValue::from_str(&value).unwrap(),
                        );
                    }
                    response
                }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
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
