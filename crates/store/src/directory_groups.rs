//! Directory groups (teams) and their members. Members are rows of their own, so adding
//! or removing one member costs one row write whatever the group's size, and two
//! concurrent PATCHes on one group serialise on the group row (PostgreSQL `FOR UPDATE`,
//! SQLite's single writer) and lose nothing.
//!
//! Deleting a group through SCIM only marks it: the team and its members stay recoverable
//! for the directory's grace period ([`Store::restore_group`]); [`Store::purge_group`]
//! destroys it for good.

use std::collections::HashSet;

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::Store;
use crate::audit::{self, Actor, AuditRecord};
use crate::clock::{from_ms, now_ms};
use crate::db::Backend;
use crate::directories::DirectoryScope;
use crate::directory_users::{VERSION_CHANGED, changed_attributes};
use crate::error::{Result, StoreError};
use crate::events;
use crate::ids::{DirectoryGroupId, OrgId};
use crate::scim_query::{ScimListSpec, ScimPage, ScimRecord, Table};
use crate::sql::{Arg, Conn, placeholders, query};

/// How a write changes a group's members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberChange {
    /// Add and remove these user ids (disjoint); adding a member twice is a no-op.
    Delta {
        /// Ids to add.
        adds: Vec<String>,
        /// Ids to remove.
        removes: Vec<String>,
    },
    /// Make the members exactly these user ids.
    Replace(Vec<String>),
}

/// A change to a group: new attributes, member changes, or both.
#[derive(Clone, Debug, Default)]
pub struct GroupChange {
    /// The group's new resource without `members`, when its attributes change.
    pub resource: Option<Value>,
    /// The member change, if any.
    pub members: Option<MemberChange>,
    /// Fail with `Conflict` on [`VERSION_CHANGED`] unless the group is at this version.
    pub expected_version: Option<i64>,
}

/// The outcome of [`Store::scim_change_group`].
#[derive(Clone, Debug)]
pub struct GroupWrite {
    /// The group after the change (without members).
    pub record: ScimRecord,
    /// Whether anything changed (a no-op keeps the version and lastModified).
    pub changed: bool,
}

/// A member as SCIM renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    /// The user's id.
    pub user_id: String,
    /// The user's displayName, else userName.
    pub display: Option<String>,
}

/// A live group a user belongs to, as SCIM renders the user's read-only `groups`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserGroup {
    /// The member.
    pub user_id: String,
    /// The group's id.
    pub group_id: String,
    /// The group's displayName.
    pub display_name: String,
}

/// Whose groups [`Store::scim_user_groups`] loads.
#[derive(Clone, Copy, Debug)]
pub enum UsersOf<'a> {
    /// These users.
    Ids(&'a [&'a str]),
    /// Every user with an id from `first` to `last`, both included. A page of the
    /// unfiltered listing (in id order) holds exactly the directory's live users in that
    /// range, and one index range costs far less than a seek per user.
    IdRange {
        /// The page's first id.
        first: &'a str,
        /// The page's last id.
        last: &'a str,
    },
}

/// What purging a deleted group destroys.
#[derive(Clone, Debug)]
pub struct PurgeSummary {
    /// The group's id.
    pub group_id: String,
    /// Its displayName.
    pub display_name: String,
    /// How many memberships go with it.
    pub members: i64,
    /// When it was deleted.
    pub deleted_at: OffsetDateTime,
}

pub(crate) struct GroupColumns {
    pub(crate) display_name: String,
    pub(crate) display_name_key: String,
    pub(crate) external_id: Option<String>,
}

impl GroupColumns {
    pub(crate) fn of(resource: &Value) -> Result<Self> {
        let view = scim::resource::GroupView::new(resource)
            .ok_or_else(|| StoreError::Invalid("a group resource must be a JSON object".into()))?;
        let display_name = view
            .display_name()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| StoreError::Invalid("displayName is required".into()))?;
        Ok(Self {
            display_name: display_name.to_owned(),
            display_name_key: scim::fold_case(display_name).into_owned(),
            external_id: view.external_id().map(str::to_owned),
        })
    }
}

/// A group row as a write starts from it.
struct CurrentGroup {
    data: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl CurrentGroup {
    fn record(self, id: String) -> ScimRecord {
        ScimRecord {
            id,
            data: self.data,
            version: self.version,
            created_at: from_ms(self.created_at),
            updated_at: from_ms(self.updated_at),
        }
    }
}

fn to_text(resource: &Value) -> Result<String> {
    serde_json::to_string(resource)
        .map_err(|err| StoreError::Invalid(format!("resource cannot be serialised: {err}")))
}

/// The member rows actually inserted and deleted by one write.
#[derive(Default)]
struct Applied {
    added: Vec<String>,
    removed: Vec<String>,
}

/// Adds `user` to `group` if it is a live user of the directory. Returns whether a row was
/// inserted; an id that is neither a user of this directory nor already a member is
/// refused, so a group can never reach another tenant's users.
async fn add_member(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    group: &str,
    user: &str,
    now: i64,
) -> Result<bool> {
    let inserted = conn
        .execute(
            query(
                "INSERT INTO scim_group_members (group_id, user_id, added_at) SELECT $1, id, $2 \
                 FROM scim_users WHERE id = $3 AND directory_id = $4 AND deleted_at IS NULL \
                 ON CONFLICT DO NOTHING",
            )
            .bind(group)
            .bind(now)
            .bind(user)
            .bind(scope.id.as_str()),
        )
        .await?;
    if inserted > 0 {
        return Ok(true);
    }
    let (present,): (bool,) = conn
        .fetch_one(
            query(
                "SELECT EXISTS (SELECT 1 FROM scim_group_members WHERE group_id = $1 \
                 AND user_id = $2)",
            )
            .bind(group)
            .bind(user),
        )
        .await?;
    if present {
        Ok(false)
    } else {
        Err(StoreError::Invalid(format!(
            "member {user:?} is not a user of this directory"
        )))
    }
}

async fn remove_member(conn: &mut Conn<'_>, group: &str, user: &str) -> Result<bool> {
    let deleted = conn
        .execute(
            query("DELETE FROM scim_group_members WHERE group_id = $1 AND user_id = $2")
                .bind(group)
                .bind(user),
        )
        .await?;
    Ok(deleted > 0)
}

async fn apply_members(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    group: &str,
    change: MemberChange,
    now: i64,
) -> Result<Applied> {
    let mut applied = Applied::default();
    let (adds, removes): (Vec<String>, Vec<String>) = match change {
        MemberChange::Delta { adds, removes } => (adds, removes),
        MemberChange::Replace(wanted) => {
            let current: Vec<(String,)> = conn
                .fetch_all(
                    query("SELECT user_id FROM scim_group_members WHERE group_id = $1").bind(group),
                )
                .await?;
            let current_set: HashSet<&str> = current.iter().map(|(id,)| id.as_str()).collect();
            let wanted_set: HashSet<&str> = wanted.iter().map(String::as_str).collect();
            let removes = current
                .iter()
                .filter(|(id,)| !wanted_set.contains(id.as_str()))
                .map(|(id,)| id.clone())
                .collect();
            let adds = wanted
                .iter()
                .filter(|id| !current_set.contains(id.as_str()))
                .cloned()
                .collect();
            (adds, removes)
        }
    };
    for user in removes {
        if remove_member(conn, group, &user).await? {
            applied.removed.push(user);
        }
    }
    for user in adds {
        if add_member(conn, scope, group, &user, now).await? {
            applied.added.push(user);
        }
    }
    Ok(applied)
}

/// Emits `group.member_added` or `group.member_removed` (`event_type`) for one member.
pub(crate) async fn emit_member_event(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    event_type: &'static str,
    group: &str,
    user: &str,
) -> Result<()> {
    events::emit(
        conn,
        scope.event(event_type, json!({ "group_id": group, "user_id": user })),
    )
    .await
}

async fn emit_member_events(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    group: &str,
    applied: &Applied,
) -> Result<()> {
    for user in &applied.added {
        emit_member_event(conn, scope, "group.member_added", group, user).await?;
    }
    for user in &applied.removed {
        emit_member_event(conn, scope, "group.member_removed", group, user).await?;
    }
    Ok(())
}

fn signed(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A group creation, everything computed before the transaction.
struct NewGroup {
    scope: DirectoryScope,
    actor: Actor,
    id: String,
    columns: GroupColumns,
    data: String,
    members: Vec<String>,
}

async fn create_group(mut conn: Conn<'_>, new: NewGroup) -> Result<ScimRecord> {
    let NewGroup {
        scope,
        actor,
        id,
        columns,
        data,
        members,
    } = new;
    let conn = &mut conn;
    let now = now_ms();
    conn.execute(
        query(
            "INSERT INTO scim_groups (id, directory_id, display_name, display_name_key, \
             external_id, data, version, member_count, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7, $7)",
        )
        .bind(&id)
        .bind(scope.id.as_str())
        .bind(&columns.display_name)
        .bind(&columns.display_name_key)
        .bind(columns.external_id.as_deref())
        .bind(&data)
        .bind(now),
    )
    .await?;
    let applied = apply_members(
        conn,
        &scope,
        &id,
        MemberChange::Delta {
            adds: members,
            removes: Vec::new(),
        },
        now,
    )
    .await?;
    conn.execute(
        query("UPDATE scim_groups SET member_count = $1 WHERE id = $2")
            .bind(signed(applied.added.len()))
            .bind(&id),
    )
    .await?;
    conn.execute(
        query("UPDATE directories SET group_count = group_count + 1 WHERE id = $1")
            .bind(scope.id.as_str()),
    )
    .await?;
    audit::append(
        conn,
        scope
            .audit(&actor, "scim.group.created", ("group", &id))
            .with_details(
                json!({ "display_name": columns.display_name, "members": applied.added.len() }),
            ),
    )
    .await?;
    events::emit(
        conn,
        scope.event(
            "group.created",
            json!({ "group": { "id": id, "display_name": columns.display_name, "external_id": columns.external_id } }),
        ),
    )
    .await?;
    emit_member_events(conn, &scope, &id, &applied).await?;
    Ok(ScimRecord {
        id,
        data,
        version: 1,
        created_at: from_ms(now),
        updated_at: from_ms(now),
    })
}

/// A group change, everything computed before the transaction.
struct Change {
    scope: DirectoryScope,
    actor: Actor,
    id: String,
    change: GroupChange,
    columns: Option<GroupColumns>,
    data: Option<String>,
}

async fn change_group(mut conn: Conn<'_>, new: Change) -> Result<GroupWrite> {
    let Change {
        scope,
        actor,
        id,
        change,
        columns,
        data,
    } = new;
    let conn = &mut conn;
    let lock = if conn.backend() == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let sql = format!(
        "SELECT data, version, created_at, updated_at FROM scim_groups \
         WHERE id = $1 AND directory_id = $2 AND deleted_at IS NULL{lock}"
    );
    let current: Option<(String, i64, i64, i64)> = conn
        .fetch_optional(query(sql).bind(&id).bind(scope.id.as_str()))
        .await?;
    let (data_now, version_now, created_at, updated_at) =
        current.ok_or(StoreError::NotFound { kind: "group" })?;
    let current = CurrentGroup {
        data: data_now,
        version: version_now,
        created_at,
        updated_at,
    };
    if change
        .expected_version
        .is_some_and(|v| v != current.version)
    {
        return Err(StoreError::Conflict {
            constraint: VERSION_CHANGED.into(),
        });
    }
    let now = now_ms();
    let applied = match change.members {
        Some(members) => apply_members(conn, &scope, &id, members, now).await?,
        None => Applied::default(),
    };
    let attributes_changed = data.as_ref().is_some_and(|d| *d != current.data);
    let members_changed = !applied.added.is_empty() || !applied.removed.is_empty();
    if !attributes_changed && !members_changed {
        return Ok(GroupWrite {
            record: current.record(id),
            changed: false,
        });
    }
    let delta = signed(applied.added.len()) - signed(applied.removed.len());
    let version = current.version + 1;
    let new_data = match (&data, attributes_changed) {
        (Some(d), true) => d.clone(),
        _ => current.data.clone(),
    };
    match (&columns, attributes_changed) {
        (Some(columns), true) => {
            conn.execute(
                query(
                    "UPDATE scim_groups SET display_name = $1, display_name_key = $2, \
                     external_id = $3, data = $4, version = $5, updated_at = $6, \
                     member_count = member_count + $7 WHERE id = $8",
                )
                .bind(&columns.display_name)
                .bind(&columns.display_name_key)
                .bind(columns.external_id.as_deref())
                .bind(&new_data)
                .bind(version)
                .bind(now)
                .bind(delta)
                .bind(&id),
            )
            .await?
        }
        _ => {
            conn.execute(
                query(
                    "UPDATE scim_groups SET version = $1, updated_at = $2, \
                     member_count = member_count + $3 WHERE id = $4",
                )
                .bind(version)
                .bind(now)
                .bind(delta)
                .bind(&id),
            )
            .await?
        }
    };
    audit::append(
        conn,
        scope
            .audit(&actor, "scim.group.updated", ("group", &id))
            .with_details(json!({
                "attributes_changed": attributes_changed,
                "members_added": applied.added.len(),
                "members_removed": applied.removed.len(),
            })),
    )
    .await?;
    if attributes_changed {
        let before: Value = serde_json::from_str(&current.data).unwrap_or(Value::Null);
        let after = change.resource.unwrap_or(Value::Null);
        let (was, is) = changed_attributes(&before, &after);
        events::emit(
            conn,
            scope.event(
                "group.updated",
                json!({ "group": { "id": id }, "before": was, "after": is }),
            ),
        )
        .await?;
    }
    emit_member_events(conn, &scope, &id, &applied).await?;
    Ok(GroupWrite {
        record: ScimRecord {
            id,
            data: new_data,
            version,
            created_at: from_ms(current.created_at),
            updated_at: from_ms(now),
        },
        changed: true,
    })
}

/// Soft-deletes live group `id` (restorable for the directory's grace period), lowers the
/// directory's count and emits `group.deleted`. Returns its name and member count; the
/// caller audits.
pub(crate) async fn retire_group(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    id: &str,
) -> Result<(String, i64)> {
    let now = now_ms();
    let grace_ms = i64::from(scope.settings.group_grace_days) * 86_400_000;
    let row: Option<(String, i64)> = conn
        .fetch_optional(
            query(
                "UPDATE scim_groups SET deleted_at = $1, purge_after = $2, updated_at = $1, \
                 version = version + 1 WHERE id = $3 AND directory_id = $4 \
                 AND deleted_at IS NULL RETURNING display_name, member_count",
            )
            .bind(now)
            .bind(now.saturating_add(grace_ms))
            .bind(id)
            .bind(scope.id.as_str()),
        )
        .await?;
    let (display_name, members) = row.ok_or(StoreError::NotFound { kind: "group" })?;
    conn.execute(
        query("UPDATE directories SET group_count = group_count - 1 WHERE id = $1")
            .bind(scope.id.as_str()),
    )
    .await?;
    events::emit(
        conn,
        scope.event(
            "group.deleted",
            json!({
                "group": { "id": id, "display_name": display_name },
                "members": members,
                "restorable_until": from_ms(now.saturating_add(grace_ms)).unix_timestamp(),
            }),
        ),
    )
    .await?;
    Ok((display_name, members))
}

async fn delete_group(
    mut conn: Conn<'_>,
    scope: DirectoryScope,
    actor: Actor,
    id: String,
) -> Result<()> {
    let conn = &mut conn;
    let (display_name, members) = retire_group(conn, &scope, &id).await?;
    audit::append(
        conn,
        scope
            .audit(&actor, "scim.group.deleted", ("group", &id))
            .with_details(json!({ "display_name": display_name, "members": members })),
    )
    .await
}

async fn restore_group(
    mut conn: Conn<'_>,
    scope: DirectoryScope,
    actor: Actor,
    id: String,
) -> Result<ScimRecord> {
    let conn = &mut conn;
    let row: Option<(String, i64, i64, i64)> = conn
        .fetch_optional(
            query(
                "UPDATE scim_groups SET deleted_at = NULL, purge_after = NULL, updated_at = $1, \
                 version = version + 1 WHERE id = $2 AND directory_id = $3 \
                 AND deleted_at IS NOT NULL RETURNING data, version, created_at, updated_at",
            )
            .bind(now_ms())
            .bind(&id)
            .bind(scope.id.as_str()),
        )
        .await?;
    let (data, version, created_at, updated_at) = row.ok_or(StoreError::NotFound {
        kind: "deleted group",
    })?;
    conn.execute(
        query("UPDATE directories SET group_count = group_count + 1 WHERE id = $1")
            .bind(scope.id.as_str()),
    )
    .await?;
    audit::append(conn, scope.audit(&actor, "group.restored", ("group", &id))).await?;
    events::emit(
        conn,
        scope.event("group.restored", json!({ "group": { "id": id } })),
    )
    .await?;
    Ok(CurrentGroup {
        data,
        version,
        created_at,
        updated_at,
    }
    .record(id))
}

/// Destroys the deleted group `id` of `directory` with its memberships, and audits what was
/// destroyed. `None` when it is not (or no longer) a deleted group, e.g. because another
/// replica purged it first: the DELETE decides, so each purge is audited exactly once.
async fn purge_one(
    conn: &mut Conn<'_>,
    org: &OrgId,
    directory: &str,
    id: &str,
    actor: &Actor,
    reason: &'static str,
) -> Result<Option<PurgeSummary>> {
    let row: Option<(String, i64, i64)> = conn
        .fetch_optional(
            query(
                "DELETE FROM scim_groups WHERE id = $1 AND directory_id = $2 \
                 AND deleted_at IS NOT NULL RETURNING display_name, member_count, deleted_at",
            )
            .bind(id)
            .bind(directory),
        )
        .await?;
    let Some((display_name, members, deleted_at)) = row else {
        return Ok(None);
    };
    audit::append(
        conn,
        AuditRecord::success(
            Some(org.clone()),
            actor,
            "group.purged",
            Some(("group", id.to_owned())),
        )
        .with_details(json!({
            "directory_id": directory,
            "display_name": display_name,
            "members": members,
            "deleted_at": from_ms(deleted_at).unix_timestamp(),
            "reason": reason,
        })),
    )
    .await?;
    Ok(Some(PurgeSummary {
        group_id: id.to_owned(),
        display_name,
        members,
        deleted_at: from_ms(deleted_at),
    }))
}

/// The deleted groups past their grace period, oldest first, at most `limit`.
async fn expired_groups(
    conn: &mut Conn<'_>,
    now: i64,
    limit: i64,
) -> Result<Vec<(String, String, String)>> {
    conn.fetch_all(
        query(
            "SELECT g.id, g.directory_id, d.org_id FROM scim_groups g \
             JOIN directories d ON d.id = g.directory_id \
             WHERE g.deleted_at IS NOT NULL AND g.purge_after <= $1 \
             ORDER BY g.purge_after, g.id LIMIT $2",
        )
        .bind(now)
        .bind(limit),
    )
    .await
}

impl Store {
    /// Creates a group from a validated SCIM resource (without `members`) and its member
    /// ids, each of which must be a user of the directory (`Invalid` otherwise).
    pub async fn scim_create_group(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        resource: Value,
        members: Vec<String>,
    ) -> Result<ScimRecord> {
        let new = NewGroup {
            scope: scope.clone(),
            actor: actor.clone(),
            id: DirectoryGroupId::generate().to_string(),
            columns: GroupColumns::of(&resource)?,
            data: to_text(&resource)?,
            members,
        };
        self.write(move |conn| Box::pin(create_group(conn, new)))
            .await
    }

    /// One live group of the directory, without its members.
    pub async fn scim_get_group(&self, scope: &DirectoryScope, id: &str) -> Result<ScimRecord> {
        let row: Option<(String, i64, i64, i64)> = self
            .read_optional(
                query(
                    "SELECT data, version, created_at, updated_at FROM scim_groups \
                     WHERE id = $1 AND directory_id = $2 AND deleted_at IS NULL",
                )
                .bind(id)
                .bind(scope.id.as_str()),
            )
            .await?;
        let (data, version, created_at, updated_at) =
            row.ok_or(StoreError::NotFound { kind: "group" })?;
        Ok(CurrentGroup {
            data,
            version,
            created_at,
            updated_at,
        }
        .record(id.to_owned()))
    }

    /// The members of a group of the directory, in the order they were added.
    pub async fn scim_group_members(
        &self,
        scope: &DirectoryScope,
        group: &str,
    ) -> Result<Vec<GroupMember>> {
        let rows: Vec<(String, Option<String>)> = self
            .read_all(
                query(
                    "SELECT m.user_id, COALESCE(u.display_name, u.user_name) \
                     FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id \
                     JOIN scim_users u ON u.id = m.user_id \
                     WHERE m.group_id = $1 AND g.directory_id = $2 ORDER BY m.added_at, m.user_id",
                )
                .bind(group)
                .bind(scope.id.as_str()),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(user_id, display)| GroupMember { user_id, display })
            .collect())
    }

    /// The live groups of the directory's users in `users`, in one query: sorted by user
    /// id, then group name.
    pub async fn scim_user_groups(
        &self,
        scope: &DirectoryScope,
        users: UsersOf<'_>,
    ) -> Result<Vec<UserGroup>> {
        let (condition, args): (String, Vec<Arg>) = match users {
            UsersOf::Ids([]) => return Ok(Vec::new()),
            UsersOf::Ids(ids) => (
                format!("m.user_id IN ({})", placeholders(2, ids.len())),
                ids.iter().map(|id| Arg::from(*id)).collect(),
            ),
            UsersOf::IdRange { first, last } => (
                "m.user_id BETWEEN $2 AND $3".to_owned(),
                vec![Arg::from(first), Arg::from(last)],
            ),
        };
        // CROSS JOIN keeps SQLite from looping over the directory's groups and seeking each
        // user in each (thousands of groups for a synced Okta org); members come first,
        // found by user through their index.
        let sql = format!(
            "SELECT m.user_id, g.id, g.display_name FROM scim_group_members m \
             CROSS JOIN scim_groups g WHERE g.id = m.group_id AND g.directory_id = $1 \
             AND g.deleted_at IS NULL AND {condition} \
             ORDER BY m.user_id, g.display_name_key, g.id"
        );
        let rows: Vec<(String, String, String)> = self
            .read_all(query(sql).bind(scope.id.as_str()).bind_all(args))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(user_id, group_id, display_name)| UserGroup {
                user_id,
                group_id,
                display_name,
            })
            .collect())
    }

    /// A page of the directory's live groups (`Ok(None)`: answer `tooMany`, see
    /// [`Store::scim_list_users`]).
    pub async fn scim_list_groups(
        &self,
        scope: &DirectoryScope,
        spec: &ScimListSpec<'_>,
    ) -> Result<Option<ScimPage>> {
        self.scim_list(scope, Table::Groups, spec).await
    }

    /// Applies attribute and member changes to a live group in one transaction, with the
    /// audit entry and `group.updated` / `group.member_added` / `group.member_removed`
    /// events. Members that are not users of the directory are `Invalid`.
    pub async fn scim_change_group(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        id: &str,
        change: &GroupChange,
    ) -> Result<GroupWrite> {
        let new = Change {
            scope: scope.clone(),
            actor: actor.clone(),
            id: id.to_owned(),
            columns: change.resource.as_ref().map(GroupColumns::of).transpose()?,
            data: change.resource.as_ref().map(to_text).transpose()?,
            change: change.clone(),
        };
        self.write(move |conn| Box::pin(change_group(conn, new)))
            .await
    }

    /// Deletes a group the SCIM way: it disappears from SCIM and from the directory's
    /// teams, but stays restorable, members included, for the grace period.
    pub async fn scim_delete_group(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        let (scope, actor, id) = (scope.clone(), actor.clone(), id.to_owned());
        self.write(move |conn| Box::pin(delete_group(conn, scope, actor, id)))
            .await
    }

    /// Brings a deleted group back with its members (admin API).
    pub async fn restore_group(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        id: &str,
    ) -> Result<ScimRecord> {
        scope.org.require(crate::Role::Admin)?;
        let (scope, actor, id) = (scope.clone(), actor.clone(), id.to_owned());
        self.write(move |conn| Box::pin(restore_group(conn, scope, actor, id)))
            .await
    }

    /// What purging the deleted group `id` would destroy.
    pub async fn purge_preview(&self, scope: &DirectoryScope, id: &str) -> Result<PurgeSummary> {
        let row: Option<(String, i64, i64)> = self
            .read_optional(
                query(
                    "SELECT display_name, member_count, deleted_at FROM scim_groups \
                     WHERE id = $1 AND directory_id = $2 AND deleted_at IS NOT NULL",
                )
                .bind(id)
                .bind(scope.id.as_str()),
            )
            .await?;
        let (display_name, members, deleted_at) = row.ok_or(StoreError::NotFound {
            kind: "deleted group",
        })?;
        Ok(PurgeSummary {
            group_id: id.to_owned(),
            display_name,
            members,
            deleted_at: from_ms(deleted_at),
        })
    }

    /// Destroys a deleted group and its memberships for good (admin API). Returns what was
    /// destroyed.
    pub async fn purge_group(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        id: &str,
    ) -> Result<PurgeSummary> {
        scope.org.require(crate::Role::Admin)?;
        let (org, directory) = (scope.org_id().clone(), scope.id.to_string());
        let (actor, id) = (actor.clone(), id.to_owned());
        self.write(move |mut conn| {
            Box::pin(async move {
                purge_one(&mut conn, &org, &directory, &id, &actor, "admin")
                    .await?
                    .ok_or(StoreError::NotFound {
                        kind: "deleted group",
                    })
            })
        })
        .await
    }

    /// Destroys deleted groups whose grace period ended before `now`, at most `limit` of
    /// them, each with a `group.purged` audit entry naming what it destroyed. Safe to run
    /// on several replicas at once: a group is purged, and audited, by whichever DELETE
    /// reaches it first.
    pub async fn purge_expired_groups(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PurgeSummary>> {
        let now = crate::clock::to_ms(now);
        self.write(move |mut conn| {
            Box::pin(async move {
                let actor = Actor::system("scheduler");
                let mut purged = Vec::new();
                for (id, directory, org) in expired_groups(&mut conn, now, i64::from(limit)).await?
                {
                    let org = OrgId::from_db(org);
                    if let Some(summary) = purge_one(
                        &mut conn,
                        &org,
                        &directory,
                        &id,
                        &actor,
                        "grace_period_ended",
                    )
                    .await?
                    {
                        purged.push(summary);
                    }
                }
                Ok(purged)
            })
        })
        .await
    }
}
