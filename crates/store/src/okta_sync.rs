//! The store side of the Okta sync engine: [`DirectorySink`] applies the engine's batches to
//! the directory's users, groups, members and apps — the same tables and events as SCIM
//! writes, so a host application reads both kinds of directory alike — and saves the
//! checkpoint in the same transaction, guarded by the run's lease.
//!
//! Okta users become SCIM-shaped resources (`userName` = login, `externalId` = Okta id, the
//! enterprise extension from the profile, the whole Okta profile under
//! [`OKTA_USER_SCHEMA`]), so the unified read API and its SCIM filters work on them. Fields
//! that change without anything an app cares about changing (`lastLogin`, `lastUpdated`)
//! are left out, so a re-read that finds nothing new writes no event.

use std::collections::HashSet;

use okta::models::{App, Group, User, UserStatus};
use okta::sync::{Change, Checkpoint, Progress, SinkError, Sweep, SyncBatch, SyncSink};
use serde_json::{Map, Value, json};

use crate::Store;
use crate::clock::now_ms;
use crate::directories::DirectoryScope;
use crate::directory_apps::{APP_GROUPS, APP_USERS};
use crate::directory_groups::{GroupColumns, emit_member_event, retire_group};
use crate::directory_users::{
    USER_COLUMNS_SET, UserColumns, changed_attributes, retire_user, teams_of,
};
use crate::error::{Result, StoreError};
use crate::events;
use crate::ids::{DirectoryAppId, DirectoryGroupId, DirectoryUserId};
use crate::people::{attach_person, settle_membership};
use crate::sql::{Conn, placeholders, query};
use crate::sync_runs::{ClaimedSync, SyncProgress, renew_lease};

/// Schema URN of the Okta part of a synced user (id, status, the whole profile).
pub const OKTA_USER_SCHEMA: &str = "urn:gatehouse:params:scim:schemas:extension:okta:2.0:User";
/// Schema URN of the Okta part of a synced group (id, type, the whole profile).
pub const OKTA_GROUP_SCHEMA: &str = "urn:gatehouse:params:scim:schemas:extension:okta:2.0:Group";
const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Whether an Okta status means the person may use the host app. Staged users have not
/// been activated; suspended and deprovisioned ones have been stopped.
pub fn okta_status_is_active(status: &UserStatus) -> bool {
    !matches!(
        status,
        UserStatus::Staged | UserStatus::Suspended | UserStatus::Deprovisioned
    )
}

/// Drops null members of a JSON object, recursively into nested objects.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

fn rfc3339(at: Option<time::OffsetDateTime>) -> Value {
    at.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .map_or(Value::Null, Value::String)
}

/// The SCIM-shaped resource a synced Okta user is stored as.
pub fn user_resource(user: &User) -> Value {
    let p = &user.profile;
    let display_name = p.display_name.clone().or_else(|| {
        let joined = [p.first_name.as_deref(), p.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!joined.is_empty()).then_some(joined)
    });
    let emails = p
        .email
        .as_ref()
        .map(|email| json!([{ "value": email, "type": "work", "primary": true }]));
    let manager = (p.manager_id.is_some() || p.manager.is_some())
        .then(|| json!({ "value": p.manager_id, "displayName": p.manager }));
    let profile = serde_json::to_value(p).unwrap_or(Value::Null);
    without_nulls(json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            ENTERPRISE_SCHEMA,
            OKTA_USER_SCHEMA,
        ],
        "userName": p.login,
        "externalId": user.id,
        "active": okta_status_is_active(&user.status),
        "name": {
            "givenName": p.first_name,
            "familyName": p.last_name,
            "middleName": p.middle_name,
            "honorificPrefix": p.honorific_prefix,
            "honorificSuffix": p.honorific_suffix,
        },
        "displayName": display_name,
        "nickName": p.nick_name,
        "title": p.title,
        "userType": p.user_type,
        "preferredLanguage": p.preferred_language,
        "locale": p.locale,
        "timezone": p.timezone,
        "emails": emails,
        ENTERPRISE_SCHEMA: {
            "employeeNumber": p.employee_number,
            "costCenter": p.cost_center,
            "organization": p.organization,
            "division": p.division,
            "department": p.department,
            "manager": manager,
        },
        OKTA_USER_SCHEMA: {
            "id": user.id,
            "status": user.status.as_str(),
            "created": rfc3339(user.created),
            "activated": rfc3339(user.activated),
            "profile": profile,
        },
    }))
}

/// The SCIM-shaped resource a synced Okta group is stored as.
pub fn group_resource(group: &Group) -> Value {
    let profile = serde_json::to_value(&group.profile).unwrap_or(Value::Null);
    without_nulls(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", OKTA_GROUP_SCHEMA],
        "displayName": group.profile.name,
        "externalId": group.id,
        OKTA_GROUP_SCHEMA: {
            "id": group.id,
            "type": group.group_type.as_str(),
            "description": group.profile.description,
            "created": rfc3339(group.created),
            "profile": profile,
        },
    }))
}

fn to_text(value: &Value) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|err| StoreError::Invalid(format!("cannot serialise a synced record: {err}")))
}

/// Users and groups a batch added to the directory, counted once per batch: updating the
/// directory's counters per row would leave PostgreSQL a chain of dead row versions to walk
/// on every later read of that row in the same transaction.
#[derive(Debug, Default)]
struct Tally {
    users: i64,
    groups: i64,
}

impl Tally {
    async fn save(&self, conn: &mut Conn<'_>, scope: &DirectoryScope) -> Result<()> {
        if self.users != 0 || self.groups != 0 {
            conn.execute(
                query(
                    "UPDATE directories SET user_count = user_count + $1, \
                     group_count = group_count + $2 WHERE id = $3",
                )
                .bind(self.users)
                .bind(self.groups)
                .bind(scope.id.as_str()),
            )
            .await?;
        }
        Ok(())
    }
}

/// Writes one synced user: inserted, updated (with events for what changed) or only
/// re-marked with the run.
async fn upsert_user(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    run: &str,
    user: &User,
    tally: &mut Tally,
) -> Result<()> {
    let resource = user_resource(user);
    let columns = UserColumns::of(&resource)?;
    let data = to_text(&resource)?;
    let current: Option<(String, String, String, bool, Option<i64>)> = conn
        .fetch_optional(
            query(
                "SELECT id, person_id, data, active, deleted_at FROM scim_users \
                 WHERE directory_id = $1 AND okta_id = $2",
            )
            .bind(scope.id.as_str())
            .bind(user.id.as_str()),
        )
        .await?;
    let now = now_ms();
    let Some((id, person, old_data, was_active, deleted_at)) = current else {
        return insert_user(conn, scope, run, (user, &columns, &data), now, tally).await;
    };
    if deleted_at.is_none() && old_data == data {
        conn.execute(
            query("UPDATE scim_users SET sync_run = $1 WHERE id = $2")
                .bind(run)
                .bind(&id),
        )
        .await?;
        return Ok(());
    }
    release_login(conn, scope, &columns.user_name_key, &user.id).await?;
    conn.execute(
        query(format!(
            "UPDATE scim_users SET {USER_COLUMNS_SET}, data = $9, version = version + 1, \
             updated_at = $10, deleted_at = NULL, sync_run = $11 WHERE id = $12"
        ))
        .bind_all(columns.args())
        .bind(&data)
        .bind(now)
        .bind(run)
        .bind(&id),
    )
    .await?;
    if deleted_at.is_some() {
        tally.users += 1;
    }
    let summary = columns.summary(&id, &person);
    if was_active != columns.active || deleted_at.is_some() {
        settle_membership(conn, scope.org_id(), &person).await?;
    }
    if was_active != columns.active {
        let teams = teams_of(conn, &id).await?;
        let (event_type, key) = if columns.active {
            ("user.reactivated", "teams_reattached")
        } else {
            ("user.deactivated", "teams_detached")
        };
        events::emit(
            conn,
            scope.event(event_type, json!({ "user": summary, key: teams })),
        )
        .await?;
    }
    let before: Value = serde_json::from_str(&old_data).unwrap_or(Value::Null);
    let (was, is) = changed_attributes(&before, &resource);
    if is
        .as_object()
        .is_some_and(|m| m.keys().any(|k| k != "active"))
    {
        events::emit(
            conn,
            scope.event(
                "user.updated",
                json!({ "user": summary, "before": was, "after": is, "password_changed": false }),
            ),
        )
        .await?;
    }
    Ok(())
}

/// Okta logins are unique in the org, so a live row of another Okta id holding this login
/// is a user Okta deleted whose deletion the sync has not seen yet: retire it first.
async fn release_login(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    user_name_key: &str,
    okta_id: &str,
) -> Result<()> {
    let holder: Option<(String,)> = conn
        .fetch_optional(
            query(
                "SELECT id FROM scim_users WHERE directory_id = $1 AND user_name_key = $2 \
                 AND deleted_at IS NULL AND (okta_id IS NULL OR okta_id <> $3)",
            )
            .bind(scope.id.as_str())
            .bind(user_name_key)
            .bind(okta_id),
        )
        .await?;
    if let Some((id,)) = holder {
        retire_user(conn, scope, &id).await?;
    }
    Ok(())
}

async fn insert_user(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    run: &str,
    (user, columns, data): (&User, &UserColumns, &str),
    now: i64,
    tally: &mut Tally,
) -> Result<()> {
    release_login(conn, scope, &columns.user_name_key, &user.id).await?;
    let person = attach_person(conn, &columns.link_keys(scope)).await?;
    let id = DirectoryUserId::generate().to_string();
    conn.execute(
        query(
            "INSERT INTO scim_users (id, directory_id, person_id, user_name, user_name_key, \
             external_id, active, email, given_name, family_name, display_name, data, \
             version, created_at, updated_at, okta_id, sync_run) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13, $14, $15)",
        )
        .bind(&id)
        .bind(scope.id.as_str())
        .bind(&person)
        .bind_all(columns.args())
        .bind(data)
        .bind(now)
        .bind(user.id.as_str())
        .bind(run),
    )
    .await?;
    tally.users += 1;
    if !columns.active {
        settle_membership(conn, scope.org_id(), &person).await?;
    }
    events::emit(
        conn,
        scope.event(
            "user.created",
            json!({ "user": columns.summary(&id, &person) }),
        ),
    )
    .await
}

/// The live row of `table` (`scim_users` or `scim_groups`) synced from Okta object
/// `okta_id`, if any.
async fn live_row(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    table: &'static str,
    okta_id: &str,
) -> Result<Option<String>> {
    let row: Option<(String,)> = conn
        .fetch_optional(
            query(format!(
                "SELECT id FROM {table} WHERE directory_id = $1 AND okta_id = $2 \
                 AND deleted_at IS NULL"
            ))
            .bind(scope.id.as_str())
            .bind(okta_id),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Drops the app assignments (`APP_USERS` or `APP_GROUPS`) of a deleted Okta object.
async fn forget_assignments(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    (table, column): (&str, &str),
    okta_id: &str,
) -> Result<()> {
    conn.execute(
        query(format!(
            "DELETE FROM {table} WHERE {column} = $1 AND app_id IN \
             (SELECT id FROM directory_apps WHERE directory_id = $2)"
        ))
        .bind(okta_id)
        .bind(scope.id.as_str()),
    )
    .await?;
    Ok(())
}

async fn delete_user(conn: &mut Conn<'_>, scope: &DirectoryScope, okta_id: &str) -> Result<()> {
    if let Some(id) = live_row(conn, scope, "scim_users", okta_id).await? {
        retire_user(conn, scope, &id).await?;
    }
    forget_assignments(conn, scope, APP_USERS, okta_id).await
}

async fn upsert_group(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    run: &str,
    group: &Group,
    tally: &mut Tally,
) -> Result<()> {
    let resource = group_resource(group);
    let columns = GroupColumns::of(&resource)?;
    let data = to_text(&resource)?;
    let current: Option<(String, String, Option<i64>)> = conn
        .fetch_optional(
            query(
                "SELECT id, data, deleted_at FROM scim_groups WHERE directory_id = $1 \
                 AND okta_id = $2",
            )
            .bind(scope.id.as_str())
            .bind(group.id.as_str()),
        )
        .await?;
    let now = now_ms();
    let Some((id, old_data, deleted_at)) = current else {
        let id = DirectoryGroupId::generate().to_string();
        conn.execute(
            query(
                "INSERT INTO scim_groups (id, directory_id, display_name, display_name_key, \
                 external_id, data, version, member_count, created_at, updated_at, okta_id, \
                 sync_run) VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7, $7, $8, $9)",
            )
            .bind(&id)
            .bind(scope.id.as_str())
            .bind(&columns.display_name)
            .bind(&columns.display_name_key)
            .bind(columns.external_id.as_deref())
            .bind(&data)
            .bind(now)
            .bind(group.id.as_str())
            .bind(run),
        )
        .await?;
        tally.groups += 1;
        return events::emit(
            conn,
            scope.event(
                "group.created",
                json!({ "group": { "id": id, "display_name": columns.display_name, "external_id": columns.external_id } }),
            ),
        )
        .await;
    };
    if deleted_at.is_none() && old_data == data {
        conn.execute(
            query("UPDATE scim_groups SET sync_run = $1 WHERE id = $2")
                .bind(run)
                .bind(&id),
        )
        .await?;
        return Ok(());
    }
    conn.execute(
        query(
            "UPDATE scim_groups SET display_name = $1, display_name_key = $2, external_id = $3, \
             data = $4, version = version + 1, updated_at = $5, deleted_at = NULL, \
             purge_after = NULL, sync_run = $6 WHERE id = $7",
        )
        .bind(&columns.display_name)
        .bind(&columns.display_name_key)
        .bind(columns.external_id.as_deref())
        .bind(&data)
        .bind(now)
        .bind(run)
        .bind(&id),
    )
    .await?;
    if deleted_at.is_some() {
        tally.groups += 1;
        return events::emit(
            conn,
            scope.event("group.restored", json!({ "group": { "id": id } })),
        )
        .await;
    }
    let before: Value = serde_json::from_str(&old_data).unwrap_or(Value::Null);
    let (was, is) = changed_attributes(&before, &resource);
    events::emit(
        conn,
        scope.event(
            "group.updated",
            json!({ "group": { "id": id }, "before": was, "after": is }),
        ),
    )
    .await
}

/// The live group row of Okta group `okta_id`, if synced.
async fn group_row(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    okta_id: &str,
) -> Result<Option<String>> {
    live_row(conn, scope, "scim_groups", okta_id).await
}

async fn delete_group(conn: &mut Conn<'_>, scope: &DirectoryScope, okta_id: &str) -> Result<()> {
    if let Some(id) = group_row(conn, scope, okta_id).await? {
        retire_group(conn, scope, &id).await?;
    }
    forget_assignments(conn, scope, APP_GROUPS, okta_id).await
}

/// Adds members (users not synced yet are skipped: the catch-up re-adds them) and re-marks
/// existing ones with the run.
async fn add_members(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    run: &str,
    group_okta_id: &str,
    user_okta_ids: &[String],
) -> Result<()> {
    let Some(group) = group_row(conn, scope, group_okta_id).await? else {
        return Ok(());
    };
    for chunk in user_okta_ids.chunks(500) {
        let users: Vec<(String,)> = conn
            .fetch_all(
                query(format!(
                    "SELECT id FROM scim_users WHERE directory_id = $1 AND deleted_at IS NULL \
                     AND okta_id IN ({})",
                    placeholders(2, chunk.len())
                ))
                .bind(scope.id.as_str())
                .bind_all(chunk.iter().map(|id| id.as_str().into())),
            )
            .await?;
        if users.is_empty() {
            continue;
        }
        let ids: Vec<String> = users.into_iter().map(|(id,)| id).collect();
        let existing: Vec<(String,)> = conn
            .fetch_all(
                query(format!(
                    "SELECT user_id FROM scim_group_members WHERE group_id = $1 AND user_id IN ({})",
                    placeholders(2, ids.len())
                ))
                .bind(group.as_str())
                .bind_all(ids.iter().map(|id| id.as_str().into())),
            )
            .await?;
        let existing: HashSet<String> = existing.into_iter().map(|(id,)| id).collect();
        if !existing.is_empty() {
            conn.execute(
                query(format!(
                    "UPDATE scim_group_members SET sync_run = $1 WHERE group_id = $2 \
                     AND user_id IN ({})",
                    placeholders(3, existing.len())
                ))
                .bind(run)
                .bind(group.as_str())
                .bind_all(existing.iter().map(|id| id.as_str().into())),
            )
            .await?;
        }
        let now = now_ms();
        let mut added = 0_i64;
        for user in ids.iter().filter(|id| !existing.contains(*id)) {
            conn.execute(
                query(
                    "INSERT INTO scim_group_members (group_id, user_id, added_at, sync_run) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(group.as_str())
                .bind(user.as_str())
                .bind(now)
                .bind(run),
            )
            .await?;
            emit_member_event(conn, scope, "group.member_added", &group, user).await?;
            added += 1;
        }
        if added > 0 {
            bump_member_count(conn, &group, added, now).await?;
        }
    }
    Ok(())
}

async fn bump_member_count(conn: &mut Conn<'_>, group: &str, delta: i64, now: i64) -> Result<()> {
    conn.execute(
        query(
            "UPDATE scim_groups SET member_count = member_count + $1, version = version + 1, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(delta)
        .bind(now)
        .bind(group),
    )
    .await?;
    Ok(())
}

/// Removes these member rows of `group` (user ids of this directory), with events.
async fn remove_member_rows(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    group: &str,
    users: &[String],
) -> Result<()> {
    let now = now_ms();
    let mut removed = 0_i64;
    for user in users {
        let done = conn
            .execute(
                query("DELETE FROM scim_group_members WHERE group_id = $1 AND user_id = $2")
                    .bind(group)
                    .bind(user.as_str()),
            )
            .await?;
        if done > 0 {
            emit_member_event(conn, scope, "group.member_removed", group, user).await?;
            removed += 1;
        }
    }
    if removed > 0 {
        bump_member_count(conn, group, -removed, now).await?;
    }
    Ok(())
}

async fn remove_members(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    group_okta_id: &str,
    user_okta_ids: &[String],
) -> Result<()> {
    let Some(group) = group_row(conn, scope, group_okta_id).await? else {
        return Ok(());
    };
    for chunk in user_okta_ids.chunks(500) {
        let users: Vec<(String,)> = conn
            .fetch_all(
                query(format!(
                    "SELECT id FROM scim_users WHERE directory_id = $1 AND okta_id IN ({})",
                    placeholders(2, chunk.len())
                ))
                .bind(scope.id.as_str())
                .bind_all(chunk.iter().map(|id| id.as_str().into())),
            )
            .await?;
        let users: Vec<String> = users.into_iter().map(|(id,)| id).collect();
        remove_member_rows(conn, scope, &group, &users).await?;
    }
    Ok(())
}

fn app_data(app: &App) -> Result<String> {
    to_text(&serde_json::to_value(app).unwrap_or(Value::Null))
}

async fn upsert_app(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    run: &str,
    app: &App,
) -> Result<()> {
    let now = now_ms();
    conn.execute(
        query(
            "INSERT INTO directory_apps (id, directory_id, okta_id, name, label, status, \
             sign_on_mode, data, sync_run, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
             ON CONFLICT (directory_id, okta_id) DO UPDATE SET name = excluded.name, \
             label = excluded.label, status = excluded.status, \
             sign_on_mode = excluded.sign_on_mode, data = excluded.data, \
             sync_run = excluded.sync_run, updated_at = CASE WHEN directory_apps.data = \
             excluded.data THEN directory_apps.updated_at ELSE excluded.updated_at END",
        )
        .bind(DirectoryAppId::generate().to_string())
        .bind(scope.id.as_str())
        .bind(app.id.as_str())
        .bind(app.name.as_str())
        .bind(app.label.as_str())
        .bind(app.status.as_str())
        .bind(app.sign_on_mode.as_deref())
        .bind(app_data(app)?)
        .bind(run)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// The app row of Okta app `okta_id`, if synced.
async fn app_row(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    okta_id: &str,
) -> Result<Option<String>> {
    let row: Option<(String,)> = conn
        .fetch_optional(
            query("SELECT id FROM directory_apps WHERE directory_id = $1 AND okta_id = $2")
                .bind(scope.id.as_str())
                .bind(okta_id),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Upserts assignment rows of one app into `table` keyed by `column`.
async fn upsert_assignments(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    run: &str,
    app_okta_id: &str,
    (table, column): (&str, &str),
    rows: Vec<(String, String)>,
) -> Result<()> {
    let Some(app) = app_row(conn, scope, app_okta_id).await? else {
        return Ok(());
    };
    let sql = format!(
        "INSERT INTO {table} (app_id, {column}, data, sync_run) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id, {column}) DO UPDATE SET data = excluded.data, \
         sync_run = excluded.sync_run"
    );
    for (okta_id, data) in rows {
        conn.execute(
            query(sql.as_str())
                .bind(app.as_str())
                .bind(okta_id)
                .bind(data)
                .bind(run),
        )
        .await?;
    }
    Ok(())
}

async fn remove_assignments(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    app_okta_id: &str,
    (table, column): (&str, &str),
    ids: &[String],
) -> Result<()> {
    let Some(app) = app_row(conn, scope, app_okta_id).await? else {
        return Ok(());
    };
    let sql = format!("DELETE FROM {table} WHERE app_id = $1 AND {column} = $2");
    for id in ids {
        conn.execute(query(sql.as_str()).bind(app.as_str()).bind(id.as_str()))
            .await?;
    }
    Ok(())
}

/// After a full listing has (re)written a table, refreshes PostgreSQL's statistics of it,
/// so the lookups of the phases that follow are planned for its real size even where
/// autovacuum is off or has not run yet (a first sync grows tables from nothing). SQLite's
/// planner does not depend on them.
async fn refresh_statistics(conn: &mut Conn<'_>, table: &'static str) -> Result<()> {
    if conn.backend() == crate::db::Backend::Postgres {
        conn.execute(query(format!("ANALYZE {table}"))).await?;
    }
    Ok(())
}

/// The live synced rows of `table` (`scim_users` or `scim_groups`) not marked with `run`.
async fn unmarked(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    table: &'static str,
    run: &str,
) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = conn
        .fetch_all(
            query(format!(
                "SELECT id FROM {table} WHERE directory_id = $1 AND deleted_at IS NULL \
                 AND okta_id IS NOT NULL AND (sync_run IS NULL OR sync_run <> $2)"
            ))
            .bind(scope.id.as_str())
            .bind(run),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Deletes every row of the scope not marked with `run` (a listing has just completed).
async fn sweep(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    run: &str,
    which: &Sweep,
) -> Result<()> {
    match which {
        Sweep::Users => {
            for id in unmarked(conn, scope, "scim_users", run).await? {
                retire_user(conn, scope, &id).await?;
            }
            refresh_statistics(conn, "scim_users").await?;
        }
        Sweep::Groups => {
            for id in unmarked(conn, scope, "scim_groups", run).await? {
                retire_group(conn, scope, &id).await?;
            }
            refresh_statistics(conn, "scim_groups").await?;
        }
        Sweep::GroupMembers { group_id } => {
            let Some(group) = group_row(conn, scope, group_id).await? else {
                return Ok(());
            };
            let stale: Vec<(String,)> = conn
                .fetch_all(
                    query(
                        "SELECT user_id FROM scim_group_members WHERE group_id = $1 \
                         AND (sync_run IS NULL OR sync_run <> $2)",
                    )
                    .bind(group.as_str())
                    .bind(run),
                )
                .await?;
            let stale: Vec<String> = stale.into_iter().map(|(id,)| id).collect();
            remove_member_rows(conn, scope, &group, &stale).await?;
        }
        Sweep::Apps => {
            conn.execute(
                query(
                    "DELETE FROM directory_apps WHERE directory_id = $1 \
                     AND (sync_run IS NULL OR sync_run <> $2)",
                )
                .bind(scope.id.as_str())
                .bind(run),
            )
            .await?;
        }
        Sweep::AppUsers { app_id } | Sweep::AppGroups { app_id } => {
            let (table, _) = if matches!(which, Sweep::AppUsers { .. }) {
                APP_USERS
            } else {
                APP_GROUPS
            };
            if let Some(app) = app_row(conn, scope, app_id).await? {
                conn.execute(
                    query(format!(
                        "DELETE FROM {table} WHERE app_id = $1 \
                         AND (sync_run IS NULL OR sync_run <> $2)"
                    ))
                    .bind(app.as_str())
                    .bind(run),
                )
                .await?;
            }
        }
    }
    Ok(())
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

async fn apply_change(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    run: &str,
    change: Change,
    tally: &mut Tally,
) -> Result<()> {
    match change {
        Change::UpsertUser(user) => upsert_user(conn, scope, run, &user, tally).await,
        Change::DeleteUser(id) => delete_user(conn, scope, &id).await,
        Change::UpsertGroup(group) => upsert_group(conn, scope, run, &group, tally).await,
        Change::DeleteGroup(id) => delete_group(conn, scope, &id).await,
        Change::AddMembers { group_id, user_ids } => {
            add_members(conn, scope, run, &group_id, &user_ids).await
        }
        Change::RemoveMembers { group_id, user_ids } => {
            remove_members(conn, scope, &group_id, &user_ids).await
        }
        Change::UpsertApp(app) => upsert_app(conn, scope, run, &app).await,
        Change::DeleteApp(id) => {
            conn.execute(
                query("DELETE FROM directory_apps WHERE directory_id = $1 AND okta_id = $2")
                    .bind(scope.id.as_str())
                    .bind(id),
            )
            .await?;
            Ok(())
        }
        Change::UpsertAppUsers {
            app_id,
            assignments,
        } => {
            let rows = assignments
                .iter()
                .map(|a| (a.id.clone(), json_text(a)))
                .collect();
            upsert_assignments(conn, scope, run, &app_id, APP_USERS, rows).await
        }
        Change::RemoveAppUsers { app_id, user_ids } => {
            remove_assignments(conn, scope, &app_id, APP_USERS, &user_ids).await
        }
        Change::UpsertAppGroups {
            app_id,
            assignments,
        } => {
            let rows = assignments
                .iter()
                .map(|a| (a.id.clone(), json_text(a)))
                .collect();
            upsert_assignments(conn, scope, run, &app_id, APP_GROUPS, rows).await
        }
        Change::RemoveAppGroups { app_id, group_ids } => {
            remove_assignments(conn, scope, &app_id, APP_GROUPS, &group_ids).await
        }
        Change::Sweep(which) => sweep(conn, scope, run, &which).await,
    }
}

/// The lease was lost: another replica holds the directory now.
const LEASE_LOST: &str = "sync lease";

/// Where a claimed sync run writes (see the module docs).
#[derive(Debug)]
pub struct DirectorySink {
    store: Store,
    claim: ClaimedSync,
    progress: SyncProgress,
}

impl DirectorySink {
    /// A sink for the claimed run.
    pub fn new(store: Store, claim: ClaimedSync) -> Self {
        Self {
            store,
            claim,
            progress: SyncProgress::default(),
        }
    }

    /// The last progress the engine reported (for the run's final record).
    pub fn progress(&self) -> &SyncProgress {
        &self.progress
    }
}

/// The counts a run reports, by kind of row.
pub fn counts_json(counts: &okta::sync::SyncCounts) -> Value {
    let mut map = Map::new();
    for (key, value) in [
        ("users_upserted", counts.users_upserted),
        ("users_deleted", counts.users_deleted),
        ("groups_upserted", counts.groups_upserted),
        ("groups_deleted", counts.groups_deleted),
        ("memberships_added", counts.memberships_added),
        ("memberships_removed", counts.memberships_removed),
        ("apps_upserted", counts.apps_upserted),
        ("apps_deleted", counts.apps_deleted),
        ("assignments_upserted", counts.assignments_upserted),
        ("assignments_removed", counts.assignments_removed),
        ("events_read", counts.events_read),
        ("batches", counts.batches),
    ] {
        map.insert(key.to_owned(), Value::from(value));
    }
    Value::Object(map)
}

impl SyncSink for DirectorySink {
    async fn load_checkpoint(&mut self) -> std::result::Result<Option<Checkpoint>, SinkError> {
        let row: Option<(Option<String>,)> = self
            .store
            .read_optional(
                query("SELECT checkpoint FROM directory_sync_state WHERE directory_id = $1")
                    .bind(self.claim.scope.id.as_str()),
            )
            .await?;
        match row.and_then(|(c,)| c) {
            // An unreadable checkpoint (written by another version) starts over in full.
            Some(text) => Ok(Checkpoint::decode(&text).ok()),
            None => Ok(None),
        }
    }

    async fn apply(
        &mut self,
        batch: SyncBatch,
        checkpoint: &Checkpoint,
    ) -> std::result::Result<(), SinkError> {
        let encoded = checkpoint.encode();
        let claim = self.claim.clone();
        self.store
            .write(move |mut conn| {
                Box::pin(async move {
                    let conn = &mut conn;
                    let scope = &claim.scope;
                    if !renew_lease(conn, &scope.id, &claim.holder, claim.lease).await? {
                        return Err(StoreError::Conflict {
                            constraint: LEASE_LOST.into(),
                        });
                    }
                    let mut tally = Tally::default();
                    for change in batch.changes {
                        apply_change(conn, scope, &batch.run, change, &mut tally).await?;
                    }
                    tally.save(conn, scope).await?;
                    conn.execute(
                        query(
                            "UPDATE directory_sync_state SET checkpoint = $1 \
                             WHERE directory_id = $2",
                        )
                        .bind(encoded)
                        .bind(scope.id.as_str()),
                    )
                    .await?;
                    Ok(())
                })
            })
            .await?;
        Ok(())
    }

    async fn progress(&mut self, progress: &Progress) -> std::result::Result<(), SinkError> {
        self.progress = SyncProgress {
            phase: progress.phase.as_str().to_owned(),
            percent: progress.percent.map(f64::from),
            counts: counts_json(&progress.counts),
            api_calls: progress.stats.api_calls,
            rate_limit_waits: progress.stats.rate_limit_waits,
        };
        if !self
            .store
            .sync_progress(&self.claim, &self.progress)
            .await?
        {
            return Err(Box::new(StoreError::Conflict {
                constraint: LEASE_LOST.into(),
            }));
        }
        Ok(())
    }
}
