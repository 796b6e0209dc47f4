//! The audit log: who did what, to what, with which outcome and why. Append-only (the schema
//! refuses UPDATE and DELETE). Entries are written inside the transaction of the change they
//! describe ([`Tx::audit`]) or, for attempts that change nothing (a refused SSO response),
//! on their own ([`crate::Store::record_audit`]).

use serde_json::Value;
use time::OffsetDateTime;

use crate::Store;
use crate::clock::{from_ms, now_ms};
use crate::db::{Backend, Tx, on_reader};
use crate::error::Result;
use crate::ids::{AuditId, OrgId};
use crate::page::{self, Page, PageRequest};
use crate::principal::AdminPrincipal;
use crate::sql::{Conn, query};

/// Who acted.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The kind of actor: `admin_token`, `scim_directory`, `sso`, `okta_sync`, `cli`, `system`.
    pub kind: &'static str,
    /// Its id (token id, directory id, connection id…), when it has one.
    pub id: Option<String>,
    /// The HTTP request this happened in, to join logs and audit.
    pub request_id: Option<String>,
}

impl Actor {
    /// An admin API caller.
    pub fn admin(principal: &AdminPrincipal, request_id: Option<String>) -> Self {
        Self {
            kind: "admin_token",
            id: Some(principal.token_id().to_string()),
            request_id,
        }
    }

    /// Gatehouse itself (start-up, schedulers) or the operator's CLI.
    pub fn system(kind: &'static str) -> Self {
        Self {
            kind,
            id: None,
            request_id: None,
        }
    }
}

/// Whether the audited attempt succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was refused or failed; `reason` says why.
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// An entry to append.
#[derive(Clone, Debug)]
pub struct AuditRecord {
    /// The org it concerns (none for instance-level actions such as minting a global token).
    pub org_id: Option<OrgId>,
    /// Who acted.
    pub actor: Actor,
    /// What was attempted, dotted: `org.created`, `sso.login_failed`, `scim.user.created`.
    pub action: &'static str,
    /// What it was done to: (kind, id).
    pub target: Option<(&'static str, String)>,
    /// Whether it worked.
    pub outcome: Outcome,
    /// For failures, the precise reason (a stable code or sentence).
    pub reason: Option<String>,
    /// Anything else worth keeping, as JSON. Never secrets.
    pub details: Value,
}

impl AuditRecord {
    /// A successful action with no details.
    pub fn success(
        org_id: Option<OrgId>,
        actor: &Actor,
        action: &'static str,
        target: Option<(&'static str, String)>,
    ) -> Self {
        Self {
            org_id,
            actor: actor.clone(),
            action,
            target,
            outcome: Outcome::Success,
            reason: None,
            details: Value::Object(Default::default()),
        }
    }

    /// Attaches details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// An entry as read back.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    /// Its id.
    pub id: String,
    /// When it was written.
    pub occurred_at: OffsetDateTime,
    /// The org it concerns.
    pub org_id: Option<String>,
    /// Actor kind.
    pub actor_kind: String,
    /// Actor id.
    pub actor_id: Option<String>,
    /// What was attempted.
    pub action: String,
    /// Target kind.
    pub target_kind: Option<String>,
    /// Target id.
    pub target_id: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    /// Why it failed.
    pub reason: Option<String>,
    /// Details as JSON.
    pub details: Value,
    /// The request it happened in.
    pub request_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    id: String,
    occurred_at: i64,
    org_id: Option<String>,
    actor_kind: String,
    actor_id: Option<String>,
    action: String,
    target_kind: Option<String>,
    target_id: Option<String>,
    outcome: String,
    reason: Option<String>,
    details: String,
    request_id: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            occurred_at: from_ms(row.occurred_at),
            org_id: row.org_id,
            actor_kind: row.actor_kind,
            actor_id: row.actor_id,
            action: row.action,
            target_kind: row.target_kind,
            target_id: row.target_id,
            outcome: row.outcome,
            reason: row.reason,
            details: serde_json::from_str(&row.details).unwrap_or(Value::Null),
            request_id: row.request_id,
        }
    }
}

/// Which part of a feed (audit or events) a reader may see.
#[derive(Clone, Copy, Debug)]
pub enum FeedView<'a> {
    /// One org's records.
    Org(&'a crate::OrgScope),
    /// Every org's records; only for instance-wide tokens (checked by the store).
    All(&'a AdminPrincipal),
}

impl FeedView<'_> {
    pub(crate) fn org_filter(&self) -> Result<Option<String>> {
        match self {
            FeedView::Org(scope) => Ok(Some(scope.org_id().to_string())),
            FeedView::All(principal) => {
                principal.require_instance_wide(crate::Role::Viewer)?;
                Ok(None)
            }
        }
    }
}

/// PostgreSQL hands out sequence numbers at insert time, not commit time, so a reader that
/// polls "after N" could miss a row that commits late with a smaller number. Writers of the
/// feeds hold this transaction-scoped lock until they commit, so numbers commit in order.
/// SQLite needs nothing: it has one writer.
pub(crate) async fn serialize_feed_writers(conn: &mut Conn<'_>) -> Result<()> {
    if conn.backend() == Backend::Postgres {
        conn.execute(query("SELECT pg_advisory_xact_lock(7240615002)"))
            .await?;
    }
    Ok(())
}

/// Appends an audit entry in the transaction `conn` is in.
pub(crate) async fn append(conn: &mut Conn<'_>, record: AuditRecord) -> Result<()> {
    serialize_feed_writers(conn).await?;
    let (target_kind, target_id) = match record.target {
        Some((kind, id)) => (Some(kind), Some(id)),
        None => (None, None),
    };
    conn.execute(
        query(
            "INSERT INTO audit_log (id, occurred_at, org_id, actor_kind, actor_id, action, \
             target_kind, target_id, outcome, reason, details, request_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(AuditId::generate().to_string())
        .bind(now_ms())
        .bind(record.org_id.as_ref().map(|o| o.as_str()))
        .bind(record.actor.kind)
        .bind(record.actor.id)
        .bind(record.action)
        .bind(target_kind)
        .bind(target_id)
        .bind(record.outcome.as_str())
        .bind(record.reason)
        .bind(record.details.to_string())
        .bind(record.actor.request_id),
    )
    .await?;
    Ok(())
}

impl Tx {
    /// Appends an audit entry as part of this transaction.
    pub async fn audit(&mut self, record: AuditRecord) -> Result<()> {
        append(&mut self.conn(), record).await
    }
}

impl Store {
    /// Appends an audit entry on its own, for attempts that change nothing else.
    pub async fn record_audit(&self, record: AuditRecord) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.audit(record).await?;
        tx.commit().await
    }

    /// Reads the audit log in the order it was written, after `page.after`.
    pub async fn list_audit(
        &self,
        view: FeedView<'_>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        let org = view.org_filter()?;
        let after = page::decode_seq("aud", page.cursor())?;
        let limit = i64::from(page.limit());
        let rows: Vec<AuditRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            "SELECT seq, id, occurred_at, org_id, actor_kind, actor_id, action, target_kind, \
             target_id, outcome, reason, details, request_id FROM audit_log \
             WHERE seq > $1 AND ($2 IS NULL OR org_id = $2) ORDER BY seq LIMIT $3"
        )
        .bind(after)
        .bind(org.as_deref())
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        let last = rows.last().map_or(after, |r| r.seq);
        Ok(Page {
            items: rows.into_iter().map(AuditEntry::from).collect(),
            next_cursor: Some(page::encode("aud", &last.to_string())),
        })
    }
}
