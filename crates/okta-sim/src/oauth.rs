//! The org authorization server's client-credentials grant for service apps
//! (`/oauth2/v1/token` with a `private_key_jwt` client assertion), DPoP proofs and
//! nonces (RFC 9449), and verification of the access tokens it issues.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Millis;
use crate::error::OAuthError;
use crate::ids;
use crate::keys::{KeySet, sha256_b64url};
use crate::model::app::App;

/// Access-token lifetime: fixed at one hour by Okta.
pub const TOKEN_TTL_SECS: i64 = 3600;
const NONCE_TTL_MS: Millis = 24 * 3600 * 1000;
const PROOF_SKEW_SECS: i64 = 300;
const ASSERTION_ALGS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// Claims of the access tokens the simulator issues (Okta's shape): service apps'
/// client-credentials tokens, and users' tokens (with `uid` and `auth_time`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Version.
    pub ver: u8,
    /// Token id.
    pub jti: String,
    /// Issuer (the org URL).
    pub iss: String,
    /// Audience (the org URL).
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// Client id.
    pub cid: String,
    /// The Okta user id (users' tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Granted scopes.
    pub scp: Vec<String>,
    /// When the user authenticated (users' tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Subject: the client id for client credentials, the login for a user.
    pub sub: String,
    /// DPoP binding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// `cnf` claim of a DPoP-bound token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confirmation {
    /// JWK SHA-256 thumbprint of the DPoP key.
    pub jkt: String,
}

/// The form of a token request.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    /// Must be `client_credentials`.
    #[serde(default)]
    pub grant_type: String,
    /// Space-separated scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`.
    #[serde(default)]
    pub client_assertion_type: Option<String>,
    /// The signed assertion.
    #[serde(default)]
    pub client_assertion: Option<String>,
    /// Optional client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// A client secret (not allowed for Okta-scoped tokens).
    #[serde(default)]
    pub client_secret: Option<String>,
}

/// A successful token response.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// `Bearer` or `DPoP`.
    pub token_type: &'static str,
    /// Seconds to expiry.
    pub expires_in: i64,
    /// The JWT.
    pub access_token: String,
    /// Granted scopes.
    pub scope: String,
}

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Value>,
    exp: Option<i64>,
    iat: Option<i64>,
    jti: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ProofClaims {
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<i64>,
    jti: Option<String>,
    ath: Option<String>,
    nonce: Option<String>,
}

#[derive(Debug)]
struct Nonces {
    current: String,
    previous: Option<String>,
    issued: Millis,
}

/// The org authorization server.
#[derive(Debug)]
pub struct AuthServer {
    issuer: String,
    keys: Arc<KeySet>,
    used_jtis: Mutex<HashMap<String, Millis>>,
    nonces: Mutex<Option<Nonces>>,
}

impl AuthServer {
    /// An authorization server for `issuer` (the org URL) signing with `keys`.
    pub fn new(issuer: &str, keys: Arc<KeySet>) -> Self {
        Self {
            issuer: issuer.to_owned(),
            keys,
            used_jtis: Mutex::default(),
            nonces: Mutex::default(),
        }
    }

    /// The token endpoint URL (the exact `aud` of client assertions).
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/v1/token", self.issuer)
    }

    /// `/oauth2/v1/keys`.
    pub fn jwks(&self) -> Value {
        self.keys.jwks()
    }

    /// The org authorization server's signing keys (shared with the OIDC provider).
    pub fn keys(&self) -> &Arc<KeySet> {
        &self.keys
    }

    /// Handles a client-credentials token request.
    pub fn token(
        &self,
        app: Option<&App>,
        form: &TokenForm,
        dpop: Option<&str>,
        now: Millis,
    ) -> Result<TokenResponse, OAuthError> {
        if form.grant_type != "client_credentials" {
            return Err(OAuthError::bad_request(
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ));
        }
        let app = self.authenticate_client(app, form, now)?;
        let requires_dpop = app
            .oauth_setting("dpop_bound_access_tokens")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let jkt = match dpop {
            Some(proof) => Some(self.check_token_proof(proof, now)?),
            None if requires_dpop => {
                return Err(OAuthError::bad_request(
                    "invalid_dpop_proof",
                    "The DPoP proof JWT header is missing.",
                ));
            }
            None => None,
        };
        let requested = scopes(form.scope.as_deref());
        if requested.is_empty() {
            return Err(OAuthError::bad_request(
                "invalid_scope",
                "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
            ));
        }
        let denied: Vec<&str> = requested
            .iter()
            .filter(|s| !app.grants.contains(s))
            .map(String::as_str)
            .collect();
        if !denied.is_empty() {
            return Err(OAuthError::bad_request(
                "invalid_scope",
                format!(
                    "The following scopes are not allowed: {}",
                    denied.join(", ")
                ),
            ));
        }
        let iat = now.div_euclid(1000);
        let claims = AccessClaims {
            ver: 1,
            jti: format!("AT.{}", ids::random_string(&mut rand::rng(), "", 43)),
            iss: self.issuer.clone(),
            aud: self.issuer.clone(),
            iat,
            exp: iat + TOKEN_TTL_SECS,
            cid: app.id.clone(),
            uid: None,
            scp: requested.clone(),
            auth_time: None,
            sub: app.id.clone(),
            cnf: jkt.map(|jkt| Confirmation { jkt }),
        };
        let token = self
            .keys
            .sign(&claims)
            .map_err(|_| OAuthError::bad_request("server_error", "Token signing failed."))?;
        Ok(TokenResponse {
            token_type: if claims.cnf.is_some() {
                "DPoP"
            } else {
                "Bearer"
            },
            expires_in: TOKEN_TTL_SECS,
            access_token: token,
            scope: requested.join(" "),
        })
    }

    fn authenticate_client<'a>(
        &self,
        app: Option<&'a App>,
        form: &TokenForm,
        now: Millis,
    ) -> Result<&'a App, OAuthError> {
        if form.client_secret.is_some() {
            return Err(OAuthError::invalid_client(
                "Client Credentials requests with scopes for Okta APIs must use private_key_jwt client authentication.",
            ));
        }
        let assertion = match (&form.client_assertion_type, &form.client_assertion) {
            (Some(t), Some(a)) if t == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" => {
                a
            }
            (Some(_), Some(_)) => {
                return Err(OAuthError::invalid_client(
                    "The client_assertion_type is invalid.",
                ));
            }
            _ => {
                return Err(OAuthError::invalid_client(
                    "Client authentication failed. Either the client or the client credentials are invalid.",
                ));
            }
        };
        let app = app.ok_or_else(|| OAuthError::invalid_client("The client_id is invalid."))?;
        if form.client_id.as_deref().is_some_and(|c| c != app.id) {
            return Err(OAuthError::invalid_client(
                "The client_id does not match the client_assertion.",
            ));
        }
        self.verify_client_assertion(app, assertion, &self.token_url(), now)?;
        if !app.active {
            return Err(OAuthError::invalid_client("The client is not active."));
        }
        Ok(app)
    }

    /// Verifies a `private_key_jwt` client assertion of `app` against its registered
    /// keys: algorithm, signature, `iss` = `sub` = client id, `aud` = `audience` (the
    /// token endpoint it was sent to), `exp` at most an hour ahead, single-use `jti`.
    pub fn verify_client_assertion(
        &self,
        app: &App,
        assertion: &str,
        audience: &str,
        now: Millis,
    ) -> Result<(), OAuthError> {
        let header = jsonwebtoken::decode_header(assertion)
            .map_err(|_| OAuthError::invalid_client("The client_assertion token is invalid."))?;
        if !ASSERTION_ALGS.contains(&header.alg) {
            return Err(OAuthError::invalid_client(
                "The client_assertion token has an unsupported algorithm.",
            ));
        }
        let keys: Vec<&Value> = app
            .oauth_setting("jwks")
            .and_then(|j| j.get("keys"))
            .and_then(Value::as_array)
            .map(|k| k.iter().collect())
            .unwrap_or_default();
        let key = match &header.kid {
            Some(kid) => keys
                .iter()
                .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid)),
            None if keys.len() == 1 => keys.first(),
            None => None,
        }
        .ok_or_else(|| {
            OAuthError::invalid_client(
                "The client_assertion token has a kid which does not identify a registered key.",
            )
        })?;
        let jwk: Jwk = serde_json::from_value((*key).clone())
            .map_err(|_| OAuthError::invalid_client("The registered key is invalid."))?;
        let decoding = DecodingKey::from_jwk(&jwk)
            .map_err(|_| OAuthError::invalid_client("The registered key is invalid."))?;
        let claims: AssertionClaims =
            jsonwebtoken::decode(assertion, &decoding, &lenient(header.alg))
                .map_err(|_| {
                    OAuthError::invalid_client("The client_assertion signature is invalid.")
                })?
                .claims;
        let id = app.id.as_str();
        if claims.iss.as_deref() != Some(id) || claims.sub.as_deref() != Some(id) {
            return Err(OAuthError::invalid_client(
                "The client_assertion token's iss and sub must both equal the client_id.",
            ));
        }
        let aud_ok = match &claims.aud {
            Some(Value::String(a)) => a == audience,
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(audience)),
            _ => false,
        };
        if !aud_ok {
            return Err(OAuthError::invalid_client(format!(
                "The audience [aud] claim in the JWT token is invalid; it must be '{audience}'."
            )));
        }
        let now_s = now.div_euclid(1000);
        let exp = claims.exp.ok_or_else(|| {
            OAuthError::invalid_client("The client_assertion token must have an exp claim.")
        })?;
        if exp <= now_s {
            return Err(OAuthError::invalid_client(
                "The client_assertion token is expired.",
            ));
        }
        if exp > now_s + 3600 + 60 {
            return Err(OAuthError::invalid_client(
                "The client_assertion token has an expiration too far in the future.",
            ));
        }
        if claims.iat.is_some_and(|iat| iat > now_s + 60) {
            return Err(OAuthError::invalid_client(
                "The client_assertion token was issued in the future.",
            ));
        }
        if let Some(jti) = &claims.jti
            && !self.use_jti(&format!("assertion:{id}:{jti}"), exp * 1000, now)
        {
            return Err(OAuthError::invalid_client(
                "The client_assertion token has already been used.",
            ));
        }
        Ok(())
    }

    /// Checks the DPoP proof of a token request, including Okta's nonce round trip;
    /// returns the key thumbprint to bind the token to.
    fn check_token_proof(&self, proof: &str, now: Millis) -> Result<String, OAuthError> {
        let bad = |d: &str| OAuthError::bad_request("invalid_dpop_proof", d.to_owned());
        let (claims, jkt) =
            verify_proof(proof, "POST", &self.token_url(), now).map_err(|e| bad(&e))?;
        let nonce_ok = claims
            .nonce
            .as_deref()
            .is_some_and(|n| self.nonce_valid(n, now));
        if !nonce_ok {
            let mut err = OAuthError::bad_request(
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof.",
            );
            err.dpop_nonce = Some(self.current_nonce(now));
            return Err(err);
        }
        if let Some(jti) = &claims.jti
            && !self.use_jti(
                &format!("dpop:{jti}"),
                now + 2 * PROOF_SKEW_SECS * 1000,
                now,
            )
        {
            return Err(bad("The DPoP proof has already been used."));
        }
        Ok(jkt)
    }

    /// Verifies an access token presented to the Management API. `dpop` is the proof
    /// header when the scheme was `DPoP`; `url` is the request URL without query.
    pub fn verify_access(
        &self,
        token: &str,
        scheme_dpop: bool,
        dpop: Option<&str>,
        method: &str,
        url: &str,
        now: Millis,
    ) -> Result<AccessClaims, AccessError> {
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.set_audience(&[&self.issuer]);
        v.set_issuer(&[&self.issuer]);
        let kid = jsonwebtoken::decode_header(token)
            .map_err(|_| AccessError::InvalidToken("The access token is invalid."))?
            .kid;
        let key = self
            .keys
            .find(kid.as_deref())
            .ok_or(AccessError::InvalidToken("The access token is invalid."))?;
        let claims: AccessClaims = jsonwebtoken::decode(token, key.decoding(), &v)
            .map_err(|_| AccessError::InvalidToken("The access token is invalid."))?
            .claims;
        if claims.exp <= now.div_euclid(1000) {
            return Err(AccessError::InvalidToken("The access token is expired."));
        }
        match (&claims.cnf, scheme_dpop) {
            (None, false) => Ok(claims),
            (None, true) => Err(AccessError::InvalidDpop(
                "The access token is not DPoP-bound.",
            )),
            (Some(_), false) => Err(AccessError::InvalidToken(
                "The DPoP-bound access token must be sent with the DPoP scheme.",
            )),
            (Some(cnf), true) => {
                let proof = dpop.ok_or(AccessError::InvalidDpop(
                    "The DPoP proof JWT header is missing.",
                ))?;
                let (pc, jkt) = verify_proof(proof, method, url, now)
                    .map_err(|_| AccessError::InvalidDpop("The DPoP proof is invalid."))?;
                if jkt != cnf.jkt {
                    return Err(AccessError::InvalidDpop(
                        "The DPoP proof key does not match the access token binding.",
                    ));
                }
                if pc.ath.as_deref() != Some(sha256_b64url(token).as_str()) {
                    return Err(AccessError::InvalidDpop(
                        "The DPoP proof 'ath' does not match the access token.",
                    ));
                }
                if let Some(jti) = &pc.jti
                    && !self.use_jti(
                        &format!("dpop:{jti}"),
                        now + 2 * PROOF_SKEW_SECS * 1000,
                        now,
                    )
                {
                    return Err(AccessError::InvalidDpop(
                        "The DPoP proof has already been used.",
                    ));
                }
                Ok(claims)
            }
        }
    }

    fn use_jti(&self, key: &str, expires: Millis, now: Millis) -> bool {
        let mut used = self
            .used_jtis
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        used.retain(|_, exp| *exp > now);
        used.insert(key.to_owned(), expires).is_none()
    }

    fn current_nonce(&self, now: Millis) -> String {
        let mut n = self
            .nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match n.as_mut() {
            Some(state) if now - state.issued < NONCE_TTL_MS => state.current.clone(),
            _ => {
                let fresh = ids::random_string(&mut rand::rng(), "", 32);
                let previous = n.as_ref().map(|s| s.current.clone());
                *n = Some(Nonces {
                    current: fresh.clone(),
                    previous,
                    issued: now,
                });
                fresh
            }
        }
    }

    fn nonce_valid(&self, nonce: &str, now: Millis) -> bool {
        let n = self
            .nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        n.as_ref().is_some_and(|s| {
            (s.current == nonce || s.previous.as_deref() == Some(nonce))
                && now - s.issued < 3 * NONCE_TTL_MS
        })
    }
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessError {
    /// Bad signature, expired, wrong scheme.
    InvalidToken(&'static str),
    /// A DPoP proof problem.
    InvalidDpop(&'static str),
}

fn lenient(alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims = HashSet::new();
    v
}

/// Verifies a DPoP proof's signature (with its embedded JWK), `typ`, `htm`, `htu`
/// and `iat`; returns its claims and the key's JWK thumbprint.
fn verify_proof(
    proof: &str,
    method: &str,
    url: &str,
    now: Millis,
) -> Result<(ProofClaims, String), String> {
    let header = jsonwebtoken::decode_header(proof)
        .map_err(|_| "The DPoP proof JWT is malformed.".to_owned())?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err("The DPoP proof JWT typ header must be 'dpop+jwt'.".to_owned());
    }
    let jwk = header
        .jwk
        .ok_or("The DPoP proof JWT header is missing the jwk.")?;
    let key =
        DecodingKey::from_jwk(&jwk).map_err(|_| "The DPoP proof jwk is invalid.".to_owned())?;
    let claims: ProofClaims = jsonwebtoken::decode(proof, &key, &lenient(header.alg))
        .map_err(|_| "The DPoP proof signature is invalid.".to_owned())?
        .claims;
    if !claims
        .htm
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case(method))
    {
        return Err("The DPoP proof 'htm' does not match the request method.".to_owned());
    }
    let htu = claims.htu.as_deref().unwrap_or_default();
    let htu = htu.split(['?', '#']).next().unwrap_or_default();
    if htu != url {
        return Err("The DPoP proof 'htu' does not match the request URL.".to_owned());
    }
    let now_s = now.div_euclid(1000);
    if claims
        .iat
        .is_none_or(|iat| (iat - now_s).abs() > PROOF_SKEW_SECS)
    {
        return Err("The DPoP proof 'iat' is outside the allowed window.".to_owned());
    }
    if claims.jti.is_none() {
        return Err("The DPoP proof is missing 'jti'.".to_owned());
    }
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| "The DPoP proof jwk is invalid.".to_owned())?;
    Ok((claims, jkt))
}

/// The scopes of a space-separated `scope` parameter.
pub fn scopes(scope: Option<&str>) -> Vec<String> {
    scope
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The unverified `iss` of a client assertion, used only to find which client's
/// registered keys to verify it with.
pub fn assertion_issuer(assertion: Option<&str>) -> Option<String> {
    unverified_claim(assertion?, "iss")
}

/// A string claim of a JWT read without verification, only to route a request
/// (which client's keys to try, which app a logout hint names).
pub fn unverified_claim(jwt: &str, claim: &str) -> Option<String> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.get(claim)?.as_str().map(str::to_owned)
}
