//! One SQL text, three executors. The SCIM paths are written once against [`Conn`], which
//! runs a [`Query`] on PostgreSQL (sqlx), on SQLite through sqlx (transactions begun with
//! [`crate::Store::begin`]), or on SQLite directly through rusqlite (the `direct` module:
//! the group-committing writer thread and inline readers). Queries use the shared dialect
//! of the rest of the crate (`$N` placeholders, `RETURNING`, `ON CONFLICT`); rows come back
//! as tuples ([`FromRow`]).
//!
//! On the direct executor every call completes without waiting: the futures are ready when
//! first polled, which is what lets the writer thread drive a whole transaction in one poll.

use std::borrow::Cow;

use sqlx::Row as _;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::db::Backend;
use crate::error::{Result, StoreError};

/// A bound value. Nulls carry their type: PostgreSQL checks a parameter's type even when it
/// is NULL.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(Some(v))
    }
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Arg::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Arg::Int(Some(v)) => ToSqlOutput::Owned(Value::Integer(*v)),
            Arg::Bool(Some(v)) => ToSqlOutput::Owned(Value::Integer(i64::from(*v))),
            Arg::Text(None) | Arg::Int(None) | Arg::Bool(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}

/// A SQL text and its arguments, `$1` first.
#[derive(Clone, Debug)]
pub(crate) struct Query<'q> {
    sql: Cow<'q, str>,
    args: Vec<Arg>,
}

/// `$first, $first+1, …` for `n` arguments (an `IN (…)` list).
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Starts a query.
pub(crate) fn query<'q>(sql: impl Into<Cow<'q, str>>) -> Query<'q> {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

impl<'q> Query<'q> {
    /// Binds the next placeholder.
    pub(crate) fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Binds the next placeholders in order.
    pub(crate) fn bind_all(mut self, values: impl IntoIterator<Item = Arg>) -> Self {
        self.args.extend(values);
        self
    }
}

/// Binds `args` onto a sqlx query of either backend.
macro_rules! sqlx_bound {
    ($q:expr) => {{
        let mut bound = sqlx::query(sqlx::AssertSqlSafe(&*$q.sql));
        for arg in &$q.args {
            bound = match arg {
                Arg::Text(v) => bound.bind(v.as_deref()),
                Arg::Int(v) => bound.bind(*v),
                Arg::Bool(v) => bound.bind(*v),
            };
        }
        bound
    }};
}

/// A connection (or open transaction) a query runs on.
pub(crate) enum Conn<'c> {
    /// PostgreSQL, through sqlx.
    Pg(&'c mut sqlx::PgConnection),
    /// SQLite through sqlx: a [`crate::Tx`], or a reader of an in-memory database.
    SqlxLite(&'c mut sqlx::SqliteConnection),
    /// SQLite through rusqlite, on the caller's thread.
    Lite(&'c mut rusqlite::Connection),
}

impl Conn<'_> {
    /// The engine behind this connection.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Conn::Pg(_) => Backend::Postgres,
            Conn::SqlxLite(_) | Conn::Lite(_) => Backend::Sqlite,
        }
    }

    /// Runs a statement; returns the rows it changed.
    pub(crate) async fn execute(&mut self, q: Query<'_>) -> Result<u64> {
        match self {
            Conn::Pg(c) => Ok(sqlx_bound!(q).execute(&mut **c).await?.rows_affected()),
            Conn::SqlxLite(c) => Ok(sqlx_bound!(q).execute(&mut **c).await?.rows_affected()),
            Conn::Lite(c) => {
                let mut stmt = prepare_lite(c, &q.sql)?;
                bind_lite(&mut stmt, &q.args)?;
                Ok(stmt.raw_execute()? as u64)
            }
        }
    }

    /// Every row of a query.
    pub(crate) async fn fetch_all<R: FromRow>(&mut self, q: Query<'_>) -> Result<Vec<R>> {
        match self {
            Conn::Pg(c) => sqlx_bound!(q)
                .fetch_all(&mut **c)
                .await?
                .iter()
                .map(R::from_pg)
                .collect(),
            Conn::SqlxLite(c) => sqlx_bound!(q)
                .fetch_all(&mut **c)
                .await?
                .iter()
                .map(R::from_sqlx_lite)
                .collect(),
            Conn::Lite(c) => {
                let mut stmt = prepare_lite(c, &q.sql)?;
                bind_lite(&mut stmt, &q.args)?;
                let mut rows = stmt.raw_query();
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(R::from_lite(row)?);
                }
                Ok(out)
            }
        }
    }

    /// The first row of a query, if any.
    pub(crate) async fn fetch_optional<R: FromRow>(&mut self, q: Query<'_>) -> Result<Option<R>> {
        match self {
            Conn::Pg(c) => sqlx_bound!(q)
                .fetch_optional(&mut **c)
                .await?
                .as_ref()
                .map(R::from_pg)
                .transpose(),
            Conn::SqlxLite(c) => sqlx_bound!(q)
                .fetch_optional(&mut **c)
                .await?
                .as_ref()
                .map(R::from_sqlx_lite)
                .transpose(),
            Conn::Lite(c) => {
                let mut stmt = prepare_lite(c, &q.sql)?;
                bind_lite(&mut stmt, &q.args)?;
                let mut rows = stmt.raw_query();
                rows.next()?.map(R::from_lite).transpose()
            }
        }
    }

    /// The one row a query always returns (aggregates, `SELECT EXISTS …`).
    pub(crate) async fn fetch_one<R: FromRow>(&mut self, q: Query<'_>) -> Result<R> {
        self.fetch_optional(q).await?.ok_or_else(|| {
            StoreError::Invalid("a query that always returns a row returned none".into())
        })
    }
}

/// The shared dialect's `$N` placeholders as SQLite's `?N`. Both mean "the Nth argument
/// wherever it appears", but SQLite numbers `$N` parameters in order of appearance, so
/// binding them meant a name lookup per parameter, each linear in the parameter count
/// (5.5% of a request for a page of 100 users, most of it the `IN (…)` list of its group
/// query); a `?N` parameter's index is `N`. The crate's SQL has no `$` inside string literals.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let placeholder = c == '$' && chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if placeholder { '?' } else { c });
    }
    out
}

/// Prepares `sql` (in the shared dialect) from the connection's statement cache.
fn prepare_lite<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
) -> Result<rusqlite::CachedStatement<'c>> {
    Ok(conn.prepare_cached(&numbered(sql))?)
}

/// Binds `args` to a statement prepared by [`prepare_lite`]: parameter `?N` is `args[N-1]`.
fn bind_lite(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Arg]) -> Result<()> {
    let count = stmt.parameter_count();
    if count > args.len() {
        return Err(StoreError::Invalid(format!(
            "the statement has {count} placeholders but {} arguments",
            args.len()
        )));
    }
    for (index, arg) in args.iter().take(count).enumerate() {
        stmt.raw_bind_parameter(index + 1, arg)?;
    }
    Ok(())
}

/// A column value both engines decode.
pub(crate) trait Col: Sized {
    fn from_pg(row: &PgRow, index: usize) -> Result<Self>;
    fn from_sqlx_lite(row: &SqliteRow, index: usize) -> Result<Self>;
    fn from_lite(row: &rusqlite::Row<'_>, index: usize) -> Result<Self>;
}

macro_rules! col {
    ($($t:ty),*) => {$(
        impl Col for $t {
            fn from_pg(row: &PgRow, index: usize) -> Result<Self> {
                Ok(row.try_get(index)?)
            }
            fn from_sqlx_lite(row: &SqliteRow, index: usize) -> Result<Self> {
                Ok(row.try_get(index)?)
            }
            fn from_lite(row: &rusqlite::Row<'_>, index: usize) -> Result<Self> {
                Ok(row.get(index)?)
            }
        }
    )*};
}
col!(String, Option<String>, i64, Option<i64>, bool);

/// A row, decoded as a tuple of [`Col`]s.
pub(crate) trait FromRow: Sized {
    fn from_pg(row: &PgRow) -> Result<Self>;
    fn from_sqlx_lite(row: &SqliteRow) -> Result<Self>;
    fn from_lite(row: &rusqlite::Row<'_>) -> Result<Self>;
}

macro_rules! tuple_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Col),+> FromRow for ($($t,)+) {
            fn from_pg(row: &PgRow) -> Result<Self> {
                Ok(($($t::from_pg(row, $i)?,)+))
            }
            fn from_sqlx_lite(row: &SqliteRow) -> Result<Self> {
                Ok(($($t::from_sqlx_lite(row, $i)?,)+))
            }
            fn from_lite(row: &rusqlite::Row<'_>) -> Result<Self> {
                Ok(($($t::from_lite(row, $i)?,)+))
            }
        }
    };
}
tuple_row!(A 0);
tuple_row!(A 0, B 1);
tuple_row!(A 0, B 1, C 2);
tuple_row!(A 0, B 1, C 2, D 3);
tuple_row!(A 0, B 1, C 2, D 3, E 4);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);

#[cfg(test)]
mod tests {
    use super::{Conn, numbered, query};

    #[test]
    fn placeholders_become_numbered_parameters() {
        assert_eq!(
            numbered("SELECT $1, $12 FROM t WHERE a = $2 AND b = '$x'"),
            "SELECT ?1, ?12 FROM t WHERE a = ?2 AND b = '$x'"
        );
    }

    #[test]
    fn arguments_bind_by_number_wherever_and_however_often_they_appear() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut lite = Conn::Lite(&mut conn);
        let q = query("SELECT $3 || $1 || $3 || $2")
            .bind("a")
            .bind("b")
            .bind("c");
        let row: (String,) = futures_ready(lite.fetch_one(q)).unwrap();
        assert_eq!(row.0, "cacb");
        let missing = futures_ready(lite.fetch_one::<(String,)>(query("SELECT $2").bind("a")));
        assert!(missing.is_err());
    }

    /// Runs a future of the direct executor, which is ready when first polled.
    fn futures_ready<T>(future: impl std::future::Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        match future
            .as_mut()
            .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
        {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("the direct executor waited"),
        }
    }
}
