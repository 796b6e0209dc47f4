//! The admin API (`/api/v1/…`): one module per resource, each with `routes()`. Handlers are
//! wiring — extractors, one call into the store or a protocol crate, a response DTO.

pub mod connector;
pub mod directories;
pub mod domains;
pub mod feeds;
pub mod orgs;
pub mod sso_connections;
pub mod sso_token;
pub mod tokens;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The OpenAPI document's fixed parts; paths are collected from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gatehouse admin API",
        description = "Orgs, directories (SCIM and Okta API), SSO connections, events and audit."
    ),
    modifiers(&BearerAuth),
    security(("admin_token" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An admin token (gha_…)"))
                    .build(),
            ),
        );
    }
}

/// Every admin API route, with its OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(orgs::routes())
        .merge(tokens::routes())
        .merge(feeds::routes())
        .merge(sso_connections::routes())
        .merge(sso_token::routes())
        .merge(directories::routes())
        .merge(connector::routes())
        .merge(domains::routes())
}
