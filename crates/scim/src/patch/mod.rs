//! The PATCH engine (RFC 7644 §3.5.2) with the habits of Okta and other real clients.
//!
//! Two entry points:
//! - [`apply_patch`] applies a [`PatchRequest`] to a whole resource held as JSON (Users, and
//!   Groups when the member list is small or the request needs it).
//! - [`plan_group_patch`] turns a Group PATCH into a [`GroupPatchPlan`] without the member
//!   list: non-member attributes are patched in memory and membership becomes lists of ids
//!   to insert and delete, so adding one member to a 10,000-member group costs one row.
//!
//! Semantics, beyond the RFC text:
//! - `op` is case-insensitive (`"Replace"`, `"add"`), and so are attribute names.
//! - A pathless `add`/`replace` takes an object whose keys are attribute names (or schema
//!   URNs holding extension attributes), e.g. Okta's `{"active": false}`; complex attributes
//!   in it are merged sub-attribute by sub-attribute. A read-only `id` in it is accepted
//!   when it equals the resource's id (Okta's group rename sends it); other read-only
//!   attributes in it are ignored.
//! - Booleans may arrive as strings (`"True"`, `"false"`); values are coerced to each
//!   attribute's type, and a value that cannot be is `invalidValue`.
//! - `add` to a multi-valued attribute appends and de-duplicates (same `value`, and same
//!   `type` when both have one); `replace` replaces the whole list (`[]` clears it).
//! - `remove` with a value filter removes the matching elements only; matching nothing is
//!   a no-op, so re-sent removals succeed. `remove` of `members` with a `value` array
//!   removes those members (Entra ID's form).
//! - `add` with a value filter that matches nothing and is made of `eq` tests creates the
//!   element (Entra ID's `emails[type eq "work"].value`); `replace` that matches nothing
//!   is `noTarget`, as the RFC requires.
//! - Setting `primary: true` on one element clears it on the others.
//! - A path naming a readOnly attribute, or changing an immutable one, is `mutability`.
//! - `password` (writeOnly) is never written into the resource: it comes back in
//!   [`PatchOutcome::password`] for the caller to hash.
//! - The request is atomic: on error the resource is left unchanged.

mod engine;
mod group;
mod path;

pub use group::{GroupPatch, GroupPatchPlan, plan_group_patch};
pub use path::PatchPath;

use serde_json::Value;

use crate::Error;
use crate::json::get_ci;
use crate::resource::{Password, finish, require_schema, tidy};
use crate::schema::ResourceType;

/// URN of the PatchOp message.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The three PATCH operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOp {
    /// Add values (merge into complex, append to multi-valued, set otherwise).
    Add,
    /// Remove values; needs a `path`.
    Remove,
    /// Replace values.
    Replace,
}

impl PatchOp {
    /// Parses an `op` value in any case.
    pub fn parse(text: &str) -> Option<PatchOp> {
        [PatchOp::Add, PatchOp::Remove, PatchOp::Replace]
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(text))
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOp::Add => "add",
            PatchOp::Remove => "remove",
            PatchOp::Replace => "replace",
        }
    }
}

/// One element of `Operations`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The operation.
    pub op: PatchOp,
    /// The target; `None` means the resource itself.
    pub path: Option<PatchPath>,
    /// The value; required for `add` and `replace`.
    pub value: Option<Value>,
}

/// A parsed PatchOp request body.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, applied in order.
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// Parses a PatchOp body. Errors: not an object, `schemas` without the PatchOp URN, or
    /// `Operations` missing/empty/not objects, or an unknown `op` → `invalidSyntax`;
    /// `add`/`replace` without `value` → `invalidValue`; `remove` without `path` →
    /// `noTarget`; a bad `path` → `invalidPath` (or `invalidFilter` inside brackets).
    pub fn parse(body: Value) -> Result<PatchRequest, Error> {
        require_schema(&body, PATCH_OP_SCHEMA)?;
        let Value::Object(mut map) = body else {
            return Err(Error::invalid_syntax("a PATCH body must be a JSON object"));
        };
        let key = crate::json::key_ci(&map, "Operations");
        let Some(Value::Array(items)) = key.and_then(|k| map.remove(&k)) else {
            return Err(Error::invalid_syntax(
                "a PATCH body needs an \"Operations\" array",
            ));
        };
        if items.is_empty() {
            return Err(Error::invalid_syntax("\"Operations\" is empty"));
        }
        let operations = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| parse_operation(index, item))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PatchRequest { operations })
    }
}

fn parse_operation(index: usize, item: Value) -> Result<PatchOperation, Error> {
    let Value::Object(mut map) = item else {
        return Err(Error::invalid_syntax(format!(
            "Operations[{index}] must be an object"
        )));
    };
    let op = get_ci(&map, "op")
        .and_then(Value::as_str)
        .and_then(PatchOp::parse)
        .ok_or_else(|| {
            Error::invalid_syntax(format!(
                "Operations[{index}].op must be \"add\", \"remove\" or \"replace\""
            ))
        })?;
    let path = match get_ci(&map, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => Some(PatchPath::parse(text)?),
        Some(_) => {
            return Err(Error::invalid_path(format!(
                "Operations[{index}].path must be a string"
            )));
        }
    };
    let value = crate::json::key_ci(&map, "value").and_then(|k| map.remove(&k));
    match (op, &path, &value) {
        (PatchOp::Remove, None, _) => Err(Error::no_target(format!(
            "Operations[{index}]: remove needs a \"path\""
        ))),
        (PatchOp::Add | PatchOp::Replace, _, None) => Err(Error::invalid_value(format!(
            "Operations[{index}]: {} needs a \"value\"",
            op.as_str()
        ))),
        _ => Ok(PatchOperation { op, path, value }),
    }
}

/// What a PATCH to a password means for the stored credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChange {
    /// A new password to hash and store.
    Set(Password),
    /// The password was removed.
    Remove,
}

/// The result of [`apply_patch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchOutcome {
    /// Whether the resource JSON changed. When false (and no password change), skip the
    /// write and keep `meta.lastModified` and the version: RFC 7644 §3.5.2.1 says an add of
    /// an existing value must not change the modify timestamp, and Okta re-sends group
    /// renames after every membership change.
    pub changed: bool,
    /// The last password operation, if any; the password never enters the resource JSON.
    pub password: Option<PasswordChange>,
}

/// Applies `request` to `resource` (a stored User or Group of type `rt`, with `id` so a
/// rename carrying the id can be checked). Atomic: on error `resource` is unchanged.
///
/// The result is normalised like a PUT body: attributes coerced to their types, `schemas`
/// listing exactly the extensions present, required attributes present (removing
/// `userName` is `invalidValue`).
pub fn apply_patch(
    resource: &mut Value,
    request: &PatchRequest,
    rt: &ResourceType,
) -> Result<PatchOutcome, Error> {
    let Some(original) = resource.as_object() else {
        return Err(Error::internal("the stored resource is not a JSON object"));
    };
    let mut working = original.clone();
    tidy(rt, &mut working);
    // Compare against the original in stored layout, so a no-op PATCH on a resource
    // stored in another layout is still reported as unchanged. Stored resources are
    // normally tidy already, which saves a copy.
    let base = (working != *original).then(|| working.clone());
    let mut password = None;
    for operation in &request.operations {
        engine::apply(&mut working, rt, operation, &mut password)?;
    }
    finish(rt, &mut working)?;
    let changed = working != *base.as_ref().unwrap_or(original);
    if changed {
        *resource = Value::Object(working);
    }
    Ok(PatchOutcome { changed, password })
}

#[cfg(test)]
mod tests;
