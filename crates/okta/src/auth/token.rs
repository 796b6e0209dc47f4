//! Access-token caching state for a service app.

use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::{DEFAULT_SCOPES, DpopMode, ServiceApp};
use crate::secret::Secret;

/// How an access token is presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: DPoP <token>` plus a `DPoP` proof header.
    Dpop,
}

/// An access token from the org authorization server.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub(crate) value: Secret,
    /// Bearer or DPoP-bound.
    pub kind: TokenKind,
    /// When Okta stops accepting it.
    pub expires_at: OffsetDateTime,
    /// The scopes granted (the response's `scope`).
    pub scopes: Vec<String>,
}

impl AccessToken {
    /// True when the token should be replaced before use: within five minutes of expiry
    /// (or the last quarter of a shorter lifetime).
    pub fn needs_refresh(&self, now: OffsetDateTime, lifetime: Duration) -> bool {
        let margin = (lifetime / 4i32).min(Duration::minutes(5));
        now + margin >= self.expires_at
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: String,
    expires_in: Option<i64>,
    scope: Option<String>,
}

/// Parses a 200 from the token endpoint.
pub(crate) fn parse_token_response(
    body: &[u8],
    now: OffsetDateTime,
) -> Result<(AccessToken, Duration), String> {
    let r: TokenResponse = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let kind = if r.token_type.eq_ignore_ascii_case("dpop") {
        TokenKind::Dpop
    } else if r.token_type.eq_ignore_ascii_case("bearer") {
        TokenKind::Bearer
    } else {
        return Err(format!("unknown token_type \"{}\"", r.token_type));
    };
    // Okta's lifetime is fixed at one hour; trust the response when present.
    let lifetime = Duration::seconds(r.expires_in.unwrap_or(3600).max(1));
    let scopes = r
        .scope
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    Ok((
        AccessToken {
            value: Secret::new(r.access_token),
            kind,
            expires_at: now + lifetime,
            scopes,
        },
        lifetime,
    ))
}

/// Mutable auth state of a service-app client: the cached token and what was learned
/// about DPoP and scopes.
#[derive(Debug)]
pub(crate) struct TokenState {
    pub(crate) cached: Option<(AccessToken, Duration)>,
    pub(crate) use_dpop: bool,
    pub(crate) scopes: Vec<String>,
    pub(crate) scopes_defaulted: bool,
}

impl TokenState {
    pub(crate) fn new(app: &ServiceApp) -> TokenState {
        let (scopes, defaulted) = match &app.scopes {
            Some(s) if !s.is_empty() => (s.clone(), false),
            _ => (
                DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
                true,
            ),
        };
        TokenState {
            cached: None,
            use_dpop: app.dpop == DpopMode::Always,
            scopes,
            scopes_defaulted: defaulted,
        }
    }

    /// The cached token if it is still good at `now`.
    pub(crate) fn valid_token(&self, now: OffsetDateTime) -> Option<AccessToken> {
        self.cached
            .as_ref()
            .filter(|(t, lifetime)| !t.needs_refresh(now, *lifetime))
            .map(|(t, _)| t.clone())
    }
}
