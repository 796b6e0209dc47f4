//! The store's test suite. Every test runs against SQLite and, when
//! `GATEHOUSE_TEST_POSTGRES_URL` is set, against PostgreSQL (one fresh schema per test).

mod directories;
mod feeds;
mod okta_sync;
mod orgs;
mod secrets;
mod sso;
mod tokens;
