//! One rate-limit state per site, shared by every request to it: when any request is told to
//! slow down, all of them wait.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// What the `X-RateLimit-*` headers said, parsed loosely (names and values vary).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateLimitHeaders {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub near_limit: bool,
    pub reset: Option<jiff::Timestamp>,
    pub reason: Option<String>,
}

impl RateLimitHeaders {
    /// Reads the rate-limit headers of a response.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut out = Self::default();
        for (name, value) in headers {
            let name = name.as_str();
            let Ok(value) = value.to_str() else { continue };
            let value = value.trim();
            if !(name.contains("ratelimit") || name.contains("rate-limit")) {
                continue;
            }
            if name.ends_with("nearlimit") || name.ends_with("near-limit") {
                out.near_limit = value.eq_ignore_ascii_case("true");
            } else if name.ends_with("remaining") {
                out.remaining = value.parse().ok();
            } else if name.ends_with("limit") {
                out.limit = value.parse().ok();
            } else if name.ends_with("reset") {
                out.reset = parse_reset(value);
            } else if name.ends_with("reason") {
                out.reason = Some(value.to_string());
            }
        }
        if let (Some(limit), Some(remaining)) = (out.limit, out.remaining)
            && limit > 0
            && remaining * 5 < limit
        {
            out.near_limit = true;
        }
        out
    }
}

/// ISO 8601, sometimes without seconds (`2026-03-01T10:15Z`).
fn parse_reset(value: &str) -> Option<jiff::Timestamp> {
    value.parse().ok().or_else(|| {
        let (head, tail) = value.split_at(value.find(['Z', '+']).unwrap_or(value.len()));
        format!("{head}:00{tail}").parse().ok()
    })
}

/// The shared state of one site.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
    /// The gap between request starts while the site says we are near its limit.
    near_limit_spacing: Duration,
}

#[derive(Debug)]
struct State {
    /// No request starts before this moment.
    resume_at: Option<Instant>,
    /// While near the limit, the next request may start at this moment.
    next_slot: Instant,
    near_limit: bool,
}

impl RateLimiter {
    pub fn new(near_limit_spacing: Duration) -> Self {
        Self {
            state: Mutex::new(State { resume_at: None, next_slot: Instant::now(), near_limit: false }),
            near_limit_spacing,
        }
    }

    /// Waits until a request may start.
    pub async fn ready(&self) {
        loop {
            let until = {
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                match state.resume_at {
                    Some(at) if at > now => Some(at),
                    _ => {
                        state.resume_at = None;
                        if state.near_limit {
                            let slot = state.next_slot.max(now);
                            state.next_slot = slot + self.near_limit_spacing;
                            (slot > now).then_some(slot)
                        } else {
                            None
                        }
                    }
                }
            };
            match until {
                Some(at) => tokio::time::sleep_until(at).await,
                None => return,
            }
            // After a pause ends, look again: another request may have extended it.
            if !self.paused() {
                return;
            }
        }
    }

    fn paused(&self) -> bool {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.resume_at.is_some_and(|at| at > Instant::now())
    }

    /// Holds every request to this site for `delay` from now (never shortens a longer pause).
    pub fn pause_for(&self, delay: Duration) {
        let at = Instant::now() + delay;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.resume_at = Some(state.resume_at.map_or(at, |current| current.max(at)));
    }

    /// The moment the current pause ends, if the site is paused.
    pub fn paused_until(&self) -> Option<Instant> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.resume_at.filter(|at| *at > Instant::now())
    }

    /// Records what a response said about the limits.
    pub fn observe(&self, headers: &RateLimitHeaders) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if headers.near_limit && !state.near_limit {
            tracing::debug!(remaining = ?headers.remaining, "near the site's rate limit; slowing down");
        }
        state.near_limit = headers.near_limit;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn headers_are_read_loosely() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-limit", HeaderValue::from_static("100"));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("10"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("2026-03-01T10:15Z"));
        headers.insert("ratelimit-reason", HeaderValue::from_static("jira-burst-based"));
        let parsed = RateLimitHeaders::from_headers(&headers);
        assert_eq!(parsed.limit, Some(100));
        assert_eq!(parsed.remaining, Some(10));
        assert!(parsed.near_limit, "10 of 100 is below 20%");
        assert_eq!(parsed.reset, Some("2026-03-01T10:15:00Z".parse().unwrap()));
        assert_eq!(parsed.reason.as_deref(), Some("jira-burst-based"));

        let mut headers = HeaderMap::new();
        headers.insert("X-RateLimit-NearLimit", HeaderValue::from_static("TRUE"));
        assert!(RateLimitHeaders::from_headers(&headers).near_limit);
    }

    #[tokio::test]
    async fn a_pause_holds_everyone_and_is_never_shortened() {
        let limiter = RateLimiter::new(Duration::ZERO);
        limiter.pause_for(Duration::from_millis(120));
        limiter.pause_for(Duration::from_millis(10));
        let start = Instant::now();
        limiter.ready().await;
        assert!(start.elapsed() >= Duration::from_millis(110));
        let start = Instant::now();
        limiter.ready().await;
        assert!(start.elapsed() < Duration::from_millis(50));
    }

    #[tokio::test]
    async fn near_limit_spaces_requests() {
        let limiter = RateLimiter::new(Duration::from_millis(40));
        limiter.observe(&RateLimitHeaders { near_limit: true, ..Default::default() });
        let start = Instant::now();
        for _ in 0..4 {
            limiter.ready().await;
        }
        assert!(start.elapsed() >= Duration::from_millis(110), "{:?}", start.elapsed());
    }
}
