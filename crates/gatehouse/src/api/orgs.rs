//! `/api/v1/orgs`: create, list, read, rename, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use store::{Org, PageRequest};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{AdminAuth, OrgAccess};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The org routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_org, list_orgs))
        .routes(routes!(get_org, update_org, delete_org))
}

/// An org.
#[derive(Serialize, ToSchema)]
pub struct OrgBody {
    /// Its id (`org_…`).
    pub id: String,
    /// Its display name.
    pub name: String,
    /// When it was created (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Org> for OrgBody {
    fn from(org: Org) -> Self {
        Self {
            id: org.id.to_string(),
            name: org.name,
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

/// `POST /api/v1/orgs` and `PATCH /api/v1/orgs/{org}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgInput {
    /// Display name, 1–200 characters.
    pub name: String,
}

/// A page of orgs.
#[derive(Serialize, ToSchema)]
pub struct OrgList {
    /// The orgs.
    pub data: Vec<OrgBody>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

/// Paging parameters of plain lists.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size (1–500, default 100).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Creates an org (instance-wide admin tokens only).
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = OrgInput,
    responses((status = 201, body = OrgBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_org(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiJson(input): ApiJson<OrgInput>,
) -> ApiResult<impl IntoResponse> {
    let org = state
        .store
        .create_org(&auth.principal, &auth.actor(), &input.name)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(OrgBody::from(org))))
}

/// Lists the orgs the token can see.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(ListParams),
    responses((status = 200, body = OrgList), (status = 401, body = ErrorBody)))]
async fn list_orgs(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<OrgList>> {
    let page = state
        .store
        .list_orgs(
            &auth.principal,
            &PageRequest {
                after: params.cursor,
                limit: params.limit,
            },
        )
        .await?;
    Ok(axum::Json(OrgList {
        data: page.items.into_iter().map(OrgBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Reads one org.
#[utoipa::path(get, path = "/api/v1/orgs/{org}", tag = "orgs",
    params(("org" = String, Path, description = "Org id")),
    responses((status = 200, body = OrgBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_org(
    State(state): State<AppState>,
    access: OrgAccess,
) -> ApiResult<axum::Json<OrgBody>> {
    Ok(axum::Json(state.store.get_org(&access.scope).await?.into()))
}

/// Renames an org (admin role).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}", tag = "orgs", request_body = OrgInput,
    params(("org" = String, Path, description = "Org id")),
    responses((status = 200, body = OrgBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_org(
    State(state): State<AppState>,
    access: OrgAccess,
    ApiJson(input): ApiJson<OrgInput>,
) -> ApiResult<axum::Json<OrgBody>> {
    let org = state
        .store
        .rename_org(&access.scope, &access.auth.actor(), &input.name)
        .await?;
    Ok(axum::Json(org.into()))
}

/// Deletes an org and everything in it (owner role). Its audit trail and events remain.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}", tag = "orgs",
    params(("org" = String, Path, description = "Org id")),
    responses((status = 204), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_org(State(state): State<AppState>, access: OrgAccess) -> ApiResult<StatusCode> {
    state
        .store
        .delete_org(&access.scope, &access.auth.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
