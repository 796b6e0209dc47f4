//! SCIM answers: the SCIM Error shape for every failure, and resources rendered straight
//! from their stored JSON text (the stored text plus `id`, `meta` and, for groups,
//! `members`, spliced in), so a page of 100 users is not parsed and re-serialised.

use std::fmt::Write as _;

use axum::http::header::{CONTENT_TYPE, ETAG, LOCATION, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim::query::{LIST_RESPONSE_SCHEMA, Projection};
use scim::schema::ResourceType;
use serde_json::Value;
use store::{GroupMember, ScimRecord, StoreError, USER_NAME_TAKEN, UserGroup, VERSION_CHANGED};

/// The media type of every SCIM response.
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// A SCIM failure as a response: status, `application/scim+json`, the RFC 7644 error body.
#[derive(Debug)]
pub struct ScimError(pub scim::Error);

/// Shorthand for SCIM handler results.
pub type ScimResult<T> = Result<T, ScimError>;

impl From<scim::Error> for ScimError {
    fn from(err: scim::Error) -> Self {
        Self(err)
    }
}

impl From<StoreError> for ScimError {
    fn from(err: StoreError) -> Self {
        Self(match err {
            StoreError::NotFound { kind } => scim::Error::not_found(format!("{kind} not found")),
            StoreError::Conflict { constraint } if constraint == USER_NAME_TAKEN => {
                scim::Error::uniqueness(
                    "a user with this userName already exists in this directory (userName \
                     is compared case-insensitively)",
                )
            }
            StoreError::Conflict { constraint } if constraint == VERSION_CHANGED => {
                scim::Error::precondition_failed("the resource changed since it was read")
            }
            StoreError::Conflict { .. } => {
                scim::Error::conflict("the change conflicts with existing data")
            }
            StoreError::Invalid(why) => scim::Error::invalid_value(why),
            StoreError::Forbidden(why) => scim::Error::forbidden(why),
            other => {
                tracing::error!(error = %other, "SCIM request failed");
                scim::Error::internal(
                    "an internal error occurred; the request id identifies it in the logs",
                )
            }
        })
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = scim_body(status, self.0.to_json().to_string());
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gatehouse-scim\""),
            );
        }
        response
    }
}

/// A response with a SCIM JSON body.
pub fn scim_body(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_CONTENT_TYPE));
    response
}

/// A single-resource response with its `ETag` (and `Location` when created).
pub fn resource_body(
    status: StatusCode,
    body: String,
    record: &ScimRecord,
    location: Option<&str>,
) -> Response {
    let mut response = scim_body(status, body);
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&scim::resource::etag(&record.version.to_string())) {
        headers.insert(ETAG, tag);
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(LOCATION, location);
    }
    response
}

/// `{base}/Users/{id}` or `{base}/Groups/{id}`.
pub fn location(base_url: &str, rt: &ResourceType, id: &str) -> String {
    scim::resource::location(base_url, rt, id)
}

/// Appends `text` escaped for a JSON string, byte for byte as `serde_json` escapes it,
/// without the temporary `String` serialising through `serde_json` costs (a page of 100
/// users writes about 600 strings).
fn push_escaped(out: &mut String, text: &str) {
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let short = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `byte` is ASCII, so `i` is a character boundary.
        out.push_str(text.get(start..i).unwrap_or_default());
        if short.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
}

fn json_string(out: &mut String, text: &str) {
    out.push('"');
    push_escaped(out, text);
    out.push('"');
}

/// Appends [`location`] as a JSON string, without building it first.
fn json_location(out: &mut String, base_url: &str, rt: &ResourceType, id: &str) {
    out.push('"');
    push_escaped(out, base_url.trim_end_matches('/'));
    push_escaped(out, rt.endpoint());
    out.push('/');
    push_escaped(out, id);
    out.push('"');
}

/// The read-only, multi-valued attribute that links users and groups, when rendered.
#[derive(Clone, Copy, Debug, Default)]
pub enum Related<'a> {
    /// Not rendered (not asked for, or not loaded).
    #[default]
    Omitted,
    /// A group's `members`.
    Members(&'a [GroupMember]),
    /// A user's `groups` (RFC 7643 §4.1.2; omitted when empty).
    Groups(&'a [UserGroup]),
}

/// Whether `projection` returns the attribute `name` (`members`, `groups`): those cost a
/// query, so they are only loaded when returned.
pub fn returns(projection: &Projection, name: &str) -> bool {
    let names = |p: &scim::AttrPath| p.name.eq_ignore_ascii_case(name);
    if projection.attributes.is_empty() {
        !projection
            .excluded_attributes
            .iter()
            .any(|p| names(p) && p.sub_attribute.is_none())
    } else {
        projection.attributes.iter().any(names)
    }
}

/// Writes `"value"`, `"display"`, `"$ref"` (and `"type"`) of one linked resource of type
/// `rt`.
fn linked(
    out: &mut String,
    (base_url, rt): (&str, &ResourceType),
    id: &str,
    display: Option<&str>,
    kind: Option<&str>,
) {
    out.push_str("{\"value\":");
    json_string(out, id);
    if let Some(display) = display {
        out.push_str(",\"display\":");
        json_string(out, display);
    }
    out.push_str(",\"$ref\":");
    json_location(out, base_url, rt, id);
    if let Some(kind) = kind {
        out.push_str(",\"type\":");
        json_string(out, kind);
    }
    out.push('}');
}

/// The resource's full representation as JSON text: the stored attributes with `id`,
/// `meta` and the `related` attribute spliced in.
pub fn render_text(
    record: &ScimRecord,
    rt: &ResourceType,
    base_url: &str,
    related: Related<'_>,
) -> String {
    let inner = record
        .data
        .trim()
        .strip_prefix('{')
        .and_then(|d| d.strip_suffix('}'))
        .unwrap_or("")
        .trim();
    let mut out = String::with_capacity(record.data.len() + 256);
    out.push_str("{\"id\":");
    json_string(&mut out, &record.id);
    if !inner.is_empty() {
        out.push(',');
        out.push_str(inner);
    }
    match related {
        Related::Omitted => {}
        Related::Members(members) => {
            out.push_str(",\"members\":[");
            for (i, member) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                linked(
                    &mut out,
                    (base_url, &scim::schema::USER),
                    &member.user_id,
                    member.display.as_deref(),
                    None,
                );
            }
            out.push(']');
        }
        Related::Groups([]) => {}
        Related::Groups(groups) => {
            out.push_str(",\"groups\":[");
            for (i, group) in groups.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                linked(
                    &mut out,
                    (base_url, &scim::schema::GROUP),
                    &group.group_id,
                    Some(&group.display_name),
                    Some("direct"),
                );
            }
            out.push(']');
        }
    }
    let _ = write!(
        out,
        ",\"meta\":{{\"resourceType\":\"{}\",\"created\":\"{}\",\"lastModified\":\"{}\",\"location\":",
        rt.name(),
        scim::resource::timestamp(record.created_at),
        scim::resource::timestamp(record.updated_at),
    );
    json_location(&mut out, base_url, rt, &record.id);
    // The ETag `W/"<version>"` as a JSON string.
    let _ = write!(out, ",\"version\":\"W/\\\"{}\\\"\"}}}}", record.version);
    out
}

/// The representation under a projection (`attributes` / `excludedAttributes`).
pub fn render_projected(
    record: &ScimRecord,
    rt: &ResourceType,
    base_url: &str,
    related: Related<'_>,
    projection: &Projection,
) -> String {
    let full = render_text(record, rt, base_url, related);
    if projection.is_default() {
        return full;
    }
    match serde_json::from_str::<Value>(&full) {
        Ok(value) => projection.apply(&value, rt).to_string(),
        Err(_) => full,
    }
}

/// A ListResponse around already rendered resources.
pub fn list_text(total: u64, start_index: usize, resources: &[String]) -> String {
    let size: usize = resources.iter().map(|r| r.len() + 1).sum();
    let mut out = String::with_capacity(size + 160);
    let _ = write!(
        out,
        "{{\"schemas\":[\"{LIST_RESPONSE_SCHEMA}\"],\"totalResults\":{total},\"startIndex\":{start_index},\"itemsPerPage\":{},\"Resources\":[",
        resources.len()
    );
    for (i, resource) in resources.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(resource);
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn spliced_rendering_equals_the_reference_renderer() {
        let data = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "dana@example.com",
            "name": {"givenName": "Dana \"D\""}
        });
        let record = ScimRecord {
            id: "usr_1".into(),
            data: data.to_string(),
            version: 3,
            created_at: datetime!(2024-05-01 10:00:00.123 UTC),
            updated_at: datetime!(2024-05-02 10:00 UTC),
        };
        let base = "https://gh.example/scim/v2/dir_1";
        let text = render_text(&record, &scim::schema::USER, base, Related::Omitted);
        let ours: Value = serde_json::from_str(&text).unwrap();
        let meta = scim::resource::Meta {
            created: record.created_at,
            last_modified: record.updated_at,
            version: "3".into(),
        };
        let reference = scim::resource::render(data, &scim::schema::USER, "usr_1", base, &meta);
        assert_eq!(ours, reference);
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let text = "a\"b\\c\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f} é \u{1F600} /";
        let mut ours = String::new();
        json_string(&mut ours, text);
        assert_eq!(ours, serde_json::to_string(text).unwrap());
        let mut at = String::new();
        json_location(
            &mut at,
            "https://gh.example/scim/v2/dir_1/",
            &scim::schema::USER,
            "usr_\"1",
        );
        let reference = location(
            "https://gh.example/scim/v2/dir_1/",
            &scim::schema::USER,
            "usr_\"1",
        );
        assert_eq!(at, serde_json::to_string(&reference).unwrap());
    }

    #[test]
    fn list_text_is_a_list_response() {
        let text = list_text(5, 3, &["{\"id\":\"a\"}".into(), "{\"id\":\"b\"}".into()]);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["totalResults"], 5);
        assert_eq!(value["startIndex"], 3);
        assert_eq!(value["itemsPerPage"], 2);
        assert_eq!(value["Resources"][1]["id"], "b");
    }
}
