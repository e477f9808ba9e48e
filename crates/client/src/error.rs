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
    #[error("the response is larger than {} (max_json_body); refusing to read it", bytes(*.limit))]
    BodyTooLarge { limit: u64 },
    /// The site asked to wait (`Retry-After`, or a 429's `X-RateLimit-Reset`) longer than the
    /// client may wait; nothing more is sent to it until `until`.
    #[error(
        "the site asks to wait {} (until {until}), longer than max_retry_wait ({}); stopped sending \
         to it: run again after {until} to resume, or raise max_retry_wait",
        human(*.asked), human(*.limit)
    )]
    WaitTooLong { asked: Duration, until: jiff::Timestamp, limit: Duration },
    /// A list kept giving next links past the page bound.
    #[error("the list did not end after {limit} pages of answers; stopping (max_list_pages)")]
    ListTooLong { limit: u64 },
    /// A list's next link led back to a page already read.
    #[error("the list's next link leads back to page {page}, already read (a cursor loop); stopping")]
    ListLoop { page: u64 },
    /// A download is larger than its declared size or the download bound.
    #[error("the download is larger than {}{}; stopped reading it", bytes(*.limit), .what)]
    DownloadTooLarge { limit: u64, what: &'static str },
    /// Redirects refused: a loop, too many hops, or https → http. Not retried.
    #[error("{0}")]
    Redirect(String),
    /// A local file or stream failed (uploads, downloads).
    #[error("{0}")]
    Io(String),
}

/// A byte count for people: `64 MiB`, `1.5 KiB`, `300 bytes`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64;
    let mut unit = "bytes";
    for next in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    if value.fract() == 0.0 { format!("{value:.0} {unit}") } else { format!("{value:.1} {unit}") }
}

/// A duration for people: `1h`, `5m`, `1h 30m`, `45s`, `1.5s`.
pub(crate) fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 || (secs < 10 && d.subsec_millis() != 0) {
        return format!("{:.1}s", d.as_secs_f64());
    }
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
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
    /// The site refused an attachment upload because the content already has an attachment of
    /// that file name (v1 answers 400 "Cannot add a new attachment with same file name as an
    /// existing attachment").
    pub fn is_attachment_name_taken(&self) -> bool {
        self.status() == Some(400) && self.to_string().to_lowercase().contains("same file name")
    }

    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::OutcomeUnknown { .. })
    }

    /// The site rate-limited us beyond the retry budget, or asked for a longer wait than we take.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::RateLimited { .. } | ErrorKind::WaitTooLong { .. })
    }

    /// The site asked to wait longer than the client may: when it may be asked again.
    pub fn wait_until(&self) -> Option<jiff::Timestamp> {
        match self.inner.kind {
            ErrorKind::WaitTooLong { until, .. } => Some(until),
            _ => None,
        }
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
    fn sizes_and_durations_read_well() {
        assert_eq!(bytes(300), "300 bytes");
        assert_eq!(bytes(64 * 1024 * 1024), "64 MiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(human(Duration::from_secs(3600)), "1h");
        assert_eq!(human(Duration::from_secs(5400)), "1h 30m");
        assert_eq!(human(Duration::from_secs(300)), "5m");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::ZERO), "0.0s");
    }

    #[test]
    fn a_long_wait_says_when_to_resume() {
        let err = ClientError::new(
            "acme.atlassian.net",
            "create page \"Home\"",
            ErrorKind::WaitTooLong {
                asked: Duration::from_secs(3600),
                until: "2026-11-24T11:00:00Z".parse().unwrap(),
                limit: Duration::from_secs(300),
            },
        );
        assert_eq!(
            err.to_string(),
            "acme.atlassian.net: could not create page \"Home\": the site asks to wait 1h (until \
             2026-11-24T11:00:00Z), longer than max_retry_wait (5m); stopped sending to it: run again \
             after 2026-11-24T11:00:00Z to resume, or raise max_retry_wait"
        );
        assert_eq!(err.wait_until(), Some("2026-11-24T11:00:00Z".parse().unwrap()));
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
