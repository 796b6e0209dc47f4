//! `/api/v1/orgs/{org}/domains`: the email domains an org has claimed. Setting them needs an
//! instance-wide admin token: a claim lets the org's directories link users to people known
//! by that email in other orgs.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::OrgAccess;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::state::AppState;

/// The domain routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_domains, put_domains))
}

/// An org's claimed domains.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainsBody {
    /// Domains such as `example.com`, normalised and sorted.
    pub domains: Vec<String>,
}

/// Lists the org's claimed domains.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/domains", tag = "orgs",
    params(("org" = String, Path, description = "Org id")),
    responses((status = 200, body = DomainsBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn get_domains(
    State(state): State<AppState>,
    access: OrgAccess,
) -> ApiResult<axum::Json<DomainsBody>> {
    let domains = state.store.list_org_domains(&access.scope).await?;
    Ok(axum::Json(DomainsBody { domains }))
}

/// Replaces the org's claimed domains (instance-wide admin tokens only).
#[utoipa::path(put, path = "/api/v1/orgs/{org}/domains", tag = "orgs", request_body = DomainsBody,
    params(("org" = String, Path, description = "Org id")),
    responses((status = 200, body = DomainsBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn put_domains(
    State(state): State<AppState>,
    access: OrgAccess,
    ApiJson(input): ApiJson<DomainsBody>,
) -> ApiResult<axum::Json<DomainsBody>> {
    let domains = state
        .store
        .set_org_domains(
            &access.auth.principal,
            &access.scope,
            &access.auth.actor(),
            &input.domains,
        )
        .await?;
    Ok(axum::Json(DomainsBody { domains }))
}
