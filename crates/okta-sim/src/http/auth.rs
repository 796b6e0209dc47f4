//! Who is calling: the [`Principal`] extractor resolves `SSWS`, `Bearer` and `DPoP`
//! credentials, and its `read`/`write` checks answer Okta's 401/403 errors.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, USER_AGENT, WWW_AUTHENTICATE};
use axum::http::request::Parts;

use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::model::log::Actor;
use crate::model::user::UserStatus;
use crate::oauth::AccessError;
use crate::org::{Ctx, Role};

/// SSWS tokens expire after 30 days without use.
const TOKEN_WINDOW_MS: i64 = 30 * 86_400_000;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Admin role (of the token's user, or assigned to the OAuth app).
    pub role: Role,
    /// Granted scopes for OAuth callers; `None` for SSWS (roles only).
    pub scopes: Option<Vec<String>>,
    /// The System Log actor.
    pub actor: Actor,
    /// The user behind an SSWS token (for `/users/me`).
    pub user_id: Option<String>,
    base: String,
    path: String,
}

impl Principal {
    /// Allows a read needing `scope` (`*.manage` implies `*.read`).
    pub fn read(&self, scope: &'static str) -> ApiResult<()> {
        if let Some(scopes) = &self.scopes {
            let manage = scope.replace(".read", ".manage");
            if !scopes.iter().any(|s| s == scope || *s == manage) {
                return Err(self.insufficient_scope(scope));
            }
        }
        if self.role == Role::None {
            return Err(ApiError::access_denied());
        }
        Ok(())
    }

    /// Allows a write needing `scope` and a role that may write.
    pub fn write(&self, scope: &'static str) -> ApiResult<()> {
        if let Some(scopes) = &self.scopes
            && !scopes.iter().any(|s| s == scope)
        {
            return Err(self.insufficient_scope(scope));
        }
        if self.role != Role::SuperAdmin {
            return Err(ApiError::access_denied());
        }
        Ok(())
    }

    /// A mutation context at `now`.
    pub fn ctx(&self, now: i64) -> Ctx {
        Ctx {
            actor: self.actor.clone(),
            now,
        }
    }

    fn insufficient_scope(&self, scope: &str) -> ApiError {
        let header = format!(
            "Bearer authorization_uri=\"{b}/oauth2/v1/authorize\", realm=\"{b}\", scope=\"{scope}\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", resource=\"{p}\"",
            b = self.base,
            p = self.path
        );
        ApiError::access_denied().with_header(WWW_AUTHENTICATE, &header)
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        sim: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let path = parts.uri.path().to_owned();
        let request_uri = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let (scheme, token) = split_scheme(&auth);
        let now = sim.clock.now();
        let base = sim.base_url.clone();
        if token.is_empty() {
            return Err(ApiError::invalid_session());
        }
        match scheme {
            "SSWS" => {
                let org = sim.read();
                let Some(t) = org.tokens.get(token).cloned() else {
                    return Err(ApiError::invalid_token());
                };
                if now - t.last_used > TOKEN_WINDOW_MS {
                    return Err(ApiError::invalid_token());
                }
                let Some(user) = org.user(&t.user_id) else {
                    return Err(ApiError::invalid_token());
                };
                if user.status == UserStatus::Deprovisioned {
                    return Err(ApiError::invalid_token());
                }
                let actor = Actor {
                    id: user.id.clone(),
                    kind: "User",
                    alternate_id: user.login().to_owned(),
                    display_name: user.display_name(),
                    token_id: Some(t.id.clone()),
                    request_uri,
                    user_agent,
                };
                drop(org);
                // Slide the expiry window; minute granularity keeps reads off the
                // write lock.
                if now - t.last_used > 60_000
                    && let Some(stored) = sim.write().tokens.get_mut(token)
                {
                    stored.last_used = now;
                }
                Ok(Self {
                    role: t.role,
                    scopes: None,
                    actor,
                    user_id: Some(t.user_id),
                    base,
                    path,
                })
            }
            "Bearer" | "DPoP" => {
                let dpop = parts.headers.get("dpop").and_then(|v| v.to_str().ok());
                let url = format!("{base}{path}");
                let claims = sim
                    .auth
                    .verify_access(
                        token,
                        scheme == "DPoP",
                        dpop,
                        parts.method.as_str(),
                        &url,
                        now,
                    )
                    .map_err(|e| bearer_error(&base, e))?;
                let org = sim.read();
                let app = org
                    .apps
                    .get(&claims.cid)
                    .filter(|a| a.active)
                    .ok_or_else(|| {
                        bearer_error(
                            &base,
                            AccessError::InvalidToken("The client is no longer active."),
                        )
                    })?;
                let role = app
                    .roles
                    .iter()
                    .filter_map(|r| Role::parse(r))
                    .next()
                    .unwrap_or(Role::None);
                let actor = Actor {
                    id: app.id.clone(),
                    kind: "PublicClientApp",
                    alternate_id: app.id.clone(),
                    display_name: app.label.clone(),
                    token_id: None,
                    request_uri,
                    user_agent,
                };
                Ok(Self {
                    role,
                    scopes: Some(claims.scp),
                    actor,
                    user_id: None,
                    base,
                    path,
                })
            }
            _ => Err(ApiError::invalid_session()),
        }
    }
}

/// Splits `Authorization` into scheme and credential. Okta accepts the SSWS scheme
/// with or without the space (the generated Python SDK 3.x sends `SSWS<token>`).
fn split_scheme(header: &str) -> (&str, &str) {
    for scheme in ["SSWS", "Bearer", "DPoP"] {
        if let Some(rest) = header.strip_prefix(scheme)
            && (scheme == "SSWS" || rest.starts_with(' '))
        {
            return (scheme, rest.trim());
        }
    }
    ("", "")
}

fn bearer_error(base: &str, e: AccessError) -> ApiError {
    let header = match e {
        AccessError::InvalidToken(d) => format!(
            "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", error=\"invalid_token\", error_description=\"{d}\""
        ),
        AccessError::InvalidDpop(d) => {
            format!(
                "DPoP algs=\"RS256 RS384 RS512 ES256 ES384 ES512\", error=\"invalid_dpop_proof\", error_description=\"{d}\""
            )
        }
    };
    ApiError::invalid_token().with_header(WWW_AUTHENTICATE, &header)
}
