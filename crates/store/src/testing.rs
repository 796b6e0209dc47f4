//! Test harness: a fresh, migrated store per test on either backend.
//!
//! SQLite tests always run, on a temporary file. PostgreSQL tests run when
//! `GATEHOUSE_TEST_POSTGRES_URL` is set, each in a schema of its own; when it is not set the
//! build marks them ignored with a message saying so (see this crate's `build.rs` and
//! [`crate::both_backends!`]).

use tempfile::TempDir;

use crate::{AdminPrincipal, Backend, ConnectOptions, MasterKey, Role, Store};

/// The variable that enables the PostgreSQL half of the suites.
pub const POSTGRES_URL_VAR: &str = "GATEHOUSE_TEST_POSTGRES_URL";

/// A store for one test. Keeps its temporary directory alive as long as it lives.
#[derive(Debug)]
pub struct TestStore {
    /// The store.
    pub store: Store,
    /// The database URL it was opened with (the PostgreSQL schema is set separately).
    pub url: String,
    /// The PostgreSQL schema, when on PostgreSQL.
    pub pg_schema: Option<String>,
    _dir: Option<TempDir>,
}

impl TestStore {
    /// Options that reach this same database, e.g. for a second "replica" in a test.
    pub fn connect_options(&self) -> ConnectOptions {
        let mut options = ConnectOptions::new(self.url.clone());
        options.pg_schema = self.pg_schema.clone();
        options
    }
}

impl std::ops::Deref for TestStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

/// A fresh store on `backend`.
///
/// # Panics
/// When the database cannot be set up (this is test code), or when `backend` is PostgreSQL and
/// [`POSTGRES_URL_VAR`] is unset.
pub async fn fresh(backend: Backend) -> TestStore {
    let key = MasterKey::generate().expect("rng");
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            let store = Store::open(&ConnectOptions::new(url.clone()), key)
                .await
                .expect("open sqlite test store");
            TestStore {
                store,
                url,
                pg_schema: None,
                _dir: Some(dir),
            }
        }
        Backend::Postgres => {
            let url = std::env::var(POSTGRES_URL_VAR)
                .unwrap_or_else(|_| panic!("{POSTGRES_URL_VAR} must be set for PostgreSQL tests"));
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut options = ConnectOptions::new(url.clone());
            options.pg_schema = Some(schema.clone());
            options.max_connections = 8;
            let store = Store::open(&options, key)
                .await
                .expect("open postgres test store");
            TestStore {
                store,
                url,
                pg_schema: Some(schema),
                _dir: None,
            }
        }
    }
}

/// An instance-wide owner, as if it came from a verified token (tests only).
pub fn instance_owner() -> AdminPrincipal {
    principal(None, Role::Owner)
}

/// A principal with any scope and role (tests only).
pub fn principal(org: Option<crate::OrgId>, role: Role) -> AdminPrincipal {
    AdminPrincipal {
        token_id: crate::AdminTokenId::generate(),
        name: "test".into(),
        org,
        role,
    }
}

/// Generates, for each listed `async fn name(backend: Backend)`, a `#[tokio::test]` per backend:
/// `name::sqlite` and `name::postgres`. The PostgreSQL one is ignored, with a message, when the
/// build did not see `GATEHOUSE_TEST_POSTGRES_URL`.
///
/// The calling crate needs the same `build.rs` cfg (`gatehouse_pg_tests`) as this one.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    not(gatehouse_pg_tests),
                    ignore = "PostgreSQL half skipped: set GATEHOUSE_TEST_POSTGRES_URL to run it"
                )]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// Makes every SSO flow and one-time code of `store` expire now, so tests can check
/// expiry without waiting (tests only).
///
/// # Panics
/// When the database refuses the update.
pub async fn expire_sso_state(store: &Store) {
    let mut tx = store.begin().await.expect("begin");
    for sql in [
        "UPDATE sso_flows SET expires_at = 0",
        "UPDATE sso_codes SET expires_at = 0",
    ] {
        crate::db::on_tx!(tx, |conn| sqlx::query(sql)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))
        .expect("expire sso state");
    }
    tx.commit().await.expect("commit");
}

/// Makes every scheduled directory sync due now, so tests can check the schedule without
/// waiting (tests only).
///
/// # Panics
/// When the database refuses the update.
pub async fn make_syncs_due(store: &Store) {
    let mut tx = store.begin().await.expect("begin");
    crate::db::on_tx!(tx, |conn| sqlx::query(
        "UPDATE directory_sync_state SET next_run_at = 0 WHERE schedule_secs IS NOT NULL"
    )
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))
    .expect("make syncs due");
    tx.commit().await.expect("commit");
}
