//! Okta's rate-limit buckets: per-minute windows per bucket (method + path family),
//! with an optional per-caller share, reported in `X-Rate-Limit-*` headers.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::Millis;

const WINDOW_MS: Millis = 60_000;

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// `X-Rate-Limit-Limit`.
    pub limit: u32,
    /// `X-Rate-Limit-Remaining`.
    pub remaining: u32,
    /// `X-Rate-Limit-Reset` (epoch seconds).
    pub reset: i64,
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Whether this request crossed the 60 % warning threshold.
    pub warn: bool,
    /// Whether this is the first refusal of the window.
    pub first_violation: bool,
}

#[derive(Debug)]
struct Window {
    start: Millis,
    org_count: u32,
    per_caller: HashMap<String, u32>,
    warned: bool,
    violated: bool,
}

/// Windows per bucket.
#[derive(Debug)]
pub struct RateLimiter {
    override_limit: Option<u32>,
    share_percent: u32,
    windows: Mutex<HashMap<&'static str, Window>>,
}

impl RateLimiter {
    /// A limiter with one budget for every bucket (`Some`) or Okta's defaults.
    pub fn new(override_limit: Option<u32>, share_percent: u32) -> Self {
        Self {
            override_limit,
            share_percent: share_percent.clamp(1, 100),
            windows: Mutex::default(),
        }
    }

    /// Counts a request of `caller` in `bucket` at `now`.
    pub fn check(&self, bucket: Bucket, caller: &str, now: Millis) -> Decision {
        let org_limit = self.override_limit.unwrap_or(bucket.default_limit).max(1);
        let caller_limit = (org_limit.saturating_mul(self.share_percent) / 100).max(1);
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let w = windows.entry(bucket.name).or_insert_with(|| Window {
            start: now,
            org_count: 0,
            per_caller: HashMap::new(),
            warned: false,
            violated: false,
        });
        if now >= w.start + WINDOW_MS || now < w.start {
            *w = Window {
                start: now,
                org_count: 0,
                per_caller: HashMap::new(),
                warned: false,
                violated: false,
            };
        }
        let reset = (w.start + WINDOW_MS).div_euclid(1000);
        let used = w.per_caller.get(caller).copied().unwrap_or(0);
        let allowed = w.org_count < org_limit && used < caller_limit;
        let mut decision = Decision {
            limit: caller_limit,
            remaining: 0,
            reset,
            allowed,
            warn: false,
            first_violation: false,
        };
        if allowed {
            w.org_count += 1;
            let used = used + 1;
            w.per_caller.insert(caller.to_owned(), used);
            decision.remaining = caller_limit
                .saturating_sub(used)
                .min(org_limit.saturating_sub(w.org_count));
            if !w.warned && w.org_count * 10 >= org_limit * 6 {
                w.warned = true;
                decision.warn = true;
            }
        } else if !w.violated {
            w.violated = true;
            decision.first_violation = true;
        }
        decision
    }

    /// Forgets every window.
    pub fn reset(&self) {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

/// A rate-limit bucket: a name (the endpoint family) and its default per-minute quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// e.g. `GET /api/v1/users/{id}`.
    pub name: &'static str,
    /// Okta's last published Workforce number.
    pub default_limit: u32,
}

/// The bucket of a request, from its method and matched route template.
pub fn bucket_for(method: &str, route: &str) -> Bucket {
    let b = |name, default_limit| Bucket {
        name,
        default_limit,
    };
    let write = method != "GET";
    match route {
        "/api/v1/apps/{app_id}" => b("/api/v1/apps/{id}", 500),
        r if r.starts_with("/api/v1/apps") => b("/api/v1/apps*", 100),
        "/api/v1/groups" => b("/api/v1/groups", 500),
        r if r.starts_with("/api/v1/groups/") => b("/api/v1/groups/{id}", 1000),
        "/api/v1/users" => b("/api/v1/users", 600),
        "/api/v1/users/{user_id}" if write => b("POST|PUT|DELETE /api/v1/users/{id}", 600),
        "/api/v1/users/{user_id}" => b("GET /api/v1/users/{idOrLogin}", 2000),
        r if r.starts_with("/api/v1/users/") => b("/api/v1/users/{id}/*", 600),
        "/api/v1/logs" => b("/api/v1/logs", 120),
        "/oauth2/v1/token" => b("/oauth2/v1/token", 600),
        _ => b("/api/v1/*", 1200),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_counts_down_refuses_and_resets() {
        let rl = RateLimiter::new(Some(3), 100);
        let bucket = bucket_for("GET", "/api/v1/users");
        let d: Vec<_> = (0..4).map(|_| rl.check(bucket, "t", 0)).collect();
        assert_eq!(
            d.iter().map(|d| d.remaining).collect::<Vec<_>>(),
            vec![2, 1, 0, 0]
        );
        assert!(!d[3].allowed && d[3].first_violation);
        assert_eq!(d[0].reset, 60);
        assert!(rl.check(bucket, "t", 60_000).allowed);
    }

    #[test]
    fn caller_share_caps_one_caller() {
        let rl = RateLimiter::new(Some(4), 50);
        let bucket = bucket_for("GET", "/api/v1/logs");
        assert!(rl.check(bucket, "a", 0).allowed);
        assert!(rl.check(bucket, "a", 0).allowed);
        assert!(!rl.check(bucket, "a", 0).allowed);
        assert!(rl.check(bucket, "b", 0).allowed);
    }
}
