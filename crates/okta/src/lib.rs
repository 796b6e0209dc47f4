//! `okta`: a client for Okta's Management API and an engine that syncs an org into any
//! store — without knowing what that store is.
//!
//! The crate knows Okta (domains, SSWS and OAuth service-app auth with DPoP, `Link`
//! pagination, rate-limit buckets, error bodies, the System Log) and must never know
//! Gatehouse's database, server or events: it writes through the [`sync::SyncSink`]
//! trait, and the network sits behind [`transport::Transport`].
//!
//! Central types:
//! - [`domain::OrgUrl`] — the org's base URL, normalised from whatever an admin pasted.
//! - [`client::Client`] — one org, one set of [`auth::Credentials`]; every call is paced
//!   by a pure [`ratelimit::Pacer`], retried when safe, and authenticated (SSWS, Bearer or
//!   DPoP). Reads live in [`api`], writes in [`actions`], the permission probe in [`probe`].
//! - [`sync::run`] — full and incremental sync into a [`sync::SyncSink`], resumable from
//!   a [`sync::Checkpoint`] that the sink stores atomically with each batch.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use okta::auth::Credentials;
//! use okta::client::{Client, ClientConfig};
//! use okta::domain::{DomainOptions, OrgUrl};
//! use okta::sync::{self, MemorySink, SyncMode, SyncOptions};
//!
//! let org = OrgUrl::parse("https://acme-admin.okta.com/admin/dashboard", DomainOptions::default())?;
//! assert_eq!(org.as_str(), "https://acme.okta.com");
//! let client = Client::new(ClientConfig::new(org, Credentials::ApiToken("00abc…".into())))?;
//! let capabilities = client.probe().await?;
//! println!("may delete users: {}", capabilities.manage_users.is_allowed());
//! let mut sink = MemorySink::new();
//! let report = sync::run(&client, &mut sink, SyncMode::Incremental, &SyncOptions::default()).await?;
//! println!("{} users, {} API calls", report.counts.users_upserted, report.stats.api_calls);
//! # Ok(())
//! # }
//! ```

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod actions;
pub mod api;
pub mod auth;
pub mod client;
mod clock;
pub mod domain;
pub mod error;
pub mod models;
pub mod paging;
pub mod probe;
pub mod ratelimit;
pub mod secret;
pub mod sync;
pub mod transport;
