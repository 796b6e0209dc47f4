//! Cursor pagination shared by every list.
//!
//! A cursor is opaque to clients: URL-safe base64 of a tagged position, so a cursor from one
//! list is refused by another instead of silently skipping records.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Result, StoreError};

/// The largest page any list returns.
pub const MAX_PAGE: u32 = 500;
/// The page size when the client gives none.
pub const DEFAULT_PAGE: u32 = 100;

/// One page of a list and where the next one starts.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The records, in list order.
    pub items: Vec<T>,
    /// Pass back as `after`/`cursor` to continue; `None` when the list is exhausted (feeds —
    /// audit and events — always return one, so a client can poll for new records).
    pub next_cursor: Option<String>,
}

/// A validated page request: where to start and how many.
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    /// The cursor the client sent, if any.
    pub after: Option<String>,
    /// The page size the client asked for, if any.
    pub limit: Option<u32>,
}

impl PageRequest {
    /// The effective page size, within `1..=MAX_PAGE`.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
    }

    /// The cursor to continue after. An empty one (`?after=`, what a client that fills in
    /// "the cursor so far" sends first) starts at the beginning, like none.
    pub fn cursor(&self) -> Option<&str> {
        self.after.as_deref().filter(|cursor| !cursor.is_empty())
    }
}

pub(crate) fn encode(tag: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}:{position}"))
}

pub(crate) fn decode(tag: &str, cursor: &str) -> Result<String> {
    let bad = || StoreError::InvalidCursor;
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix(tag)
        .and_then(|rest| rest.strip_prefix(':'))
        .map(str::to_owned)
        .ok_or_else(bad)
}

pub(crate) fn decode_seq(tag: &str, cursor: Option<&str>) -> Result<i64> {
    match cursor {
        None => Ok(0),
        Some(c) => decode(tag, c)?
            .parse::<i64>()
            .map_err(|_| StoreError::InvalidCursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_list() {
        let c = encode("evt", "42");
        assert_eq!(decode("evt", &c).unwrap(), "42");
        assert!(decode("aud", &c).is_err());
        assert!(decode("evt", "%%%").is_err());
        assert_eq!(decode_seq("evt", Some(&c)).unwrap(), 42);
        assert_eq!(decode_seq("evt", None).unwrap(), 0);
        assert!(decode_seq("evt", Some(&encode("evt", "x"))).is_err());
    }

    #[test]
    fn an_empty_cursor_is_no_cursor() {
        let page = |after: Option<&str>| PageRequest {
            after: after.map(str::to_owned),
            limit: None,
        };
        assert_eq!(page(Some("")).cursor(), None);
        assert_eq!(page(None).cursor(), None);
        assert_eq!(page(Some("abc")).cursor(), Some("abc"));
    }

    #[test]
    fn limits_are_clamped() {
        let mut r = PageRequest::default();
        assert_eq!(r.limit(), DEFAULT_PAGE);
        r.limit = Some(0);
        assert_eq!(r.limit(), 1);
        r.limit = Some(10_000);
        assert_eq!(r.limit(), MAX_PAGE);
    }
}
