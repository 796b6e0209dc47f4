//! `/oauth2/v1/userinfo`: the claims of the user behind an access token, by scope.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::Server;
use super::claims::user_claims;
use crate::idp::can_sign_in;
use crate::oauth::AccessClaims;
use crate::sim::Sim;

/// Why userinfo refused the token: `401 invalid_token` or `403 insufficient_scope`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserinfoError {
    /// Bad signature, wrong issuer or audience, expired, or the user is gone.
    InvalidToken(&'static str),
    /// The token lacks the `openid` scope.
    InsufficientScope,
}

/// The userinfo claims for a bearer access token issued by `server`.
pub async fn userinfo(
    sim: &Sim,
    server: &Server,
    token: &str,
) -> Result<Map<String, Value>, UserinfoError> {
    let invalid = UserinfoError::InvalidToken("The access token is invalid.");
    let keys = sim.key_set(server).await.map_err(|_| invalid.clone())?;
    let kid = jsonwebtoken::decode_header(token)
        .map_err(|_| invalid.clone())?
        .kid;
    let key = keys.find(kid.as_deref()).ok_or_else(|| invalid.clone())?;
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.set_issuer(&[server.issuer(&sim.base_url)]);
    v.set_audience(&[server.access_audience(&sim.base_url)]);
    let claims: AccessClaims = jsonwebtoken::decode(token, key.decoding(), &v)
        .map_err(|_| invalid.clone())?
        .claims;
    if claims.exp <= sim.clock.now().div_euclid(1000) {
        return Err(UserinfoError::InvalidToken("The access token is expired."));
    }
    if !claims.scp.iter().any(|s| s == "openid") {
        return Err(UserinfoError::InsufficientScope);
    }
    let uid = claims.uid.as_deref().ok_or_else(|| invalid.clone())?;
    let org = sim.read();
    if !org.user(uid).is_some_and(|u| can_sign_in(u.status)) {
        return Err(invalid);
    }
    let app = org.apps.get(&claims.cid).ok_or_else(|| invalid.clone())?;
    user_claims(&org, app, uid, &claims.scp).map_err(|_| invalid)
}
