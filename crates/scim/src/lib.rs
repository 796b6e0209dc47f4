//! SCIM 2.0 (RFC 7643 / RFC 7644) without I/O: the schemas Gatehouse serves, the filter
//! language, the PATCH engine, list-request handling and the SCIM error shape.
//!
//! This crate decides *what* a SCIM request means and *what* the answer looks like. It never
//! knows about HTTP, sockets, async runtimes, SQL or the clock: the server passes in request
//! bodies and query parameters as parsed JSON and strings, plus `now` where a timestamp is
//! needed, and gets back values, plans and [`Error`]s. Resources are plain
//! `serde_json::Value`s so that attributes Gatehouse does not model survive round trips.
//!
//! # Central types
//!
//! - [`schema::ResourceType`] ([`schema::USER`], [`schema::GROUP`]): the attribute
//!   definitions, case-insensitive path resolution ([`schema::ResourceType::resolve`]) and
//!   the discovery documents.
//! - [`Filter`]: the parsed `filter` AST, with [`Filter::matches`] for in-memory evaluation
//!   and documented semantics for translating it to SQL.
//! - [`patch::PatchRequest`]: a parsed PatchOp body, applied with [`patch::apply_patch`] to
//!   a full resource, or turned into a [`patch::GroupPatchPlan`] by
//!   [`patch::plan_group_patch`] so group membership changes cost O(changed members).
//! - [`Error`]: every failure, already carrying its HTTP status and `scimType`.
//!
//! # How they fit
//!
//! A request comes in; [`resource::parse_user`] / [`resource::parse_group`] validate
//! POST/PUT bodies, [`query::ListQuery`] validates list parameters (its filter is a
//! [`Filter`] checked against the resource type), [`patch::PatchRequest::parse`] validates
//! PATCH bodies. The store persists the normalised JSON, answers filters, and applies
//! patches; responses are built with [`resource::render`] (adds `id` and `meta`),
//! [`query::Projection`] (`attributes`/`excludedAttributes`) and [`query::ListResponse`].
//!
//! # Example
//!
//! ```
//! use scim::{Filter, schema::USER};
//! use serde_json::json;
//!
//! let user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "Dana.Ng@example.com",
//!     "emails": [{"value": "dana@example.com", "type": "work", "primary": true}],
//!     "active": true
//! });
//! // userName is not caseExact, so Okta's lower-cased lookup matches.
//! let filter: Filter = r#"userName eq "dana.ng@example.com" and emails[type eq "work"]"#.parse()?;
//! filter.validate(&USER)?;
//! assert!(filter.matches(&user, &USER));
//!
//! // Okta deactivates with a pathless replace.
//! let request = scim::patch::PatchRequest::parse(json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"op": "Replace", "value": {"active": "False"}}]
//! }))?;
//! let mut stored = user.clone();
//! let outcome = scim::patch::apply_patch(&mut stored, &request, &USER)?;
//! assert!(outcome.changed);
//! assert_eq!(stored["active"], json!(false));
//! # Ok::<(), scim::Error>(())
//! ```

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod compare;
mod error;
pub mod filter;
mod json;
pub mod patch;
mod path;
pub mod query;
pub mod resource;
pub mod schema;

pub use compare::fold_case;
pub use error::{ERROR_SCHEMA, Error, ScimType};
pub use filter::{CompValue, CompareOp, Filter};
pub use path::AttrPath;

#[cfg(test)]
mod tests;
