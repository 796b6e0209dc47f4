//! Okta's attribute mappings for SCIM 2.0 apps: which Okta expression feeds which
//! SCIM attribute path, and how mapped values become a SCIM resource (POST), an
//! overlay on the fetched resource (PUT), or PatchOp operations (PATCH).
//!
//! Paths are SCIM attribute paths: `userName`, `name.givenName`,
//! `emails[type eq "work"].value`, and extension attributes with their schema URN
//! (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::config::ProvisioningConfig;
use crate::expr::{self, Scope};

/// The core user schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The PatchOp message URN.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Okta's default mappings of a SCIM 2.0 app (SCIM path, Okta expression).
/// `userName` is the application username.
pub const DEFAULT_MAPPINGS: &[(&str, &str)] = &[
    ("userName", "appuser.userName"),
    ("name.givenName", "user.firstName"),
    ("name.familyName", "user.lastName"),
    ("emails[type eq \"work\"].value", "user.email"),
    ("displayName", "user.firstName + \" \" + user.lastName"),
    ("title", "user.title"),
    ("locale", "user.locale"),
    ("userType", "user.userType"),
    ("phoneNumbers[type eq \"mobile\"].value", "user.mobilePhone"),
    ("addresses[type eq \"work\"].locality", "user.city"),
    ("addresses[type eq \"work\"].region", "user.state"),
    ("addresses[type eq \"work\"].postalCode", "user.zipCode"),
    ("addresses[type eq \"work\"].country", "user.countryCode"),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "user.employeeNumber",
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "user.department",
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
        "user.costCenter",
    ),
];

/// Mapped values by SCIM path (nulls left out).
pub type Values = BTreeMap<String, Value>;

/// The effective mappings: the defaults overlaid with the config's.
pub fn mappings(config: &ProvisioningConfig) -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> = DEFAULT_MAPPINGS
        .iter()
        .map(|(p, e)| ((*p).to_owned(), (*e).to_owned()))
        .collect();
    for (path, e) in &config.attribute_mappings {
        match e {
            Some(e) => m.insert(path.clone(), e.clone()),
            None => m.remove(path),
        };
    }
    m
}

/// Evaluates the mappings for one user; expressions that fail or give null are left out.
pub fn values(mappings: &BTreeMap<String, String>, scope: &Scope<'_>) -> Values {
    mappings
        .iter()
        .filter_map(|(path, e)| {
            let v = expr::eval(e, scope).ok()?;
            (!v.is_null()).then(|| (path.clone(), v))
        })
        .collect()
}

/// A parsed attribute path.
struct Path<'a> {
    urn: Option<&'a str>,
    attr: &'a str,
    filter: Option<(&'a str, &'a str)>,
    sub: Option<&'a str>,
}

static CORE_PATH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"^([A-Za-z][\w$-]*)(?:\[([A-Za-z][\w$-]*) eq "([^"]*)"\])?(?:\.([A-Za-z][\w$-]*))?$"#,
    )
    .ok()
});

fn parse(path: &str) -> Option<Path<'_>> {
    let (urn, rest) = match path.rfind(':') {
        Some(i) if path.starts_with("urn:") => (path.get(..i), path.get(i + 1..)?),
        _ => (None, path),
    };
    let caps = CORE_PATH.as_ref()?.captures(rest)?;
    let text = |i| caps.get(i).map(|m| m.as_str());
    Some(Path {
        urn,
        attr: text(1)?,
        filter: text(2).zip(text(3)),
        sub: text(4),
    })
}

fn add_schema(resource: &mut Map<String, Value>, urn: &str) {
    let schemas = resource
        .entry("schemas")
        .or_insert_with(|| json!([USER_SCHEMA]));
    if let Some(list) = schemas.as_array_mut()
        && !list.iter().any(|s| s.as_str() == Some(urn))
    {
        list.push(json!(urn));
    }
}

/// Sets `path` to `value` in a resource, creating objects and array elements.
pub fn set(resource: &mut Map<String, Value>, path: &str, value: Value) {
    let Some(p) = parse(path) else { return };
    let target = match p.urn {
        Some(urn) => {
            add_schema(resource, urn);
            match resource
                .entry(urn)
                .or_insert_with(|| json!({}))
                .as_object_mut()
            {
                Some(t) => t,
                None => return,
            }
        }
        None => resource,
    };
    match (p.filter, p.sub) {
        (Some((key, wanted)), sub) => {
            let Some(list) = target
                .entry(p.attr)
                .or_insert_with(|| json!([]))
                .as_array_mut()
            else {
                return;
            };
            let at = list
                .iter()
                .position(|e| e.get(key).and_then(Value::as_str) == Some(wanted));
            let at = match at {
                Some(i) => i,
                None => {
                    let mut element = json!({ key: wanted });
                    if list.is_empty() {
                        element["primary"] = json!(true);
                    }
                    list.push(element);
                    list.len() - 1
                }
            };
            if let Some(element) = list.get_mut(at).and_then(Value::as_object_mut) {
                element.insert(sub.unwrap_or("value").to_owned(), value);
            }
        }
        (None, Some(sub)) => {
            if let Some(obj) = target
                .entry(p.attr)
                .or_insert_with(|| json!({}))
                .as_object_mut()
            {
                obj.insert(sub.to_owned(), value);
            }
        }
        (None, None) => {
            target.insert(p.attr.to_owned(), value);
        }
    }
}

/// Removes `path` from a resource (a filtered element left with only its filter
/// key goes too).
pub fn remove(resource: &mut Map<String, Value>, path: &str) {
    let Some(p) = parse(path) else { return };
    let target = match p.urn {
        Some(urn) => match resource.get_mut(urn).and_then(Value::as_object_mut) {
            Some(t) => t,
            None => return,
        },
        None => resource,
    };
    match (p.filter, p.sub) {
        (Some((key, wanted)), sub) => {
            if let Some(list) = target.get_mut(p.attr).and_then(Value::as_array_mut) {
                for element in list.iter_mut().filter_map(Value::as_object_mut) {
                    if element.get(key).and_then(Value::as_str) == Some(wanted) {
                        element.remove(sub.unwrap_or("value"));
                    }
                }
                list.retain(|e| {
                    e.as_object()
                        .is_some_and(|o| o.keys().any(|k| k != key && k != "primary"))
                });
            }
        }
        (None, Some(sub)) => {
            if let Some(obj) = target.get_mut(p.attr).and_then(Value::as_object_mut) {
                obj.remove(sub);
            }
        }
        (None, None) => {
            target.remove(p.attr);
        }
    }
}

/// The POST body of a new user (§7.3): schemas, the mapped attributes, `externalId`
/// (the Okta user id), `groups: []`, `password` and `active: true`.
pub fn new_user(values: &Values, okta_id: &str, password: &str) -> Value {
    let mut r = Map::new();
    r.insert("schemas".into(), json!([USER_SCHEMA]));
    for (path, v) in values {
        set(&mut r, path, v.clone());
    }
    r.insert("externalId".into(), json!(okta_id));
    r.insert("groups".into(), json!([]));
    r.insert("password".into(), json!(password));
    r.insert("active".into(), json!(true));
    Value::Object(r)
}

/// The PUT body: the fetched resource with the mapped values replaced, paths that
/// lost their value removed, and `extra` top-level fields (`active`, `password`).
pub fn overlay(fetched: &Value, old: &Values, new: &Values, extra: &[(&str, Value)]) -> Value {
    let mut r = fetched.as_object().cloned().unwrap_or_default();
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        remove(&mut r, path);
    }
    for (path, v) in new {
        set(&mut r, path, v.clone());
    }
    for (k, v) in extra {
        r.insert((*k).to_owned(), v.clone());
    }
    Value::Object(r)
}

/// PatchOp operations turning `old` into `new`: one `replace` per changed path, one
/// `remove` per path that lost its value.
pub fn patch_ops(old: &Values, new: &Values) -> Vec<Value> {
    let mut ops: Vec<Value> = old
        .keys()
        .filter(|p| !new.contains_key(*p))
        .map(|p| json!({ "op": "remove", "path": p }))
        .collect();
    ops.extend(
        new.iter()
            .filter(|(p, v)| old.get(*p) != Some(*v))
            .map(|(p, v)| json!({ "op": "replace", "path": p, "value": v })),
    );
    ops
}

/// A PatchOp message.
pub fn patch(ops: Vec<Value>) -> Value {
    json!({ "schemas": [PATCH_OP], "Operations": ops })
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
