//! Checks and coerces values written to known attributes: the declared type must match
//! (with Okta's string booleans turned into booleans), keys get their canonical spelling,
//! and read-only sub-attributes inside a written object are dropped, as RFC 7643 §7 says
//! for values the server controls. Extra keys unknown to the schema are kept verbatim.

use std::fmt;

use serde_json::{Map, Value};

use crate::Error;
use crate::compare::{parse_bool, parse_date_time};
use crate::json::insert_ci;
use crate::schema::{AttrType, Attribute, Mutability};

/// Coerces the whole value of `attribute` (an array for multi-valued attributes; a single
/// value is wrapped). `label` names the attribute in error messages; it is formatted only
/// when an error is reported, so the happy path does not allocate for it.
pub(crate) fn coerce_attribute(
    attribute: &'static Attribute,
    value: Value,
    label: &dyn fmt::Display,
) -> Result<Value, Error> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::Array(items) if attribute.multi_valued() => items
            .into_iter()
            .filter(|item| !item.is_null())
            .map(|item| coerce_element(attribute, item, label))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        single if attribute.multi_valued() => Ok(Value::Array(vec![coerce_element(
            attribute, single, label,
        )?])),
        single => coerce_element(attribute, single, label),
    }
}

/// Coerces one value of `attribute` (one element, for a multi-valued attribute).
pub(crate) fn coerce_element(
    attribute: &'static Attribute,
    value: Value,
    label: &dyn fmt::Display,
) -> Result<Value, Error> {
    let found = describe(&value);
    let wrong = |expected: &str| {
        Err(Error::invalid_value(format!(
            "{label} must be {expected}, got {found}"
        )))
    };
    match attribute.kind() {
        AttrType::Complex => match value {
            Value::Object(map) => coerce_object(attribute, map, label).map(Value::Object),
            _ => wrong("an object"),
        },
        AttrType::String | AttrType::Reference | AttrType::Binary => match value {
            Value::String(_) => Ok(value),
            _ => wrong("a string"),
        },
        AttrType::Boolean => match &value {
            Value::Bool(_) => Ok(value),
            Value::String(s) => match parse_bool(s) {
                Some(b) => Ok(Value::Bool(b)),
                None => wrong("a boolean"),
            },
            _ => wrong("a boolean"),
        },
        AttrType::Integer => match &value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value),
            _ => wrong("an integer"),
        },
        AttrType::Decimal => match &value {
            Value::Number(_) => Ok(value),
            _ => wrong("a number"),
        },
        AttrType::DateTime => match &value {
            Value::String(s) if parse_date_time(s).is_some() => Ok(value),
            _ => wrong("an RFC 3339 date-time string"),
        },
    }
}

/// Coerces a value written to one sub-attribute.
pub(crate) fn coerce_sub(
    sub: Option<&'static Attribute>,
    value: Value,
    label: &dyn fmt::Display,
) -> Result<Value, Error> {
    match (sub, value) {
        (_, Value::Null) => Ok(Value::Null),
        (Some(sub), value) => coerce_element(sub, value, label),
        (None, value) => Ok(value),
    }
}

fn coerce_object(
    attribute: &'static Attribute,
    map: Map<String, Value>,
    label: &dyn fmt::Display,
) -> Result<Map<String, Value>, Error> {
    coerce_fields(map, |key| attribute.sub_attribute(key), Some(label))
}

/// Coerces the known keys of an object (a complex value, or an extension's attributes,
/// found with `lookup`): read-only ones are dropped, others coerced and renamed to their
/// canonical spelling; nulls are dropped; unknown keys are kept verbatim. `parent` prefixes
/// the names in error messages.
pub(crate) fn coerce_fields(
    map: Map<String, Value>,
    lookup: impl Fn(&str) -> Option<&'static Attribute>,
    parent: Option<&dyn fmt::Display>,
) -> Result<Map<String, Value>, Error> {
    let mut out = Map::new();
    for (key, value) in map {
        match lookup(&key) {
            Some(field) if field.mutability() == Mutability::ReadOnly => {}
            Some(field) => {
                let label = Label {
                    parent,
                    name: field.name(),
                };
                let coerced = coerce_attribute(field, value, &label)?;
                if !coerced.is_null() {
                    insert_ci(&mut out, field.name(), coerced);
                }
            }
            None if value.is_null() => {}
            None => {
                out.insert(key, value);
            }
        }
    }
    Ok(out)
}

/// `parent.name` for error messages, formatted only when an error is reported.
struct Label<'a> {
    parent: Option<&'a dyn fmt::Display>,
    name: &'a str,
}

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parent {
            Some(parent) => write!(f, "{parent}.{}", self.name),
            None => f.write_str(self.name),
        }
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
