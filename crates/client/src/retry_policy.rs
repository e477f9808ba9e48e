//! When and how long to wait before repeating a request.

use std::time::Duration;

/// Retry limits and the backoff curve. Atlassian's advice: wait at least `Retry-After`, otherwise
/// back off exponentially (2, 4, 8, 16 s …) with jitter ×0.7–1.3, capped at about 30 s.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The first backoff delay (2 s in production; milliseconds in tests).
    pub base: Duration,
    /// The largest computed backoff delay (before jitter). `Retry-After` may ask for more.
    pub cap: Duration,
    /// How many times one request may be repeated before giving up.
    pub max_retries: u32,
    /// The most time one request may spend waiting between attempts before giving up.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(30),
            max_retries: 8,
            max_total_wait: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// A policy for tests: the same curve in milliseconds.
    pub fn fast() -> Self {
        Self {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(300),
            max_retries: 5,
            max_total_wait: Duration::from_secs(5),
        }
    }

    /// The backoff before retry number `retry` (1-based), with `jitter` in 0.7..=1.3.
    pub fn backoff_with_jitter(&self, retry: u32, jitter: f64) -> Duration {
        let exponent = retry.saturating_sub(1).min(30);
        let raw = self.base.saturating_mul(1u32 << exponent).min(self.cap);
        raw.mul_f64(jitter.clamp(0.7, 1.3))
    }

    /// The backoff before retry number `retry` (1-based), with random jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        self.backoff_with_jitter(retry, rand::random_range(0.7..=1.3))
    }

    /// The wait before the first retry of a request that failed on the way rather than at the
    /// site (a connection dropped or refused, an answer cut short or unreadable, a gateway's 502
    /// or 504): a tenth of `base`, jittered. Such a failure says nothing of the site's load, and
    /// a second try usually goes through; from the second retry on, the usual backoff applies.
    pub fn first_transient(&self) -> Duration {
        (self.base / 10).mul_f64(rand::random_range(0.7..=1.3))
    }

    /// The wait before retry number `retry` when the server sent `Retry-After`: at least that,
    /// and at least a jittered backoff when the server sent nothing.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            // Honour the server's minimum; a little jitter above it spreads concurrent retries.
            Some(at_least) => at_least.saturating_add(at_least.mul_f64(rand::random_range(0.0..=0.1))),
            None => self.backoff(retry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_base_to_cap() {
        let policy = RetryPolicy::default();
        let secs = |r| policy.backoff_with_jitter(r, 1.0).as_secs();
        assert_eq!([secs(1), secs(2), secs(3), secs(4), secs(5), secs(6)], [2, 4, 8, 16, 30, 30]);
        assert_eq!(secs(100), 30);
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let policy = RetryPolicy::default();
        for retry in 1..10 {
            let plain = policy.backoff_with_jitter(retry, 1.0);
            for _ in 0..50 {
                let d = policy.backoff(retry);
                assert!(d >= plain.mul_f64(0.7) && d <= plain.mul_f64(1.3), "{d:?} vs {plain:?}");
            }
        }
        assert_eq!(policy.backoff_with_jitter(1, 5.0), Duration::from_millis(2600));
    }

    #[test]
    fn a_transient_failure_is_retried_soon_once() {
        let policy = RetryPolicy::default();
        for _ in 0..50 {
            let d = policy.first_transient();
            assert!(d >= Duration::from_millis(140) && d <= Duration::from_millis(260), "{d:?}");
        }
    }

    #[test]
    fn an_absurd_retry_after_does_not_overflow() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, Some(Duration::MAX)), Duration::MAX);
    }

    #[test]
    fn retry_after_is_a_minimum() {
        let policy = RetryPolicy::default();
        for _ in 0..50 {
            let d = policy.delay(1, Some(Duration::from_secs(40)));
            assert!(d >= Duration::from_secs(40) && d <= Duration::from_secs(44));
        }
    }
}
