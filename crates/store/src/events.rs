//! The event feed host applications consume (`GET /api/v1/events`, webhooks). Events are
//! emitted inside the transaction of the change they describe, so an event exists exactly when
//! its change does. Append-only.

use serde_json::Value;
use time::OffsetDateTime;

use crate::Store;
use crate::audit::{FeedView, serialize_feed_writers};
use crate::clock::{from_ms, now_ms};
use crate::db::{Tx, on_reader};
use crate::error::Result;
use crate::ids::{EventId, OrgId};
use crate::page::{self, Page, PageRequest};
use crate::sql::{Conn, query};

/// An event to emit. `event_type` is one of the contract's names (`user.created`, …).
#[derive(Clone, Debug)]
pub struct EventRecord {
    /// The contract's event type.
    pub event_type: &'static str,
    /// The org it happened in.
    pub org_id: OrgId,
    /// The directory it came from, for directory events.
    pub directory_id: Option<String>,
    /// The payload (for changes: the record plus `before`/`after` of what changed).
    pub data: Value,
}

/// An event as read back.
#[derive(Clone, Debug)]
pub struct Event {
    /// Its id (`evt_…`).
    pub id: String,
    /// Its type.
    pub event_type: String,
    /// When it was emitted.
    pub occurred_at: OffsetDateTime,
    /// The org it happened in.
    pub org_id: String,
    /// The directory it came from.
    pub directory_id: Option<String>,
    /// The payload.
    pub data: Value,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    id: String,
    r#type: String,
    occurred_at: i64,
    org_id: String,
    directory_id: Option<String>,
    data: String,
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            event_type: row.r#type,
            occurred_at: from_ms(row.occurred_at),
            org_id: row.org_id,
            directory_id: row.directory_id,
            data: serde_json::from_str(&row.data).unwrap_or(Value::Null),
        }
    }
}

/// Emits an event in the transaction `conn` is in.
pub(crate) async fn emit(conn: &mut Conn<'_>, event: EventRecord) -> Result<()> {
    serialize_feed_writers(conn).await?;
    conn.execute(
        query(
            "INSERT INTO events (id, type, occurred_at, org_id, directory_id, data) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(EventId::generate().to_string())
        .bind(event.event_type)
        .bind(now_ms())
        .bind(event.org_id.as_str())
        .bind(event.directory_id)
        .bind(event.data.to_string()),
    )
    .await?;
    Ok(())
}

impl Tx {
    /// Emits an event as part of this transaction.
    pub async fn emit(&mut self, event: EventRecord) -> Result<()> {
        emit(&mut self.conn(), event).await
    }
}

impl Store {
    /// Reads events in the order they were committed, after `page.after`. The returned cursor
    /// is always set so a consumer can keep polling from where it stopped.
    pub async fn list_events(&self, view: FeedView<'_>, page: &PageRequest) -> Result<Page<Event>> {
        let org = view.org_filter()?;
        let after = page::decode_seq("evt", page.cursor())?;
        let limit = i64::from(page.limit());
        let rows: Vec<EventRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            "SELECT seq, id, type, occurred_at, org_id, directory_id, data FROM events \
             WHERE seq > $1 AND ($2 IS NULL OR org_id = $2) ORDER BY seq LIMIT $3"
        )
        .bind(after)
        .bind(org.as_deref())
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        let last = rows.last().map_or(after, |r| r.seq);
        Ok(Page {
            items: rows.into_iter().map(Event::from).collect(),
            next_cursor: Some(page::encode("evt", &last.to_string())),
        })
    }
}
