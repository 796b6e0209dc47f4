//! Server-maintained attributes: `id`, `meta` (RFC 7643 §3.1) and ETags (RFC 7644 §3.14).

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::json::get_ci;
use crate::schema::ResourceType;

/// The times and version the store keeps for a resource; [`render`] turns them into the
/// `meta` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// When the resource was created.
    pub created: OffsetDateTime,
    /// When it last changed.
    pub last_modified: OffsetDateTime,
    /// An opaque version that changes on every write (e.g. a counter or a hash).
    pub version: String,
}

impl Meta {
    /// The `ETag` header value and `meta.version`: `W/"<version>"`.
    pub fn etag(&self) -> String {
        etag(&self.version)
    }
}

/// A weak entity tag for `version`: `W/"<version>"` (quotes inside are dropped).
pub fn etag(version: &str) -> String {
    let clean: String = version.chars().filter(|c| *c != '"').collect();
    format!("W/\"{clean}\"")
}

/// The resource URL: `{base_url}/Users/{id}`. `id`s are server-issued and URL-safe.
pub fn location(base_url: &str, rt: &ResourceType, id: &str) -> String {
    format!("{}{}/{id}", base_url.trim_end_matches('/'), rt.endpoint())
}

/// Whether an `If-Match` header value allows writing a resource at `version`: `*`, or a
/// list containing its tag. The weak `W/` prefix is ignored on both sides because SCIM
/// versions are weak tags.
pub fn if_match(header: &str, version: &str) -> bool {
    let current = opaque(&etag(version)).to_owned();
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || opaque(tag) == current)
}

/// Whether an `If-None-Match` header value matches (for conditional GET → 304).
pub fn if_none_match(header: &str, version: &str) -> bool {
    if_match(header, version)
}

fn opaque(tag: &str) -> &str {
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.trim_matches('"')
}

/// Builds the response representation of a stored resource: `schemas` first, then `id`,
/// the stored attributes (never `password`), then `meta` with `resourceType`, `created`,
/// `lastModified`, `location` and `version`.
pub fn render(resource: Value, rt: &ResourceType, id: &str, base_url: &str, meta: &Meta) -> Value {
    let stored = match resource {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let mut out = Map::with_capacity(stored.len() + 3);
    let schemas = get_ci(&stored, "schemas")
        .cloned()
        .unwrap_or_else(|| Value::from(vec![rt.schema().id()]));
    out.insert("schemas".into(), schemas);
    out.insert("id".into(), Value::from(id));
    for (key, value) in stored {
        let server_owned = ["schemas", "id", "meta", "password"]
            .iter()
            .any(|k| key.eq_ignore_ascii_case(k));
        if !server_owned {
            out.insert(key, value);
        }
    }
    let mut meta_json = Map::new();
    meta_json.insert("resourceType".into(), Value::from(rt.name()));
    meta_json.insert("created".into(), Value::from(timestamp(meta.created)));
    meta_json.insert(
        "lastModified".into(),
        Value::from(timestamp(meta.last_modified)),
    );
    meta_json.insert("location".into(), Value::from(location(base_url, rt, id)));
    meta_json.insert("version".into(), Value::from(meta.etag()));
    out.insert("meta".into(), Value::Object(meta_json));
    Value::Object(out)
}

/// Formats a SCIM `dateTime` (RFC 3339, UTC offset as given).
pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
