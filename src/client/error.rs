//! The one error type of the client. Its message names the site, the operation with its entity,
//! the HTTP status and what the server said; it never holds credentials or request headers.

use std::fmt;
use std::time::Duration;

use super::server_message::ServerMessage;

/// A failed client operation. Boxed, so that `Result<T, ClientError>` stays small.
#[derive(Debug, Clone)]
pub struct ClientError {
    inner: Box<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    site: String,
    operation: String,
    kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The site, gateway or admin URL cannot be used.
    #[error("{0}")]
    InvalidAddress(String),
    /// The server answered with an error status.
    #[error("HTTP {status}{}", describe_server(.message, .note))]
    Status { status: u16, message: Option<ServerMessage>, note: Option<String> },
    /// The site kept answering 429 (or 503 with `Retry-After`) until the retry budget ran out.
    #[error("still rate limited after {attempts} attempts and {:.0?} of waiting; try again later or lower run.concurrency", .waited)]
    RateLimited { attempts: u32, waited: Duration },
    /// A request that is not safe to repeat may or may not have been carried out.
    #[error("outcome unknown ({cause}) — the server may have done it; look before creating again")]
    OutcomeUnknown { cause: String },
    /// Connection failures or timeouts, after retrying where that was safe.
    #[error("{cause} (after {attempts} attempt{})", if *.attempts == 1 { "" } else { "s" })]
    Transport { cause: String, attempts: u32 },
    /// The server answered 2xx but not with what the endpoint promises.
    #[error("{0}")]
    InvalidResponse(String),
    /// The response body is larger than the client accepts.
    #[error("the response is larger than {limit} bytes; refusing to read it")]
    BodyTooLarge { limit: u64 },
    /// A local file or stream failed (uploads, downloads).
    #[error("{0}")]
    Io(String),
}

fn describe_server(message: &Option<ServerMessage>, note: &Option<String>) -> String {
    let mut out = String::new();
    if let Some(message) = message {
        if !message.message.is_empty() {
            out.push_str(": ");
            out.push_str(&message.message);
        }
        if let Some(code) = &message.code {
            out.push_str(&format!(" ({code})"));
        }
    }
    if let Some(note) = note {
        out.push_str(": ");
        out.push_str(note);
    }
    out
}

impl ClientError {
    pub(crate) fn new(site: impl Into<String>, operation: impl Into<String>, kind: ErrorKind) -> Self {
        Self { inner: Box::new(Inner { site: site.into(), operation: operation.into(), kind }) }
    }

    /// The host of the site (or API) that failed.
    pub fn site(&self) -> &str {
        &self.inner.site
    }

    /// What confcopy was doing, e.g. `list pages of space 98305`.
    pub fn operation(&self) -> &str {
        &self.inner.operation
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The HTTP status, when the server answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match &self.inner.kind {
            ErrorKind::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's message, when it sent one.
    pub fn server_message(&self) -> Option<&ServerMessage> {
        match &self.inner.kind {
            ErrorKind::Status { message, .. } => message.as_ref(),
            _ => None,
        }
    }

    /// 404 (v2 also answers 404 when the caller may not see the entity).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 401 or 403: the credentials are wrong or lack a permission.
    pub fn is_access_denied(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// 409 (stale version) or a duplicate title.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// A create that may have happened: look before creating again.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::OutcomeUnknown { .. })
    }

    /// The site rate-limited us beyond the retry budget.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::RateLimited { .. })
    }

    /// Adds context to the operation, e.g. the space key the caller knows and the client does not.
    pub fn with_operation(mut self, operation: impl Into<String>) -> Self {
        self.inner.operation = operation.into();
        self
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: could not {}: {}", self.inner.site, self.inner.operation, self.inner.kind)
    }
}

impl std::error::Error for ClientError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_site_operation_status_and_server_text() {
        let err = ClientError::new(
            "acme.atlassian.net",
            "list pages of space 98305",
            ErrorKind::Status {
                status: 404,
                message: Some(ServerMessage { code: Some("NOT_FOUND".into()), message: "No space".into() }),
                note: None,
            },
        );
        assert_eq!(
            err.to_string(),
            "acme.atlassian.net: could not list pages of space 98305: HTTP 404: No space (NOT_FOUND)"
        );
        assert!(err.is_not_found());
    }

    #[test]
    fn outcome_unknown_says_to_look() {
        let err = ClientError::new(
            "x",
            "create page \"Home\"",
            ErrorKind::OutcomeUnknown { cause: "HTTP 502".into() },
        );
        assert!(err.to_string().contains("look before creating again"));
        assert!(err.is_outcome_unknown());
    }
}
