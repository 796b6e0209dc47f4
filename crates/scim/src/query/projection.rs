//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a
//! response carries, honouring each attribute's `returned` rule.

use serde_json::{Map, Value};

use crate::Error;
use crate::json::container_key;
use crate::path::AttrPath;
use crate::schema::{Attribute, ResourceType, Returned};

/// The attribute selection of a request. Empty selects the default set: every attribute
/// except `returned: never` (e.g. `password`) and `returned: request` ones.
///
/// `schemas` and `returned: always` attributes (`id`) are always kept. Extra attributes
/// unknown to the schema behave as `returned: default`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// `attributes`: return only these (plus `always` ones). Takes precedence.
    pub attributes: Vec<AttrPath>,
    /// `excludedAttributes`: return the default set minus these.
    pub excluded_attributes: Vec<AttrPath>,
}

impl Projection {
    /// Parses the comma-separated forms used in query strings
    /// (`attributes=userName,name.givenName`). Either may be absent.
    pub fn from_lists(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, Error> {
        Ok(Projection {
            attributes: parse_list(attributes)?,
            excluded_attributes: parse_list(excluded)?,
        })
    }

    /// Whether the projection keeps the default set unchanged.
    pub fn is_default(&self) -> bool {
        self.attributes.is_empty() && self.excluded_attributes.is_empty()
    }

    /// Returns the projected copy of `resource`.
    pub fn apply(&self, resource: &Value, rt: &ResourceType) -> Value {
        let Some(root) = resource.as_object() else {
            return resource.clone();
        };
        let mut out = Map::new();
        for (key, value) in root {
            if key.eq_ignore_ascii_case("schemas") {
                out.insert(key.clone(), value.clone());
            } else if let Some(extension) = value.as_object().filter(|_| is_extension_key(rt, key))
            {
                let projected = self.extension(key, extension, rt);
                if !projected.is_empty() {
                    out.insert(key.clone(), Value::Object(projected));
                }
            } else if let Some(kept) = self.attribute(None, key, value, rt) {
                out.insert(key.clone(), kept);
            }
        }
        Value::Object(out)
    }

    fn extension(
        &self,
        urn: &str,
        extension: &Map<String, Value>,
        rt: &ResourceType,
    ) -> Map<String, Value> {
        let whole = self.attributes.iter().any(|p| p.is_urn(urn));
        let excluded = self.excluded_attributes.iter().any(|p| p.is_urn(urn));
        let mut out = Map::new();
        for (key, value) in extension {
            let kept = if whole {
                Some(strip_never(definition(rt, Some(urn), key), value))
            } else if excluded && self.attributes.is_empty() {
                None
            } else {
                self.attribute(Some(urn), key, value, rt)
            };
            if let Some(kept) = kept {
                out.insert(key.clone(), kept);
            }
        }
        out
    }

    /// Decides one attribute stored under `container` (`None` = root) as `name`.
    fn attribute(
        &self,
        container: Option<&str>,
        name: &str,
        value: &Value,
        rt: &ResourceType,
    ) -> Option<Value> {
        let definition = definition(rt, container, name);
        let returned = definition.map_or(Returned::Default, |d| d.returned());
        match returned {
            Returned::Never => return None,
            Returned::Always => return Some(strip_never(definition, value)),
            Returned::Default | Returned::Request => {}
        }
        let selects = |p: &&AttrPath| same_attribute(rt, p, container, name);
        if !self.attributes.is_empty() {
            let requested: Vec<&AttrPath> = self.attributes.iter().filter(selects).collect();
            if requested.is_empty() {
                return None;
            }
            if requested.iter().any(|p| p.sub_attribute.is_none()) {
                return Some(strip_never(definition, value));
            }
            let subs: Vec<&str> = requested
                .iter()
                .filter_map(|p| p.sub_attribute.as_deref())
                .collect();
            return Some(keep_subs(definition, value, &subs));
        }
        if returned == Returned::Request {
            return None;
        }
        let excluded: Vec<&AttrPath> = self.excluded_attributes.iter().filter(selects).collect();
        if excluded.iter().any(|p| p.sub_attribute.is_none()) {
            return None;
        }
        let dropped: Vec<&str> = excluded
            .iter()
            .filter_map(|p| p.sub_attribute.as_deref())
            .collect();
        Some(drop_subs(definition, value, &dropped))
    }
}

fn parse_list(list: Option<&str>) -> Result<Vec<AttrPath>, Error> {
    list.map(|text| {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(AttrPath::parse)
            .collect::<Result<Vec<_>, _>>()
    })
    .transpose()
    .map(Option::unwrap_or_default)
}

/// Whether a root key holds an extension object (a known extension, or any URN key).
fn is_extension_key(rt: &ResourceType, key: &str) -> bool {
    rt.extension(key).is_some() || (key.contains(':') && rt.attribute(key).is_none())
}

fn definition(
    rt: &ResourceType,
    container: Option<&str>,
    name: &str,
) -> Option<&'static Attribute> {
    let path = AttrPath {
        schema: container.map(str::to_owned),
        name: name.to_owned(),
        sub_attribute: None,
    };
    rt.resolve(&path).map(|r| r.attribute)
}

/// Whether `path` designates the attribute stored under `container` as `name`.
fn same_attribute(rt: &ResourceType, path: &AttrPath, container: Option<&str>, name: &str) -> bool {
    if !path.name.eq_ignore_ascii_case(name) {
        return false;
    }
    let resolved = rt.resolve(&AttrPath {
        sub_attribute: None,
        ..path.clone()
    });
    match (container_key(rt, path, resolved.as_ref()), container) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// Applies `keep` to the object, or to each object of an array.
fn per_element(value: &Value, keep: &dyn Fn(&str) -> bool) -> Value {
    let one = |item: &Value| match item {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    match value {
        Value::Array(items) => Value::Array(items.iter().map(one).collect()),
        other => one(other),
    }
}

fn sub_returned(definition: Option<&Attribute>, sub: &str) -> Returned {
    definition
        .and_then(|d| d.sub_attribute(sub))
        .map_or(Returned::Default, |s| s.returned())
}

fn strip_never(definition: Option<&Attribute>, value: &Value) -> Value {
    if definition.is_none_or(|d| {
        d.sub_attributes()
            .iter()
            .all(|s| s.returned() != Returned::Never)
    }) {
        return value.clone();
    }
    per_element(value, &|k| sub_returned(definition, k) != Returned::Never)
}

fn keep_subs(definition: Option<&Attribute>, value: &Value, subs: &[&str]) -> Value {
    per_element(value, &|k| match sub_returned(definition, k) {
        Returned::Always => true,
        Returned::Never => false,
        Returned::Default | Returned::Request => subs.iter().any(|s| s.eq_ignore_ascii_case(k)),
    })
}

fn drop_subs(definition: Option<&Attribute>, value: &Value, subs: &[&str]) -> Value {
    per_element(value, &|k| match sub_returned(definition, k) {
        Returned::Always => true,
        Returned::Never | Returned::Request => false,
        Returned::Default => !subs.iter().any(|s| s.eq_ignore_ascii_case(k)),
    })
}
