//! Rate-limit pacing, as a pure state machine (okta-reference §5).
//!
//! Okta limits are per *bucket* (a set of endpoints and methods) and per org, shared with
//! every other integration. The [`Pacer`] is fed the `X-Rate-Limit-Limit/-Remaining/-Reset`
//! headers of each response and answers, before each call, either "go" or "wait until T".
//! It keeps this client within its share of each bucket (default 50 %, which is also
//! Okta's default per-token cap), keeps a small reserve of the org's remaining calls for
//! others, and beyond a small burst spreads calls evenly over the window, so a 429 does not
//! happen in normal operation. Time is passed in as milliseconds on the caller's clock;
//! nothing here sleeps or reads a clock.

use std::collections::HashMap;

use http::{HeaderMap, Method};

use crate::error::header_str;

/// Pacing policy.
#[derive(Clone, Copy, Debug)]
pub struct PacerConfig {
    /// Fraction (0–1] of each bucket's per-window limit this client may use.
    pub share: f64,
    /// Fraction of the bucket limit left untouched in `Remaining` for other clients.
    pub reserve: f64,
    /// Extra time waited past a bucket's reset, covering clock skew and the one-second
    /// resolution of `Date` and `X-Rate-Limit-Reset`.
    pub reset_margin_ms: u64,
    /// Fraction of the per-window budget that may be sent at once; beyond it calls are
    /// spread evenly over the window (a token bucket refilled at budget per minute), so a
    /// long sync never drains a bucket in a burst while a short one is not slowed.
    /// `1.0` disables spreading.
    pub burst: f64,
}

impl Default for PacerConfig {
    fn default() -> PacerConfig {
        PacerConfig {
            share: 0.5,
            reserve: 0.05,
            reset_margin_ms: 1000,
            burst: 0.2,
        }
    }
}

/// What the rate-limit headers of one response say, with `Reset` converted to the
/// caller's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    /// `X-Rate-Limit-Limit`: calls allowed per window (0 for a concurrency rejection).
    pub limit: u32,
    /// `X-Rate-Limit-Remaining`.
    pub remaining: u32,
    /// When the window resets, in the caller's milliseconds, margin included.
    pub reset_at_ms: u64,
}

impl Observation {
    /// Reads the three headers. `Reset` is server epoch seconds; when the response has a
    /// `Date` header the reset is computed relative to it (`now + (Reset − Date)`), which
    /// cancels any skew between our clock and Okta's, as Okta's Go SDK does.
    pub fn from_headers(headers: &HeaderMap, now_ms: u64, margin_ms: u64) -> Option<Observation> {
        let num = |name: &str| header_str(headers, name).and_then(|v| v.trim().parse::<u64>().ok());
        let limit = num("x-rate-limit-limit")?;
        let remaining = num("x-rate-limit-remaining")?;
        let reset_s = num("x-rate-limit-reset")?;
        let server_now_ms = header_str(headers, "date")
            .and_then(httpdate_to_unix)
            .map(|s| s.saturating_mul(1000))
            .unwrap_or(now_ms);
        let until_reset = reset_s.saturating_mul(1000).saturating_sub(server_now_ms);
        Some(Observation {
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            reset_at_ms: now_ms.saturating_add(until_reset).saturating_add(margin_ms),
        })
    }
}

/// The pacer's answer before a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Send now (the call has been counted against the bucket).
    Go,
    /// Ask again at this time (caller's milliseconds).
    WaitUntil(u64),
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    limit: u32,
    remaining: u32,
    reset_at_ms: u64,
    used: u32,
    last_admit_ms: u64,
    /// The reset time is our guess after a local roll-over, not yet confirmed by Okta.
    estimated: bool,
}

/// Per-bucket rate-limit state for one org (one client).
#[derive(Debug)]
pub struct Pacer {
    config: PacerConfig,
    buckets: HashMap<String, Bucket>,
}

/// Okta windows are one minute long.
const WINDOW_MS: u64 = 60_000;

impl Pacer {
    /// A pacer with no knowledge of any bucket yet.
    pub fn new(config: PacerConfig) -> Pacer {
        Pacer {
            config,
            buckets: HashMap::new(),
        }
    }

    /// The policy in force.
    pub fn config(&self) -> PacerConfig {
        self.config
    }

    /// Asks whether a call to `bucket` may go now. A `Go` counts the call.
    pub fn admit(&mut self, bucket: &str, now_ms: u64) -> Admission {
        let config = self.config;
        let Some(b) = self.buckets.get_mut(bucket) else {
            // Unknown bucket: the first response will teach us its limits.
            return Admission::Go;
        };
        if now_ms >= b.reset_at_ms {
            // The window rolled over; until a response says otherwise assume a fresh one.
            b.used = 0;
            b.remaining = b.limit;
            b.reset_at_ms = now_ms.saturating_add(WINDOW_MS);
            b.estimated = true;
        }
        let share_budget = ((f64::from(b.limit) * config.share).floor() as u32).max(1);
        // Floor, so a tiny bucket (Limit 1) is not reserved away entirely.
        let reserve = (f64::from(b.limit) * config.reserve).floor() as u32;
        let by_share = share_budget.saturating_sub(b.used);
        let by_org = b.remaining.saturating_sub(reserve);
        let left = by_share.min(by_org);
        if left == 0 {
            return Admission::WaitUntil(b.reset_at_ms);
        }
        if config.burst < 1.0 {
            // Token bucket: `burst` up front, then refilled evenly until the reset.
            let budget = f64::from(share_budget);
            let capacity = (budget * config.burst.max(0.0)).max(1.0);
            let start = b.reset_at_ms.saturating_sub(WINDOW_MS);
            let elapsed = now_ms.saturating_sub(start).min(WINDOW_MS) as f64;
            let rate = budget / WINDOW_MS as f64;
            let allowed = (capacity + rate * elapsed).min(budget);
            let wanted = f64::from(b.used) + 1.0;
            if wanted > allowed {
                let at = start as f64 + (wanted - capacity) / rate;
                return Admission::WaitUntil((at.ceil() as u64).min(b.reset_at_ms).max(now_ms + 1));
            }
        }
        b.used += 1;
        b.remaining = b.remaining.saturating_sub(1);
        b.last_admit_ms = now_ms;
        Admission::Go
    }

    /// Feeds the rate-limit headers of a response from `bucket`.
    pub fn observe(&mut self, bucket: &str, obs: Observation, now_ms: u64) {
        if obs.limit == 0 {
            // A concurrency rejection reports Limit 0; it says nothing about the window.
            return;
        }
        let Some(b) = self.buckets.get_mut(bucket) else {
            self.buckets.insert(
                bucket.to_owned(),
                Bucket {
                    limit: obs.limit,
                    remaining: obs.remaining,
                    reset_at_ms: obs.reset_at_ms,
                    used: 1,
                    last_admit_ms: now_ms,
                    estimated: false,
                },
            );
            return;
        };
        // Resets computed from different responses of one window differ by up to a
        // second (header resolution), hence the tolerance.
        const SAME_WINDOW_MS: u64 = 1500;
        if b.estimated || obs.reset_at_ms > b.reset_at_ms.saturating_add(SAME_WINDOW_MS) {
            // First sight of a new window. Calls we counted in the old one may already
            // count in the new one; everyone's usage (Limit − Remaining) bounds ours.
            if !b.estimated {
                b.used = b.used.min(obs.limit.saturating_sub(obs.remaining)).max(1);
            }
            b.remaining = obs.remaining;
            b.reset_at_ms = obs.reset_at_ms;
            b.estimated = false;
        } else if obs.reset_at_ms.saturating_add(SAME_WINDOW_MS) >= b.reset_at_ms {
            // Same window: remaining only goes down; keep the later reset estimate.
            b.remaining = b.remaining.min(obs.remaining);
            b.reset_at_ms = b.reset_at_ms.max(obs.reset_at_ms);
        }
        // Otherwise a late response from the previous window: nothing to learn.
        b.limit = obs.limit;
    }

    /// After a 429: when to retry (the bucket's reset plus jitter), and the bucket is
    /// marked exhausted so other calls to it wait too. `jitter` is in [0, 1).
    pub fn after_429(
        &mut self,
        bucket: &str,
        obs: Option<Observation>,
        attempt: u32,
        jitter: f64,
        now_ms: u64,
    ) -> u64 {
        let jitter_ms = (jitter.clamp(0.0, 1.0) * 1000.0 * f64::from(attempt.clamp(1, 5))) as u64;
        match obs.filter(|o| o.limit > 0 && o.reset_at_ms > now_ms) {
            Some(o) => {
                self.observe(bucket, o, now_ms);
                if let Some(b) = self.buckets.get_mut(bucket) {
                    b.remaining = 0;
                }
                o.reset_at_ms.saturating_add(jitter_ms)
            }
            // Concurrency 429 or no usable headers: exponential backoff.
            None => now_ms.saturating_add(backoff_ms(attempt, jitter)),
        }
    }
}

/// Exponential backoff for 5xx, dropped connections and header-less 429s:
/// 500 ms · 2^(attempt−1), capped at 30 s, plus up to the same again of jitter.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u64 {
    let base = 500u64
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(6))
        .min(30_000);
    base + (base as f64 * jitter.clamp(0.0, 1.0)) as u64
}

/// The bucket a call is counted in, following Okta's published bucket table
/// (okta-reference §5.2): app sub-resources share the apps bucket, users split into
/// list/create, get-by-id and write-by-id, and everything else is keyed by method and
/// path template (ids replaced by `{id}`), which errs on the side of smaller buckets.
pub fn bucket_for(method: &Method, path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let get = *method == Method::GET;
    match segments.as_slice() {
        ["api", "v1", "apps"] => "apps".to_owned(),
        ["api", "v1", "apps", _] => "apps/{id}".to_owned(),
        ["api", "v1", "apps", _, ..] => "apps".to_owned(),
        ["api", "v1", "users"] => "users".to_owned(),
        ["api", "v1", "users", _] if get => "users/{id}:get".to_owned(),
        ["api", "v1", "users", _] => "users/{id}:write".to_owned(),
        ["api", "v1", "users", _, ..] => "users/{id}/*".to_owned(),
        ["api", "v1", "groups"] => "groups".to_owned(),
        // Okta does not publish where sub-resources land; grouping them with the object
        // is the conservative choice (a shared budget is never overdrawn).
        ["api", "v1", "groups", _, ..] => "groups/{id}".to_owned(),
        ["api", "v1", "logs"] => "logs".to_owned(),
        ["oauth2", "v1", "token"] => "oauth2/token".to_owned(),
        _ => {
            let template: Vec<&str> = segments
                .iter()
                .enumerate()
                .map(|(i, s)| if i >= 3 && i % 2 == 1 { "{id}" } else { s })
                .collect();
            format!("{method} /{}", template.join("/"))
        }
    }
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds.
fn httpdate_to_unix(value: &str) -> Option<u64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let dt = time::PrimitiveDateTime::parse(value.trim(), &format).ok()?;
    u64::try_from(dt.assume_utc().unix_timestamp()).ok()
}

#[cfg(test)]
mod tests;
