//! List requests: the query parameters of `GET /Users` and the body of `POST /.search`
//! (RFC 7644 §3.4.2–3.4.3), paging, the ListResponse, projection and sorting.

mod list;
mod projection;
mod sort;

pub use list::{LIST_RESPONSE_SCHEMA, ListResponse};
pub use projection::Projection;
pub use sort::{Sort, SortOrder};

use serde_json::Value;

use crate::Error;
use crate::filter::Filter;
use crate::json::get_ci;
use crate::path::AttrPath;
use crate::schema::ResourceType;

/// URN of the SearchRequest message (`POST /.search`).
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// Page-size policy. `max_count` should also be advertised as `filter.maxResults` in
/// `/ServiceProviderConfig`. Okta pages with `count=100` and skips records if pages come
/// back shorter, so keep `max_count` ≥ 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimits {
    /// Page size when the request has no `count`.
    pub default_count: usize,
    /// Largest page returned; larger `count`s are reduced to it.
    pub max_count: usize,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            default_count: 100,
            max_count: 1000,
        }
    }
}

/// A validated list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// The parsed and validated filter, if any.
    pub filter: Option<Filter>,
    /// 1-based index of the first result (values below 1 become 1).
    pub start_index: usize,
    /// Page size, between 0 and [`ListLimits::max_count`] (negative becomes 0).
    pub count: usize,
    /// Requested ordering, if any.
    pub sort: Option<Sort>,
    /// `attributes` / `excludedAttributes`.
    pub projection: Projection,
}

impl ListQuery {
    /// Parses query-string parameters (already percent-decoded). Names are matched
    /// case-insensitively; unknown parameters are ignored. The filter is validated against
    /// `rt`.
    pub fn from_pairs<K, V>(
        pairs: impl IntoIterator<Item = (K, V)>,
        rt: &ResourceType,
        limits: ListLimits,
    ) -> Result<Self, Error>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut raw = RawQuery::default();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            let slot = if key.eq_ignore_ascii_case("filter") {
                &mut raw.filter
            } else if key.eq_ignore_ascii_case("startIndex") {
                &mut raw.start_index
            } else if key.eq_ignore_ascii_case("count") {
                &mut raw.count
            } else if key.eq_ignore_ascii_case("sortBy") {
                &mut raw.sort_by
            } else if key.eq_ignore_ascii_case("sortOrder") {
                &mut raw.sort_order
            } else if key.eq_ignore_ascii_case("attributes") {
                &mut raw.attributes
            } else if key.eq_ignore_ascii_case("excludedAttributes") {
                &mut raw.excluded
            } else {
                continue;
            };
            *slot = Some(value.to_owned());
        }
        raw.build(rt, limits)
    }

    /// Parses a `POST /.search` body (RFC 7644 §3.4.3). `schemas` must list the
    /// SearchRequest URN; `attributes`/`excludedAttributes` are arrays of paths;
    /// `startIndex`/`count` are integers (numeric strings are tolerated).
    pub fn from_search_request(
        body: &Value,
        rt: &ResourceType,
        limits: ListLimits,
    ) -> Result<Self, Error> {
        let Some(map) = body.as_object() else {
            return Err(Error::invalid_syntax(
                "a SearchRequest body must be a JSON object",
            ));
        };
        crate::resource::require_schema(body, SEARCH_REQUEST_SCHEMA)?;
        let text = |key: &str| -> Result<Option<String>, Error> {
            match get_ci(map, key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| {
                        item.as_str().map(str::to_owned).ok_or_else(|| {
                            Error::invalid_value(format!("{key} must be a list of attribute paths"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|list| Some(list.join(","))),
                Some(_) => Err(Error::invalid_value(format!("{key} has the wrong type"))),
            }
        };
        RawQuery {
            filter: text("filter")?,
            start_index: text("startIndex")?,
            count: text("count")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            attributes: text("attributes")?,
            excluded: text("excludedAttributes")?,
        }
        .build(rt, limits)
    }

    /// Number of results to skip: `start_index - 1`.
    pub fn offset(&self) -> usize {
        self.start_index.saturating_sub(1)
    }
}

/// Parameters as received, before validation.
#[derive(Default)]
struct RawQuery {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    attributes: Option<String>,
    excluded: Option<String>,
}

impl RawQuery {
    fn build(self, rt: &ResourceType, limits: ListLimits) -> Result<ListQuery, Error> {
        let filter = match self.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                let filter = Filter::parse(text)?;
                filter.validate(rt)?;
                Some(filter)
            }
        };
        let start_index = match self.start_index {
            None => 1,
            Some(text) => {
                usize::try_from(integer("startIndex", &text)?.max(1)).unwrap_or(usize::MAX)
            }
        };
        let count = match self.count {
            None => limits.default_count,
            Some(text) => usize::try_from(integer("count", &text)?.max(0)).unwrap_or(usize::MAX),
        }
        .min(limits.max_count);
        let order = match self.sort_order.as_deref().map(str::trim) {
            None | Some("") => SortOrder::Ascending,
            Some(o) if o.eq_ignore_ascii_case("ascending") => SortOrder::Ascending,
            Some(o) if o.eq_ignore_ascii_case("descending") => SortOrder::Descending,
            Some(other) => {
                return Err(Error::invalid_value(format!(
                    "sortOrder must be \"ascending\" or \"descending\", not {other:?}"
                )));
            }
        };
        let sort = match self.sort_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(Sort {
                by: AttrPath::parse(text)?,
                order,
            }),
        };
        Ok(ListQuery {
            filter,
            start_index,
            count,
            sort,
            projection: Projection::from_lists(
                self.attributes.as_deref(),
                self.excluded.as_deref(),
            )?,
        })
    }
}

/// Parses a signed integer parameter; huge values saturate rather than fail.
fn integer(name: &str, text: &str) -> Result<i64, Error> {
    let text = text.trim();
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_value(format!(
            "{name} must be an integer, not {text:?}"
        )));
    }
    Ok(text.parse::<i64>().unwrap_or(if text.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    }))
}

#[cfg(test)]
mod tests;
