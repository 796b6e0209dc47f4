//! The unified, read-only view of a directory's data that host applications page through
//! (`GET /api/v1/directories/{dir}/users`, `…/groups`, `…/groups/{g}/members`), whichever
//! kind of directory filled it. Cursor pagination by id; filters use the SCIM filter
//! language: indexed attributes in SQL (see the `scim_query` module), any other attribute
//! evaluated in memory over a bounded number of rows per page.

use scim::Filter;
use serde_json::Value;
use time::OffsetDateTime;

use scim::schema::{GROUP, ResourceType, USER};

use crate::Store;
use crate::clock::from_ms;
use crate::directories::DirectoryScope;
use crate::error::{Result, StoreError};
use crate::orgs::paginate;
use crate::page::{self, Page, PageRequest};
use crate::scim_query::{MAX_IN_MEMORY, ScimRecord, SqlFilter, Table, evaluation_view};
use crate::sql::{Arg, FromRow, query};

/// A user of a directory.
#[derive(Clone, Debug)]
pub struct DirectoryUser {
    /// Its id (also its SCIM id).
    pub id: String,
    /// The person it belongs to (the same person across orgs when linked by a claimed
    /// email domain).
    pub person_id: String,
    /// The login name.
    pub user_name: String,
    /// The identity provider's id for it.
    pub external_id: Option<String>,
    /// Whether it is active (inactive users have no membership of the org).
    pub active: bool,
    /// Primary email.
    pub email: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Every attribute the directory sent, as JSON.
    pub attributes: Value,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// A group (team) of a directory.
#[derive(Clone, Debug)]
pub struct DirectoryGroup {
    /// Its id (also its SCIM id).
    pub id: String,
    /// Its name.
    pub display_name: String,
    /// The identity provider's id for it.
    pub external_id: Option<String>,
    /// How many members it has.
    pub member_count: i64,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// For deleted groups: when they were deleted.
    pub deleted_at: Option<OffsetDateTime>,
    /// For deleted groups: from when they may be purged.
    pub purge_after: Option<OffsetDateTime>,
}

/// `id, person_id, user_name, external_id, active, email, given_name, family_name,
/// display_name, data, version, created_at, updated_at` — the columns of [`USER_COLUMNS`].
type UserRow = (
    String,
    String,
    String,
    Option<String>,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
    i64,
);

fn to_user(row: UserRow) -> DirectoryUser {
    let (
        id,
        person_id,
        user_name,
        external_id,
        active,
        email,
        given_name,
        family_name,
        display_name,
        data,
        _version,
        created_at,
        updated_at,
    ) = row;
    DirectoryUser {
        id,
        person_id,
        user_name,
        external_id,
        active,
        email,
        given_name,
        family_name,
        display_name,
        attributes: serde_json::from_str(&data).unwrap_or(Value::Null),
        created_at: from_ms(created_at),
        updated_at: from_ms(updated_at),
    }
}

fn user_record(row: &UserRow) -> ScimRecord {
    ScimRecord {
        id: row.0.clone(),
        data: row.9.clone(),
        version: row.10,
        created_at: from_ms(row.11),
        updated_at: from_ms(row.12),
    }
}

/// `id, display_name, external_id, member_count, created_at, updated_at, deleted_at,
/// purge_after, data, version` — the columns of [`GROUP_COLUMNS`].
type GroupRow = (
    String,
    String,
    Option<String>,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    String,
    i64,
);

fn to_group(row: GroupRow) -> DirectoryGroup {
    let (
        id,
        display_name,
        external_id,
        member_count,
        created_at,
        updated_at,
        deleted_at,
        purge_after,
        _,
        _,
    ) = row;
    DirectoryGroup {
        id,
        display_name,
        external_id,
        member_count,
        created_at: from_ms(created_at),
        updated_at: from_ms(updated_at),
        deleted_at: deleted_at.map(from_ms),
        purge_after: purge_after.map(from_ms),
    }
}

fn group_record(row: &GroupRow) -> ScimRecord {
    ScimRecord {
        id: row.0.clone(),
        data: row.8.clone(),
        version: row.9,
        created_at: from_ms(row.4),
        updated_at: from_ms(row.5),
    }
}

const USER_COLUMNS: &str = "u.id, u.person_id, u.user_name, u.external_id, u.active, u.email, \
     u.given_name, u.family_name, u.display_name, u.data, u.version, u.created_at, u.updated_at";
const GROUP_COLUMNS: &str = "id, display_name, external_id, member_count, created_at, \
     updated_at, deleted_at, purge_after, data, version";

/// Rows read per round while a filter is evaluated in memory.
const SCAN_BATCH: usize = 500;

/// How a page's rows are chosen: all in SQL, or narrowed in SQL and finished in memory.
struct Selection<'f> {
    /// ` AND …` after the fixed placeholders.
    condition: String,
    args: Vec<Arg>,
    /// The filter still to apply to each row, when SQL could not express all of it.
    residual: Option<&'f Filter>,
}

fn selection<'f>(
    backend: crate::Backend,
    table: Table,
    fixed: usize,
    filter: Option<&'f Filter>,
) -> Selection<'f> {
    let Some(filter) = filter else {
        return Selection {
            condition: String::new(),
            args: Vec::new(),
            residual: None,
        };
    };
    let mut builder = SqlFilter::new(backend, table, fixed);
    if let Some(sql) = builder.translate(filter) {
        return Selection {
            condition: format!(" AND {sql}"),
            args: builder.args,
            residual: None,
        };
    }
    let condition = builder
        .prefilter(filter)
        .map(|sql| format!(" AND {sql}"))
        .unwrap_or_default();
    Selection {
        condition,
        args: builder.args,
        residual: Some(filter),
    }
}

impl Store {
    /// Reads a cursor page: `sql` selects rows after `$2` in id order, at most `$3`. With a
    /// residual filter, rows are read in batches and tested one by one; after examining
    /// [`MAX_IN_MEMORY`] rows the page ends early with a cursor at the last row examined
    /// (possibly an empty page with a cursor: keep paging), so no request scans unbounded.
    #[allow(
        clippy::too_many_arguments,
        reason = "one private helper for two row kinds"
    )]
    async fn cursor_page<R: FromRow, T>(
        &self,
        sql: &str,
        scope: &DirectoryScope,
        after: String,
        limit: u32,
        selection: Selection<'_>,
        rt: &'static ResourceType,
        id_of: impl Fn(&R) -> &str,
        record_of: impl Fn(&R) -> ScimRecord,
        convert: impl Fn(R) -> T,
        cursor_of: impl Fn(&str) -> String,
    ) -> Result<Page<T>> {
        let limit_rows = limit as usize;
        let Some(filter) = selection.residual else {
            let rows: Vec<R> = self
                .read_all(
                    query(sql.to_owned())
                        .bind(scope.id.as_str())
                        .bind(after)
                        .bind(i64::from(limit) + 1)
                        .bind_all(selection.args),
                )
                .await?;
            let has_more = rows.len() > limit_rows;
            let mut items: Vec<T> = Vec::with_capacity(rows.len().min(limit_rows));
            let mut last = None;
            for row in rows.into_iter().take(limit_rows) {
                last = Some(cursor_of(id_of(&row)));
                items.push(convert(row));
            }
            return Ok(Page {
                items,
                next_cursor: if has_more { last } else { None },
            });
        };
        let strip = |items: Vec<(String, T)>| items.into_iter().map(|(_, item)| item).collect();
        let mut items: Vec<(String, T)> = Vec::new();
        let mut examined = 0usize;
        let mut position = after;
        loop {
            let rows: Vec<R> = self
                .read_all(
                    query(sql.to_owned())
                        .bind(scope.id.as_str())
                        .bind(position.clone())
                        .bind(SCAN_BATCH as i64)
                        .bind_all(selection.args.iter().cloned()),
                )
                .await?;
            let exhausted = rows.len() < SCAN_BATCH;
            for row in rows {
                examined += 1;
                let id = id_of(&row).to_owned();
                let view = evaluation_view(&record_of(&row), rt)?;
                if filter.matches(&view, rt) {
                    if items.len() == limit_rows {
                        // A match beyond the page: there is more after the last item.
                        let next = items.last().map(|(id, _)| cursor_of(id));
                        return Ok(Page {
                            items: strip(items),
                            next_cursor: next,
                        });
                    }
                    items.push((id.clone(), convert(row)));
                }
                position = id;
                if examined >= MAX_IN_MEMORY {
                    return Ok(Page {
                        items: strip(items),
                        next_cursor: Some(cursor_of(&position)),
                    });
                }
            }
            if exhausted {
                return Ok(Page {
                    items: strip(items),
                    next_cursor: None,
                });
            }
        }
    }

    /// A page of the directory's users (deleted ones excluded), by id. Filters use the SCIM
    /// filter language; parts SQL cannot express are evaluated in memory (see
    /// `cursor_page` for how far one request scans).
    pub async fn list_directory_users(
        &self,
        scope: &DirectoryScope,
        page: &PageRequest,
        filter: Option<&Filter>,
    ) -> Result<Page<DirectoryUser>> {
        let after = match page.cursor() {
            Some(cursor) => page::decode("usr", cursor)?,
            None => String::new(),
        };
        let selection = selection(self.backend, Table::Users, 3, filter);
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM scim_users u WHERE u.directory_id = $1 AND u.id > $2 \
             AND u.deleted_at IS NULL{} ORDER BY u.id LIMIT $3",
            selection.condition
        );
        self.cursor_page(
            &sql,
            scope,
            after,
            page.limit(),
            selection,
            &USER,
            |row: &UserRow| row.0.as_str(),
            user_record,
            to_user,
            |id| page::encode("usr", id),
        )
        .await
    }

    /// A page of the directory's live groups, by id (filters as for users).
    pub async fn list_directory_groups(
        &self,
        scope: &DirectoryScope,
        page: &PageRequest,
        filter: Option<&Filter>,
    ) -> Result<Page<DirectoryGroup>> {
        self.group_page(scope, page, filter, false).await
    }

    /// A page of the directory's deleted (restorable) groups, by id.
    pub async fn list_deleted_groups(
        &self,
        scope: &DirectoryScope,
        page: &PageRequest,
    ) -> Result<Page<DirectoryGroup>> {
        self.group_page(scope, page, None, true).await
    }

    async fn group_page(
        &self,
        scope: &DirectoryScope,
        page: &PageRequest,
        filter: Option<&Filter>,
        deleted: bool,
    ) -> Result<Page<DirectoryGroup>> {
        let after = match page.cursor() {
            Some(cursor) => page::decode("grp", cursor)?,
            None => String::new(),
        };
        let selection = selection(self.backend, Table::Groups, 3, filter);
        let state = if deleted { "NOT NULL" } else { "NULL" };
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM scim_groups WHERE directory_id = $1 AND id > $2 \
             AND deleted_at IS {state}{} ORDER BY id LIMIT $3",
            selection.condition
        );
        self.cursor_page(
            &sql,
            scope,
            after,
            page.limit(),
            selection,
            &GROUP,
            |row: &GroupRow| row.0.as_str(),
            group_record,
            to_group,
            |id| page::encode("grp", id),
        )
        .await
    }

    /// A page of a live group's members (active or not), by user id.
    pub async fn list_group_members(
        &self,
        scope: &DirectoryScope,
        group: &str,
        page: &PageRequest,
    ) -> Result<Page<DirectoryUser>> {
        let exists: Option<(String,)> = self
            .read_optional(
                query(
                    "SELECT id FROM scim_groups WHERE id = $1 AND directory_id = $2 \
                     AND deleted_at IS NULL",
                )
                .bind(group)
                .bind(scope.id.as_str()),
            )
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound { kind: "group" });
        }
        let after = match page.cursor() {
            Some(cursor) => page::decode("mem", cursor)?,
            None => String::new(),
        };
        let limit = page.limit();
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM scim_group_members m JOIN scim_users u ON u.id = m.user_id \
             WHERE m.group_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3"
        );
        let rows: Vec<UserRow> = self
            .read_all(
                query(sql)
                    .bind(group)
                    .bind(after)
                    .bind(i64::from(limit) + 1),
            )
            .await?;
        let items = rows.into_iter().map(to_user).collect();
        Ok(paginate(items, limit, |u| page::encode("mem", &u.id)))
    }
}
