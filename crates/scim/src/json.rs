//! Small helpers for reading and writing resource JSON: attribute names are
//! case-insensitive (RFC 7643 §2.1), and "unassigned" covers null, empty strings, arrays and
//! objects (§2.5).

use serde_json::{Map, Value};

use crate::path::AttrPath;
use crate::schema::{Location, Resolved, ResourceType};

/// Looks up `key` ignoring ASCII case; the exact spelling is tried first because stored
/// resources use canonical names.
pub(crate) fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The spelling under which `key` is stored, if present (ignoring ASCII case).
pub(crate) fn key_ci(map: &Map<String, Value>, key: &str) -> Option<String> {
    if map.contains_key(key) {
        return Some(key.to_owned());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// Mutable lookup ignoring ASCII case.
pub(crate) fn get_ci_mut<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    let stored = key_ci(map, key)?;
    map.get_mut(&stored)
}

/// Removes `key` ignoring ASCII case, keeping the order of the other keys.
pub(crate) fn remove_ci(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let stored = key_ci(map, key)?;
    map.shift_remove(&stored)
}

/// Inserts under the canonical `key`, dropping any differently-cased duplicate first.
pub(crate) fn insert_ci(map: &mut Map<String, Value>, key: &str, value: Value) {
    if let Some(stored) = key_ci(map, key)
        && stored != key
    {
        map.shift_remove(&stored);
    }
    map.insert(key.to_owned(), value);
}

/// Whether a value counts as assigned: not null and not an empty string, array or object
/// (recursively, so `[{}]` is unassigned too).
pub(crate) fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(map) => map.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// The key of the object holding the attribute `path` names: `None` for the resource root,
/// or the extension URN. Known attributes use their definition; unknown ones use the
/// path's own schema prefix unless it is the core schema.
pub(crate) fn container_key<'p>(
    rt: &ResourceType,
    path: &'p AttrPath,
    resolved: Option<&Resolved>,
) -> Option<&'p str> {
    match resolved {
        Some(Resolved {
            location: Location::Extension(schema),
            ..
        }) => Some(schema.id()),
        Some(_) => None,
        None => match path.schema.as_deref() {
            Some(urn) if !rt.is_core_schema(urn) => Some(urn),
            _ => None,
        },
    }
}

/// The object holding the attribute `path` names, if it exists.
pub(crate) fn container<'a>(
    root: &'a Map<String, Value>,
    rt: &ResourceType,
    path: &AttrPath,
    resolved: Option<&Resolved>,
) -> Option<&'a Map<String, Value>> {
    match container_key(rt, path, resolved) {
        None => Some(root),
        Some(urn) => get_ci(root, urn)?.as_object(),
    }
}
