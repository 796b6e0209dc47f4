//! Query parameters and Okta's cursor pagination: `limit`, an opaque `after`, and
//! `Link` headers (`rel="self"`, `rel="next"`) that repeat the original query.

use std::collections::{BTreeMap, BTreeSet, btree_map, btree_set};
use std::ops::Bound;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::filter::{Expr, Op, Rules};

/// The decoded query string, in order.
#[derive(Debug, Clone, Default)]
pub(super) struct Params(pub Vec<(String, String)>);

impl Params {
    /// Decodes a raw query string.
    pub(super) fn parse(raw: Option<&str>) -> Self {
        Self::parse_form(raw.unwrap_or_default().as_bytes())
    }

    /// Decodes an `application/x-www-form-urlencoded` body (or query).
    pub(super) fn parse_form(raw: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(raw).into_owned().collect())
    }

    /// The first value of `key`.
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter with a default.
    pub(super) fn flag(&self, key: &str, default: bool) -> bool {
        match self.get(key) {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => default,
        }
    }

    /// `limit`, defaulted and clamped to `1..=max`.
    pub(super) fn limit(&self, default: usize, max: usize) -> ApiResult<usize> {
        match self.get("limit") {
            None | Some("") => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n < 0 => Ok(default),
                Ok(n) => Ok(usize::try_from(n).unwrap_or(max).clamp(1, max)),
                Err(_) => Err(ApiError::invalid_paging(format!(
                    "limit: '{v}' is not a number"
                ))),
            },
        }
    }

    /// `after`, if present and non-empty.
    pub(super) fn after(&self) -> Option<&str> {
        self.get("after").filter(|a| !a.is_empty())
    }

    /// The query with `drop` keys removed and `extra` appended, URL-encoded.
    pub(super) fn encode_with(&self, drop: &[&str], extra: &[(&str, &str)]) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if !drop.contains(&k.as_str()) {
                ser.append_pair(k, v);
            }
        }
        for (k, v) in extra {
            ser.append_pair(k, v);
        }
        ser.finish().replace('+', "%20")
    }
}

/// Builds the `Link` headers for a page.
pub(super) fn links(
    base: &str,
    path: &str,
    params: &Params,
    next: Option<&str>,
    drop_on_next: &[&str],
) -> Vec<HeaderValue> {
    let mut out = Vec::new();
    let self_q = params.encode_with(&[], &[]);
    let url = |q: String| {
        if q.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{q}")
        }
    };
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"self\"", url(self_q))) {
        out.push(v);
    }
    if let Some(after) = next {
        let mut drop = vec!["after"];
        drop.extend_from_slice(drop_on_next);
        let q = params.encode_with(&drop, &[("after", after)]);
        if let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"next\"", url(q))) {
            out.push(v);
        }
    }
    out
}

/// A JSON response with the given `Link` headers.
pub(super) fn page<T: Serialize + ?Sized>(items: &T, link_headers: Vec<HeaderValue>) -> Response {
    let mut resp = json(StatusCode::OK, items);
    for l in link_headers {
        resp.headers_mut().append(header::LINK, l);
    }
    resp
}

/// Serialises `body` as `application/json` with `status`.
pub(super) fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            (status, headers, bytes).into_response()
        }
        Err(_) => ApiError::internal().into_response(),
    }
}

/// Takes up to `limit` items from an ordered iterator and reports the cursor of the
/// last one taken when more items follow.
pub(super) fn take_page<T, I: Iterator<Item = T>>(
    mut iter: I,
    limit: usize,
    cursor: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let mut items = Vec::with_capacity(limit.min(1000));
    for item in iter.by_ref() {
        items.push(item);
        if items.len() == limit {
            break;
        }
    }
    let next = if items.len() == limit && iter.next().is_some() {
        items.last().map(cursor)
    } else {
        None
    };
    (items, next)
}

/// The entries of an id-keyed map after the cursor (the cursor is the last id seen).
pub(super) fn entries_after<'a, V>(
    map: &'a BTreeMap<String, V>,
    after: Option<&str>,
) -> btree_map::Range<'a, String, V> {
    match after {
        Some(a) => map.range::<str, _>((Bound::Excluded(a), Bound::Unbounded)),
        None => map.range::<str, _>(..),
    }
}

/// The ids of a set after the cursor.
pub(super) fn ids_after<'a>(
    set: &'a BTreeSet<String>,
    after: Option<&str>,
) -> btree_set::Range<'a, String> {
    match after {
        Some(a) => set.range::<str, _>((Bound::Excluded(a), Bound::Unbounded)),
        None => set.range::<str, _>(..),
    }
}

/// The `filter` or `search` expression of a users/groups list, checked against the
/// endpoint's rules. Returns the expression and whether string matching ignores case
/// (`search` does, `filter` does not); both at once answer E0000033.
pub(super) fn criteria(
    params: &Params,
    filter_rule: &dyn Fn(&str, Op) -> Result<(), String>,
    search_rule: &dyn Fn(&str, Op) -> Result<(), String>,
) -> ApiResult<Option<(Expr, bool)>> {
    let (text, rule, fold) = match (params.get("filter"), params.get("search")) {
        (Some(_), Some(_)) => return Err(ApiError::search_and_filter()),
        (Some(f), None) => (f, filter_rule, false),
        (None, Some(s)) => (s, search_rule, true),
        (None, None) => return Ok(None),
    };
    let e = Expr::parse(text).map_err(ApiError::invalid_search)?;
    e.check(&Rules {
        allow: rule,
        allow_not: false,
    })
    .map_err(ApiError::invalid_search)?;
    Ok(Some((e, fold)))
}
