//! Sending requests to one site (or API): bounded concurrency, the shared rate-limit state,
//! retries by the rules of the Confluence notes, bounded bodies, and errors that name the site.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument as _;

use super::error::{ClientError, ErrorKind, human};
use super::options::ClientOptions;
use super::permits::{Permit, Permits, current_priority};
use super::rate_limit::{RateLimitHeaders, RateLimiter};
use super::request::{ApiRequest, Repeat, RequestBody};
use super::retry_after::parse_retry_after;
use super::server_message::ServerMessage;
use super::site::BaseUrl;

tokio::task_local! {
    /// Called when a request of this task is about to wait before it is sent again.
    static ON_WAIT: Arc<dyn Fn() + Send + Sync>;
}

/// Runs `work`, calling `on_wait` each time one of its requests is about to wait before it is
/// sent again (a 429's `Retry-After`, a backoff): the caller may let other work go meanwhile.
pub async fn notify_waits<F: std::future::Future>(
    on_wait: Arc<dyn Fn() + Send + Sync>,
    work: F,
) -> F::Output {
    ON_WAIT.scope(on_wait, work).await
}

/// Tells the task's [`notify_waits`] caller, if any, that a request waits to be sent again.
fn about_to_wait() {
    let _ = ON_WAIT.try_with(|on_wait| on_wait());
}

/// Error bodies are read only this far: enough for any server message.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// How many times a read whose success cannot be read as JSON is sent again. A proxy's hiccup
/// clears quickly; a login page in front of the site answers every time, and says so soon.
const UNREADABLE_RETRIES: u32 = 2;

/// The longest wait honoured whatever `max_retry_wait` says.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Counters of what a transport sent, for benchmarks and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RequestStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Attempts that were repeated.
    pub retries: u64,
    /// 429 answers (and 503 with `Retry-After`).
    pub rate_limited: u64,
    /// Wall-clock time in which every request to the site was held by a shared `Retry-After`
    /// pause (overlapping pauses count once).
    pub paused: Duration,
    /// Time requests spent waiting before a retry that was not rate limited (backoff), summed
    /// over requests.
    pub backoff: Duration,
    /// Time requests spent waiting for the pacer and shared pauses before starting, summed over
    /// requests.
    pub held: Duration,
    /// The lowest rate requests were paced to, in requests per second (`None`: never paced).
    pub lowest_paced_rate: Option<f64>,
    /// 429s taken as hiccups of the site (only their request waited), and the time those
    /// requests waited, summed.
    pub hiccups: u64,
    pub hiccup_wait: Duration,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    /// Microseconds.
    backoff: AtomicU64,
    held: AtomicU64,
    hiccup_wait: AtomicU64,
    /// Attempts answered with success, and attempts that failed other than by a rate limit
    /// (see [`site_was_healthy`]).
    succeeded: AtomicU64,
    failed: AtomicU64,
}

/// Why a transport stopped sending: its site asked to wait longer than `max_retry_wait`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halt {
    /// The site (its host) that asked.
    pub site: String,
    /// When it may be asked again.
    pub until: jiff::Timestamp,
    /// How long it asked to wait.
    pub asked: Duration,
    /// The longest wait the client accepts (`max_retry_wait`).
    pub limit: Duration,
}

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} asked to wait {} (until {}), longer than max_retry_wait ({}): run apply again after {} \
             to resume",
            self.site,
            human(self.asked),
            self.until,
            human(self.limit),
            self.until
        )
    }
}

/// A successful, fully read response.
#[derive(Debug)]
pub struct Buffered {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A successful response whose body is still to be read; it holds a concurrency permit.
#[derive(Debug)]
pub struct Streaming {
    pub response: reqwest::Response,
    pub permit: Permit,
}

enum Reply {
    Buffered(Buffered),
    Streaming(Streaming),
}

enum Attempt {
    Done(Reply),
    Fail(ErrorKind),
    /// `hiccup`: a 429 the site's other answers do not bear out; only this request waits.
    Retry {
        retry_after: Option<Duration>,
        rate_limited: bool,
        hiccup: bool,
        kind: ErrorKind,
    },
    /// No connection could be opened: the name did not resolve or the host refused. Another
    /// attempt a moment later may get through (a blip); minutes of backoff would not.
    Unreachable(ErrorKind),
}

/// How often a request that could not open a connection (DNS failure, connection refused) is
/// tried again, and how long to wait before each: a couple of quick attempts, not minutes.
const UNREACHABLE_RETRIES: u32 = 2;
const UNREACHABLE_DELAY: Duration = Duration::from_millis(500);

/// Sends requests to one base URL with one credential.
pub struct Transport {
    http: reqwest::Client,
    /// Names the site in errors (the site host, also when going through the gateway).
    label: String,
    base: BaseUrl,
    auth: Option<HeaderValue>,
    permits: Permits,
    limiter: RateLimiter,
    options: ClientOptions,
    counters: Counters,
    /// Set when the site asked to wait longer than `max_retry_wait`: nothing is sent before it.
    halt: Mutex<Option<Halt>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").field("site", &self.label).field("base", &self.base).finish()
    }
}

impl Transport {
    pub fn new(
        http: reqwest::Client,
        label: String,
        base: BaseUrl,
        auth: Option<HeaderValue>,
        options: ClientOptions,
    ) -> Self {
        Self {
            http,
            label,
            base,
            auth,
            permits: Permits::new(options.concurrency),
            limiter: RateLimiter::new(options.pacing.clone()),
            options,
            counters: Counters::default(),
            halt: Mutex::new(None),
        }
    }

    /// Whether this site asked to wait longer than `max_retry_wait`, and until when; `None` once
    /// that time has passed.
    pub fn halt(&self) -> Option<Halt> {
        let halt = self.halt.lock().unwrap_or_else(|e| e.into_inner());
        halt.clone().filter(|h| h.until > jiff::Timestamp::now())
    }

    /// Stops sending to this site until `now + asked` (a later halt wins).
    fn halt_for(&self, asked: Duration) -> Halt {
        // Whole seconds, rounded up: the time a person reads is never too early.
        let now = jiff::Timestamp::now();
        let wait = i64::try_from(asked.as_secs()).unwrap_or(i64::MAX);
        let partial = i64::from(asked.subsec_nanos() > 0 || now.subsec_nanosecond() > 0);
        let until =
            jiff::Timestamp::from_second(now.as_second().saturating_add(wait).saturating_add(partial))
                .unwrap_or(jiff::Timestamp::MAX);
        let halt = Halt { site: self.label.clone(), until, asked, limit: self.max_retry_wait() };
        let mut current = self.halt.lock().unwrap_or_else(|e| e.into_inner());
        match current.as_ref() {
            Some(existing) if existing.until >= halt.until => existing.clone(),
            _ => {
                tracing::warn!(
                    site = %self.label,
                    wait_s = asked.as_secs(),
                    until = %halt.until,
                    "the site asks to wait longer than max_retry_wait; nothing more is sent to it"
                );
                *current = Some(halt.clone());
                halt
            }
        }
    }

    fn halted_error(&self, operation: &str, halt: &Halt) -> ClientError {
        self.error(
            operation,
            ErrorKind::WaitTooLong { asked: halt.asked, until: halt.until, limit: halt.limit },
        )
    }

    /// The base every path is appended to.
    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The rate requests to this site are paced to, in requests per second (`None`: unpaced).
    pub fn paced_rate(&self) -> Option<f64> {
        self.limiter.rate()
    }

    pub fn stats(&self) -> RequestStats {
        RequestStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            rate_limited: self.counters.rate_limited.load(Ordering::Relaxed),
            paused: self.limiter.paused_total(),
            backoff: Duration::from_micros(self.counters.backoff.load(Ordering::Relaxed)),
            held: Duration::from_micros(self.counters.held.load(Ordering::Relaxed)),
            lowest_paced_rate: self.limiter.lowest_rate(),
            hiccups: self.limiter.hiccups(),
            hiccup_wait: Duration::from_micros(self.counters.hiccup_wait.load(Ordering::Relaxed)),
        }
    }

    /// An error about `operation` on this site.
    pub fn error(&self, operation: &str, kind: ErrorKind) -> ClientError {
        ClientError::new(self.label.clone(), operation, kind)
    }

    /// A request to `path` (already encoded, starting with `/`).
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        operation: impl Into<String>,
    ) -> Result<ApiRequest, ClientError> {
        let operation = operation.into();
        let url = self
            .base
            .join(path)
            .map_err(|e| self.error(&operation, ErrorKind::InvalidAddress(e.to_string())))?;
        Ok(ApiRequest::new(method, url, operation))
    }

    /// Sends the request and reads the whole (bounded) body.
    pub async fn send(&self, request: &ApiRequest) -> Result<Buffered, ClientError> {
        match self.run(request, false).await? {
            Reply::Buffered(buffered) => Ok(buffered),
            Reply::Streaming(_) => unreachable!("buffered mode returns buffered replies"),
        }
    }

    /// Sends the request and returns the response before its body is read.
    pub async fn send_streaming(&self, request: &ApiRequest) -> Result<Streaming, ClientError> {
        match self.run(request, true).await? {
            Reply::Streaming(streaming) => Ok(streaming),
            Reply::Buffered(_) => unreachable!("streaming mode returns streaming replies"),
        }
    }

    /// Sends the request and decodes the JSON answer.
    pub async fn json<T: DeserializeOwned>(&self, request: &ApiRequest) -> Result<T, ClientError> {
        self.json_reply(request).await.map(|(value, _)| value)
    }

    /// Sends the request and decodes the JSON answer; returns the headers too (list links).
    ///
    /// A success whose body cannot be read as JSON (an HTML page, another content type, a
    /// truncated or broken body: a proxy or a connection in trouble) is sent again, at most
    /// twice, when the request is safe to repeat. For a write it means the site did it
    /// but its answer was lost: the error then says to look before writing again.
    pub async fn json_reply<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
    ) -> Result<(T, HeaderMap), ClientError> {
        let policy = &self.options.retry;
        let mut retries = 0u32;
        loop {
            let reply = self.send(request).await?;
            let text = match decode_body(&reply) {
                Ok(value) => return Ok((value, reply.headers)),
                Err(Undecodable::Shape(text)) => {
                    return Err(self.error(&request.operation, ErrorKind::InvalidResponse(text)));
                }
                Err(Undecodable::Unreadable(text)) => text,
            };
            if request.repeat == Repeat::Unsafe {
                let cause = format!("the site answered HTTP {}, but {text}", reply.status.as_u16());
                return Err(self.error(&request.operation, ErrorKind::OutcomeUnknown { cause }));
            }
            if retries >= policy.max_retries.min(UNREADABLE_RETRIES) || !request.replayable() {
                let attempts = retries + 1;
                let text = if attempts > 1 { format!("{text} (after {attempts} attempts)") } else { text };
                return Err(self.error(&request.operation, ErrorKind::InvalidResponse(text)));
            }
            retries += 1;
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(attempt = retries, problem = %text, "unreadable answer; retrying");
            // Unreadable once is the connection's or a proxy's hiccup: soon, once.
            let delay = if retries == 1 { policy.first_transient() } else { policy.backoff(retries) };
            micros(&self.counters.backoff, delay);
            tokio::time::sleep(delay).await;
        }
    }

    async fn run(&self, request: &ApiRequest, streaming: bool) -> Result<Reply, ClientError> {
        let span = tracing::debug_span!(
            "request",
            site = %self.label,
            method = %request.method,
            path = %request.url.path(),
        );
        self.run_attempts(request, streaming).instrument(span).await
    }

    async fn run_attempts(&self, request: &ApiRequest, streaming: bool) -> Result<Reply, ClientError> {
        let policy = &self.options.retry;
        let mut retries = 0u32;
        // Retries after failures other than rate limits: the backoff grows with these alone (a
        // 429 waited out says nothing of the connection).
        let mut failures = 0u32;
        // The site's (succeeded, failed) attempts when this request last failed.
        let mut at_last_failure: Option<(u64, u64)> = None;
        let mut waited = Duration::ZERO;
        let priority = current_priority();
        loop {
            if let Some(halt) = self.halt() {
                return Err(self.halted_error(&request.operation, &halt));
            }
            // The permit first: then at most `concurrency` requests wait for the pacer, and a
            // cut in the rate applies to the next start rather than to a long queue of slots.
            let permit = self.permits.acquire(priority).await;
            let queued = Instant::now();
            self.limiter.ready().await;
            micros(&self.counters.held, queued.elapsed());
            // The site may have asked for a long wait while this request queued.
            if let Some(halt) = self.halt() {
                return Err(self.halted_error(&request.operation, &halt));
            }
            let (retry_after, rate_limited, hiccup, kind) =
                match self.attempt(request, retries + 1, streaming, permit).await {
                    Attempt::Done(reply) => {
                        self.counters.succeeded.fetch_add(1, Ordering::Relaxed);
                        return Ok(reply);
                    }
                    Attempt::Fail(kind) => return Err(self.error(&request.operation, kind)),
                    Attempt::Retry { retry_after, rate_limited, hiccup, kind } => {
                        (retry_after, rate_limited, hiccup, kind)
                    }
                    Attempt::Unreachable(kind) => {
                        if retries >= UNREACHABLE_RETRIES.min(policy.max_retries) {
                            let kind = match kind {
                                ErrorKind::Transport { cause, .. } => {
                                    ErrorKind::Transport { cause, attempts: retries + 1 }
                                }
                                other => other,
                            };
                            return Err(self.error(&request.operation, kind));
                        }
                        retries += 1;
                        self.counters.retries.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(attempt = retries, "could not connect; trying once more shortly");
                        tokio::time::sleep(UNREACHABLE_DELAY.min(policy.backoff(retries))).await;
                        continue;
                    }
                };
            // A site that asks for a longer wait than we accept is not asked again before then:
            // no sleeping for an hour, no hammering either.
            if let Some(asked) = retry_after.filter(|d| *d > self.max_retry_wait()) {
                let halt = self.halt_for(asked);
                return Err(self.halted_error(&request.operation, &halt));
            }
            let attempts = retries + 1;
            if !request.replayable() {
                let kind = match kind {
                    ErrorKind::Status { status, message, .. } if rate_limited => ErrorKind::Status {
                        status,
                        message,
                        note: Some(
                            "not done; the upload stream cannot be replayed, so send it again later".into(),
                        ),
                    },
                    other => unknown_outcome(request.repeat, other),
                };
                return Err(self.error(&request.operation, kind));
            }
            retries += 1;
            if !rate_limited {
                let now = (
                    self.counters.succeeded.load(Ordering::Relaxed),
                    self.counters.failed.load(Ordering::Relaxed),
                );
                if at_last_failure.is_some_and(|(ok, failed)| {
                    site_was_healthy(now.0.saturating_sub(ok), now.1.saturating_sub(failed))
                }) {
                    // The site served others well meanwhile: this request's bad luck, not a
                    // site in trouble; its retry comes soon, as after a first failure.
                    failures = 0;
                }
                failures += 1;
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                at_last_failure = Some((now.0, now.1 + 1));
            }
            let delay = match (&kind, retry_after) {
                _ if rate_limited => policy.delay(retries, retry_after),
                // Failed on the way (a dropped connection, a gateway's error page) or a node
                // unavailable for a moment without saying how long: soon, once.
                (ErrorKind::Transport { .. } | ErrorKind::Status { status: 502..=504, .. }, None)
                    if failures == 1 =>
                {
                    policy.first_transient()
                }
                _ => policy.delay(failures, retry_after),
            };
            // A wait the site asks for (up to `max_retry_wait`) fits the budget at least once.
            let budget = match retry_after {
                Some(_) => {
                    let longest = self.max_retry_wait();
                    policy.max_total_wait.max(longest.saturating_add(longest / 10))
                }
                None => policy.max_total_wait,
            };
            if retries > policy.max_retries || waited.saturating_add(delay) > budget {
                let kind = match kind {
                    _ if rate_limited => ErrorKind::RateLimited { attempts, waited },
                    ErrorKind::Transport { cause, .. } => ErrorKind::Transport { cause, attempts },
                    ErrorKind::Status { status, message, .. } => ErrorKind::Status {
                        status,
                        message,
                        note: Some(format!("gave up after {attempts} attempts")),
                    },
                    other => other,
                };
                return Err(self.error(&request.operation, kind));
            }
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                rate_limited,
                "retrying"
            );
            about_to_wait();
            if rate_limited && !hiccup {
                // Everyone waits: the pause is shared by all requests to this site.
                self.limiter.pause_for(delay);
            } else if rate_limited {
                // A hiccup: this request waits what the site asked; the others carry on.
                micros(&self.counters.hiccup_wait, delay);
                tokio::time::sleep(delay).await;
            } else {
                micros(&self.counters.backoff, delay);
                tokio::time::sleep(delay).await;
            }
            waited = waited.saturating_add(delay);
        }
    }

    /// `max_retry_wait`, never more than a day (a longer pause would be a hang).
    fn max_retry_wait(&self) -> Duration {
        self.options.max_retry_wait.min(LONGEST_WAIT)
    }

    async fn attempt(&self, request: &ApiRequest, attempt: u32, streaming: bool, permit: Permit) -> Attempt {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let mut builder =
            self.http.request(request.method.clone(), request.url.clone()).header(ACCEPT, "application/json");
        if request.authenticate
            && let Some(auth) = &self.auth
        {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        if request.no_check {
            builder = builder.header("X-Atlassian-Token", "no-check");
        }
        if request.admin_key {
            builder = builder.header("Atl-Confluence-With-Admin-Key", "true");
        }
        match &request.body {
            RequestBody::Empty => {}
            RequestBody::Json(bytes) => {
                builder = builder.header(CONTENT_TYPE, "application/json").body(bytes.clone());
            }
            RequestBody::Multipart { form, .. } => match form().await {
                Ok(form) => builder = builder.multipart(form),
                Err(e) => return Attempt::Fail(ErrorKind::Io(e.to_string())),
            },
        }
        if !streaming {
            builder = builder.timeout(self.options.request_timeout);
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(e) => {
                let cause = describe_reqwest(&e);
                tracing::debug!(attempt, error = %cause, "request failed");
                // A redirect refused (a loop, too many hops, https → http) happens again when
                // repeated. A write that was redirected may have been done.
                if e.is_redirect() {
                    return Attempt::Fail(match request.repeat {
                        Repeat::Safe => ErrorKind::Redirect(cause),
                        Repeat::Unsafe => ErrorKind::OutcomeUnknown { cause },
                    });
                }
                // A connection that never opened carried nothing: safe to repeat for any method,
                // but a name that does not resolve or a host that refuses is not worth minutes.
                if e.is_connect() && !e.is_timeout() {
                    return Attempt::Unreachable(ErrorKind::Transport { cause, attempts: attempt });
                }
                if e.is_connect() || request.repeat == Repeat::Safe {
                    return Attempt::Retry {
                        retry_after: None,
                        rate_limited: false,
                        hiccup: false,
                        kind: ErrorKind::Transport { cause, attempts: attempt },
                    };
                }
                // The body never went out whole (the server answered early — typically 429 —
                // and closed, or the local file failed): the server cannot have done it.
                if body_not_sent(&e) {
                    let kind = ErrorKind::Transport {
                        cause: format!("{cause} (not done: the request body was not sent whole)"),
                        attempts: attempt,
                    };
                    if request.replayable() {
                        return Attempt::Retry {
                            retry_after: None,
                            rate_limited: false,
                            hiccup: false,
                            kind,
                        };
                    }
                    return Attempt::Fail(kind);
                }
                return Attempt::Fail(ErrorKind::OutcomeUnknown { cause });
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        tracing::debug!(attempt, status = status.as_u16(), "response");
        let limits = RateLimitHeaders::from_headers(&headers);
        let now = jiff::Timestamp::now();
        let retry_after =
            headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, now));
        let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::SERVICE_UNAVAILABLE && retry_after.is_some());
        let hiccup = self.limiter.observe(started, rate_limited, &limits);
        // Without `Retry-After`, a 429's `X-RateLimit-Reset` says when to come back (a wait past
        // `max_retry_wait` stops sending to the site, as a long `Retry-After` does).
        let retry_after = retry_after.or_else(|| {
            let reset = limits.reset.filter(|_| rate_limited)?;
            let millis = u64::try_from(reset.as_millisecond() - now.as_millisecond()).ok()?;
            Some(Duration::from_millis(millis))
        });

        if !status.is_success() {
            let body = read_bounded(response, MAX_ERROR_BODY).await.unwrap_or_default();
            drop(permit);
            let kind = status_error(status, &headers, &body);
            if rate_limited {
                self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                return Attempt::Retry { retry_after, rate_limited: true, hiccup, kind };
            }
            if status.is_server_error() {
                return match request.repeat {
                    Repeat::Safe => Attempt::Retry { retry_after, rate_limited: false, hiccup: false, kind },
                    Repeat::Unsafe => Attempt::Fail(ErrorKind::OutcomeUnknown { cause: kind.to_string() }),
                };
            }
            return Attempt::Fail(kind);
        }

        if streaming {
            return Attempt::Done(Reply::Streaming(Streaming { response, permit }));
        }
        let body = read_bounded(response, self.options.max_json_body).await;
        drop(permit);
        match body {
            Ok(body) => Attempt::Done(Reply::Buffered(Buffered { status, headers, body })),
            Err(ReadError::TooLarge) => {
                Attempt::Fail(ErrorKind::BodyTooLarge { limit: self.options.max_json_body })
            }
            Err(ReadError::Transport(cause)) => {
                let cause = format!("the connection failed while reading the answer: {cause}");
                match request.repeat {
                    Repeat::Safe => Attempt::Retry {
                        retry_after: None,
                        rate_limited: false,
                        hiccup: false,
                        kind: ErrorKind::Transport { cause, attempts: attempt },
                    },
                    Repeat::Unsafe => Attempt::Fail(ErrorKind::OutcomeUnknown { cause }),
                }
            }
        }
    }
}

/// A request's failures make its backoff grow only while the site itself is in trouble. When,
/// since the request last failed, the site answered at least `HEALTHY_ANSWERS` other attempts
/// with success, and at least `HEALTHY_RATIO` times as many as failed, the site is serving
/// others: the next failure is that request's bad luck (a dropped connection, a node
/// restarting) and counts as a first one. A site failing much of what it gets keeps the backoff
/// growing; `max_retries` and `max_total_wait` bound every request either way.
const HEALTHY_ANSWERS: u64 = 8;
const HEALTHY_RATIO: u64 = 4;

fn site_was_healthy(succeeded: u64, failed: u64) -> bool {
    succeeded >= HEALTHY_ANSWERS && succeeded >= HEALTHY_RATIO.saturating_mul(failed)
}

fn micros(counter: &AtomicU64, duration: Duration) {
    counter.fetch_add(u64::try_from(duration.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
}

/// Whether the request failed while its body was still being sent (hyper: "error writing a body
/// to connection", or the body stream itself failed). The server then never received it whole.
fn body_not_sent(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.contains("error writing a body to connection")
            || text.contains("error from user's Body stream")
        {
            return true;
        }
        source = cause.source();
    }
    false
}

fn unknown_outcome(repeat: Repeat, kind: ErrorKind) -> ErrorKind {
    match (repeat, kind) {
        (Repeat::Unsafe, kind @ (ErrorKind::Status { .. } | ErrorKind::Transport { .. })) => {
            ErrorKind::OutcomeUnknown { cause: kind.to_string() }
        }
        (_, kind) => kind,
    }
}

fn status_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ErrorKind {
    let message = ServerMessage::parse(body);
    let is_html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("html"))
        || looks_like_html(body);
    let note = match (&message, status.canonical_reason()) {
        (Some(_), _) => None,
        (None, reason) if is_html => {
            Some(format!("{} (the server answered an HTML page)", reason.unwrap_or("error")))
        }
        (None, Some(reason)) => Some(reason.to_string()),
        (None, None) => None,
    };
    ErrorKind::Status { status: status.as_u16(), message, note }
}

/// Why a success's body could not be decoded.
enum Undecodable {
    /// Not JSON at all (HTML, another content type, empty, truncated, broken): a proxy or a
    /// connection in trouble, possibly gone on the next attempt.
    Unreadable(String),
    /// Valid JSON of another shape: the same on every attempt.
    Shape(String),
}

/// Decodes a JSON body, with clear errors for HTML, other content types and truncation.
fn decode_body<T: DeserializeOwned>(reply: &Buffered) -> Result<T, Undecodable> {
    use Undecodable::{Shape, Unreadable};
    let content_type =
        reply.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let status = reply.status.as_u16();
    if content_type.contains("html") || looks_like_html(&reply.body) {
        return Err(Unreadable(format!(
            "the server answered an HTML page instead of JSON (HTTP {status}); is this a Confluence \
             Cloud site, and is the request reaching it rather than a login page or proxy?"
        )));
    }
    if !content_type.is_empty() && !content_type.contains("json") {
        return Err(Unreadable(format!(
            "the server answered `{content_type}` instead of JSON (HTTP {status})"
        )));
    }
    if reply.body.is_empty() {
        return Err(Unreadable(format!("the server answered an empty body instead of JSON (HTTP {status})")));
    }
    serde_json::from_slice(&reply.body).map_err(|e| {
        if e.is_eof() {
            Unreadable(format!("the JSON answer is truncated: it ends after {} bytes", reply.body.len()))
        } else if e.is_syntax() {
            Unreadable(format!("the answer is not valid JSON: {e}"))
        } else {
            Shape(format!("the JSON answer does not have the expected shape: {e}"))
        }
    })
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let head = &body[start..body.len().min(start + 15)];
    head.starts_with(b"<") && !head.starts_with(b"<?xml")
}

/// reqwest's message without the URL (a redirect target may carry a signed token) and with
/// the underlying cause, which reqwest keeps in `source()`.
fn describe_reqwest(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_redirect() {
        "redirect refused"
    } else {
        "request failed"
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    if causes.is_empty() { kind.to_string() } else { format!("{kind}: {}", causes.join(": ")) }
}

enum ReadError {
    TooLarge,
    Transport(String),
}

async fn read_bounded(mut response: reqwest::Response, limit: u64) -> Result<Bytes, ReadError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(ReadError::TooLarge);
    }
    let mut body = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(ReadError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body.freeze()),
            Err(e) => return Err(ReadError::Transport(describe_reqwest(&e.without_url()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_while_the_site_serves_others_counts_as_a_first_one() {
        assert!(site_was_healthy(40, 3));
        assert!(site_was_healthy(8, 2));
        assert!(!site_was_healthy(3, 0), "too few answers to tell");
        assert!(!site_was_healthy(40, 20), "a site failing a third of what it gets is in trouble");
        assert!(!site_was_healthy(0, 5));
    }
}
