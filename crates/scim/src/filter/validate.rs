//! Checks a parsed filter against a resource type, rejecting comparisons whose meaning
//! would be a guess (RFC 7644 §3.4.2.2: e.g. `gt` on a boolean is `invalidFilter`).

use super::{CompValue, CompareOp, Filter};
use crate::Error;
use crate::compare::{parse_bool, parse_date_time};
use crate::path::AttrPath;
use crate::schema::{AttrType, Attribute, Mutability, ResourceType, Returned};

impl Filter {
    /// Validates attribute/operator/literal combinations for `rt`.
    ///
    /// Unknown attributes are accepted (they match extra JSON keys). For known attributes:
    /// complex attributes must be compared through a sub-attribute (or have a `value`
    /// sub-attribute); `gt`/`ge`/`lt`/`le` are refused on booleans and binaries; `co`/`sw`/
    /// `ew` need a string-like attribute; the literal must fit the type (a boolean, or the
    /// strings `"true"`/`"false"`, for booleans; a number for numbers; a string for strings;
    /// an RFC 3339 string for ordering on dates); `null` only works with `eq`/`ne`; a
    /// value filter `attr[…]` needs a multi-valued or complex attribute; and attributes
    /// never returned (`password`) cannot be filtered on.
    pub fn validate(&self, rt: &ResourceType) -> Result<(), Error> {
        check(self, rt, None)
    }
}

/// `parent` is set inside a value filter: paths then name sub-attributes of it.
fn check(
    filter: &Filter,
    rt: &ResourceType,
    parent: Option<&'static Attribute>,
) -> Result<(), Error> {
    match filter {
        Filter::And(left, right) | Filter::Or(left, right) => {
            check(left, rt, parent)?;
            check(right, rt, parent)
        }
        Filter::Not(inner) => check(inner, rt, parent),
        Filter::Present { path } => match target(rt, parent, path) {
            Some(attribute) => check_filterable(path, attribute),
            None => Ok(()),
        },
        Filter::Compare { path, op, value } => match target(rt, parent, path) {
            Some(attribute) => {
                check_filterable(path, attribute)?;
                check_comparison(path, attribute, *op, value)
            }
            None => check_literal_alone(path, *op, value),
        },
        Filter::ValuePath { path, filter } => {
            let attribute = rt.resolve(path).map(|r| r.attribute);
            if let Some(a) = attribute
                && !a.multi_valued()
                && a.kind() != AttrType::Complex
            {
                return Err(Error::invalid_filter(format!(
                    "{path} is a single value; a value filter `{path}[…]` needs a multi-valued attribute"
                )));
            }
            check(filter, rt, attribute)
        }
    }
}

/// The attribute a comparison applies to, if known.
fn target(
    rt: &ResourceType,
    parent: Option<&'static Attribute>,
    path: &AttrPath,
) -> Option<&'static Attribute> {
    match parent {
        Some(parent) => {
            let sub = parent.sub_attribute(&path.name)?;
            match &path.sub_attribute {
                Some(_) => None,
                None => Some(sub),
            }
        }
        None => {
            let resolved = rt.resolve(path)?;
            Some(resolved.comparison_target())
        }
    }
}

/// Attributes that are never returned (`password`) cannot be filtered on either, or a
/// filter would reveal them one guess at a time.
fn check_filterable(path: &AttrPath, attribute: &Attribute) -> Result<(), Error> {
    if attribute.returned() == Returned::Never || attribute.mutability() == Mutability::WriteOnly {
        return Err(Error::invalid_filter(format!(
            "{path} cannot be used in a filter: it is never returned"
        )));
    }
    Ok(())
}

fn check_literal_alone(path: &AttrPath, op: CompareOp, value: &CompValue) -> Result<(), Error> {
    if matches!(value, CompValue::Null) && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
        return Err(Error::invalid_filter(format!(
            "`{path} {} null` is meaningless: null only works with eq and ne",
            op.as_str()
        )));
    }
    Ok(())
}

fn check_comparison(
    path: &AttrPath,
    attribute: &Attribute,
    op: CompareOp,
    value: &CompValue,
) -> Result<(), Error> {
    check_literal_alone(path, op, value)?;
    let op_name = op.as_str();
    let refuse = |why: String| Err(Error::invalid_filter(why));
    match attribute.kind() {
        AttrType::Complex => refuse(format!(
            "{path} is complex; compare one of its sub-attributes (for example {path}.{})",
            attribute
                .sub_attributes()
                .first()
                .map_or("value", |s| s.name())
        )),
        AttrType::Boolean | AttrType::Binary if op.is_ordering() => refuse(format!(
            "`{op_name}` cannot be used on {path}, which is {}",
            attribute.kind().as_str()
        )),
        kind if op.is_substring() && !is_string_like(kind) => refuse(format!(
            "`{op_name}` needs a string attribute, but {path} is {}",
            kind.as_str()
        )),
        AttrType::Boolean => match value {
            CompValue::Null | CompValue::Bool(_) => Ok(()),
            CompValue::String(s) if parse_bool(s).is_some() => Ok(()),
            _ => refuse(format!(
                "{path} is a boolean; compare it with true or false"
            )),
        },
        AttrType::Integer | AttrType::Decimal => match value {
            CompValue::Null | CompValue::Number(_) => Ok(()),
            _ => refuse(format!("{path} is a number; compare it with a number")),
        },
        AttrType::DateTime => match value {
            CompValue::Null => Ok(()),
            CompValue::String(s) if parse_date_time(s).is_some() || op.is_substring() => Ok(()),
            _ => refuse(format!(
                "{path} is a dateTime; compare it with an RFC 3339 string such as \"2024-01-31T12:00:00Z\""
            )),
        },
        AttrType::String | AttrType::Reference | AttrType::Binary => match value {
            CompValue::Null | CompValue::String(_) => Ok(()),
            _ => refuse(format!(
                "{path} is a string; compare it with a \"quoted string\""
            )),
        },
    }
}

fn is_string_like(kind: AttrType) -> bool {
    matches!(
        kind,
        AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::DateTime
    )
}
