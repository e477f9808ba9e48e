//! Tunables of a client: concurrency, retries, limits and the API gateway.

use std::time::Duration;

use super::rate_limit::PacingOptions;
use super::retry_policy::RetryPolicy;
use super::site::{ATLASSIAN_API, BaseUrl};

/// How a client behaves towards one site. `Default` suits production; tests shorten the waits.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Requests in flight at once to this site (the plan's `run.concurrency`).
    pub concurrency: usize,
    /// Retry limits and backoff.
    pub retry: RetryPolicy,
    /// The largest JSON response the client reads (64 MiB).
    pub max_json_body: u64,
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

    /// Sets the gateway base (`https://api.atlassian.com` by default).
    pub fn with_gateway(mut self, gateway: BaseUrl) -> Self {
        self.gateway = gateway;
        self
    }
}
