//! SCIM client authentication: `Authorization: Bearer <token>` or, as Okta's "HTTP Header"
//! mode sends it, the bare `Authorization: <token>`. Verified tokens are cached by their
//! SHA-256 so the hot path does not query the database; the admin API calls
//! [`ScimTokenCache::forget_directory`] when it rotates credentials, changes settings or
//! deletes a directory. With several replicas, another replica's cache may accept a rotated
//! token for at most [`CACHE_TTL`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use store::{DirectoryId, DirectoryScope, Store, StoreError};

use super::response::ScimError;
use crate::http::REQUEST_ID_HEADER;
use crate::state::AppState;

/// How long a verified token is trusted without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
/// Entries kept at most; the cache is emptied when full (tokens are few in practice).
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    scope: Arc<DirectoryScope>,
    fresh_until: Instant,
}

/// Verified SCIM tokens by SHA-256.
#[derive(Default)]
pub struct ScimTokenCache {
    entries: RwLock<HashMap<Vec<u8>, Entry>>,
}

impl std::fmt::Debug for ScimTokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScimTokenCache")
    }
}

impl ScimTokenCache {
    /// The directory `token` reaches, from the cache or the store.
    pub async fn verify(
        &self,
        store: &Store,
        token: &str,
    ) -> Result<Option<Arc<DirectoryScope>>, StoreError> {
        let key = store::secret_hash(token);
        let now = Instant::now();
        {
            let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
            if let Some(entry) = entries.get(&key)
                && entry.fresh_until > now
            {
                return Ok(Some(entry.scope.clone()));
            }
        }
        let Some(verified) = store.verify_scim_token(token).await? else {
            return Ok(None);
        };
        let mut ttl = CACHE_TTL;
        if let Some(expires) = verified.expires_at_ms {
            let left = expires.saturating_sub(now_ms());
            ttl = ttl.min(Duration::from_millis(u64::try_from(left).unwrap_or(0)));
        }
        let scope = Arc::new(verified.scope);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                scope: scope.clone(),
                fresh_until: now + ttl,
            },
        );
        Ok(Some(scope))
    }

    /// Drops every cached token of `directory` (after rotation, settings changes, deletion).
    pub fn forget_directory(&self, directory: &DirectoryId) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, entry| entry.scope.directory_id() != directory);
    }
}

fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// An authenticated SCIM client of the directory in the path.
#[derive(Clone, Debug)]
pub struct ScimAuth {
    /// The directory, as the client may act on it.
    pub scope: Arc<DirectoryScope>,
    /// The directory's SCIM base URL (`{public_url}/scim/v2/{dir}`), for `meta.location`.
    pub base_url: String,
    /// The request id, for audit entries.
    pub request_id: Option<String>,
}

impl ScimAuth {
    /// The audit actor.
    pub fn actor(&self) -> store::Actor {
        self.scope.scim_actor(self.request_id.clone())
    }
}

/// The token in an `Authorization` value: `Bearer <token>` (scheme in any case) or a bare
/// token. Another scheme (`Basic …`) is refused.
pub fn presented_token(value: &str) -> Option<&str> {
    let value = value.trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return None,
        // A scheme without its token.
        None if value.eq_ignore_ascii_case("bearer") => return None,
        None => value,
    };
    (!token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for ScimAuth {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        // Inside the `/scim/v2` nest the path starts at `/{dir}/…`.
        let path = parts.uri.path();
        let dir = path
            .strip_prefix("/scim/v2/")
            .unwrap_or_else(|| path.trim_start_matches('/'))
            .split('/')
            .next()
            .unwrap_or_default();
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ScimError(scim::Error::unauthorized(
                "send the directory's token as Authorization: Bearer <token>",
            ))
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(presented_token)
            .ok_or_else(|| {
                ScimError(scim::Error::unauthorized(
                    "the Authorization header must be Bearer <token> or the bare token",
                ))
            })?;
        let scope = state
            .scim
            .tokens
            .verify(&state.store, token)
            .await
            .map_err(ScimError::from)?
            .ok_or_else(|| {
                ScimError(scim::Error::unauthorized(
                    "the token is invalid, expired or was rotated; copy the current token \
                     from Gatehouse into the provisioning settings",
                ))
            })?;
        // Okta refuses `_` in SCIM base URLs, so the URL carries the id's url_form; the full
        // id is accepted too.
        if DirectoryId::parse_url_form(dir).as_ref() != Some(scope.directory_id()) {
            return Err(ScimError(scim::Error::unauthorized(
                "this token belongs to another directory; check the SCIM base URL",
            )));
        }
        let request_id = parts
            .headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Self {
            base_url: format!("{}/scim/v2/{dir}", state.public_url),
            scope,
            request_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::presented_token;

    #[test]
    fn bearer_and_bare_tokens_are_accepted() {
        assert_eq!(presented_token("Bearer ghs_abc"), Some("ghs_abc"));
        assert_eq!(presented_token("bearer  ghs_abc "), Some("ghs_abc"));
        assert_eq!(presented_token("ghs_abc"), Some("ghs_abc"));
        assert_eq!(presented_token("Basic dXNlcjpwYXNz"), None);
        assert_eq!(presented_token("Bearer "), None);
        assert_eq!(presented_token(""), None);
    }
}
