//! One API request as the transport sees it: what to send, whether it may be repeated, and the
//! words that describe it in errors.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use reqwest::Method;
use url::Url;

/// Builds a fresh multipart form for each attempt (an upload is re-read from its source, never
/// replayed from memory).
pub type FormFactory =
    Arc<dyn Fn() -> BoxFuture<'static, Result<reqwest::multipart::Form, FormError>> + Send + Sync>;

/// Why an upload's form could not be built for an attempt.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("could not open {}: {source}", path.display())]
    Open {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("bad media type: {0}")]
    MediaType(#[source] reqwest::Error),
    /// A stream upload is sent once; there is nothing to send again.
    #[error("the upload stream was already sent")]
    StreamSpent,
}

/// The body of a request.
#[derive(Clone)]
pub enum RequestBody {
    Empty,
    Json(Bytes),
    Multipart { form: FormFactory, replayable: bool },
}

/// Whether repeating the request after a 5xx or a timeout is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// GET, PUT, DELETE and POSTs that only read (users-bulk).
    Safe,
    /// Creates: a 5xx or timeout may mean it was done.
    Unsafe,
}

/// A request ready to send.
#[derive(Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub url: Url,
    pub body: RequestBody,
    pub repeat: Repeat,
    /// Words for errors and logs: `list pages of space 98305`.
    pub operation: String,
    /// Sends `X-Atlassian-Token: no-check` (attachment uploads).
    pub no_check: bool,
    /// Sends the `Authorization` header (not for `_edge/tenant_info`).
    pub authenticate: bool,
    /// Sends `Atl-Confluence-With-Admin-Key: true`: a product admin with an enabled admin key
    /// sees content that restrictions hide from everyone else.
    pub admin_key: bool,
}

impl ApiRequest {
    /// A request; GET, PUT and DELETE are safe to repeat, POST is not unless marked.
    pub fn new(method: Method, url: Url, operation: impl Into<String>) -> Self {
        let repeat =
            if method == Method::POST || method == Method::PATCH { Repeat::Unsafe } else { Repeat::Safe };
        Self {
            method,
            url,
            body: RequestBody::Empty,
            repeat,
            operation: operation.into(),
            no_check: false,
            authenticate: true,
            admin_key: false,
        }
    }

    /// Appends a query parameter.
    pub fn query(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.url.query_pairs_mut().append_pair(name, value.as_ref());
        self
    }

    /// Appends a query parameter when there is a value.
    pub fn query_opt(self, name: &str, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Sets a JSON body.
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        // Serializing our own models cannot fail (string keys only).
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.body = RequestBody::Json(Bytes::from(bytes));
        self
    }

    /// Marks a POST that only reads (e.g. users-bulk) as safe to repeat.
    pub fn safe_to_repeat(mut self) -> Self {
        self.repeat = Repeat::Safe;
        self
    }

    /// Whether the body can be sent again on a retry.
    pub fn replayable(&self) -> bool {
        match &self.body {
            RequestBody::Multipart { replayable, .. } => *replayable,
            _ => true,
        }
    }
}
