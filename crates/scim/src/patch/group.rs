//! Group PATCH without the member list: membership operations become id lists the store
//! applies as row inserts and deletes; the other operations patch the group's attributes
//! in memory with the ordinary engine.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{PatchOp, PatchOperation, PatchRequest, engine};
use crate::Error;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::json::{key_ci, remove_ci};
use crate::resource::{finish, member_ids, tidy};
use crate::schema::GROUP;

/// The outcome of planning a Group PATCH.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupPatch {
    /// The request can be applied as a plan.
    Planned(GroupPatchPlan),
    /// The request selects members by something other than their id (for example
    /// `members[display eq "Dana"]` or `members[value eq "x"].display`): load the group with
    /// its members and use [`crate::patch::apply_patch`] instead.
    NeedsMembers,
}

/// A Group PATCH reduced to attribute changes plus membership deltas.
///
/// Apply it in one transaction: write `group` if `attributes_changed`; then, if
/// `replace_members` is set, make the member set exactly that list; otherwise delete
/// `member_removes` and insert `member_adds` (ignoring ids already present). The two lists
/// are disjoint, so their order does not matter, and the result equals applying the
/// operations in sequence to the full member list.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPatchPlan {
    /// The group's attributes after the PATCH, without `members`, normalised.
    pub group: Value,
    /// Whether `group` differs from the input.
    pub attributes_changed: bool,
    /// When set, the complete new member list (ids, de-duplicated, in request order).
    pub replace_members: Option<Vec<String>>,
    /// Member ids to insert (when `replace_members` is `None`).
    pub member_adds: Vec<String>,
    /// Member ids to delete (when `replace_members` is `None`).
    pub member_removes: Vec<String>,
}

impl GroupPatchPlan {
    /// Whether the plan touches membership at all.
    pub fn changes_members(&self) -> bool {
        self.replace_members.is_some()
            || !self.member_adds.is_empty()
            || !self.member_removes.is_empty()
    }

    /// Applies the membership part to an in-memory id list (for small groups and tests);
    /// new ids are appended.
    pub fn apply_members(&self, members: &mut Vec<String>) {
        if let Some(list) = &self.replace_members {
            members.clone_from(list);
            return;
        }
        members.retain(|id| !self.member_removes.contains(id));
        for id in &self.member_adds {
            if !members.contains(id) {
                members.push(id.clone());
            }
        }
    }
}

/// Plans `request` against `group`, the stored group **without** its members (a `members`
/// key, if present, is ignored). The group should carry its `id`, so Okta's rename
/// operation, which repeats the id, can be checked.
///
/// Errors are those of [`crate::patch::apply_patch`]; member elements without a string
/// `value` are `invalidValue`.
pub fn plan_group_patch(group: &Value, request: &PatchRequest) -> Result<GroupPatch, Error> {
    let Some(stored) = group.as_object() else {
        return Err(Error::internal("the stored group is not a JSON object"));
    };
    let mut base = stored.clone();
    remove_ci(&mut base, "members");
    tidy(&GROUP, &mut base);
    let mut working = base.clone();
    let mut members = Members::default();
    let mut ignored_password = None;
    for operation in &request.operations {
        let Some(split) = split(operation)? else {
            return Ok(GroupPatch::NeedsMembers);
        };
        if let Some(rest) = split.rest {
            engine::apply(&mut working, &GROUP, &rest, &mut ignored_password)?;
        }
        if let Some(member_op) = split.members {
            members.apply(member_op);
        }
    }
    if key_ci(&working, "members").is_some() {
        // An operation reached `members` by a spelling `split` does not recognise (such as
        // a schema-qualified path); fall back to the full engine rather than guess.
        return Ok(GroupPatch::NeedsMembers);
    }
    finish(&GROUP, &mut working)?;
    let attributes_changed = working != base;
    Ok(GroupPatch::Planned(GroupPatchPlan {
        group: Value::Object(working),
        attributes_changed,
        replace_members: members.replace.map(|ids| ids.list),
        member_adds: members.adds.list,
        member_removes: members.removes.list,
    }))
}

/// A membership change carried by one operation.
enum MemberOp {
    Add(Vec<String>),
    Remove(Vec<String>),
    Replace(Vec<String>),
}

/// One operation divided into its membership part and the rest.
struct Split {
    members: Option<MemberOp>,
    rest: Option<PatchOperation>,
}

impl Split {
    fn rest(operation: &PatchOperation) -> Split {
        Split {
            members: None,
            rest: Some(operation.clone()),
        }
    }
}

/// Splits an operation into its membership part and the rest. `None` means the
/// membership part needs the member list.
fn split(operation: &PatchOperation) -> Result<Option<Split>, Error> {
    let Some(path) = &operation.path else {
        return split_pathless(operation).map(Some);
    };
    let names_members = path.attribute.name.eq_ignore_ascii_case("members")
        && path
            .attribute
            .schema
            .as_deref()
            .is_none_or(|urn| GROUP.is_core_schema(urn));
    if !names_members {
        return Ok(Some(Split::rest(operation)));
    }
    if path.attribute.sub_attribute.is_some() || path.filtered_sub_attribute.is_some() {
        return Ok(None);
    }
    let value = operation.value.as_ref();
    let member_op = match (operation.op, &path.filter, value) {
        (PatchOp::Remove, Some(filter), _) => match ids_selected_by(filter) {
            Some(ids) => MemberOp::Remove(ids),
            None => return Ok(None),
        },
        (_, Some(_), _) => return Ok(None),
        (PatchOp::Add, None, value) => MemberOp::Add(ids_in(value)?),
        (PatchOp::Replace, None, value) => MemberOp::Replace(ids_in(value)?),
        (PatchOp::Remove, None, None | Some(Value::Null)) => MemberOp::Replace(Vec::new()),
        (PatchOp::Remove, None, value) => MemberOp::Remove(ids_in(value)?),
    };
    Ok(Some(Split {
        members: Some(member_op),
        rest: None,
    }))
}

/// A pathless `add`/`replace` whose object may carry `members` next to other attributes.
fn split_pathless(operation: &PatchOperation) -> Result<Split, Error> {
    let Some(Value::Object(entries)) = &operation.value else {
        return Ok(Split::rest(operation));
    };
    let Some(key) = key_ci(entries, "members") else {
        return Ok(Split::rest(operation));
    };
    let mut rest: Map<String, Value> = entries.clone();
    let members = rest.shift_remove(&key);
    let ids = ids_in(members.as_ref())?;
    let member_op = match operation.op {
        PatchOp::Add => MemberOp::Add(ids),
        PatchOp::Replace | PatchOp::Remove => MemberOp::Replace(ids),
    };
    let rest = (!rest.is_empty()).then(|| PatchOperation {
        op: operation.op,
        path: None,
        value: Some(Value::Object(rest)),
    });
    Ok(Split {
        members: Some(member_op),
        rest,
    })
}

/// Member ids in an operation value: an array of `{"value": id}`, a single such object,
/// or null (no members).
fn ids_in(value: Option<&Value>) -> Result<Vec<String>, Error> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => member_ids(items),
        Some(single) => member_ids(std::slice::from_ref(single)),
    }
}

/// The ids a `value eq "id"` filter (or an `or` of them) selects; `None` for any other
/// filter.
fn ids_selected_by(filter: &Filter) -> Option<Vec<String>> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(id),
        } if path.is("value") && path.schema.is_none() => Some(vec![id.clone()]),
        Filter::Or(left, right) => {
            let mut ids = ids_selected_by(left)?;
            ids.extend(ids_selected_by(right)?);
            Some(ids)
        }
        _ => None,
    }
}

/// Ids in insertion order with O(1) membership tests.
#[derive(Default)]
struct Ids {
    list: Vec<String>,
    set: HashSet<String>,
}

impl Ids {
    fn from_list(ids: Vec<String>) -> Ids {
        let mut out = Ids::default();
        for id in ids {
            out.insert(id);
        }
        out
    }

    fn insert(&mut self, id: String) {
        if self.set.insert(id.clone()) {
            self.list.push(id);
        }
    }

    fn remove(&mut self, id: &str) {
        if self.set.remove(id) {
            self.list.retain(|x| x != id);
        }
    }
}

/// Membership changes folded into normal form: either a full replacement, or disjoint
/// add and remove sets.
#[derive(Default)]
struct Members {
    replace: Option<Ids>,
    adds: Ids,
    removes: Ids,
}

impl Members {
    fn apply(&mut self, op: MemberOp) {
        match op {
            MemberOp::Replace(ids) => {
                self.replace = Some(Ids::from_list(ids));
                self.adds = Ids::default();
                self.removes = Ids::default();
            }
            MemberOp::Add(ids) => {
                for id in ids {
                    match &mut self.replace {
                        Some(list) => list.insert(id),
                        None => {
                            self.removes.remove(&id);
                            self.adds.insert(id);
                        }
                    }
                }
            }
            MemberOp::Remove(ids) => {
                for id in ids {
                    match &mut self.replace {
                        Some(list) => list.remove(&id),
                        None => {
                            self.adds.remove(&id);
                            self.removes.insert(id);
                        }
                    }
                }
            }
        }
    }
}
