//! Injected faults, deterministic for a given seed and request order: latency, 429s with and
//! without `Retry-After`, 5xx, dropped connections, "commit then drop", hostile bodies, redirect
//! loops, and a site-wide token-bucket rate limiter.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::generate::mix;

/// Fault configuration of one site (seed `faults` table, or `PUT /__sandbox/faults`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    /// Seed of the random draws (probabilities, jitter).
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub rules: Vec<FaultRule>,
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

/// One fault on requests whose path matches `route` (`*` matches any run of characters;
/// the gateway prefix and the query are not part of the path) and whose method is `method`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    pub route: String,
    /// `GET`, `POST`, ... or `*` (default).
    #[serde(default = "any_method")]
    pub method: String,
    /// Chance that a matching request is hit (default 1).
    #[serde(default = "one")]
    pub probability: f64,
    /// Let this many matching requests through first.
    #[serde(default)]
    pub after: u64,
    /// Hit at most this many requests (default: unlimited).
    #[serde(default)]
    pub times: Option<u64>,
    pub fault: Fault,
}

fn any_method() -> String {
    "*".into()
}
fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Delay the answer by `fixed_ms` plus up to `jitter_ms`.
    Latency {
        #[serde(default)]
        fixed_ms: u64,
        #[serde(default)]
        jitter_ms: u64,
    },
    /// 429 with `Retry-After` and the `X-RateLimit-*` headers.
    RateLimited {
        #[serde(default = "one_u64")]
        retry_after: u64,
    },
    /// 429 without `Retry-After`, as some rate limits answer: with `X-RateLimit-Reset` that
    /// many seconds ahead when `reset_after` is given, with no rate-limit header otherwise.
    RateLimitedWithoutRetryAfter {
        #[serde(default)]
        reset_after: Option<u64>,
    },
    /// A 5xx answer, with `Retry-After` when given.
    ServerError {
        #[serde(default = "status_500")]
        status: u16,
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Close the connection without answering (nothing is done).
    ConnectionReset,
    /// Do the request (writes are committed), then close the connection without answering.
    CommitThenDrop,
    /// An HTML error page such as a proxy would send.
    HtmlError {
        #[serde(default = "status_502")]
        status: u16,
    },
    /// Do the request, then cut the JSON body in half.
    TruncatedJson,
    /// Do the request, then label the body `text/html`.
    WrongContentType,
    /// 302 back to the very URL asked (path and query): a redirect loop, nothing done.
    RedirectLoop,
    /// Do the request; a list answer's next link (`Link` header and `_links.next`) then points
    /// back at the very URL asked: a list that never ends.
    NextLinkLoop,
    /// Do the request, then leave `field` out of every object of the JSON answer, as a site that
    /// does not send an optional field would.
    OmitField { field: String },
    /// Do the request, then answer a list as empty (no entries and no next link), as a listing
    /// that has not caught up with recent writes answers.
    StaleList,
}

fn one_u64() -> u64 {
    1
}
fn status_500() -> u16 {
    500
}
fn status_502() -> u16 {
    502
}

/// Requests per second with a burst, site-wide; beyond it requests get 429.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

/// What the pipeline must do with one request.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    pub delay: Option<Duration>,
    /// Answer this fault instead of (or after) handling.
    pub fault: Option<Fault>,
    /// For the rate limiter: (limit, remaining, reset seconds).
    pub rate: Option<(u32, u32, u64)>,
}

/// Runtime state of a site's faults.
#[derive(Debug)]
pub struct FaultState {
    config: FaultConfig,
    matched: Vec<u64>,
    hits: Vec<u64>,
    draws: u64,
    tokens: f64,
    refilled: Instant,
}

impl FaultState {
    pub fn new(config: FaultConfig) -> FaultState {
        let tokens = config.rate_limit.as_ref().map_or(0.0, |r| r.burst as f64);
        FaultState {
            matched: vec![0; config.rules.len()],
            hits: vec![0; config.rules.len()],
            config,
            draws: 0,
            tokens,
            refilled: Instant::now(),
        }
    }

    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// How many requests each rule hit, in rule order.
    pub fn hits(&self) -> &[u64] {
        &self.hits
    }

    fn draw(&mut self) -> u64 {
        self.draws += 1;
        mix(&[self.config.seed, self.draws])
    }

    /// Decides the faults for one request.
    pub fn decide(&mut self, method: &str, path: &str) -> Decision {
        let mut decision = Decision::default();
        if let Some(limit) = self.config.rate_limit.clone() {
            let now = Instant::now();
            let elapsed = now.duration_since(self.refilled).as_secs_f64();
            self.refilled = now;
            self.tokens = (self.tokens + elapsed * limit.per_second).min(limit.burst as f64);
            let reset = if limit.per_second > 0.0 {
                ((limit.burst as f64 - self.tokens) / limit.per_second).ceil() as u64
            } else {
                60
            };
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                decision.rate = Some((limit.burst, self.tokens as u32, reset));
            } else {
                let wait = if limit.per_second > 0.0 {
                    ((1.0 - self.tokens) / limit.per_second).ceil().max(1.0) as u64
                } else {
                    60
                };
                decision.rate = Some((limit.burst, 0, reset));
                decision.fault = Some(Fault::RateLimited { retry_after: wait });
                return decision;
            }
        }
        for i in 0..self.config.rules.len() {
            let rule = &self.config.rules[i];
            if !(rule.method == "*" || rule.method.eq_ignore_ascii_case(method)) || !glob(&rule.route, path) {
                continue;
            }
            self.matched[i] += 1;
            if self.matched[i] <= rule.after || rule.times.is_some_and(|t| self.hits[i] >= t) {
                continue;
            }
            let (probability, fault) = (rule.probability, rule.fault.clone());
            if probability < 1.0 {
                let r = (self.draw() >> 11) as f64 / (1u64 << 53) as f64;
                if r >= probability {
                    continue;
                }
            }
            self.hits[i] += 1;
            match fault {
                Fault::Latency { fixed_ms, jitter_ms } => {
                    let jitter = if jitter_ms > 0 { self.draw() % (jitter_ms + 1) } else { 0 };
                    let d = Duration::from_millis(fixed_ms + jitter);
                    decision.delay = Some(decision.delay.unwrap_or_default() + d);
                }
                other => {
                    if decision.fault.is_none() {
                        decision.fault = Some(other);
                    }
                }
            }
        }
        decision
    }
}

/// `*` matches any run of characters (including `/`).
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}
