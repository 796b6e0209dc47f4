//! Applies one PATCH operation to a resource's JSON object. The rules are listed on the
//! [`crate::patch`] module; this file is their implementation.

use serde_json::{Map, Value};

use super::{PasswordChange, PatchOp, PatchOperation, PatchPath};
use crate::Error;
use crate::filter::{CompValue, CompareOp, Filter, eval_element};
use crate::json::{container_key, get_ci, get_ci_mut, insert_ci, remove_ci};
use crate::path::AttrPath;
use crate::resource::{Password, coerce_attribute, coerce_element, coerce_sub};
use crate::schema::{AttrType, Attribute, Mutability, ResourceType};

type Object = Map<String, Value>;

/// Whether the target came from a `path` or from a key of a pathless value object; they
/// differ in how read-only attributes are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Explicit,
    Pathless,
}

/// Applies `operation` to `root`.
pub(super) fn apply(
    root: &mut Object,
    rt: &ResourceType,
    operation: &PatchOperation,
    password: &mut Option<PasswordChange>,
) -> Result<(), Error> {
    let value = operation.value.clone();
    match (&operation.path, operation.op) {
        (None, PatchOp::Remove) => Err(Error::no_target("remove needs a \"path\"")),
        (None, op) => pathless(root, rt, op, value.unwrap_or(Value::Null), password),
        (Some(path), op) if path.filter.is_some() => filtered(root, rt, op, path, value),
        (Some(path), PatchOp::Remove) => remove(root, rt, &path.attribute, value, password),
        (Some(path), op) => {
            let value = value.unwrap_or(Value::Null);
            match rt.extension_named_by(&path.attribute) {
                Some(extension) => {
                    let mut wrapper = Object::new();
                    wrapper.insert(extension.id().to_owned(), value);
                    pathless(root, rt, op, Value::Object(wrapper), password)
                }
                None => write(
                    root,
                    rt,
                    op,
                    &path.attribute,
                    value,
                    Mode::Explicit,
                    password,
                ),
            }
        }
    }
}

/// `add`/`replace` without `path`: each key of the object value is a target.
fn pathless(
    root: &mut Object,
    rt: &ResourceType,
    op: PatchOp,
    value: Value,
    password: &mut Option<PasswordChange>,
) -> Result<(), Error> {
    let Value::Object(entries) = value else {
        return Err(Error::invalid_value(format!(
            "{} without \"path\" needs an object value whose keys are attribute names",
            op.as_str()
        )));
    };
    for (key, value) in entries {
        if key.eq_ignore_ascii_case("schemas") {
            // `schemas` follows the attributes present; `finish` keeps it in sync.
            continue;
        }
        if rt.is_core_schema(&key) {
            // Core attributes wrapped in their schema URN, as some clients send them.
            pathless(root, rt, op, value, password)?;
            continue;
        }
        if let Some(extension) = rt.extension(&key) {
            let Value::Object(inner) = value else {
                return Err(Error::invalid_value(format!("\"{key}\" must be an object")));
            };
            for (name, value) in inner {
                let path = AttrPath {
                    schema: Some(extension.id().to_owned()),
                    name,
                    sub_attribute: None,
                };
                write(root, rt, op, &path, value, Mode::Pathless, password)?;
            }
            continue;
        }
        match AttrPath::parse(&key) {
            Ok(path)
                if path.schema.is_some()
                    && path.sub_attribute.is_none()
                    && value.is_object()
                    && rt.resolve(&path).is_none() =>
            {
                // An extension this server does not define (e.g. a custom Okta namespace):
                // keep its attributes verbatim.
                merge_unknown_container(root, &key, value);
            }
            Ok(path) => write(root, rt, op, &path, value, Mode::Pathless, password)?,
            Err(_) => {
                if !value.is_null() {
                    insert_ci(root, &key, value);
                }
            }
        }
    }
    Ok(())
}

fn merge_unknown_container(root: &mut Object, key: &str, value: Value) {
    let Value::Object(entries) = value else {
        return;
    };
    if !matches!(get_ci(root, key), Some(Value::Object(_))) {
        insert_ci(root, key, Value::Object(Object::new()));
    }
    if let Some(Value::Object(container)) = get_ci_mut(root, key) {
        for (name, value) in entries {
            if value.is_null() {
                remove_ci(container, &name);
            } else {
                insert_ci(container, &name, value);
            }
        }
    }
}

/// What a path names once resolved against the resource type.
struct Target<'p> {
    /// Extension URN holding the attribute, `None` for the root.
    container: Option<&'p str>,
    /// Canonical name for known attributes, the client's spelling otherwise.
    name: &'p str,
    attribute: Option<&'static Attribute>,
}

fn resolve<'p>(rt: &ResourceType, path: &'p AttrPath) -> Target<'p> {
    let top = AttrPath {
        sub_attribute: None,
        ..path.clone()
    };
    let resolved = rt.resolve(&top);
    Target {
        container: container_key(rt, path, resolved.as_ref()),
        name: resolved.map_or(path.name.as_str(), |r| r.attribute.name()),
        attribute: resolved.map(|r| r.attribute),
    }
}

/// The object holding the target attribute, created when `create` is set.
fn container_mut<'m>(
    root: &'m mut Object,
    key: Option<&str>,
    create: bool,
) -> Option<&'m mut Object> {
    let Some(key) = key else {
        return Some(root);
    };
    if create && !matches!(get_ci(root, key), Some(Value::Object(_))) {
        insert_ci(root, key, Value::Object(Object::new()));
    }
    match get_ci_mut(root, key) {
        Some(Value::Object(container)) => Some(container),
        _ => None,
    }
}

/// `add`/`replace` of an attribute or `attribute.sub` (no value filter).
fn write(
    root: &mut Object,
    rt: &ResourceType,
    op: PatchOp,
    path: &AttrPath,
    value: Value,
    mode: Mode,
    password: &mut Option<PasswordChange>,
) -> Result<(), Error> {
    let target = resolve(rt, path);
    if let Some(attribute) = target.attribute {
        if path.sub_attribute.is_some() && attribute.kind() != AttrType::Complex {
            return Err(Error::invalid_path(format!(
                "{} has no sub-attributes",
                attribute.name()
            )));
        }
        match attribute.mutability() {
            Mutability::WriteOnly => {
                *password = Some(match Password::from_value(value)? {
                    Some(new) => PasswordChange::Set(new),
                    None => PasswordChange::Remove,
                });
                return Ok(());
            }
            Mutability::ReadOnly => return read_only(root, attribute, &value, mode),
            Mutability::ReadWrite | Mutability::Immutable => {}
        }
    }
    let Some(container) = container_mut(root, target.container, !value.is_null()) else {
        return Ok(());
    };
    match &path.sub_attribute {
        None => write_whole(container, &target, op, value, path),
        Some(sub) => write_sub(container, &target, sub, value, path),
    }
}

/// A read-only attribute in a write: an error when named by `path`; ignored inside a
/// pathless object, except an `id` that differs from the resource's.
fn read_only(root: &Object, attribute: &Attribute, value: &Value, mode: Mode) -> Result<(), Error> {
    let conflicting_id =
        attribute.name() == "id" && get_ci(root, "id").is_some_and(|current| current != value);
    if mode == Mode::Explicit || conflicting_id {
        return Err(Error::mutability(format!(
            "{} is read-only and cannot be modified",
            attribute.name()
        )));
    }
    Ok(())
}

fn write_whole(
    container: &mut Object,
    target: &Target<'_>,
    op: PatchOp,
    value: Value,
    path: &AttrPath,
) -> Result<(), Error> {
    let label = path.to_string();
    if value.is_null() {
        return match op {
            PatchOp::Replace => remove_whole(container, target, &label),
            PatchOp::Add | PatchOp::Remove => Ok(()),
        };
    }
    let Some(attribute) = target.attribute else {
        match (op, get_ci_mut(container, target.name), value) {
            (PatchOp::Add, Some(Value::Array(items)), Value::Array(new)) => append(items, new),
            (_, _, value) => insert_ci(container, target.name, value),
        }
        return Ok(());
    };
    check_immutable(attribute, get_ci(container, target.name), &value, &label)?;
    let nulls = null_keys(&value);
    let value = coerce_attribute(attribute, value, &label)?;
    if attribute.multi_valued() {
        let Value::Array(new) = value else {
            return Ok(());
        };
        match (op, get_ci_mut(container, target.name)) {
            (PatchOp::Add, Some(Value::Array(items))) => append(items, new),
            _ => {
                // Built with `append` so duplicates in the request collapse.
                let mut items = Vec::with_capacity(new.len());
                append(&mut items, new);
                insert_ci(container, target.name, Value::Array(items));
            }
        }
    } else if attribute.kind() == AttrType::Complex {
        merge_object(container, target.name, value, &nulls);
    } else {
        insert_ci(container, target.name, value);
    }
    Ok(())
}

/// Keys of an object value that are explicitly null (to unassign on merge).
fn null_keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_null())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Merges the sub-attributes of `value` into the complex attribute `name`.
fn merge_object(container: &mut Object, name: &str, value: Value, nulls: &[String]) {
    match (get_ci_mut(container, name), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for key in nulls {
                remove_ci(existing, key);
            }
            for (key, value) in new {
                insert_ci(existing, &key, value);
            }
        }
        (_, value) => insert_ci(container, name, value),
    }
}

/// Appends to a multi-valued attribute, merging elements that are already there.
fn append(items: &mut Vec<Value>, new: Vec<Value>) {
    let mut preferred = None;
    for item in new {
        let index = match items
            .iter()
            .position(|existing| same_element(existing, &item))
        {
            Some(index) => {
                if let (Some(Value::Object(existing)), Value::Object(new)) =
                    (items.get_mut(index), &item)
                {
                    for (key, value) in new {
                        insert_ci(existing, key, value.clone());
                    }
                }
                index
            }
            None => {
                items.push(item);
                items.len() - 1
            }
        };
        if items.get(index).is_some_and(is_primary) {
            preferred = Some(index);
        }
    }
    settle_primary(items, preferred);
}

/// Two elements are the same value when they have the same `value` (and the same `type`
/// if both have one), or are equal.
fn same_element(a: &Value, b: &Value) -> bool {
    if let (Value::Object(x), Value::Object(y)) = (a, b)
        && let (Some(vx), Some(vy)) = (get_ci(x, "value"), get_ci(y, "value"))
    {
        let types_agree = match (get_ci(x, "type"), get_ci(y, "type")) {
            (Some(tx), Some(ty)) => tx == ty,
            _ => true,
        };
        return vx == vy && types_agree;
    }
    a == b
}

fn is_primary(item: &Value) -> bool {
    item.as_object()
        .and_then(|m| get_ci(m, "primary"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// Leaves at most one `primary: true`: the `preferred` element if it is primary, else the
/// first.
fn settle_primary(items: &mut [Value], preferred: Option<usize>) {
    let primaries: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| is_primary(item))
        .map(|(index, _)| index)
        .collect();
    if primaries.len() < 2 {
        return;
    }
    let keep = preferred
        .filter(|p| primaries.contains(p))
        .or_else(|| primaries.first().copied());
    for index in primaries {
        if Some(index) != keep
            && let Some(Value::Object(item)) = items.get_mut(index)
        {
            insert_ci(item, "primary", Value::Bool(false));
        }
    }
}

fn check_immutable(
    attribute: &Attribute,
    current: Option<&Value>,
    new: &Value,
    label: &str,
) -> Result<(), Error> {
    let has_value = current.is_some_and(crate::json::is_present);
    if attribute.mutability() == Mutability::Immutable && has_value && current != Some(new) {
        return Err(Error::mutability(format!(
            "{label} is immutable and already has a value"
        )));
    }
    Ok(())
}

/// `add`/`replace` of `attribute.sub`: sets the sub-attribute of the complex value, or
/// of every element of a multi-valued one.
fn write_sub(
    container: &mut Object,
    target: &Target<'_>,
    sub: &str,
    value: Value,
    path: &AttrPath,
) -> Result<(), Error> {
    let label = path.to_string();
    let definition = target.attribute.and_then(|a| a.sub_attribute(sub));
    let sub_name = definition.map_or(sub, |d| d.name());
    if let Some(definition) = definition
        && definition.mutability() == Mutability::ReadOnly
    {
        return Err(Error::mutability(format!("{label} is read-only")));
    }
    let value = coerce_sub(definition, value, &label)?;
    let multi = target.attribute.is_some_and(Attribute::multi_valued);
    match get_ci_mut(container, target.name) {
        Some(Value::Array(items)) if !items.is_empty() => {
            for item in items.iter_mut() {
                if let Value::Object(element) = item {
                    set_sub(element, definition, sub_name, value.clone(), &label)?;
                }
            }
            settle_primary(items, None);
            Ok(())
        }
        Some(Value::Object(object)) => set_sub(object, definition, sub_name, value, &label),
        Some(Value::Array(_)) | Some(Value::Null) | None if multi => Err(Error::no_target(
            format!("{label}: {} has no values to update", target.name),
        )),
        Some(Value::Array(_)) | Some(Value::Null) | None => {
            if !value.is_null() {
                let mut object = Object::new();
                object.insert(sub_name.to_owned(), value);
                insert_ci(container, target.name, Value::Object(object));
            }
            Ok(())
        }
        Some(_) => Err(Error::invalid_path(format!(
            "{} has no sub-attributes",
            target.name
        ))),
    }
}

/// Sets (or, for null, removes) one sub-attribute, honouring immutability.
fn set_sub(
    element: &mut Object,
    definition: Option<&'static Attribute>,
    name: &str,
    value: Value,
    label: &str,
) -> Result<(), Error> {
    if let Some(definition) = definition {
        check_immutable(definition, get_ci(element, name), &value, label)?;
    }
    if value.is_null() {
        remove_ci(element, name);
    } else {
        insert_ci(element, name, value);
    }
    Ok(())
}

/// `remove` with a path and no value filter.
fn remove(
    root: &mut Object,
    rt: &ResourceType,
    path: &AttrPath,
    value: Option<Value>,
    password: &mut Option<PasswordChange>,
) -> Result<(), Error> {
    if let Some(extension) = rt.extension_named_by(path) {
        remove_ci(root, extension.id());
        return Ok(());
    }
    let target = resolve(rt, path);
    let label = path.to_string();
    if let Some(attribute) = target.attribute {
        match attribute.mutability() {
            Mutability::WriteOnly => {
                *password = Some(PasswordChange::Remove);
                return Ok(());
            }
            Mutability::ReadOnly => {
                return Err(Error::mutability(format!(
                    "{} is read-only and cannot be removed",
                    attribute.name()
                )));
            }
            Mutability::ReadWrite | Mutability::Immutable => {}
        }
    }
    let Some(container) = container_mut(root, target.container, false) else {
        return Ok(());
    };
    match (&path.sub_attribute, value) {
        (None, Some(Value::Null) | None) => remove_whole(container, &target, &label),
        (None, Some(value)) => {
            remove_listed(container, &target, value);
            Ok(())
        }
        (Some(sub), _) => remove_sub(container, &target, sub, &label),
    }
}

fn remove_whole(container: &mut Object, target: &Target<'_>, label: &str) -> Result<(), Error> {
    if let Some(attribute) = target.attribute {
        if attribute.required() {
            return Err(Error::invalid_value(format!(
                "{label} is required and cannot be removed"
            )));
        }
        check_immutable(
            attribute,
            get_ci(container, target.name),
            &Value::Null,
            label,
        )?;
    }
    remove_ci(container, target.name);
    Ok(())
}

/// `remove` of `members` with a `value` listing what to remove (Entra ID's form): elements
/// with the same `value` (or equal elements) are removed.
fn remove_listed(container: &mut Object, target: &Target<'_>, value: Value) {
    let listed = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    if let Some(Value::Array(items)) = get_ci_mut(container, target.name) {
        items.retain(|item| !listed.iter().any(|gone| same_element(item, gone)));
        if items.is_empty() {
            remove_ci(container, target.name);
        }
    }
}

fn remove_sub(
    container: &mut Object,
    target: &Target<'_>,
    sub: &str,
    label: &str,
) -> Result<(), Error> {
    let definition = target.attribute.and_then(|a| a.sub_attribute(sub));
    if let Some(definition) = definition
        && definition.mutability() == Mutability::ReadOnly
    {
        return Err(Error::mutability(format!("{label} is read-only")));
    }
    let name = definition.map_or(sub, |d| d.name());
    match get_ci_mut(container, target.name) {
        Some(Value::Array(items)) => {
            for item in items.iter_mut() {
                if let Value::Object(element) = item {
                    set_sub(element, definition, name, Value::Null, label)?;
                }
            }
        }
        Some(Value::Object(object)) => {
            set_sub(object, definition, name, Value::Null, label)?;
            if object.is_empty() {
                remove_ci(container, target.name);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Operations whose path has a value filter: `emails[type eq "work"]`,
/// `members[value eq "…"]`, `emails[type eq "work"].value`.
fn filtered(
    root: &mut Object,
    rt: &ResourceType,
    op: PatchOp,
    path: &PatchPath,
    value: Option<Value>,
) -> Result<(), Error> {
    let Some(filter) = &path.filter else {
        return Ok(());
    };
    let target = resolve(rt, &path.attribute);
    let label = path.to_string();
    let sub = path.filtered_sub_attribute.as_deref();
    let sub_definition = match (target.attribute, sub) {
        (Some(attribute), Some(sub)) => attribute.sub_attribute(sub),
        _ => None,
    };
    if let Some(attribute) = target.attribute {
        if !attribute.multi_valued() {
            return Err(Error::invalid_path(format!(
                "{label}: {} is not multi-valued, so it cannot take a value filter",
                attribute.name()
            )));
        }
        let read_only = attribute.mutability() == Mutability::ReadOnly
            || sub_definition.is_some_and(|s| s.mutability() == Mutability::ReadOnly);
        if read_only {
            return Err(Error::mutability(format!("{label} is read-only")));
        }
    }
    let create = op == PatchOp::Add;
    let Some(container) = container_mut(root, target.container, create) else {
        return Ok(());
    };
    let matched: Vec<usize> = match get_ci(container, target.name) {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter(|(_, item)| eval_element(filter, target.attribute, item))
            .map(|(index, _)| index)
            .collect(),
        _ => Vec::new(),
    };
    let selection = Selection {
        sub: sub.map(|s| sub_definition.map_or(s, |d| d.name())),
        sub_definition,
        matched,
    };
    match op {
        PatchOp::Remove => remove_matched(container, &target, &selection, &label),
        PatchOp::Replace | PatchOp::Add if !selection.matched.is_empty() => {
            let value = value.unwrap_or(Value::Null);
            update_matched(container, &target, &selection, op, value, &label)
        }
        PatchOp::Replace => Err(Error::no_target(format!(
            "{label}: no value matches the filter"
        ))),
        PatchOp::Add => {
            let value = value.unwrap_or(Value::Null);
            add_from_filter(container, &target, filter, selection.sub, value, &label)
        }
    }
}

/// The elements a value filter selected, and the sub-attribute the path ends in.
struct Selection<'p> {
    matched: Vec<usize>,
    sub: Option<&'p str>,
    sub_definition: Option<&'static Attribute>,
}

fn remove_matched(
    container: &mut Object,
    target: &Target<'_>,
    selection: &Selection<'_>,
    label: &str,
) -> Result<(), Error> {
    let Some(Value::Array(items)) = get_ci_mut(container, target.name) else {
        return Ok(());
    };
    let matched = &selection.matched;
    match selection.sub {
        None => {
            let mut index = 0;
            items.retain(|_| {
                let keep = !matched.contains(&index);
                index += 1;
                keep
            });
            if items.is_empty() {
                remove_ci(container, target.name);
            }
        }
        Some(sub) => {
            for index in matched {
                if let Some(Value::Object(element)) = items.get_mut(*index) {
                    set_sub(element, selection.sub_definition, sub, Value::Null, label)?;
                }
            }
        }
    }
    Ok(())
}

fn update_matched(
    container: &mut Object,
    target: &Target<'_>,
    selection: &Selection<'_>,
    op: PatchOp,
    value: Value,
    label: &str,
) -> Result<(), Error> {
    let (matched, sub, sub_definition) =
        (&selection.matched, selection.sub, selection.sub_definition);
    let value = match (sub, target.attribute) {
        (Some(_), _) => coerce_sub(sub_definition, value, &label)?,
        (None, Some(attribute)) if !value.is_null() => coerce_element(attribute, value, &label)?,
        (None, _) => value,
    };
    let Some(Value::Array(items)) = get_ci_mut(container, target.name) else {
        return Ok(());
    };
    for index in matched {
        let Some(item) = items.get_mut(*index) else {
            continue;
        };
        match (sub, item) {
            (Some(sub), Value::Object(element)) => {
                set_sub(element, sub_definition, sub, value.clone(), label)?;
            }
            (None, Value::Object(element)) if op == PatchOp::Add => {
                if let Value::Object(new) = &value {
                    for (key, value) in new {
                        insert_ci(element, key, value.clone());
                    }
                }
            }
            (None, item) => {
                check_element_immutables(target.attribute, item, &value, label)?;
                *item = value.clone();
            }
            (Some(_), _) => {}
        }
    }
    let preferred = matched.last().copied();
    settle_primary(items, preferred);
    items.retain(|item| !item.is_null());
    Ok(())
}

/// Replacing a whole element must not change its immutable sub-attributes (e.g. a
/// member's `value`).
fn check_element_immutables(
    attribute: Option<&'static Attribute>,
    current: &Value,
    new: &Value,
    label: &str,
) -> Result<(), Error> {
    let Some(attribute) = attribute else {
        return Ok(());
    };
    for sub in attribute.sub_attributes() {
        if sub.mutability() != Mutability::Immutable {
            continue;
        }
        let before = current.as_object().and_then(|m| get_ci(m, sub.name()));
        let after = new.as_object().and_then(|m| get_ci(m, sub.name()));
        if before.is_some_and(crate::json::is_present) && before != after {
            return Err(Error::mutability(format!(
                "{label}: {}.{} is immutable",
                attribute.name(),
                sub.name()
            )));
        }
    }
    Ok(())
}

/// `add` with a value filter that matched nothing: when the filter is a conjunction of
/// `eq` tests on sub-attributes, create the element they describe.
fn add_from_filter(
    container: &mut Object,
    target: &Target<'_>,
    filter: &Filter,
    sub: Option<&str>,
    value: Value,
    label: &str,
) -> Result<(), Error> {
    let Some(mut element) = element_from_filter(filter) else {
        return Err(Error::no_target(format!(
            "{label}: no value matches the filter"
        )));
    };
    match (sub, value) {
        (_, Value::Null) => return Ok(()),
        (Some(sub), value) => {
            insert_ci(&mut element, sub, value);
        }
        (None, Value::Object(fields)) => element.extend(fields),
        (None, _) => {
            return Err(Error::invalid_value(format!(
                "{label}: the value must be an object"
            )));
        }
    }
    let element = match target.attribute {
        Some(attribute) => coerce_element(attribute, Value::Object(element), &label)?,
        None => Value::Object(element),
    };
    match get_ci_mut(container, target.name) {
        Some(Value::Array(items)) => append(items, vec![element]),
        _ => insert_ci(container, target.name, Value::Array(vec![element])),
    }
    Ok(())
}

fn element_from_filter(filter: &Filter) -> Option<Object> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.schema.is_none() && path.sub_attribute.is_none() => {
            let value = match value {
                CompValue::String(s) => Value::from(s.as_str()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => return None,
            };
            let mut element = Object::new();
            element.insert(path.name.clone(), value);
            Some(element)
        }
        Filter::And(left, right) => {
            let mut element = element_from_filter(left)?;
            element.extend(element_from_filter(right)?);
            Some(element)
        }
        _ => None,
    }
}
