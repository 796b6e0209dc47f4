//! In-memory evaluation of a filter against a resource held as JSON, following the
//! semantics documented on the [`crate::filter`] module.

use serde_json::{Map, Value};

use super::{CompValue, CompareOp, Filter};
use crate::compare::Rules;
use crate::json::{container, get_ci, is_present};
use crate::path::AttrPath;
use crate::schema::{AttrType, Attribute, ResourceType};

impl Filter {
    /// Whether `resource` (a User or Group as JSON) matches this filter.
    ///
    /// Attribute names match case-insensitively, strings honour each attribute's caseExact,
    /// a multi-valued attribute matches when any of its values does, and `dateTime`
    /// attributes such as `meta.lastModified` compare chronologically. A resource that is not
    /// a JSON object matches nothing.
    pub fn matches(&self, resource: &Value, rt: &ResourceType) -> bool {
        match resource.as_object() {
            Some(root) => eval(self, &Scope::Resource { rt, root }),
            None => false,
        }
    }
}

/// What paths are relative to: the resource, or one element of a multi-valued attribute
/// inside a value filter.
enum Scope<'a> {
    Resource {
        rt: &'a ResourceType,
        root: &'a Map<String, Value>,
    },
    Element {
        parent: Option<&'static Attribute>,
        element: &'a Value,
    },
}

pub(crate) fn eval_element(
    filter: &Filter,
    parent: Option<&'static Attribute>,
    element: &Value,
) -> bool {
    eval(filter, &Scope::Element { parent, element })
}

fn eval(filter: &Filter, scope: &Scope<'_>) -> bool {
    match filter {
        Filter::And(left, right) => eval(left, scope) && eval(right, scope),
        Filter::Or(left, right) => eval(left, scope) || eval(right, scope),
        Filter::Not(inner) => !eval(inner, scope),
        Filter::Present { path } => present(scope, path),
        Filter::Compare { path, op, value } => compare(scope, path, *op, value),
        Filter::ValuePath { path, filter } => value_path(scope, path, filter),
    }
}

fn present(scope: &Scope<'_>, path: &AttrPath) -> bool {
    visit(scope, path, false, &mut |value, _| is_present(value))
}

fn compare(scope: &Scope<'_>, path: &AttrPath, op: CompareOp, literal: &CompValue) -> bool {
    match (op, literal) {
        (CompareOp::Eq, CompValue::Null) => !present(scope, path),
        (CompareOp::Ne, CompValue::Null) => present(scope, path),
        (_, CompValue::Null) => false,
        (CompareOp::Ne, _) => !compare(scope, path, CompareOp::Eq, literal),
        _ => visit(scope, path, true, &mut |value, rules| {
            rules.satisfies(value, op, literal)
        }),
    }
}

fn value_path(scope: &Scope<'_>, path: &AttrPath, filter: &Filter) -> bool {
    let Scope::Resource { rt, root } = scope else {
        // The parser never nests value filters; treat a hand-built nesting as no match.
        return false;
    };
    let resolved = rt.resolve(path);
    let parent = resolved.map(|r| r.attribute);
    let Some(value) =
        container(root, rt, path, resolved.as_ref()).and_then(|c| get_ci(c, &path.name))
    else {
        return false;
    };
    match value {
        Value::Array(items) => items.iter().any(|item| eval_element(filter, parent, item)),
        Value::Object(_) => eval_element(filter, parent, value),
        _ => false,
    }
}

/// Calls `test` on each value `path` designates, with the comparison rules that apply to
/// it, until one returns true. With `comparing`, a complex attribute named without
/// sub-attribute yields its elements' `value` sub-attribute.
fn visit(
    scope: &Scope<'_>,
    path: &AttrPath,
    comparing: bool,
    test: &mut dyn FnMut(&Value, Rules) -> bool,
) -> bool {
    match scope {
        Scope::Resource { rt, root } => {
            let resolved = rt.resolve(path);
            let Some(value) =
                container(root, rt, path, resolved.as_ref()).and_then(|c| get_ci(c, &path.name))
            else {
                return false;
            };
            match (&path.sub_attribute, resolved) {
                (Some(sub), resolved) => {
                    let rules = Rules::of(resolved.map(|r| r.target()));
                    visit_sub(value, sub, rules, test)
                }
                (None, Some(resolved))
                    if comparing && resolved.attribute.kind() == AttrType::Complex =>
                {
                    let rules = Rules::of(resolved.attribute.default_sub_attribute());
                    visit_sub(value, "value", rules, test)
                }
                (None, None) if comparing && is_complex(value) => {
                    visit_sub(value, "value", Rules::of(None), test)
                }
                (None, resolved) => {
                    visit_flat(value, Rules::of(resolved.map(|r| r.attribute)), test)
                }
            }
        }
        Scope::Element { parent, element } => {
            let definition = parent.and_then(|p| p.sub_attribute(&path.name));
            let value = match element {
                Value::Object(map) => get_ci(map, &path.name),
                // A multi-valued attribute of plain values: `value` is the element itself.
                other if path.name.eq_ignore_ascii_case("value") => Some(*other),
                _ => None,
            };
            let Some(value) = value else {
                return false;
            };
            match &path.sub_attribute {
                Some(sub) => visit_sub(value, sub, Rules::of(None), test),
                None => visit_flat(value, Rules::of(definition), test),
            }
        }
    }
}

fn is_complex(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(Value::is_object),
        _ => false,
    }
}

/// Visits `value`, or each element if it is an array.
fn visit_flat(value: &Value, rules: Rules, test: &mut dyn FnMut(&Value, Rules) -> bool) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|item| test(item, rules)),
        other => test(other, rules),
    }
}

/// Visits the sub-attribute `sub` of `value`, or of each element if it is an array.
fn visit_sub(
    value: &Value,
    sub: &str,
    rules: Rules,
    test: &mut dyn FnMut(&Value, Rules) -> bool,
) -> bool {
    let mut one = |item: &Value| match item.as_object().and_then(|m| get_ci(m, sub)) {
        Some(found) => visit_flat(found, rules, test),
        None => false,
    };
    match value {
        Value::Array(items) => items.iter().any(&mut one),
        other => one(other),
    }
}
