//! The ListResponse message (RFC 7644 §3.4.2) that wraps every list and search answer.

use serde_json::{Map, Value};

/// URN of the ListResponse message schema.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// One page of results. `itemsPerPage` is the number of resources on this page; all paging
/// numbers are emitted as JSON integers, which Okta requires.
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse {
    /// Total number of matching resources across all pages.
    pub total_results: u64,
    /// 1-based index of the first resource on this page.
    pub start_index: u64,
    /// The resources on this page, already projected.
    pub resources: Vec<Value>,
}

impl ListResponse {
    /// A page of `resources` out of `total_results`, starting at `start_index` (1-based).
    pub fn new(resources: Vec<Value>, total_results: u64, start_index: u64) -> Self {
        ListResponse {
            total_results,
            start_index,
            resources,
        }
    }

    /// A single page holding every result.
    pub fn complete(resources: Vec<Value>) -> Self {
        let total = u64::try_from(resources.len()).unwrap_or(u64::MAX);
        ListResponse::new(resources, total, 1)
    }

    /// The response body. Consumes the page so resources are moved, not cloned.
    pub fn into_json(self) -> Value {
        let mut body = Map::new();
        body.insert("schemas".into(), Value::from(vec![LIST_RESPONSE_SCHEMA]));
        body.insert("totalResults".into(), Value::from(self.total_results));
        body.insert("startIndex".into(), Value::from(self.start_index));
        body.insert("itemsPerPage".into(), Value::from(self.resources.len()));
        body.insert("Resources".into(), Value::Array(self.resources));
        Value::Object(body)
    }
}
