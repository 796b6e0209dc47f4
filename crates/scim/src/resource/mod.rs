//! Users and Groups as JSON: validation of POST/PUT bodies, typed views of the fields the
//! server needs, and the server-maintained `id`/`meta`/ETag.
//!
//! Resources stay `serde_json::Value` so attributes Gatehouse does not model (custom Okta
//! extensions, `locale`, …) round-trip untouched; only known attributes are checked.

mod body;
mod coerce;
mod meta;
mod password;
mod view;

pub use body::{GroupInput, UserInput, parse_group, parse_json, parse_user};
pub use meta::{Meta, etag, if_match, if_none_match, location, render, timestamp};
pub use password::Password;
pub use view::{GroupView, UserName, UserView};

pub(crate) use body::{finish, member_ids, require_schema, tidy};
pub(crate) use coerce::{coerce_attribute, coerce_element, coerce_sub};

#[cfg(test)]
mod tests;
