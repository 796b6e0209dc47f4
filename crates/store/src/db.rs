//! Connection pools for the two backends, migrations, and the macros that run one SQL text
//! against whichever backend is active.
//!
//! All SQL in this crate is written once, in the dialect both engines accept (`$N`
//! placeholders, `RETURNING`, `ON CONFLICT`), and compiled twice by [`on_reader!`] and
//! [`on_tx!`]: each macro expands its body once per backend, so the same text
//! is type-checked against `sqlx::Sqlite` and `sqlx::Postgres`. Where the engines differ, the
//! body matches on [`Backend`].

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::crypto::MasterKey;
use crate::direct::Direct;
use crate::error::{Result, StoreError};
use crate::sql::Conn;

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (the default): one writer connection, a pool of readers, WAL.
    Sqlite,
    /// PostgreSQL: shared state for several stateless replicas.
    Postgres,
}

/// The live pools. SQLite gets a single writer so write transactions queue in-process instead
/// of failing with `SQLITE_BUSY`; readers run concurrently under WAL. A SQLite file also
/// gets the direct engine (`direct` module) that the SCIM hot paths run on.
#[derive(Clone, Debug)]
pub(crate) enum Pools {
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
        direct: Option<Arc<Direct>>,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$e` bound to a pool suitable for reads.
macro_rules! on_reader {
    ($pools:expr, |$e:ident| $body:expr) => {
        match $pools {
            $crate::db::Pools::Sqlite { reader, .. } => {
                let $e = reader;
                $body
            }
            $crate::db::Pools::Postgres(pool) => {
                let $e = pool;
                $body
            }
        }
    };
}

/// Runs `$body` with `$e` bound to the connection of an open [`crate::Tx`].
macro_rules! on_tx {
    ($tx:expr, |$e:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::db::TxInner::Sqlite(t) => {
                let $e = &mut **t;
                $body
            }
            $crate::db::TxInner::Postgres(t) => {
                let $e = &mut **t;
                $body
            }
        }
    };
}

pub(crate) use {on_reader, on_tx};

/// Where to find the database and how large the pools may grow.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// `sqlite://path/to/file.db`, `sqlite::memory:` or `postgres://…`.
    pub url: String,
    /// Upper bound on concurrent read connections (SQLite) or all connections (PostgreSQL).
    pub max_connections: u32,
    /// PostgreSQL only: run in this schema (created if missing). Tests use it to get a fresh,
    /// isolated database per test.
    pub pg_schema: Option<String>,
}

impl ConnectOptions {
    /// Options for `url` with default pool sizes.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            pg_schema: None,
        }
    }

    /// The backend the URL selects, or an error naming the accepted schemes.
    pub fn backend(&self) -> Result<Backend> {
        backend_of(&self.url)
    }
}

/// Picks the backend from a database URL's scheme.
pub fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::Invalid(format!(
            "unsupported database URL {:?}: use sqlite://PATH or postgres://…",
            redact_url(url)
        )))
    }
}

/// The URL with any password replaced, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password only fails for URLs that cannot carry one.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

pub(crate) async fn connect(options: &ConnectOptions) -> Result<Pools> {
    match options.backend()? {
        Backend::Sqlite => connect_sqlite(options).await,
        Backend::Postgres => connect_postgres(options).await,
    }
}

async fn connect_sqlite(options: &ConnectOptions) -> Result<Pools> {
    let base = SqliteConnectOptions::from_str(&options.url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let in_memory = options.url.contains(":memory:") || options.url.contains("mode=memory");
    if let Some(parent) = base.get_filename().parent()
        && !in_memory
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|err| {
            StoreError::Invalid(format!("cannot create {}: {err}", parent.display()))
        })?;
    }
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(base.clone())
        .await?;
    // An in-memory database exists per connection, so readers must share the writer.
    let reader = if in_memory {
        writer.clone()
    } else {
        SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(base.read_only(true))
            .await?
    };
    Ok(Pools::Sqlite {
        writer,
        reader,
        direct: None,
    })
}

/// Starts the direct engine on a SQLite file (after migrations, which go through sqlx). An
/// in-memory database exists per connection, so it keeps to sqlx alone.
pub(crate) fn attach_direct(pools: &mut Pools, options: &ConnectOptions) -> Result<()> {
    let in_memory = options.url.contains(":memory:") || options.url.contains("mode=memory");
    if let Pools::Sqlite { direct, .. } = pools
        && !in_memory
    {
        let parsed = SqliteConnectOptions::from_str(&options.url)?;
        *direct = Some(Arc::new(Direct::open(
            parsed.get_filename(),
            options.max_connections as usize,
        )?));
    }
    Ok(())
}

async fn connect_postgres(options: &ConnectOptions) -> Result<Pools> {
    let mut connect = PgConnectOptions::from_str(&options.url)?;
    if let Some(schema) = &options.pg_schema {
        if !schema
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(StoreError::Invalid(format!("bad schema name {schema:?}")));
        }
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(connect.clone())
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
        )))
        .execute(&admin)
        .await?;
        admin.close().await;
        connect = connect.options([("search_path", schema.as_str())]);
    }
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections.max(2))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(connect)
        .await?;
    Ok(Pools::Postgres(pool))
}

/// Applies pending migrations. sqlx takes a database-wide lock while it migrates (an advisory
/// lock on PostgreSQL), so replicas starting together do not race each other.
pub(crate) async fn migrate(pools: &Pools) -> Result<()> {
    match pools {
        Pools::Sqlite { writer, .. } => sqlx::migrate!("./migrations/sqlite").run(writer).await?,
        Pools::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
    }
    Ok(())
}

/// An open write transaction. Everything written through it — the change itself, its audit
/// entry and its events — commits together or not at all. Dropping it without
/// [`Tx::commit`] rolls back.
pub struct Tx {
    pub(crate) inner: TxInner,
    pub(crate) master_key: Arc<MasterKey>,
    /// SQLite with the direct engine: this transaction's turn at the database, released
    /// after the commit or rollback (field order: dropped after `inner`).
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub(crate) async fn begin(pools: &Pools, master_key: Arc<MasterKey>) -> Result<Self> {
        let mut turn = None;
        let inner = match pools {
            // IMMEDIATE takes the write lock up front: a deferred transaction that later
            // upgrades would fail with SQLITE_BUSY instead of waiting.
            Pools::Sqlite { writer, direct, .. } => {
                if let Some(direct) = direct {
                    turn = Some(direct.gate.clone().lock_owned().await);
                }
                TxInner::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?)
            }
            Pools::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Self {
            inner,
            master_key,
            _turn: turn,
        })
    }

    /// This transaction as a [`Conn`] for code shared with the direct engine.
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Conn::SqlxLite(t),
            TxInner::Postgres(t) => Conn::Pg(t),
        }
    }

    /// Which engine this transaction runs on, for the few statements that differ.
    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Makes every write of this transaction durable and visible.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(backend_of("sqlite://data/x.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(
            backend_of("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(backend_of("mysql://x").is_err());
    }

    #[test]
    fn passwords_never_reach_messages() {
        let shown = redact_url("postgres://app:hunter2@db.example/prod");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("***"));
        let err = backend_of("mysql://app:hunter2@db/x")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
