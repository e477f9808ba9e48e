//! Tunables of a client: concurrency, retries, limits and the API gateway.

use std::time::Duration;

use super::rate_limit::PacingOptions;
use super::retry_policy::RetryPolicy;
use super::site::{ATLASSIAN_API, BaseUrl};

/// The default of [`ClientOptions::max_retry_wait`].
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(300);

/// How a client behaves towards one site. `Default` suits production; tests shorten the waits.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Requests in flight at once to this site (the plan's `run.concurrency`).
    pub concurrency: usize,
    /// Retry limits and backoff.
    pub retry: RetryPolicy,
    /// The largest JSON response the client reads (64 MiB).
    pub max_json_body: u64,
    /// The longest wait a site may ask for (`Retry-After`, or a 429's `X-RateLimit-Reset`)
    /// before the client stops sending to it and fails fast with
    /// [`ErrorKind::WaitTooLong`](super::ErrorKind::WaitTooLong) (5 minutes; setting
    /// `max_retry_wait`).
    pub max_retry_wait: Duration,
    /// The most answers one list may take (10,000 pages: 2.5 million items at 250 a page).
    pub max_list_pages: u64,
    /// The largest attachment download (a body without a length cannot stream forever).
    pub max_download_bytes: u64,
    /// The time limit of one JSON request, headers and body (downloads use `read_timeout`).
    pub request_timeout: Duration,
    /// The longest silence while streaming a download or upload.
    pub read_timeout: Duration,
    /// The time limit for opening a connection.
    pub connect_timeout: Duration,
    /// How request starts are paced once the site shows a rate limit (adaptive, per site).
    pub pacing: PacingOptions,
    /// Where bearer tokens go: `https://api.atlassian.com` (tests point it at a sandbox).
    pub gateway: BaseUrl,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            retry: RetryPolicy::default(),
            max_json_body: 64 * 1024 * 1024,
            max_retry_wait: DEFAULT_MAX_RETRY_WAIT,
            max_list_pages: 10_000,
            max_download_bytes: 16 * 1024 * 1024 * 1024,
            request_timeout: Duration::from_secs(90),
            read_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(15),
            pacing: PacingOptions::default(),
            gateway: BaseUrl::parse(ATLASSIAN_API).expect("the default gateway URL is valid"),
        }
    }
}

impl ClientOptions {
    /// Options for tests against loopback sandboxes: millisecond backoff and short timeouts.
    pub fn fast() -> Self {
        Self {
            retry: RetryPolicy::fast(),
            request_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            ..Self::default()
        }
    }

    /// Sets the number of requests in flight (at least one).
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Sets the longest wait a site may ask for before the client stops sending to it.
    pub fn with_max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    /// Sets the gateway base (`https://api.atlassian.com` by default).
    pub fn with_gateway(mut self, gateway: BaseUrl) -> Self {
        self.gateway = gateway;
        self
    }
}
