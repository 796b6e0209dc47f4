//! Gatehouse, the server: wiring, not logic. It turns HTTP requests into calls on `store` and
//! the protocol crates (`scim`, `saml`, `okta`) and their answers into responses.
//!
//! Entry points:
//! * [`cli::main`] — the `gatehouse` binary (`serve`, `admin create-token`, `sync`, `demo`).
//! * [`server::serve`] — start-up: master key, database, bootstrap token, listener, graceful
//!   shutdown.
//! * [`server::app`] — the router, for tests that need no socket.
//!
//! Only this crate knows axum and HTTP. Each resource is a module under [`api`] with its own
//! `routes()`, annotated for the generated OpenAPI document; shared plumbing (the contract's
//! error shape, extractors, request ids, metrics) lives in [`http`].

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod connector;
#[cfg(feature = "demo")]
pub mod demo;
pub mod health;
pub mod http;
pub mod logging;
pub mod oauth;
pub mod scim_api;
pub mod server;
pub mod sso;
pub mod state;
