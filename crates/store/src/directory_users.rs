//! Directory users as SCIM writes them. The normalised SCIM resource is kept whole (so
//! attributes Gatehouse does not model round-trip) beside indexed copies of the fields
//! queries need. Every write records its audit entry and emits its events in the same
//! transaction; (de)activation and deletion settle the person's org membership.

use scim::patch::PasswordChange;
use scim::resource::{Password, UserView};
use serde_json::{Map, Value, json};

use crate::Store;
use crate::audit::{self, Actor, AuditRecord};
use crate::clock::{from_ms, now_ms};
use crate::db::Backend;
use crate::directories::DirectoryScope;
use crate::error::{Result, StoreError};
use crate::events::{self, EventRecord};
use crate::ids::DirectoryUserId;
use crate::people::{LinkKeys, attach_person, settle_membership};
use crate::scim_query::{ScimListSpec, ScimPage, ScimRecord, Table};
use crate::sql::{Arg, Conn, query};

/// The constraint named when a userName is taken (case-insensitively) in a directory.
pub const USER_NAME_TAKEN: &str = "scim_users.user_name";
/// The constraint named when a write expected another version of the resource.
pub const VERSION_CHANGED: &str = "version";

/// `SET` of the indexed columns from `$1`…`$8` ([`UserColumns::args`]).
pub(crate) const USER_COLUMNS_SET: &str = "user_name = $1, user_name_key = $2, \
     external_id = $3, active = $4, email = $5, given_name = $6, family_name = $7, \
     display_name = $8";

/// The indexed copies of a user resource's fields.
pub(crate) struct UserColumns {
    pub(crate) user_name: String,
    pub(crate) user_name_key: String,
    pub(crate) external_id: Option<String>,
    pub(crate) active: bool,
    pub(crate) email: Option<String>,
    pub(crate) given_name: Option<String>,
    pub(crate) family_name: Option<String>,
    pub(crate) display_name: Option<String>,
}

impl UserColumns {
    pub(crate) fn of(resource: &Value) -> Result<Self> {
        let view = UserView::new(resource)
            .ok_or_else(|| StoreError::Invalid("a user resource must be a JSON object".into()))?;
        let user_name = view
            .user_name()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| StoreError::Invalid("userName is required".into()))?;
        let owned = |v: Option<&str>| v.map(str::to_owned);
        Ok(Self {
            user_name: user_name.to_owned(),
            user_name_key: scim::fold_case(user_name).into_owned(),
            external_id: owned(view.external_id()),
            active: view.active(),
            email: owned(view.email()),
            given_name: owned(view.given_name()),
            family_name: owned(view.family_name()),
            display_name: owned(view.display_name()),
        })
    }

    /// The eight indexed columns as arguments, in the order of [`USER_COLUMNS_SET`] (and
    /// of `user_name … display_name` in inserts).
    pub(crate) fn args(&self) -> [Arg; 8] {
        [
            Arg::from(self.user_name.as_str()),
            Arg::from(self.user_name_key.as_str()),
            Arg::from(self.external_id.as_deref()),
            Arg::from(self.active),
            Arg::from(self.email.as_deref()),
            Arg::from(self.given_name.as_deref()),
            Arg::from(self.family_name.as_deref()),
            Arg::from(self.display_name.as_deref()),
        ]
    }

    /// What the user is linked to a person by.
    pub(crate) fn link_keys<'a>(&'a self, scope: &'a DirectoryScope) -> LinkKeys<'a> {
        LinkKeys {
            org: scope.org_id(),
            directory: &scope.id,
            user_name_key: &self.user_name_key,
            email: self.email.as_deref(),
            given_name: self.given_name.as_deref(),
            family_name: self.family_name.as_deref(),
        }
    }

    /// The user as events describe it.
    pub(crate) fn summary(&self, id: &str, person: &str) -> Value {
        json!({
            "id": id,
            "person_id": person,
            "user_name": self.user_name,
            "external_id": self.external_id,
            "active": self.active,
            "email": self.email,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "display_name": self.display_name,
        })
    }
}

/// Hashes a password with argon2id (default parameters) off the async threads.
async fn hash_password(password: Password) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::PasswordHasher;
        argon2::Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| StoreError::Invalid(format!("cannot hash password: {err}")))
    })
    .await
    .map_err(|err| StoreError::Invalid(format!("password hashing failed: {err}")))?
}

/// `(changed, new hash)` for the password column: kept as is unless the directory syncs
/// passwords and the request set or removed one.
async fn password_column(
    scope: &DirectoryScope,
    change: Option<PasswordChange>,
) -> Result<(bool, Option<String>)> {
    if !scope.settings.password_sync {
        return Ok((false, None));
    }
    match change {
        None => Ok((false, None)),
        Some(PasswordChange::Remove) => Ok((true, None)),
        Some(PasswordChange::Set(password)) => Ok((true, Some(hash_password(password).await?))),
    }
}

fn to_text(resource: &Value) -> Result<String> {
    serde_json::to_string(resource)
        .map_err(|err| StoreError::Invalid(format!("resource cannot be serialised: {err}")))
}

/// Turns a uniqueness violation on the userName index into [`USER_NAME_TAKEN`].
fn name_conflict(err: StoreError) -> StoreError {
    match err {
        StoreError::Conflict { constraint } if constraint.contains("user_name") => {
            StoreError::Conflict {
                constraint: USER_NAME_TAKEN.into(),
            }
        }
        other => other,
    }
}

/// Before/after of the top-level attributes that differ between two resources.
pub(crate) fn changed_attributes(before: &Value, after: &Value) -> (Value, Value) {
    let empty = Map::new();
    let old = before.as_object().unwrap_or(&empty);
    let new = after.as_object().unwrap_or(&empty);
    let mut was = Map::new();
    let mut now = Map::new();
    for key in old
        .keys()
        .chain(new.keys().filter(|k| !old.contains_key(*k)))
    {
        let (a, b) = (old.get(key), new.get(key));
        if a != b {
            was.insert(key.clone(), a.cloned().unwrap_or(Value::Null));
            now.insert(key.clone(), b.cloned().unwrap_or(Value::Null));
        }
    }
    (Value::Object(was), Value::Object(now))
}

fn for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    }
}

/// The stored user a replace or delete starts from.
struct CurrentUser {
    person_id: String,
    data: String,
    active: bool,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

/// The live user `id` of the directory, locked for the rest of the transaction.
async fn current_user(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    id: &str,
) -> Result<CurrentUser> {
    let sql = format!(
        "SELECT person_id, data, active, version, created_at, updated_at FROM scim_users \
         WHERE id = $1 AND directory_id = $2 AND deleted_at IS NULL{}",
        for_update(conn.backend())
    );
    let row: Option<(String, String, bool, i64, i64, i64)> = conn
        .fetch_optional(query(sql).bind(id).bind(scope.id.as_str()))
        .await?;
    let (person_id, data, active, version, created_at, updated_at) =
        row.ok_or(StoreError::NotFound { kind: "user" })?;
    Ok(CurrentUser {
        person_id,
        data,
        active,
        version,
        created_at,
        updated_at,
    })
}

impl DirectoryScope {
    pub(crate) fn event(&self, event_type: &'static str, data: Value) -> EventRecord {
        EventRecord {
            event_type,
            org_id: self.org_id().clone(),
            directory_id: Some(self.id.to_string()),
            data,
        }
    }

    pub(crate) fn audit(
        &self,
        actor: &Actor,
        action: &'static str,
        target: (&'static str, &str),
    ) -> AuditRecord {
        AuditRecord::success(
            Some(self.org_id().clone()),
            actor,
            action,
            Some((target.0, target.1.to_owned())),
        )
    }
}

/// The live groups a user belongs to (the teams a deactivation detaches).
pub(crate) async fn teams_of(conn: &mut Conn<'_>, user: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = conn
        .fetch_all(
            query(
                "SELECT m.group_id FROM scim_group_members m JOIN scim_groups g \
                 ON g.id = m.group_id WHERE m.user_id = $1 AND g.deleted_at IS NULL \
                 ORDER BY m.group_id",
            )
            .bind(user),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A user creation, everything computed before the transaction.
struct NewUser {
    scope: DirectoryScope,
    actor: Actor,
    id: String,
    columns: UserColumns,
    data: String,
    password_hash: Option<String>,
    now: i64,
}

async fn create_user(mut conn: Conn<'_>, new: NewUser) -> Result<ScimRecord> {
    let NewUser {
        scope,
        actor,
        id,
        columns,
        data,
        password_hash,
        now,
    } = new;
    let conn = &mut conn;
    let person = attach_person(conn, &columns.link_keys(&scope)).await?;
    conn.execute(
        query(
            "INSERT INTO scim_users (id, directory_id, person_id, user_name, user_name_key, \
             external_id, active, email, given_name, family_name, display_name, data, \
             password_hash, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14)",
        )
        .bind(&id)
        .bind(scope.id.as_str())
        .bind(&person)
        .bind_all(columns.args())
        .bind(&data)
        .bind(password_hash)
        .bind(now),
    )
    .await
    .map_err(name_conflict)?;
    conn.execute(
        query("UPDATE directories SET user_count = user_count + 1 WHERE id = $1")
            .bind(scope.id.as_str()),
    )
    .await?;
    if !columns.active {
        settle_membership(conn, scope.org_id(), &person).await?;
    }
    audit::append(
        conn,
        scope
            .audit(&actor, "scim.user.created", ("user", &id))
            .with_details(json!({ "user_name": columns.user_name })),
    )
    .await?;
    events::emit(
        conn,
        scope.event(
            "user.created",
            json!({ "user": columns.summary(&id, &person) }),
        ),
    )
    .await?;
    Ok(ScimRecord {
        id,
        data,
        version: 1,
        created_at: from_ms(now),
        updated_at: from_ms(now),
    })
}

/// A user replacement, everything computed before the transaction.
struct Replacement {
    scope: DirectoryScope,
    actor: Actor,
    id: String,
    resource: Value,
    columns: UserColumns,
    data: String,
    password: (bool, Option<String>),
    expected_version: Option<i64>,
}

async fn replace_user(mut conn: Conn<'_>, new: Replacement) -> Result<ScimRecord> {
    let Replacement {
        scope,
        actor,
        id,
        resource,
        columns,
        data,
        password: (password_changed, password_hash),
        expected_version,
    } = new;
    let conn = &mut conn;
    let current = current_user(conn, &scope, &id).await?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(StoreError::Conflict {
            constraint: VERSION_CHANGED.into(),
        });
    }
    if current.data == data && !password_changed {
        return Ok(ScimRecord {
            id,
            data: current.data,
            version: current.version,
            created_at: from_ms(current.created_at),
            updated_at: from_ms(current.updated_at),
        });
    }
    let before: Value = serde_json::from_str(&current.data).unwrap_or(Value::Null);
    if before == resource && !password_changed {
        return Ok(ScimRecord {
            id,
            data: current.data,
            version: current.version,
            created_at: from_ms(current.created_at),
            updated_at: from_ms(current.updated_at),
        });
    }
    let now = now_ms();
    let version = current.version + 1;
    conn.execute(
        query(format!(
            "UPDATE scim_users SET {USER_COLUMNS_SET}, data = $9, \
             password_hash = CASE WHEN $10 THEN $11 ELSE password_hash END, \
             version = $12, updated_at = $13 WHERE id = $14"
        ))
        .bind_all(columns.args())
        .bind(&data)
        .bind(password_changed)
        .bind(password_hash)
        .bind(version)
        .bind(now)
        .bind(&id),
    )
    .await
    .map_err(name_conflict)?;
    let summary = columns.summary(&id, &current.person_id);
    let (was, is) = changed_attributes(&before, &resource);
    let mut changed: Vec<String> = is
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if password_changed {
        changed.push("password".into());
    }
    audit::append(
        conn,
        scope
            .audit(&actor, "scim.user.updated", ("user", &id))
            .with_details(json!({ "changed": changed })),
    )
    .await?;
    if current.active != columns.active {
        settle_membership(conn, scope.org_id(), &current.person_id).await?;
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
    let attribute_changes = is
        .as_object()
        .is_some_and(|m| m.keys().any(|k| k != "active"));
    if attribute_changes || password_changed {
        events::emit(
            conn,
            scope.event(
                "user.updated",
                json!({ "user": summary, "before": was, "after": is, "password_changed": password_changed }),
            ),
        )
        .await?;
    }
    Ok(ScimRecord {
        id,
        data,
        version,
        created_at: from_ms(current.created_at),
        updated_at: from_ms(now),
    })
}

/// Marks live user `id` deleted: it leaves its groups, the directory's count drops, the
/// person's membership of the org is settled, and `group.member_removed` and `user.deleted`
/// are emitted. The caller audits.
pub(crate) async fn retire_user(
    conn: &mut Conn<'_>,
    scope: &DirectoryScope,
    id: &str,
) -> Result<()> {
    let current = current_user(conn, scope, id).await?;
    let now = now_ms();
    conn.execute(
        query(
            "UPDATE scim_users SET deleted_at = $1, active = FALSE, updated_at = $1, \
             version = version + 1 WHERE id = $2",
        )
        .bind(now)
        .bind(id),
    )
    .await?;
    let groups: Vec<(String,)> = conn
        .fetch_all(
            query("DELETE FROM scim_group_members WHERE user_id = $1 RETURNING group_id").bind(id),
        )
        .await?;
    let groups: Vec<String> = groups.into_iter().map(|(g,)| g).collect();
    for group in &groups {
        conn.execute(
            query(
                "UPDATE scim_groups SET member_count = member_count - 1, \
                 version = version + 1, updated_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(group),
        )
        .await?;
        events::emit(
            conn,
            scope.event(
                "group.member_removed",
                json!({ "group_id": group, "user_id": id, "reason": "user_deleted" }),
            ),
        )
        .await?;
    }
    conn.execute(
        query("UPDATE directories SET user_count = user_count - 1 WHERE id = $1")
            .bind(scope.id.as_str()),
    )
    .await?;
    settle_membership(conn, scope.org_id(), &current.person_id).await?;
    let resource: Value = serde_json::from_str(&current.data).unwrap_or(Value::Null);
    let mut summary = UserColumns::of(&resource)
        .map(|c| c.summary(id, &current.person_id))
        .unwrap_or_else(|_| json!({ "id": id, "person_id": current.person_id }));
    if let Some(map) = summary.as_object_mut() {
        map.insert("active".into(), Value::Bool(false));
    }
    events::emit(
        conn,
        scope.event(
            "user.deleted",
            json!({ "user": summary, "teams_detached": groups, "was_active": current.active }),
        ),
    )
    .await
}

async fn delete_user(
    mut conn: Conn<'_>,
    scope: DirectoryScope,
    actor: Actor,
    id: String,
) -> Result<()> {
    let conn = &mut conn;
    retire_user(conn, &scope, &id).await?;
    audit::append(
        conn,
        scope.audit(&actor, "scim.user.deleted", ("user", &id)),
    )
    .await
}

impl Store {
    /// Creates a user from a validated SCIM resource (see `scim::resource::parse_user`).
    /// The password is kept, as an argon2id hash, only when the directory syncs passwords.
    /// A taken userName (case-insensitively) is `Conflict` on [`USER_NAME_TAKEN`].
    pub async fn scim_create_user(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        resource: Value,
        password: Option<Password>,
    ) -> Result<ScimRecord> {
        let columns = UserColumns::of(&resource)?;
        let (_, password_hash) = password_column(scope, password.map(PasswordChange::Set)).await?;
        let new = NewUser {
            scope: scope.clone(),
            actor: actor.clone(),
            id: DirectoryUserId::generate().to_string(),
            columns,
            data: to_text(&resource)?,
            password_hash,
            now: now_ms(),
        };
        self.write(move |conn| Box::pin(create_user(conn, new)))
            .await
    }

    /// One user of the directory (deleted users are not found).
    pub async fn scim_get_user(&self, scope: &DirectoryScope, id: &str) -> Result<ScimRecord> {
        let row: Option<(String, i64, i64, i64)> = self
            .read_optional(
                query(
                    "SELECT data, version, created_at, updated_at FROM scim_users \
                     WHERE id = $1 AND directory_id = $2 AND deleted_at IS NULL",
                )
                .bind(id)
                .bind(scope.id.as_str()),
            )
            .await?;
        let (data, version, created, updated) = row.ok_or(StoreError::NotFound { kind: "user" })?;
        Ok(ScimRecord {
            id: id.to_owned(),
            data,
            version,
            created_at: from_ms(created),
            updated_at: from_ms(updated),
        })
    }

    /// A page of the directory's users. `Ok(None)`: the filter needs an in-memory evaluation
    /// of more rows than the store examines (answer `tooMany`).
    pub async fn scim_list_users(
        &self,
        scope: &DirectoryScope,
        spec: &ScimListSpec<'_>,
    ) -> Result<Option<ScimPage>> {
        self.scim_list(scope, Table::Users, spec).await
    }

    /// Replaces a user's resource (SCIM PUT, and PATCH after the patch engine ran). With
    /// `expected_version`, fails with `Conflict` on [`VERSION_CHANGED`] if the user changed
    /// since. A resource equal to the stored one writes nothing and keeps the version.
    /// `active` turning false detaches the person's membership of the org (their teams
    /// with it); turning true re-attaches.
    pub async fn scim_replace_user(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        id: &str,
        resource: Value,
        password: Option<PasswordChange>,
        expected_version: Option<i64>,
    ) -> Result<ScimRecord> {
        let columns = UserColumns::of(&resource)?;
        let password = password_column(scope, password).await?;
        let new = Replacement {
            scope: scope.clone(),
            actor: actor.clone(),
            id: id.to_owned(),
            data: to_text(&resource)?,
            resource,
            columns,
            password,
            expected_version,
        };
        self.write(move |conn| Box::pin(replace_user(conn, new)))
            .await
    }

    /// Deletes a user: it disappears from SCIM, leaves its groups, and the person's
    /// membership of the org is settled (detached unless another active directory user
    /// keeps it). The row is kept so provisioning the same userName again finds the person.
    pub async fn scim_delete_user(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        let (scope, actor, id) = (scope.clone(), actor.clone(), id.to_owned());
        self.write(move |conn| Box::pin(delete_user(conn, scope, actor, id)))
            .await
    }
}
