//! Orgs (tenants). Creating one needs an instance-wide token; everything else goes through an
//! [`OrgScope`]. Deleting an org removes everything that belongs to it (foreign keys cascade)
//! but not its audit trail or events.

use serde_json::json;
use time::OffsetDateTime;

use crate::Store;
use crate::audit::{Actor, AuditRecord};
use crate::clock::{from_ms, now_ms};
use crate::db::{on_reader, on_tx};
use crate::error::{Result, StoreError};
use crate::ids::OrgId;
use crate::page::{self, Page, PageRequest};
use crate::principal::{AdminPrincipal, OrgScope, Role};

/// The longest org name accepted.
pub const MAX_ORG_NAME: usize = 200;

/// An org as stored.
#[derive(Clone, Debug)]
pub struct Org {
    /// Its id.
    pub id: OrgId,
    /// Its display name.
    pub name: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: String,
    name: String,
    created_at: i64,
    updated_at: i64,
}

impl From<OrgRow> for Org {
    fn from(row: OrgRow) -> Self {
        Self {
            id: OrgId::from_db(row.id),
            name: row.name,
            created_at: from_ms(row.created_at),
            updated_at: from_ms(row.updated_at),
        }
    }
}

/// Checks an org name: trimmed, non-empty, at most [`MAX_ORG_NAME`] characters, no control
/// characters. Returns the trimmed name.
pub fn validate_org_name(name: &str) -> std::result::Result<String, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("name must not be empty".into());
    }
    if trimmed.chars().count() > MAX_ORG_NAME {
        return Err(format!("name must be at most {MAX_ORG_NAME} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("name must not contain control characters".into());
    }
    Ok(trimmed.to_owned())
}

impl Store {
    /// Creates an org. Needs an instance-wide token with the admin role or higher.
    pub async fn create_org(
        &self,
        principal: &AdminPrincipal,
        actor: &Actor,
        name: &str,
    ) -> Result<Org> {
        principal.require_instance_wide(Role::Admin)?;
        let name = validate_org_name(name).map_err(StoreError::Invalid)?;
        let id = OrgId::generate();
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO orgs (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)"
        )
        .bind(id.as_str())
        .bind(&name)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        tx.audit(
            AuditRecord::success(
                Some(id.clone()),
                actor,
                "org.created",
                Some(("org", id.to_string())),
            )
            .with_details(json!({ "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok(Org {
            id,
            name,
            created_at: from_ms(now),
            updated_at: from_ms(now),
        })
    }

    /// The org of `scope`, or [`StoreError::NotFound`].
    pub async fn get_org(&self, scope: &OrgScope) -> Result<Org> {
        let row: Option<OrgRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            "SELECT id, name, created_at, updated_at FROM orgs WHERE id = $1"
        )
        .bind(scope.org_id().as_str())
        .fetch_optional(pool)
        .await)?;
        row.map(Org::from)
            .ok_or(StoreError::NotFound { kind: "org" })
    }

    /// The orgs `principal` can see, oldest first.
    pub async fn list_orgs(
        &self,
        principal: &AdminPrincipal,
        page: &PageRequest,
    ) -> Result<Page<Org>> {
        let after = match page.cursor() {
            Some(cursor) => page::decode("org", cursor)?,
            None => String::new(),
        };
        let limit = page.limit();
        let only = principal.org().map(|o| o.as_str().to_owned());
        let rows: Vec<OrgRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            "SELECT id, name, created_at, updated_at FROM orgs \
             WHERE id > $1 AND ($2 IS NULL OR id = $2) ORDER BY id LIMIT $3"
        )
        .bind(&after)
        .bind(only.as_deref())
        .bind(i64::from(limit) + 1)
        .fetch_all(pool)
        .await)?;
        Ok(paginate(
            rows.into_iter().map(Org::from).collect(),
            limit,
            |o| page::encode("org", o.id.as_str()),
        ))
    }

    /// Renames the org. Needs the admin role.
    pub async fn rename_org(&self, scope: &OrgScope, actor: &Actor, name: &str) -> Result<Org> {
        scope.require(Role::Admin)?;
        let name = validate_org_name(name).map_err(StoreError::Invalid)?;
        let mut tx = self.begin().await?;
        let before: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT name FROM orgs WHERE id = $1"
        )
        .bind(scope.org_id().as_str())
        .fetch_optional(conn)
        .await)?;
        let before = before.ok_or(StoreError::NotFound { kind: "org" })?;
        let row: OrgRow = on_tx!(tx, |conn| sqlx::query_as(
            "UPDATE orgs SET name = $1, updated_at = $2 WHERE id = $3 \
             RETURNING id, name, created_at, updated_at"
        )
        .bind(&name)
        .bind(now_ms())
        .bind(scope.org_id().as_str())
        .fetch_one(conn)
        .await)?;
        tx.audit(
            AuditRecord::success(
                Some(scope.org_id().clone()),
                actor,
                "org.updated",
                Some(("org", scope.org_id().to_string())),
            )
            .with_details(json!({ "before": { "name": before }, "after": { "name": name } })),
        )
        .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// Deletes the org and everything that belongs to it. Needs the owner role.
    pub async fn delete_org(&self, scope: &OrgScope, actor: &Actor) -> Result<()> {
        scope.require(Role::Owner)?;
        let mut tx = self.begin().await?;
        let deleted = on_tx!(tx, |conn| sqlx::query("DELETE FROM orgs WHERE id = $1")
            .bind(scope.org_id().as_str())
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
        if deleted == 0 {
            return Err(StoreError::NotFound { kind: "org" });
        }
        tx.audit(AuditRecord::success(
            Some(scope.org_id().clone()),
            actor,
            "org.deleted",
            Some(("org", scope.org_id().to_string())),
        ))
        .await?;
        tx.commit().await
    }
}

/// Turns `limit + 1` fetched rows into a page: the extra row only proves there is more.
pub(crate) fn paginate<T>(
    mut rows: Vec<T>,
    limit: u32,
    cursor_of: impl Fn(&T) -> String,
) -> Page<T> {
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(cursor_of)
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}
