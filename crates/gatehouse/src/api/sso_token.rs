//! `POST /api/v1/sso/token`: the host application redeems a one-time code (from the redirect
//! after a successful sign-in) for the normalized profile. A code works once, within 60
//! seconds, and only with an admin token that reaches the code's org; every other case is
//! the same `invalid_code` answer, so codes cannot be probed.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{SsoProfile, StoreError};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AdminAuth;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::state::AppState;

/// The code exchange route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(redeem_code))
}

/// `POST /api/v1/sso/token` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The `code` query parameter the browser brought back.
    pub code: String,
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct ProfileBody {
    /// Stable per connection and IdP subject (`prof_…`).
    pub id: String,
    /// Email address.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Group names from the IdP.
    pub groups: Vec<String>,
    /// Every attribute (SAML) or claim (OIDC) received.
    #[schema(value_type = Object)]
    pub attributes: Value,
    /// SAML NameID or OIDC `sub`.
    pub idp_subject: String,
    /// The connection signed in through.
    pub connection_id: String,
    /// The connection's org.
    pub org_id: String,
}

impl From<SsoProfile> for ProfileBody {
    fn from(p: SsoProfile) -> Self {
        Self {
            id: p.id,
            email: p.email,
            first_name: p.first_name,
            last_name: p.last_name,
            groups: p.groups,
            attributes: p.attributes,
            idp_subject: p.idp_subject,
            connection_id: p.connection_id,
            org_id: p.org_id,
        }
    }
}

/// The answer of the code exchange.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// The signed-in user.
    pub profile: ProfileBody,
}

/// Redeems a one-time sign-in code for the profile (once, within 60 s).
#[utoipa::path(post, path = "/api/v1/sso/token", tag = "sso", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn redeem_code(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiJson(input): ApiJson<TokenRequest>,
) -> ApiResult<axum::Json<TokenResponse>> {
    match state
        .store
        .redeem_sso_code(&auth.principal, &auth.actor(), input.code.trim())
        .await
    {
        Ok(profile) => Ok(axum::Json(TokenResponse {
            profile: profile.into(),
        })),
        Err(StoreError::NotFound { .. }) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "the code is unknown, expired (codes last 60 seconds), already used, or belongs \
             to an org this token cannot reach",
        )),
        Err(other) => Err(other.into()),
    }
}
