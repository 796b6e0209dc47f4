//! The simulator's clock: wall time, or simulated time that moves only when told.
//!
//! Everything time-dependent in the org (timestamps, token expiry, rate-limit windows,
//! System Log bounds) reads this clock, so tests can move an hour forward without
//! sleeping. Wall mode can be shifted too, which lets tests expire tokens.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch, the unit of every stored timestamp.
pub type Millis = i64;

/// Wall or simulated time plus an offset that `advance` grows.
#[derive(Debug)]
pub struct Clock {
    /// `Some(start)` when time is simulated: it stays at `start + offset`.
    frozen_start: Option<Millis>,
    offset: AtomicI64,
}

impl Clock {
    /// A clock following the wall clock, or frozen at the current instant when
    /// `simulated` is true.
    pub fn new(simulated: bool) -> Self {
        Self {
            frozen_start: simulated.then(wall_millis),
            offset: AtomicI64::new(0),
        }
    }

    /// Current time in milliseconds.
    pub fn now(&self) -> Millis {
        self.frozen_start.unwrap_or_else(wall_millis) + self.offset.load(Ordering::Relaxed)
    }

    /// Moves the clock forward (or back, with a negative value) by `ms` milliseconds.
    pub fn advance(&self, ms: Millis) {
        self.offset.fetch_add(ms, Ordering::Relaxed);
    }

    /// Whether time only moves through [`Clock::advance`].
    pub fn is_simulated(&self) -> bool {
        self.frozen_start.is_some()
    }
}

fn wall_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Formats a timestamp the way Okta does: `2026-03-01T17:04:05.123Z`.
///
/// Hand-rolled (days-to-civil conversion) because list pages format six timestamps
/// per user and this is the hot path of every page.
pub fn format_ms(ms: Millis) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Parses an ISO 8601 / RFC 3339 timestamp (with or without fractional seconds).
pub fn parse_ms(text: &str) -> Option<Millis> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_parses_back() {
        let text = format_ms(1_772_384_645_123);
        assert_eq!(text, "2026-03-01T17:04:05.123Z");
        assert_eq!(parse_ms(&text), Some(1_772_384_645_123));
        assert_eq!(parse_ms("2026-03-01T17:04:05Z"), Some(1_772_384_645_000));
        assert_eq!(parse_ms("yesterday"), None);
        for ms in [
            0,
            951_782_400_000,
            1_709_164_800_999,
            4_102_444_799_999,
            -86_400_000,
        ] {
            let expected =
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
            assert_eq!(parse_ms(&format_ms(ms)), Some(ms), "{expected}");
        }
    }

    #[test]
    fn simulated_clock_moves_only_when_advanced() {
        let clock = Clock::new(true);
        let t0 = clock.now();
        clock.advance(60_000);
        assert_eq!(clock.now(), t0 + 60_000);
    }
}
