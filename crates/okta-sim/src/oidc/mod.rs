//! Okta as OpenID Connect provider: the org authorization server (issuer = the org
//! URL, `/oauth2/v1/…`) and the custom authorization server `default`
//! (`/oauth2/default/v1/…`), each with its own rotating signing keys.
//!
//! - [`authorize`]: the authorization endpoint (code flow, PKCE S256, nonce, state).
//! - [`token`]: the token endpoint for `authorization_code` and `refresh_token`
//!   (`client_credentials` for service apps stays in [`crate::oauth`]), with
//!   `client_secret_basic`, `client_secret_post`, `private_key_jwt` and `none`.
//! - [`claims`]: ID-token, access-token and userinfo claims as Okta shapes them.
//!
//! Authorization codes live 300 s and work once; access and ID tokens live one hour.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::SimError;
use crate::clock::Millis;
use crate::keys::{KeySet, RsaKey};
use crate::sim::Sim;

pub mod authorize;
pub mod claims;
pub mod token;
pub mod userinfo;

/// Authorization-code lifetime: 300 s.
pub const CODE_TTL_MS: Millis = 300_000;
/// Access and ID token lifetime: one hour.
pub const TOKEN_TTL_SECS: i64 = 3600;
/// Scopes the authorization servers know (custom scopes are not simulated).
pub const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
    "groups",
];

/// Which authorization server a request is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Server {
    /// The org authorization server (issuer = the org URL).
    Org,
    /// A custom authorization server (`default` is the only one the simulator has).
    Custom(String),
}

impl Server {
    /// Parses the `{authServerId}` of `/oauth2/{id}/…`; only `default` exists.
    pub fn custom(id: &str) -> Option<Self> {
        (id == "default").then(|| Self::Custom(id.to_owned()))
    }

    /// The key-set name (`org` or the custom server's id).
    pub fn name(&self) -> &str {
        match self {
            Self::Org => crate::sim::ORG_SERVER,
            Self::Custom(id) => id,
        }
    }

    /// The issuer: the org URL, or `{org}/oauth2/{id}`.
    pub fn issuer(&self, base: &str) -> String {
        match self {
            Self::Org => base.to_owned(),
            Self::Custom(id) => format!("{base}/oauth2/{id}"),
        }
    }

    /// Where the endpoints live: `{org}/oauth2/v1` or `{org}/oauth2/{id}/v1`.
    pub fn endpoint(&self, base: &str, name: &str) -> String {
        match self {
            Self::Org => format!("{base}/oauth2/v1/{name}"),
            Self::Custom(id) => format!("{base}/oauth2/{id}/v1/{name}"),
        }
    }

    /// The `aud` of the access tokens it issues: the org URL for the org server,
    /// `api://default` for the default custom server.
    pub fn access_audience(&self, base: &str) -> String {
        match self {
            Self::Org => base.to_owned(),
            Self::Custom(id) => format!("api://{id}"),
        }
    }

    /// The System Log event-type prefix (`app.oauth2` or `app.oauth2.as`).
    pub fn event_prefix(&self) -> &'static str {
        match self {
            Self::Org => "app.oauth2",
            Self::Custom(_) => "app.oauth2.as",
        }
    }

    /// The discovery document (`openid-configuration`).
    pub fn discovery(&self, base: &str) -> Value {
        let e = |name: &str| self.endpoint(base, name);
        json!({
            "issuer": self.issuer(base),
            "authorization_endpoint": e("authorize"),
            "token_endpoint": e("token"),
            "userinfo_endpoint": e("userinfo"),
            "registration_endpoint": format!("{base}/oauth2/v1/clients"),
            "jwks_uri": e("keys"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": SCOPES,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"],
            "claims_supported": ["iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "zoneinfo", "locale", "updated_at", "email", "email_verified", "address", "phone_number", "groups", "at_hash"],
            "code_challenge_methods_supported": ["S256"],
            "introspection_endpoint": e("introspect"),
            "revocation_endpoint": e("revoke"),
            "end_session_endpoint": e("logout"),
            "request_parameter_supported": true,
            "request_object_signing_alg_values_supported": ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"],
            "dpop_signing_alg_values_supported": ["RS256", "ES256"],
        })
    }
}

/// What an authorization code (or refresh token) stands for.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The server that issued it.
    pub server: Server,
    /// The client it was issued to.
    pub client_id: String,
    /// The signed-in user.
    pub user_id: String,
    /// The `redirect_uri` of the authorization request.
    pub redirect_uri: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The request's `nonce`.
    pub nonce: Option<String>,
    /// The S256 `code_challenge`.
    pub code_challenge: Option<String>,
    /// When the user authenticated.
    pub auth_time: Millis,
    /// When the code or refresh token stops working.
    pub expires: Millis,
}

/// Authorization codes, refresh tokens and the custom servers' keys.
#[derive(Debug, Default)]
pub struct Provider {
    codes: Mutex<HashMap<String, Grant>>,
    refresh_tokens: Mutex<HashMap<String, Grant>>,
    custom_keys: Mutex<BTreeMap<String, Arc<KeySet>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Provider {
    /// Stores a code for a grant.
    pub fn add_code(&self, code: &str, grant: Grant, now: Millis) {
        let mut codes = lock(&self.codes);
        codes.retain(|_, g| g.expires > now);
        codes.insert(code.to_owned(), grant);
    }

    /// Redeems a code: it works once and only until it expires.
    pub fn take_code(&self, code: &str, now: Millis) -> Option<Grant> {
        lock(&self.codes).remove(code).filter(|g| g.expires > now)
    }

    /// Stores a refresh token.
    pub fn add_refresh_token(&self, token: &str, grant: Grant) {
        lock(&self.refresh_tokens).insert(token.to_owned(), grant);
    }

    /// Redeems a refresh token (rotated on every use).
    pub fn take_refresh_token(&self, token: &str, now: Millis) -> Option<Grant> {
        lock(&self.refresh_tokens)
            .remove(token)
            .filter(|g| g.expires > now)
    }
}

impl Sim {
    /// The signing keys of an authorization server; a custom server's first key is
    /// generated (and stored in the org for snapshots) on first use.
    pub async fn key_set(&self, server: &Server) -> Result<Arc<KeySet>, SimError> {
        let Server::Custom(id) = server else {
            return Ok(self.auth.keys().clone());
        };
        if let Some(k) = lock(&self.oidc.custom_keys).get(id) {
            return Ok(k.clone());
        }
        let stored = {
            let org = self.read();
            org.key_sets.get(id).map(|kids| {
                kids.iter()
                    .filter_map(|kid| {
                        let pem = org.private_keys.get(kid)?;
                        RsaKey::from_pem(pem, kid).ok()
                    })
                    .collect::<Vec<_>>()
            })
        };
        let keys = match stored.filter(|k| !k.is_empty()) {
            Some(keys) => keys,
            None => {
                let key = generate_key().await?;
                self.remember_keys(id, Some(&key), vec![key.kid().to_owned()]);
                vec![key]
            }
        };
        let set = Arc::new(KeySet::new(keys)?);
        Ok(lock(&self.oidc.custom_keys)
            .entry(id.clone())
            .or_insert(set)
            .clone())
    }

    /// Rotates an authorization server's signing key: a new key signs from now on,
    /// the old ones stay in the JWKS until retired. Returns the new `kid`.
    pub async fn rotate_keys(&self, server: &Server) -> Result<String, SimError> {
        let set = self.key_set(server).await?;
        let key = generate_key().await?;
        let kid = key.kid().to_owned();
        set.rotate(key.clone())?;
        self.remember_keys(server.name(), Some(&key), set.kids());
        let ctx = self.system_ctx();
        let target = crate::model::log::target(
            server.name(),
            "AuthorizationServer",
            server.name(),
            server.name(),
        );
        self.write()
            .log_event(&ctx, "app.oauth2.as.key.rollover", vec![target]);
        Ok(kid)
    }

    /// Stops publishing a key that no longer signs.
    pub async fn retire_key(&self, server: &Server, kid: &str) -> Result<bool, SimError> {
        let set = self.key_set(server).await?;
        if !set.retire(kid) {
            return Ok(false);
        }
        self.remember_keys(server.name(), None, set.kids());
        self.write().private_keys.remove(kid);
        Ok(true)
    }

    /// Records a server's keys in the org so a snapshot restores them.
    fn remember_keys(&self, server: &str, new_key: Option<&RsaKey>, kids: Vec<String>) {
        let mut org = self.write();
        if let Some(key) = new_key {
            org.private_keys
                .insert(key.kid().to_owned(), key.private_pem.clone());
        }
        org.key_sets.insert(server.to_owned(), kids);
    }
}

async fn generate_key() -> Result<RsaKey, SimError> {
    let kid = crate::ids::random_string(&mut rand::rng(), "", 43);
    tokio::task::spawn_blocking(move || RsaKey::generate(&kid))
        .await
        .map_err(|_| SimError::Crypto("key generation task failed"))?
}
