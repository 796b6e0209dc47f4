//! Validation and normalisation of POST/PUT bodies (RFC 7644 §3.3, §3.5.1), and the
//! resource-wide rules PATCH results must also satisfy.

use serde_json::{Map, Value};

use super::coerce::{coerce_attribute, coerce_fields};
use super::password::Password;
use crate::Error;
use crate::json::{get_ci, insert_ci, is_present};
use crate::schema::{AttrType, GROUP, Mutability, ResourceType, USER};

/// A validated User body, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInput {
    /// The normalised resource: canonical attribute names, coerced types (string booleans
    /// become booleans), read-only attributes (`id`, `meta`, `groups`) and nulls dropped,
    /// unknown attributes kept verbatim, `schemas` first. Never contains `password`.
    pub resource: Value,
    /// The cleartext password if the body carried one. Okta always sends one on create,
    /// a random placeholder unless password sync is on; hash it or ignore it.
    pub password: Option<Password>,
}

/// A validated Group body, with the member list split off so the store can keep it in
/// its own table.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInput {
    /// The normalised group without `members` (see [`UserInput::resource`]).
    pub resource: Value,
    /// Member ids (`members[].value`), de-duplicated, in request order.
    pub members: Vec<String>,
}

/// Validates a `POST /Users` or `PUT /Users/{id}` body.
///
/// Errors: not an object or `schemas` missing / without the core User URN →
/// `invalidSyntax`; `userName` missing or empty, a value of the wrong type, or two `primary`
/// values in one multi-valued attribute → `invalidValue`.
pub fn parse_user(body: Value) -> Result<UserInput, Error> {
    let (resource, password) = normalize(&USER, body)?;
    Ok(UserInput {
        resource: Value::Object(resource),
        password,
    })
}

/// Validates a `POST /Groups` or `PUT /Groups/{id}` body (errors as [`parse_user`], with
/// `displayName` required and every member needing a string `value`).
pub fn parse_group(body: Value) -> Result<GroupInput, Error> {
    let (mut resource, _) = normalize(&GROUP, body)?;
    let members = match resource.shift_remove("members") {
        Some(Value::Array(items)) => member_ids(&items)?,
        _ => Vec::new(),
    };
    Ok(GroupInput {
        resource: Value::Object(resource),
        members,
    })
}

/// Parses a request body as JSON. Malformed JSON is `invalidSyntax` naming the line and
/// column, so every body error reaches the client in the SCIM shape.
pub fn parse_json(body: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(body).map_err(|e| {
        Error::invalid_syntax(format!(
            "the request body is not valid JSON (line {}, column {}): {}",
            e.line(),
            e.column(),
            match e.classify() {
                serde_json::error::Category::Eof => "unexpected end of input",
                serde_json::error::Category::Syntax => "syntax error",
                serde_json::error::Category::Data | serde_json::error::Category::Io =>
                    "invalid data",
            }
        ))
    })
}

/// Checks that `body.schemas` is an array of strings listing `urn` (case-insensitively).
pub(crate) fn require_schema(body: &Value, urn: &str) -> Result<(), Error> {
    let listed = body
        .as_object()
        .and_then(|m| get_ci(m, "schemas"))
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
        });
    if listed {
        Ok(())
    } else {
        Err(Error::invalid_syntax(format!(
            "the request's \"schemas\" must list \"{urn}\""
        )))
    }
}

/// Extracts member ids from `members` elements, de-duplicating in order.
pub(crate) fn member_ids(items: &[Value]) -> Result<Vec<String>, Error> {
    let mut ids: Vec<String> = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    for item in items {
        let id = item
            .as_object()
            .and_then(|m| get_ci(m, "value"))
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::invalid_value("each member needs a \"value\" holding a user or group id")
            })?;
        if seen.insert(id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

fn normalize(
    rt: &ResourceType,
    body: Value,
) -> Result<(Map<String, Value>, Option<Password>), Error> {
    require_schema(&body, rt.schema().id())?;
    let Value::Object(body) = body else {
        return Err(Error::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    let mut out = Map::new();
    let mut schemas = Vec::new();
    let mut password = None;
    for (key, value) in body {
        if key.eq_ignore_ascii_case("schemas") {
            schemas = value.as_array().cloned().unwrap_or_default();
        } else if let Some(extension) = rt.extension(&key) {
            let container = match value {
                Value::Null => continue,
                Value::Object(map) => coerce_fields(map, |key| extension.attribute(key), None)?,
                _ => {
                    return Err(Error::invalid_value(format!(
                        "\"{}\" must be an object",
                        extension.id()
                    )));
                }
            };
            insert_ci(&mut out, extension.id(), Value::Object(container));
        } else if let Some(attribute) = rt.core_attribute(&key) {
            match attribute.mutability() {
                Mutability::ReadOnly => {}
                Mutability::WriteOnly => password = Password::from_value(value)?,
                Mutability::ReadWrite | Mutability::Immutable => {
                    let value = coerce_attribute(attribute, value, &attribute.name())?;
                    if !value.is_null() {
                        insert_ci(&mut out, attribute.name(), value);
                    }
                }
            }
        } else if !value.is_null() {
            out.insert(key, value);
        }
    }
    out.insert("schemas".into(), Value::Array(schemas));
    finish(rt, &mut out)?;
    check_single_primary(rt, &out)?;
    Ok((out, password))
}

/// Rules every stored resource satisfies, after POST/PUT normalisation and after PATCH:
/// the layout of [`tidy`], and required attributes present.
pub(crate) fn finish(rt: &ResourceType, resource: &mut Map<String, Value>) -> Result<(), Error> {
    tidy(rt, resource);
    for attribute in rt.schema().attributes().iter().filter(|a| a.required()) {
        if !get_ci(resource, attribute.name()).is_some_and(is_present) {
            return Err(Error::invalid_value(format!(
                "{} is required and cannot be empty",
                attribute.name()
            )));
        }
    }
    Ok(())
}

/// Empty extension objects are removed, and `schemas` comes first and lists the core
/// schema plus exactly the known extensions present (other URNs the client listed are
/// kept).
pub(crate) fn tidy(rt: &ResourceType, resource: &mut Map<String, Value>) {
    let mut present = Vec::with_capacity(rt.extensions().len());
    for extension in rt.extensions() {
        let has_values = get_ci(resource, extension.id()).is_some_and(is_present);
        if !has_values {
            crate::json::remove_ci(resource, extension.id());
        }
        present.push((extension.id(), has_values));
    }
    // Stored resources already start with `schemas`; only fresh bodies need reordering.
    if resource.keys().next().is_none_or(|k| k != "schemas") {
        let schemas = crate::json::remove_ci(resource, "schemas");
        let rest = std::mem::take(resource);
        resource.insert("schemas".into(), schemas.unwrap_or(Value::Null));
        resource.extend(rest);
    }
    let Some(slot) = resource.get_mut("schemas") else {
        return;
    };
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    let Value::Array(schemas) = slot else {
        return;
    };
    for (urn, has_values) in present {
        let listed = schemas
            .iter()
            .position(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
        match (has_values, listed) {
            (true, None) => schemas.push(Value::from(urn)),
            (false, Some(index)) => {
                schemas.remove(index);
            }
            _ => {}
        }
    }
    if !schemas
        .iter()
        .any(|s| s.as_str().is_some_and(|s| rt.is_core_schema(s)))
    {
        schemas.insert(0, Value::from(rt.schema().id()));
    }
}

/// RFC 7643 §2.4: at most one element of a multi-valued attribute may be `primary`.
fn check_single_primary(rt: &ResourceType, resource: &Map<String, Value>) -> Result<(), Error> {
    for attribute in rt.schema().attributes() {
        if !attribute.multi_valued() || attribute.kind() != AttrType::Complex {
            continue;
        }
        let Some(Value::Array(items)) = get_ci(resource, attribute.name()) else {
            continue;
        };
        let primaries = items
            .iter()
            .filter(|item| item.get("primary") == Some(&Value::Bool(true)))
            .count();
        if primaries > 1 {
            return Err(Error::invalid_value(format!(
                "at most one of {} may be primary",
                attribute.name()
            )));
        }
    }
    Ok(())
}
