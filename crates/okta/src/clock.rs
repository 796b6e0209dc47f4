//! The client's clock: wall-clock time at start-up plus tokio's monotonic time since.
//!
//! Monotonic, so pacing never jumps with NTP corrections, and driven by tokio's clock, so
//! tests that pause and advance tokio time see rate-limit windows and token expiry move
//! without sleeping.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

#[derive(Clone, Debug)]
pub(crate) struct Clock {
    base_unix_ms: u64,
    start: tokio::time::Instant,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        let base_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Clock {
            base_unix_ms,
            start: tokio::time::Instant::now(),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub(crate) fn now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.base_unix_ms.saturating_add(elapsed)
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        let ms = i128::from(self.now_ms());
        OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Sleeps until `until_ms` on this clock.
    pub(crate) async fn sleep_until(&self, until_ms: u64) {
        let now = self.now_ms();
        if until_ms > now {
            tokio::time::sleep(std::time::Duration::from_millis(until_ms - now)).await;
        }
    }
}
