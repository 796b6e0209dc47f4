//! Time as the schema stores it: milliseconds since the Unix epoch in a BIGINT.

use time::OffsetDateTime;

/// Milliseconds since the epoch for `at`.
pub(crate) fn to_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The instant stored as `ms` (clamped to the representable range instead of failing on a
/// corrupted row).
pub(crate) fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Now, in milliseconds.
pub(crate) fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}
