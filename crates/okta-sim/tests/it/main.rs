//! okta-sim integration tests: every endpoint family over real HTTP on a random port.

mod apps;
mod auth;
mod browser;
mod common;
mod control;
mod faults;
mod groups;
mod lifecycle;
mod logs;
mod oauth;
mod oidc;
mod pagination;
mod provisioning;
mod ratelimit;
mod saml;
mod schema;
mod scim_app;
mod users;
