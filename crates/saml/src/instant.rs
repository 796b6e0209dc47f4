//! `xs:dateTime` values as SAML uses them: read with an explicit offset
//! (RFC 3339), written in UTC with milliseconds like Okta does.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// Parses an instant; a value without a time zone is refused (`None`).
pub(crate) fn parse(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value.trim(), &Rfc3339).ok()
}

/// Formats as `2026-03-01T10:00:00.100Z`.
pub(crate) fn format(instant: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    instant
        .to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}
