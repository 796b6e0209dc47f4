//! Admin API authentication: `Authorization: Bearer <admin token>` becomes an
//! [`AdminPrincipal`]; handlers turn it into an [`OrgScope`] for the org in the path.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use store::{Actor, AdminPrincipal, DirectoryId, DirectoryScope, OrgId, OrgScope};

use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::state::AppState;

/// An authenticated admin API caller.
#[derive(Clone, Debug)]
pub struct AdminAuth {
    /// Who the token belongs to and what it may reach.
    pub principal: AdminPrincipal,
    /// The request id, for audit entries.
    pub request_id: Option<String>,
}

impl AdminAuth {
    /// The audit actor for this caller.
    pub fn actor(&self) -> Actor {
        Actor::admin(&self.principal, self.request_id.clone())
    }

    /// The scope for the org named in the path. A malformed id, a foreign org and a missing
    /// org all answer 404, so ids of other tenants cannot be probed.
    pub fn org_scope(&self, org: &str) -> Result<OrgScope, ApiError> {
        OrgId::parse(org)
            .and_then(|id| self.principal.org_scope(&id))
            .ok_or_else(|| ApiError::not_found("org"))
    }
}

/// Takes the token out of `Authorization: Bearer <token>` (scheme case-insensitive).
pub fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("send an admin token as Authorization: Bearer <token>")
    })?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "the Authorization header must be Bearer <token>",
        ));
    }
    Ok(token.trim())
}

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        let principal = state
            .store
            .verify_admin_token(token)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the admin token is invalid or revoked"))?;
        let RequestId(request_id) = RequestId::from_request_parts(parts, state)
            .await
            .unwrap_or_default();
        Ok(Self {
            principal,
            request_id,
        })
    }
}

/// An admin caller with access to the org named by the `{org}` path parameter. Checking the
/// org in an extractor means a foreign org is refused (404) before the body is even read.
#[derive(Clone, Debug)]
pub struct OrgAccess {
    /// The caller.
    pub auth: AdminAuth,
    /// The org in the path, as the caller may act on it.
    pub scope: OrgScope,
}

impl FromRequestParts<AppState> for OrgAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = AdminAuth::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("org"))?;
        let org = params
            .get("org")
            .ok_or_else(|| ApiError::not_found("org"))?;
        let scope = auth.org_scope(org)?;
        Ok(Self { auth, scope })
    }
}

/// An admin caller with access to the directory named by the `{dir}` path parameter: the
/// directory's org must be reachable by the caller's token. A malformed id, a missing
/// directory and one of a foreign org all answer 404 before the body is read.
#[derive(Clone, Debug)]
pub struct DirectoryAccess {
    /// The caller.
    pub auth: AdminAuth,
    /// The directory, as the caller may act on it (with the caller's role in its org).
    pub scope: DirectoryScope,
}

impl FromRequestParts<AppState> for DirectoryAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = AdminAuth::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("directory"))?;
        let id = params
            .get("dir")
            .and_then(|raw| DirectoryId::parse(raw))
            .ok_or_else(|| ApiError::not_found("directory"))?;
        let scope = state.store.directory_scope(&auth.principal, &id).await?;
        Ok(Self { auth, scope })
    }
}
