//! One rate-limit state per site, shared by every request to it: when any request is told to
//! slow down, all of them wait, and once the site has shown a limit, request starts are paced to
//! a rate it accepts (learned AIMD-style: cut on 429 or "near the limit", probe upward slowly
//! while traffic stays clean).

use std::collections::VecDeque;
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
    /// Tokens added per interval (`X-RateLimit-FillRate`, where sent).
    pub fill_rate: Option<f64>,
    /// The refill interval in seconds (`X-RateLimit-Interval-Seconds`, where sent).
    pub interval_seconds: Option<f64>,
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
            } else if name.ends_with("fillrate") || name.ends_with("fill-rate") {
                out.fill_rate = value.parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0);
            } else if name.ends_with("interval-seconds") || name.ends_with("intervalseconds") {
                out.interval_seconds = value.parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0);
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

    /// The refill rate in requests per second, when the site publishes it.
    pub fn published_rate(&self) -> Option<f64> {
        let fill = self.fill_rate?;
        Some(fill / self.interval_seconds.unwrap_or(1.0))
    }

    /// Whether any rate-limit header was present at all.
    pub fn any(&self) -> bool {
        self.limit.is_some() || self.remaining.is_some() || self.near_limit || self.reset.is_some()
    }
}

/// ISO 8601, sometimes without seconds (`2026-03-01T10:15Z`).
fn parse_reset(value: &str) -> Option<jiff::Timestamp> {
    value.parse().ok().or_else(|| {
        let (head, tail) = value.split_at(value.find(['Z', '+']).unwrap_or(value.len()));
        format!("{head}:00{tail}").parse().ok()
    })
}

/// How the client paces request starts to a site once the site has shown a limit (a 429, or a
/// response saying we are near it). Until then nothing is paced.
#[derive(Debug, Clone, PartialEq)]
pub struct PacingOptions {
    /// Pace at all; when false only `Retry-After` pauses apply.
    pub enabled: bool,
    /// The paced rate is multiplied by this on a 429.
    pub cut_on_429: f64,
    /// The paced rate is multiplied by this when a response says we are near the limit.
    pub cut_on_near_limit: f64,
    /// Until the first cut while paced ("slow start"), the rate grows by this fraction per
    /// second of traffic that had to wait for the pacer (3.0 quadruples it each second). The
    /// first cut after slow start goes at least down to the rate accepted over the window.
    pub fast_growth: f64,
    /// After a cut, the rate grows by this fraction of the rate set by the cut, per second of
    /// traffic that had to wait for the pacer (additive increase).
    pub probe: f64,
    /// Request starts allowed back to back (1 spaces every start evenly).
    pub burst: f64,
    /// The paced rate never goes below this, in requests per second.
    pub min_rate: f64,
    /// After a cut, further signals are ignored for this long, and always for requests that
    /// started before the cut (their answers describe the old rate).
    pub hold: Duration,
    /// At the first sign of a limit, the answers accepted in this window estimate the rate the
    /// site accepts (unless it publishes its fill rate).
    pub window: Duration,
    /// That estimate divides by at least this span: a burst of a few requests says little.
    pub min_span: Duration,
    /// This long without any sign of a limit ends pacing.
    pub forget_after: Duration,
}

impl Default for PacingOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            cut_on_429: 0.7,
            cut_on_near_limit: 0.85,
            fast_growth: 3.0,
            probe: 0.1,
            burst: 1.0,
            min_rate: 0.5,
            hold: Duration::from_millis(150),
            window: Duration::from_secs(1),
            min_span: Duration::from_millis(250),
            forget_after: Duration::from_secs(120),
        }
    }
}

/// Which limit signal a response carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Accepted, nothing said about the limit.
    Clean,
    /// Accepted, but the site says we are near its limit.
    NearLimit,
    /// Refused: 429 (or 503 with `Retry-After`).
    Limited,
}

/// The pacing state machine of one site. Pure: every method takes the current time, so tests
/// drive it with made-up instants.
#[derive(Debug)]
pub struct Pacer {
    options: PacingOptions,
    /// Requests per second; `None` until the site first shows a limit.
    rate: Option<f64>,
    /// The rate set by the last cut while paced; `None` during slow start.
    ceiling: Option<f64>,
    /// The next free start slot of the token bucket (GCRA form).
    next_slot: Instant,
    last_cut: Instant,
    last_growth: Instant,
    last_signal: Instant,
    /// When recent accepted answers arrived (for the first estimate), trimmed to the window.
    accepted: VecDeque<Instant>,
    /// After the first sign, the estimate is revised once the answers to the requests then in
    /// flight have arrived (answers come back in any order).
    estimate_at: Option<Instant>,
    cuts: u64,
    /// Recent (request start, requests started before, remaining, limit) readings of the site's
    /// bucket from `X-RateLimit-Remaining`: while the bucket is drained, what it refilled is
    /// what was taken plus what it gained, which measures the site's rate.
    bucket: VecDeque<(Instant, u64, u64, u64)>,
    /// When recent requests started, and how many older ones were forgotten: a reading is
    /// placed by its request's start (answers come back in any order; starts are in order).
    starts: VecDeque<Instant>,
    starts_forgotten: u64,
    /// The site's refill rate as last measured that way (requests per second).
    fill: Option<f64>,
    /// Wall-clock time covered by pauses so far (overlaps once), and the lowest paced rate.
    paused_total: Duration,
    /// The recent pauses (start, end), merged where they overlap; the last one's end is when
    /// requests may start again (`Retry-After`). Time nobody was let start a request says
    /// nothing of the rate the site accepts, so estimates leave it out.
    pauses: VecDeque<(Instant, Instant)>,
    lowest_rate: Option<f64>,
    /// The signals of the last answers (at most `RECENT_ANSWERS`), to tell a hiccup from a limit.
    recent: VecDeque<(Instant, Signal)>,
    /// Cuts on 429s in a row, each soon after the one before (see `STREAK_ANSWERS`), and the
    /// answers to requests started since the last cut.
    streak: u32,
    last_limited_cut: Option<Instant>,
    answers_since_cut: u64,
    /// Whether a 429 among accepted answers may be a hiccup: true until the site shows a limit
    /// (a near-limit answer, or a 429 that is no hiccup), and again once cutting the rate did
    /// not stop the 429s.
    unrelated: bool,
    hiccups: u64,
}

/// What a 429 says of the site (see `HICCUP_SHARE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Only its request waits; nothing else changes.
    Hiccup,
    /// The site has accepted too little yet to tell (see `HICCUP_ACCEPTED`): every request
    /// waits out its `Retry-After`, but pacing waits for a sign of a limit.
    Undecided,
    /// A sign of the site's limit: every request waits out its `Retry-After`.
    Limit,
}

/// Accepted answers needed before estimating a rate from them (fewer say nothing).
const MIN_SAMPLES: usize = 4;

/// Once the site's refill rate is measured, requests are paced to this share of it: the bucket
/// then refills slowly and stays clear of empty (a 429 costs a whole `Retry-After` pause).
const FILL_SHARE: f64 = 0.97;

/// Bucket readings span at most this long, and at least this long to measure from.
const BUCKET_WINDOW: Duration = Duration::from_secs(5);
const BUCKET_MIN_SPAN: Duration = Duration::from_millis(300);

/// Accepted answers remembered at most (the window holds fewer at any sane rate).
const MAX_ACCEPTED: usize = 10_000;

/// Some sites refuse a few requests at random (a burst of other clients, a node restarting),
/// whatever our rate. A 429 is such a hiccup when none of the last `RECENT_ANSWERS` answers
/// (those of the last `RECENT_SPAN`) said the site was near its limit and at most one in
/// `HICCUP_SHARE` of them was a 429 (this one included), give or take `HICCUP_SLACK`, counting
/// `HICCUP_PRIOR` clean answers on top of those seen: only its request waits `Retry-After`; the
/// rate and every other request carry on. The prior is what a run believes before it has seen
/// much of a site: a 429 among its first answers is more likely a hiccup than a sign that a
/// handful of requests took the site past its limit, and random 429s come in clusters (five
/// among the first forty answers of a run's writing phase, its requests starting side by side,
/// happen). A site over its limit refuses most of what goes past it, so its 429s soon exceed
/// that share however few answers came before (with none at all, the sixth 429 in a row does),
/// or its answers say it is near the limit: that sign of a limit holds every request for the
/// 429's `Retry-After`, starts pacing and makes 429s count. A 429 before the site has accepted
/// `HICCUP_ACCEPTED` requests holds every request for its `Retry-After` too, but starts no
/// pacing: the first answers of a run say too little of a site either way.
/// From then on pacing learns whether cutting the rate stops the 429s: `STREAK_CUTS` cuts in a
/// row on 429s, each within `STREAK_ANSWERS` answers of the cut before (a site over its limit
/// goes quiet for far longer once the rate is cut below it), end pacing and mark the site's
/// 429s unrelated to our rate again.
const STREAK_ANSWERS: u64 = 100;
const STREAK_CUTS: u32 = 2;
const RECENT_ANSWERS: usize = 100;
const RECENT_SPAN: Duration = Duration::from_secs(10);
const HICCUP_SHARE: usize = 8;
const HICCUP_SLACK: usize = 2;
const HICCUP_PRIOR: usize = 20;
const HICCUP_ACCEPTED: usize = 4;

impl Pacer {
    pub fn new(options: PacingOptions, now: Instant) -> Self {
        Self {
            options,
            rate: None,
            ceiling: None,
            next_slot: now,
            last_cut: now,
            last_growth: now,
            last_signal: now,
            accepted: VecDeque::new(),
            estimate_at: None,
            cuts: 0,
            bucket: VecDeque::new(),
            starts: VecDeque::new(),
            starts_forgotten: 0,
            fill: None,
            paused_total: Duration::ZERO,
            pauses: VecDeque::new(),
            lowest_rate: None,
            recent: VecDeque::new(),
            streak: 0,
            last_limited_cut: None,
            answers_since_cut: 0,
            unrelated: true,
            hiccups: 0,
        }
    }

    /// The paced rate in requests per second, `None` while unpaced.
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// How many times the rate was set or cut.
    pub fn cuts(&self) -> u64 {
        self.cuts
    }

    /// Reserves a start slot for one request: the moment it may start (`now` or later).
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let earliest = self.paused_until(now).unwrap_or(now);
        if self.rate.is_some() && now.saturating_duration_since(self.last_signal) >= self.options.forget_after
        {
            tracing::debug!("no sign of the site's rate limit for a while; no longer pacing");
            self.rate = None;
            self.ceiling = None;
        }
        self.revise_estimate(now);
        let Some(rate) = self.rate else { return earliest };
        let interval = Duration::from_secs_f64(1.0 / rate);
        let credit = interval.mul_f64((self.options.burst - 1.0).max(0.0));
        let floor = earliest.checked_sub(credit).unwrap_or(earliest);
        let slot = self.next_slot.max(floor);
        let start = slot.max(earliest);
        self.next_slot = slot + interval;
        if start > now {
            self.grow(now);
        } else {
            self.last_growth = now;
        }
        start
    }

    fn revise_estimate(&mut self, now: Instant) {
        if let Some(at) = self.estimate_at
            && now >= at
        {
            self.estimate_at = None;
            if self.accepted.len() < MIN_SAMPLES {
                return;
            }
            let estimate = self.accepted_rate(now);
            if self.rate.is_none_or(|rate| estimate > rate) {
                tracing::debug!(rate = estimate, "estimated the site's rate");
                self.set_rate(now, estimate.max(self.options.min_rate), None);
            }
        }
    }

    /// Raises the rate for the time since the last growth, while requests wait for the pacer.
    fn grow(&mut self, now: Instant) {
        let Some(rate) = self.rate else { return };
        // The site's bucket is going down: the rate is at or past what it refills. Growing
        // further would only empty it; hold here while the drain measures the rate.
        if self.bucket.back().is_some_and(|&(_, _, remaining, limit)| remaining + 3 <= limit) {
            self.last_growth = now;
            return;
        }
        if let Some(fill) = self.fill {
            // Measured: follow the measurement, never probe past it.
            self.last_growth = now;
            if now >= self.last_cut + self.options.hold && rate < fill * FILL_SHARE {
                self.rate = Some(fill * FILL_SHARE);
            }
            return;
        }
        let longest = Duration::from_millis(250).max(Duration::from_secs_f64(2.0 / rate));
        let dt = now.saturating_duration_since(self.last_growth).min(longest);
        self.last_growth = now;
        if now < self.last_cut + self.options.hold || self.paused_until(now).is_some() {
            return;
        }
        let dt = dt.as_secs_f64();
        let grown = match self.ceiling {
            None => rate * (1.0 + self.options.fast_growth).powf(dt),
            Some(ceiling) => rate + self.options.probe * ceiling * dt,
        };
        self.rate = Some(grown);
    }

    /// What a 429 just recorded says (see `HICCUP_SHARE`).
    fn verdict(&self, now: Instant, published: bool) -> Verdict {
        if self.rate.is_some() || !self.unrelated {
            return Verdict::Limit;
        }
        let recent = self.recent.iter().filter(|(at, _)| now.saturating_duration_since(*at) <= RECENT_SPAN);
        let (mut accepted, mut limited, mut near) = (0usize, 0usize, 0usize);
        for (_, signal) in recent {
            match signal {
                Signal::Limited => limited += 1,
                Signal::NearLimit => near += 1,
                Signal::Clean => accepted += 1,
            }
        }
        // The prior's clean answers, then those seen.
        let answers = HICCUP_PRIOR + accepted + limited + near;
        if near > 0 || published || limited > answers / HICCUP_SHARE + HICCUP_SLACK {
            Verdict::Limit
        } else if accepted < HICCUP_ACCEPTED {
            Verdict::Undecided
        } else {
            Verdict::Hiccup
        }
    }

    /// How many 429s were taken as hiccups.
    pub fn hiccups(&self) -> u64 {
        self.hiccups
    }

    /// Records an answer to a request that started at `started`. Returns true for a 429 that is
    /// a hiccup of the site rather than a sign of its limit: only the request that got it waits;
    /// the rate and everyone else carry on.
    pub fn observe(
        &mut self,
        now: Instant,
        started: Instant,
        signal: Signal,
        published_rate: Option<f64>,
    ) -> bool {
        self.recent.push_back((now, signal));
        if self.recent.len() > RECENT_ANSWERS {
            self.recent.pop_front();
        }
        if started > self.last_cut {
            self.answers_since_cut += 1;
        }
        if signal == Signal::Limited && self.options.enabled {
            match self.verdict(now, published_rate.is_some()) {
                Verdict::Hiccup => {
                    self.hiccups += 1;
                    tracing::debug!("a 429 among accepted answers: only its request waits");
                    return true;
                }
                Verdict::Undecided => {
                    // Everyone waits out its `Retry-After`; what comes next tells more.
                    tracing::debug!("a 429 before the site has accepted enough to judge it by");
                    return false;
                }
                Verdict::Limit => {}
            }
        }
        if signal != Signal::Limited {
            self.accepted.push_back(now);
            if self.accepted.len() > MAX_ACCEPTED {
                self.accepted.pop_front();
            }
        }
        while self.accepted.front().is_some_and(|&at| now.saturating_duration_since(at) > self.options.window)
        {
            self.accepted.pop_front();
        }
        self.revise_estimate(now);
        if signal == Signal::Clean || !self.options.enabled {
            return false;
        }
        self.last_signal = now;
        // A sign of a limit that is no hiccup: 429s count again.
        self.unrelated = false;
        match self.rate {
            None => {
                if let Some(fill) = self.fill {
                    tracing::debug!(rate = fill, "the site's measured rate applies again; pacing requests");
                    let rate = (fill * FILL_SHARE).max(self.options.min_rate);
                    self.set_rate(now, rate, Some(rate));
                } else if let Some(rate) = published_rate {
                    tracing::debug!(rate, "the site publishes its rate; pacing requests");
                    self.set_rate(now, rate.max(self.options.min_rate), None);
                } else if self.accepted.len() >= MIN_SAMPLES {
                    let rate = self.accepted_rate(now).max(self.options.min_rate);
                    tracing::debug!(rate, ?signal, "the site shows a rate limit; pacing requests");
                    self.set_rate(now, rate, None);
                    self.estimate_at = Some(now + self.options.hold);
                } else if self.estimate_at.is_none() {
                    // Too few answers to estimate from: wait for those still in flight (a
                    // pause, if any, holds everyone meanwhile).
                    self.estimate_at = Some(now + self.options.hold);
                }
            }
            Some(rate) => {
                if started <= self.last_cut || now < self.last_cut + self.options.hold {
                    return false;
                }
                if signal == Signal::Limited {
                    let soon = self.last_limited_cut.is_some() && self.answers_since_cut <= STREAK_ANSWERS;
                    self.streak = if soon { self.streak + 1 } else { 1 };
                    self.last_limited_cut = Some(now);
                    if self.streak >= STREAK_CUTS && self.fill.is_none() {
                        tracing::debug!(
                            rate,
                            "cutting the rate did not stop the 429s: they are not about our rate; no longer pacing"
                        );
                        self.streak = 0;
                        self.rate = None;
                        self.ceiling = None;
                        self.estimate_at = None;
                        self.unrelated = true;
                        return false;
                    }
                } else {
                    self.streak = 0;
                }
                let cut = match signal {
                    Signal::Limited => self.options.cut_on_429,
                    _ => self.options.cut_on_near_limit,
                };
                let mut rate = rate * cut;
                let accepted = self.accepted_rate(now);
                if self.ceiling.is_none() && accepted > 0.0 {
                    // Slow start overshoots: what the site took over the last window is nearer.
                    rate = rate.min(accepted);
                }
                let rate = rate.max(self.options.min_rate);
                tracing::debug!(rate, ?signal, "slowing down");
                self.set_rate(now, rate, Some(rate));
            }
        }
        false
    }

    /// Records what an accepted answer said of the site's bucket (after [`Pacer::observe`] of
    /// that answer). While the bucket is being drained, the tokens it refilled over a span are
    /// those taken (answers accepted) plus its gain in `remaining`: that is the site's rate.
    pub fn note_bucket(&mut self, now: Instant, started: Instant, remaining: u64, limit: u64) {
        if !self.options.enabled || limit < 2 {
            return;
        }
        // The requests started up to this one's start took their tokens before it (near
        // enough; a few answered 429 are counted too, which errs low).
        let before = self.starts_forgotten + self.starts.partition_point(|&at| at <= started) as u64;
        if self.bucket.back().is_some_and(|&(at, ..)| at > started) {
            // Answered out of order: the readings stay in the order of their starts.
            return;
        }
        self.bucket.push_back((started, before, remaining, limit));
        while self.bucket.front().is_some_and(|&(at, ..)| now.saturating_duration_since(at) > BUCKET_WINDOW) {
            self.bucket.pop_front();
        }
        // A full bucket drops what it refills: measure only over readings of a bucket at most
        // half full (being drained, it cannot have filled up between two readings).
        let below_full = |&(_, _, remaining, limit): &(Instant, u64, u64, u64)| remaining * 2 <= limit;
        if !self.bucket.back().is_some_and(below_full) {
            return;
        }
        let newest = *self.bucket.back().expect("just pushed");
        let Some(oldest) = self.bucket.iter().rev().take_while(|r| below_full(r)).last().copied() else {
            return;
        };
        let span = newest.0.saturating_duration_since(oldest.0);
        if span < BUCKET_MIN_SPAN {
            return;
        }
        let taken = (newest.1 - oldest.1) as f64;
        let gained = newest.2 as f64 - oldest.2 as f64;
        let fill = (taken + gained) / span.as_secs_f64();
        if !(fill.is_finite() && fill > 0.0) {
            return;
        }
        self.fill = Some(fill);
        // Paced already (the site has shown its limit): follow the measurement down at once,
        // and up once past the hold after a cut.
        if let Some(rate) = self.rate {
            let target = (fill * FILL_SHARE).max(self.options.min_rate);
            if target < rate || now >= self.last_cut + self.options.hold {
                self.rate = Some(target);
                self.note_lowest(target);
                self.ceiling = Some(target);
            }
        }
    }

    /// Records that a request starts now.
    pub fn note_start(&mut self, now: Instant) {
        self.starts.push_back(now);
        while self.starts.front().is_some_and(|&at| now.saturating_duration_since(at) > BUCKET_WINDOW * 2) {
            self.starts.pop_front();
            self.starts_forgotten += 1;
        }
    }

    /// The site's refill rate as measured from its bucket readings, if it was.
    pub fn measured_fill(&self) -> Option<f64> {
        self.fill
    }

    fn note_lowest(&mut self, rate: f64) {
        self.lowest_rate = Some(self.lowest_rate.map_or(rate, |lowest| lowest.min(rate)));
    }

    fn set_rate(&mut self, now: Instant, rate: f64, ceiling: Option<f64>) {
        self.note_lowest(rate);
        self.answers_since_cut = 0;
        self.rate = Some(rate);
        self.ceiling = ceiling;
        self.last_cut = now;
        self.last_growth = now;
        self.cuts += 1;
        // Slots handed out at the old rate stand; the next one follows the new spacing.
        self.next_slot = self.next_slot.min(now + Duration::from_secs_f64(1.0 / rate));
    }

    /// Accepted answers per second over the recent window, leaving out the time paused.
    fn accepted_rate(&self, now: Instant) -> f64 {
        let span = self.accepted.front().map_or(Duration::ZERO, |&first| {
            let paused: Duration = self
                .pauses
                .iter()
                .map(|&(start, end)| end.min(now).saturating_duration_since(start.max(first)))
                .sum();
            now.saturating_duration_since(first).saturating_sub(paused)
        });
        self.accepted.len() as f64 / span.max(self.options.min_span).as_secs_f64()
    }

    /// Holds every request for `delay` from `now` (never shortens a longer pause).
    pub fn pause_for(&mut self, now: Instant, delay: Duration) {
        let at = now + delay;
        let held_until = self.paused_until(now).unwrap_or(now);
        self.paused_total += at.saturating_duration_since(held_until);
        match self.pauses.back_mut() {
            Some((_, end)) if *end >= now => *end = (*end).max(at),
            _ => self.pauses.push_back((now, at)),
        }
        let window = self.options.window;
        while self.pauses.front().is_some_and(|&(_, end)| now.saturating_duration_since(end) > window) {
            self.pauses.pop_front();
        }
    }

    /// Wall-clock time covered by pauses so far (overlapping pauses count once).
    pub fn paused_total(&self) -> Duration {
        self.paused_total
    }

    /// The lowest rate requests were paced to so far.
    pub fn lowest_rate(&self) -> Option<f64> {
        self.lowest_rate
    }

    /// The moment the current pause ends, if there is one: no request starts before it.
    pub fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.pauses.back().map(|&(_, end)| end).filter(|end| *end > now)
    }
}

/// The shared state of one site.
#[derive(Debug)]
pub struct RateLimiter {
    pacer: Mutex<Pacer>,
}

impl RateLimiter {
    pub fn new(options: PacingOptions) -> Self {
        Self { pacer: Mutex::new(Pacer::new(options, Instant::now())) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request may start.
    pub async fn ready(&self) {
        loop {
            let start = self.lock().reserve(Instant::now());
            if start <= Instant::now() {
                self.lock().note_start(Instant::now());
                return;
            }
            tokio::time::sleep_until(start).await;
            // A pause that began while we slept holds this request too.
            if self.paused_until().is_none() {
                self.lock().note_start(Instant::now());
                return;
            }
        }
    }

    /// Holds every request to this site for `delay` from now (never shortens a longer pause).
    pub fn pause_for(&self, delay: Duration) {
        self.lock().pause_for(Instant::now(), delay);
    }

    /// The moment the current pause ends, if the site is paused.
    pub fn paused_until(&self) -> Option<Instant> {
        self.lock().paused_until(Instant::now())
    }

    /// The paced rate in requests per second, `None` while unpaced.
    pub fn rate(&self) -> Option<f64> {
        self.lock().rate()
    }

    /// Wall-clock time covered by shared pauses so far.
    pub fn paused_total(&self) -> Duration {
        self.lock().paused_total()
    }

    /// The lowest rate requests were paced to so far.
    pub fn lowest_rate(&self) -> Option<f64> {
        self.lock().lowest_rate()
    }

    /// Records what an answer to a request started at `started` said about the limits. True for a
    /// 429 that is a hiccup (see [`Pacer::observe`]): only its request waits.
    pub fn observe(&self, started: Instant, limited: bool, headers: &RateLimitHeaders) -> bool {
        let signal = if limited {
            Signal::Limited
        } else if headers.near_limit {
            Signal::NearLimit
        } else {
            Signal::Clean
        };
        let mut pacer = self.lock();
        let now = Instant::now();
        let hiccup = pacer.observe(now, started, signal, headers.published_rate());
        if let (false, Some(remaining), Some(limit)) = (limited, headers.remaining, headers.limit) {
            pacer.note_bucket(now, started, remaining, limit);
        }
        hiccup
    }

    /// How many 429s were taken as hiccups.
    pub fn hiccups(&self) -> u64 {
        self.lock().hiccups()
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
        assert_eq!(parsed.published_rate(), None);

        let mut headers = HeaderMap::new();
        headers.insert("X-RateLimit-NearLimit", HeaderValue::from_static("TRUE"));
        headers.insert("X-RateLimit-FillRate", HeaderValue::from_static("50"));
        headers.insert("X-RateLimit-Interval-Seconds", HeaderValue::from_static("2"));
        let parsed = RateLimitHeaders::from_headers(&headers);
        assert!(parsed.near_limit);
        assert_eq!(parsed.published_rate(), Some(25.0));
    }

    fn options() -> PacingOptions {
        PacingOptions::default()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nothing_is_paced_before_the_first_sign_of_a_limit() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(options(), t0);
        for i in 0..1000 {
            let now = t0 + Duration::from_micros(i * 10);
            assert_eq!(pacer.reserve(now), now);
            pacer.observe(now, now, Signal::Clean, None);
        }
        assert_eq!(pacer.rate(), None);
    }

    /// Feeds `n` accepted answers to `pacer`, one every `step` ms from `t0`.
    fn accept(pacer: &mut Pacer, t0: Instant, n: u64, step: u64) {
        for i in 0..n {
            let now = t0 + ms(i * step);
            pacer.observe(now, now, Signal::Clean, None);
        }
    }

    #[test]
    fn a_lone_429_among_accepted_answers_is_a_hiccup_from_the_start() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(options(), t0);
        accept(&mut pacer, t0, 50, 10);
        let now = t0 + ms(500);
        assert!(pacer.observe(now, now, Signal::Limited, None), "only its request waits");
        assert_eq!(pacer.rate(), None);
        assert_eq!(pacer.reserve(now), now);
        assert_eq!(pacer.hiccups(), 1);

        // Among a run's first answers too, a cluster of a few 429s is taken for hiccups; more
        // than the prior allows (the sixth after five accepted answers) is a sign of a limit.
        let mut early = Pacer::new(options(), t0);
        accept(&mut early, t0, 5, 10);
        for i in 0..5 {
            let now = t0 + ms(50 + i);
            assert!(early.observe(now, now, Signal::Limited, None), "429 number {}", i + 1);
            assert_eq!(early.rate(), None);
        }
        assert!(!early.observe(t0 + ms(60), t0 + ms(60), Signal::Limited, None));
        assert!(early.rate().is_some());

        // A site that refuses everything from the first request: each 429 holds everyone (no
        // hiccups before four requests were accepted) and starts no pacing; the sixth in a row
        // is a sign of a limit, and the answers accepted next set the paced rate.
        let mut refusing = Pacer::new(options(), t0);
        for i in 0..5 {
            assert!(!refusing.observe(t0 + ms(i), t0 + ms(i), Signal::Limited, None));
            assert!(refusing.unrelated, "429 number {}", i + 1);
        }
        refusing.observe(t0 + ms(5), t0 + ms(5), Signal::Limited, None);
        assert!(!refusing.unrelated);
        accept(&mut refusing, t0 + ms(10), 5, 10);
        refusing.reserve(t0 + ms(200));
        assert!(refusing.rate().is_some());
    }

    #[test]
    fn the_first_429_that_is_no_hiccup_sets_the_rate_from_the_answers_accepted_and_starts_are_spaced() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(options(), t0);
        // 50 answers accepted over half a second, then 429s: more than one in eight of the
        // answers and the prior's 20, and two more, is no hiccup (the thirteenth 429 among 63).
        accept(&mut pacer, t0, 50, 10);
        let now = t0 + ms(500);
        let hiccups = (0..14).take_while(|_| pacer.observe(now, now, Signal::Limited, None)).count();
        assert_eq!(hiccups, 12);
        let rate = pacer.rate().expect("paced");
        assert!((rate - 100.0).abs() < 5.0, "{rate}");
        let starts: Vec<Instant> = (0..5).map(|_| pacer.reserve(now)).collect();
        for pair in starts.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap >= ms(9) && gap <= ms(11), "{gap:?}");
        }
    }

    #[test]
    fn the_rate_accepted_leaves_out_time_paused() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(options(), t0);
        // 20 answers in 200 ms, everyone held 600 ms by a Retry-After, 20 more in 200 ms: the
        // site took 40 in 400 ms of sending, 100/s (40/s if the pause counted).
        accept(&mut pacer, t0, 20, 10);
        pacer.pause_for(t0 + ms(200), ms(600));
        accept(&mut pacer, t0 + ms(800), 20, 10);
        let now = t0 + ms(1000);
        pacer.observe(now, now, Signal::NearLimit, None);
        let rate = pacer.rate().expect("paced");
        assert!((rate - 100.0).abs() < 10.0, "{rate}");
    }

    #[test]
    fn a_published_fill_rate_is_used_as_the_first_estimate() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(options(), t0);
        pacer.observe(t0, t0, Signal::NearLimit, Some(40.0));
        assert_eq!(pacer.rate(), Some(40.0));
    }

    #[test]
    fn cuts_once_per_hold_and_ignores_answers_to_requests_started_before_the_cut() {
        let start = Instant::now();
        let mut pacer = Pacer::new(options(), start);
        for i in 0..100 {
            pacer.observe(start + ms(i * 10), start + ms(i * 10), Signal::Clean, None);
        }
        let t0 = start + ms(1000);
        pacer.observe(t0, t0, Signal::NearLimit, Some(100.0));
        let after = t0 + ms(200);
        // Started before the cut: says nothing about the new rate.
        pacer.observe(after, t0, Signal::Limited, None);
        assert_eq!(pacer.rate(), Some(100.0));
        pacer.observe(after, after, Signal::Limited, None);
        assert_eq!(pacer.rate(), Some(70.0));
        // Within the hold: ignored.
        pacer.observe(after + ms(50), after + ms(10), Signal::NearLimit, None);
        assert_eq!(pacer.rate(), Some(70.0));
        let later = after + ms(200);
        pacer.observe(later, later, Signal::NearLimit, None);
        assert!((pacer.rate().unwrap() - 59.5).abs() < 1e-9);
    }

    /// Drives the pacer against a simulated site bucket (per second `limit`, `burst`) with
    /// requests always waiting: the rate must settle near the limit with few refusals.
    fn simulate(limit: f64, burst: f64, seconds: u64, near_limit_headers: bool) -> (f64, u64, u64) {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(options(), t0);
        let mut tokens = burst;
        let mut refilled = t0;
        let mut now = t0;
        let (mut accepted, mut refused) = (0u64, 0u64);
        let end = t0 + Duration::from_secs(seconds);
        let mut accepted_late = 0u64;
        while now < end {
            let start = pacer.reserve(now);
            now = start.max(now + Duration::from_micros(100));
            tokens = (tokens + (now - refilled).as_secs_f64() * limit).min(burst);
            refilled = now;
            let signal = if tokens >= 1.0 {
                tokens -= 1.0;
                accepted += 1;
                if now >= t0 + Duration::from_secs(seconds / 2) {
                    accepted_late += 1;
                }
                if near_limit_headers && tokens < burst * 0.2 { Signal::NearLimit } else { Signal::Clean }
            } else {
                refused += 1;
                Signal::Limited
            };
            // As the transport does: a 429 that is no hiccup holds everyone for its
            // `Retry-After`; a hiccup holds only its own request (the others go on).
            if !pacer.observe(now, start, signal, None) && signal == Signal::Limited {
                pacer.pause_for(now, Duration::from_secs(1));
            }
        }
        let _ = accepted;
        (accepted_late as f64 / (seconds / 2) as f64, refused, pacer.cuts())
    }

    #[test]
    fn with_near_limit_headers_the_rate_settles_near_the_limit() {
        let (rate, refused, cuts) = simulate(100.0, 10.0, 60, true);
        eprintln!("near-limit: {rate:.1}/s, {refused} refused, {cuts} cuts");
        assert!(rate >= 95.0, "{rate}");
        assert!(refused <= 3, "{refused}");
    }

    #[test]
    fn with_only_429s_the_rate_still_converges() {
        let (rate, refused, cuts) = simulate(100.0, 10.0, 60, false);
        eprintln!("429 only: {rate:.1}/s, {refused} refused, {cuts} cuts");
        assert!(rate >= 75.0, "{rate}");
        // 14 when every 429 counted from the start; a site that sends no rate-limit header at
        // all costs up to six more, taken for hiccups among its first answers (see
        // `HICCUP_PRIOR`), before its 429s are too many for hiccups.
        assert!(refused <= 20, "{refused}");
    }

    /// Like `simulate`, but the site also says how many tokens remain after each request (as
    /// `X-RateLimit-Remaining`), and every 429 pauses everyone for a second.
    fn simulate_with_remaining(limit: f64, burst: f64, seconds: u64) -> (f64, u64, Option<f64>) {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(options(), t0);
        let (mut tokens, mut refilled, mut now) = (burst, t0, t0);
        let (mut accepted_late, mut refused) = (0u64, 0u64);
        let end = t0 + Duration::from_secs(seconds);
        while now < end {
            let start = pacer.reserve(now);
            now = start.max(now + Duration::from_micros(100));
            pacer.note_start(now);
            tokens = (tokens + (now - refilled).as_secs_f64() * limit).min(burst);
            refilled = now;
            if tokens >= 1.0 {
                tokens -= 1.0;
                if now >= t0 + Duration::from_secs(seconds / 2) {
                    accepted_late += 1;
                }
                let signal = if tokens < burst * 0.2 { Signal::NearLimit } else { Signal::Clean };
                pacer.observe(now, now, signal, None);
                pacer.note_bucket(now, now, tokens as u64, burst as u64);
            } else {
                refused += 1;
                if !pacer.observe(now, now, Signal::Limited, None) {
                    pacer.pause_for(now, Duration::from_secs(1));
                }
            }
        }
        (accepted_late as f64 / (seconds / 2) as f64, refused, pacer.measured_fill())
    }

    #[test]
    fn the_remaining_header_measures_the_sites_rate_and_pacing_stays_just_below_it() {
        let (rate, refused, fill) = simulate_with_remaining(100.0, 10.0, 60);
        eprintln!("remaining: {rate:.1}/s, {refused} refused, measured {fill:?}");
        let fill = fill.expect("measured");
        assert!((fill - 100.0).abs() < 5.0, "{fill}");
        assert!(rate >= 93.0, "{rate}");
        assert!(refused <= 3, "{refused}");
    }

    /// A site that refuses 3% of requests at random, whatever the rate, with the client
    /// wanting 300 requests/s: the first 429s start pacing, cuts do not stop them, pacing ends,
    /// and from then on only the request refused waits (no shared pause, no cut).
    #[test]
    fn random_429s_end_pacing_and_then_hold_no_one_else() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(options(), t0);
        let mut now = t0;
        let mut draw = 16u64;
        let (mut accepted_late, mut shared_pauses, mut hiccups) = (0u64, 0u64, 0u64);
        let seconds = 30;
        let end = t0 + Duration::from_secs(seconds);
        while now < end {
            let start = pacer.reserve(now);
            now = start.max(now + Duration::from_micros(3333));
            pacer.note_start(now);
            draw = draw.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let refused = (draw >> 33) % 100 < 3;
            if refused {
                if pacer.observe(now, now, Signal::Limited, None) {
                    hiccups += 1;
                } else {
                    shared_pauses += 1;
                    pacer.pause_for(now, Duration::from_secs(1));
                }
            } else {
                pacer.observe(now, now, Signal::Clean, None);
                if now >= t0 + Duration::from_secs(seconds / 2) {
                    accepted_late += 1;
                }
            }
        }
        let rate = accepted_late as f64 / (seconds / 2) as f64;
        eprintln!("random 429s: {rate:.1}/s accepted late, {shared_pauses} shared pauses, {hiccups} hiccups");
        assert!(rate >= 0.9 * 300.0 * 0.97, "{rate}");
        assert!(shared_pauses <= 6, "{shared_pauses}");
        assert_eq!(pacer.rate(), None);
    }

    #[test]
    fn pacing_ends_after_a_quiet_spell() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(PacingOptions { forget_after: ms(500), ..options() }, t0);
        pacer.observe(t0, t0, Signal::Limited, Some(10.0));
        assert!(pacer.rate().is_some());
        let later = t0 + ms(600);
        assert_eq!(pacer.reserve(later), later);
        assert_eq!(pacer.rate(), None);
    }

    #[tokio::test]
    async fn a_pause_holds_everyone_and_is_never_shortened() {
        let limiter = RateLimiter::new(PacingOptions::default());
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
    async fn once_limited_starts_are_paced() {
        let limiter = RateLimiter::new(PacingOptions::default());
        let near = RateLimitHeaders { near_limit: true, fill_rate: Some(50.0), ..Default::default() };
        limiter.observe(Instant::now(), false, &near);
        let start = Instant::now();
        for _ in 0..6 {
            limiter.ready().await;
        }
        assert!(start.elapsed() >= Duration::from_millis(90), "{:?}", start.elapsed());
    }
}
