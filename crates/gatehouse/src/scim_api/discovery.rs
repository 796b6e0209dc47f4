//! `/ServiceProviderConfig`, `/Schemas`, `/ResourceTypes` (RFC 7644 §4), rendered by the
//! `scim` crate for this directory's base URL.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use scim::schema::{self, ServiceProviderConfig};

use super::LIST_LIMITS;
use super::auth::ScimAuth;
use super::response::{ScimError, ScimResult, scim_body};

fn ok(document: serde_json::Value) -> Response {
    scim_body(StatusCode::OK, document.to_string())
}

pub(super) async fn service_provider_config(auth: ScimAuth) -> Response {
    ok(ServiceProviderConfig {
        max_results: LIST_LIMITS.max_count,
        documentation_uri: None,
    }
    .to_json(&auth.base_url))
}

pub(super) async fn schemas(auth: ScimAuth) -> Response {
    ok(schema::schemas_document(&auth.base_url))
}

pub(super) async fn schema(
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
) -> ScimResult<Response> {
    schema::schema_document(&id, &auth.base_url)
        .map(ok)
        .ok_or_else(|| ScimError(scim::Error::not_found(format!("no schema {id}"))))
}

pub(super) async fn resource_types(auth: ScimAuth) -> Response {
    ok(schema::resource_types_document(&auth.base_url))
}

pub(super) async fn resource_type(
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
) -> ScimResult<Response> {
    schema::resource_type_document(&id, &auth.base_url)
        .map(ok)
        .ok_or_else(|| ScimError(scim::Error::not_found(format!("no resource type {id}"))))
}
