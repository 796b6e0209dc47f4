use http::{HeaderMap, HeaderValue, Method};

use super::*;

fn obs(limit: u32, remaining: u32, reset_at_ms: u64) -> Observation {
    Observation {
        limit,
        remaining,
        reset_at_ms,
    }
}

fn unsmoothed(share: f64) -> Pacer {
    Pacer::new(PacerConfig {
        share,
        reserve: 0.0,
        reset_margin_ms: 0,
        burst: 1.0,
    })
}

#[test]
fn unknown_bucket_goes_immediately() {
    let mut p = Pacer::new(PacerConfig::default());
    assert_eq!(p.admit("users", 0), Admission::Go);
}

#[test]
fn stays_within_its_share_then_waits_for_reset() {
    let mut p = unsmoothed(0.5);
    // Limit 10 → our budget is 5; the first call (unknown bucket) counts as one.
    p.observe("users", obs(10, 9, 60_000), 0);
    let goes = (0..10)
        .take_while(|_| p.admit("users", 1_000) == Admission::Go)
        .count();
    assert_eq!(goes, 4);
    assert_eq!(p.admit("users", 1_000), Admission::WaitUntil(60_000));
    // After the reset a new window starts.
    assert_eq!(p.admit("users", 60_000), Admission::Go);
}

#[test]
fn respects_what_others_left_in_remaining() {
    let mut p = Pacer::new(PacerConfig {
        share: 1.0,
        reserve: 0.1,
        reset_margin_ms: 0,
        burst: 1.0,
    });
    // Others used most of the window: 3 left, 1 (10 %) kept in reserve → 2 for us.
    p.observe("logs", obs(10, 3, 30_000), 0);
    assert_eq!(p.admit("logs", 0), Admission::Go);
    assert_eq!(p.admit("logs", 0), Admission::Go);
    assert_eq!(p.admit("logs", 0), Admission::WaitUntil(30_000));
}

#[test]
fn beyond_the_burst_calls_are_spread_over_the_window() {
    let mut p = Pacer::new(PacerConfig {
        share: 1.0,
        reserve: 0.0,
        reset_margin_ms: 0,
        burst: 0.1,
    });
    // A window of 600 started now: 60 calls may go at once (the observed one counts).
    p.observe("users", obs(600, 599, 60_000), 0);
    let burst = (0..100)
        .take_while(|_| p.admit("users", 0) == Admission::Go)
        .count();
    assert_eq!(burst, 59);
    // Then 10 per second: the next call waits 100 ms.
    assert_eq!(p.admit("users", 0), Admission::WaitUntil(100));
    assert_eq!(p.admit("users", 100), Admission::Go);
    assert_eq!(p.admit("users", 100), Admission::WaitUntil(200));
    // Halfway through the window, the unused refill is available again.
    let later = (0..1000)
        .take_while(|_| p.admit("users", 30_000) == Admission::Go)
        .count();
    assert_eq!(later, 299);
}

#[test]
fn new_window_from_headers_replaces_the_old_one() {
    let mut p = unsmoothed(1.0);
    p.observe("groups", obs(4, 0, 60_000), 0);
    assert_eq!(p.admit("groups", 1_000), Admission::WaitUntil(60_000));
    // A response from the next window (reset a minute later) resets our view.
    p.observe("groups", obs(4, 3, 120_000), 61_000);
    assert_eq!(p.admit("groups", 61_000), Admission::Go);
}

#[test]
fn late_response_from_an_old_window_is_ignored() {
    let mut p = unsmoothed(1.0);
    p.observe("groups", obs(10, 9, 120_000), 61_000);
    p.observe("groups", obs(10, 0, 60_000), 61_500);
    assert_eq!(p.admit("groups", 61_600), Admission::Go);
}

#[test]
fn after_429_waits_for_reset_plus_jitter_and_blocks_the_bucket() {
    let mut p = unsmoothed(1.0);
    let until = p.after_429("users", Some(obs(10, 0, 30_000)), 1, 0.5, 1_000);
    assert_eq!(until, 30_500);
    assert_eq!(p.admit("users", 2_000), Admission::WaitUntil(30_000));
    // A concurrency 429 (Limit 0) or no headers: exponential backoff.
    let until = p.after_429("apps", Some(obs(0, 0, 30_000)), 2, 0.0, 1_000);
    assert_eq!(until, 1_000 + backoff_ms(2, 0.0));
}

#[test]
fn a_bucket_of_one_is_usable_after_its_reset() {
    let mut p = Pacer::new(PacerConfig::default());
    p.after_429("users", Some(obs(1, 0, 61_000)), 1, 0.0, 1_000);
    assert_eq!(p.admit("users", 2_000), Admission::WaitUntil(61_000));
    assert_eq!(p.admit("users", 61_000), Admission::Go);
}

#[test]
fn backoff_grows_and_is_capped() {
    assert_eq!(backoff_ms(1, 0.0), 500);
    assert_eq!(backoff_ms(2, 0.0), 1_000);
    assert_eq!(backoff_ms(3, 0.0), 2_000);
    assert_eq!(backoff_ms(30, 0.0), 30_000);
    assert_eq!(backoff_ms(1, 1.0), 1_000);
}

#[test]
fn observation_uses_the_date_header_against_skew() {
    let mut h = HeaderMap::new();
    h.insert("x-rate-limit-limit", HeaderValue::from_static("600"));
    h.insert("x-rate-limit-remaining", HeaderValue::from_static("598"));
    h.insert("x-rate-limit-reset", HeaderValue::from_static("1767225660"));
    h.insert(
        "date",
        HeaderValue::from_static("Thu, 01 Jan 2026 00:00:30 GMT"),
    );
    // Our clock is 5 minutes ahead of Okta's; the reset is still 30 s away.
    let now = (1_767_225_630 + 300) * 1000;
    let o = Observation::from_headers(&h, now, 1000).unwrap();
    assert_eq!(o, obs(600, 598, now + 30_000 + 1000));
    h.remove("x-rate-limit-remaining");
    assert_eq!(Observation::from_headers(&h, now, 1000), None);
}

#[test]
fn buckets_follow_oktas_published_families() {
    let b = |m: Method, p: &str| bucket_for(&m, p);
    assert_eq!(b(Method::GET, "/api/v1/users"), "users");
    assert_eq!(b(Method::GET, "/api/v1/users/00u1"), "users/{id}:get");
    assert_eq!(b(Method::POST, "/api/v1/users/00u1"), "users/{id}:write");
    assert_eq!(
        b(Method::POST, "/api/v1/users/00u1/lifecycle/suspend"),
        "users/{id}/*"
    );
    assert_eq!(b(Method::GET, "/api/v1/apps"), "apps");
    assert_eq!(b(Method::GET, "/api/v1/apps/0oa1"), "apps/{id}");
    assert_eq!(b(Method::GET, "/api/v1/apps/0oa1/users"), "apps");
    assert_eq!(b(Method::GET, "/api/v1/groups/00g1/users"), "groups/{id}");
    assert_eq!(b(Method::GET, "/api/v1/logs"), "logs");
    assert_eq!(
        b(Method::GET, "/api/v1/meta/schemas/user/default"),
        "GET /api/v1/meta/{id}/user/{id}"
    );
}
