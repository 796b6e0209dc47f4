//! The server's HTTP test suite: every route through the real router (no socket), on SQLite
//! and — when `GATEHOUSE_TEST_POSTGRES_URL` is set — PostgreSQL. `shutdown` uses a real
//! listener.

mod api_errors;
mod cli;
mod connector;
mod feeds;
mod helpers;
mod observability;
mod orgs;
mod scim;
mod scim_okta;
mod shutdown;
mod sso;
mod tenancy;
