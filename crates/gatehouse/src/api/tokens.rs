//! `/api/v1/admin-tokens`: mint and revoke admin API tokens (owner role). An extension of the
//! contract; the CLI's `gatehouse admin create-token` does the same for operators.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use store::{AdminTokenId, NewAdminToken, OrgId, Role};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AdminAuth;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::state::AppState;

/// The token routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token))
        .routes(routes!(revoke_token))
}

/// What to mint.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// A label for people.
    pub name: String,
    /// Limit the token to this org; omit for an instance-wide token.
    pub org_id: Option<String>,
    /// `owner`, `admin` or `viewer`.
    pub role: String,
}

/// A minted token. `token` is shown only in this response.
#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    /// The public id (`tok_…`).
    pub id: String,
    /// Its label.
    pub name: String,
    /// The org it is limited to.
    pub org_id: Option<String>,
    /// Its role.
    pub role: String,
    /// When it was minted.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The secret token (`gha_…`). Store it now: it cannot be shown again.
    pub token: String,
}

/// Mints an admin token. Instance-wide tokens need an instance-wide owner; org tokens need
/// the owner role in that org.
#[utoipa::path(post, path = "/api/v1/admin-tokens", tag = "admin-tokens", request_body = TokenInput,
    responses((status = 201, body = TokenCreated), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<impl IntoResponse> {
    let role = Role::parse(&input.role)
        .ok_or_else(|| ApiError::validation("role must be one of owner, admin, viewer"))?;
    let org = match input.org_id.as_deref() {
        Some(raw) => Some(OrgId::parse(raw).ok_or_else(|| ApiError::not_found("org"))?),
        None => None,
    };
    if let Some(org) = &org {
        // The org must exist (and be visible) before a token can point at it.
        state.store.get_org(&auth.org_scope(org.as_str())?).await?;
    }
    let minted = state
        .store
        .create_admin_token(
            &auth.principal,
            &auth.actor(),
            NewAdminToken {
                name: input.name,
                org,
                role,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TokenCreated {
            id: minted.info.id.to_string(),
            name: minted.info.name,
            org_id: minted.info.org.map(|o| o.to_string()),
            role: minted.info.role.as_str().to_owned(),
            created_at: minted.info.created_at,
            token: minted.token.expose().to_owned(),
        }),
    ))
}

/// Revokes an admin token; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/admin-tokens/{token}", tag = "admin-tokens",
    params(("token" = String, Path, description = "Token id (tok_…)")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: AdminAuth,
    Path(token): Path<String>,
) -> ApiResult<StatusCode> {
    let id = AdminTokenId::parse(&token).ok_or_else(|| ApiError::not_found("admin token"))?;
    state
        .store
        .revoke_admin_token(&auth.principal, &auth.actor(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
