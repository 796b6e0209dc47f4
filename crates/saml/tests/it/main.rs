//! The saml crate's one integration-test binary.

mod authn_request;
mod common;
mod fixtures;
mod fuzz;
mod metadata;
mod rejections;
mod roundtrip;
