//! The org's data model: users, groups, apps, the user schema and the System Log.

pub mod app;
pub mod group;
pub mod log;
pub mod schema;
pub mod user;
