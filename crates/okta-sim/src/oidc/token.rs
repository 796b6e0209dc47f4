//! The token endpoint for users' grants: `authorization_code` (with PKCE) and
//! `refresh_token`, client authentication by `client_secret_basic`,
//! `client_secret_post`, `private_key_jwt` or `none`, and Okta's OAuth errors.
//! `client_credentials` on the org server is the service-app grant of
//! [`crate::oauth::AuthServer::token`].

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::claims::user_claims;
use super::{Grant, Server, TOKEN_TTL_SECS};
use crate::error::OAuthError;
use crate::ids;
use crate::keys::{b64url, sha256_b64url};
use crate::model::app::App;
use crate::model::log::Actor;
use crate::oauth::{AccessClaims, TokenForm};
use crate::org::Ctx;
use crate::sim::Sim;

/// Refresh tokens live as long as Okta's default refresh token lifetime: 90 days.
const REFRESH_TTL_MS: i64 = 90 * 86_400_000;
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The token request form.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct TokenRequest {
    /// `authorization_code`, `refresh_token` or `client_credentials`.
    #[serde(default)]
    pub grant_type: String,
    /// The authorization code.
    pub code: Option<String>,
    /// Must equal the authorization request's.
    pub redirect_uri: Option<String>,
    /// The PKCE verifier.
    pub code_verifier: Option<String>,
    /// For `refresh_token`.
    pub refresh_token: Option<String>,
    /// Requested scopes (`client_credentials`, narrowing a refresh).
    pub scope: Option<String>,
    /// `client_secret_post` or `none`.
    pub client_id: Option<String>,
    /// `client_secret_post`.
    pub client_secret: Option<String>,
    /// `private_key_jwt`.
    pub client_assertion_type: Option<String>,
    /// `private_key_jwt`.
    pub client_assertion: Option<String>,
}

/// How the client authenticated.
enum ClientAuth<'a> {
    Basic(&'a str, &'a str),
    Post(&'a str, &'a str),
    Jwt(&'a str),
    None(&'a str),
}

/// Handles a token request to `server`; `basic` is the decoded `Authorization: Basic`.
pub async fn token(
    sim: &Sim,
    server: &Server,
    req: &TokenRequest,
    basic: Option<(String, String)>,
    dpop: Option<&str>,
) -> Result<Value, OAuthError> {
    let now = sim.clock.now();
    if req.grant_type == "client_credentials" && *server == Server::Org {
        let form = TokenForm {
            grant_type: req.grant_type.clone(),
            scope: req.scope.clone(),
            client_assertion_type: req.client_assertion_type.clone(),
            client_assertion: req.client_assertion.clone(),
            client_id: req.client_id.clone(),
            client_secret: req.client_secret.clone(),
        };
        let client_id = form
            .client_id
            .clone()
            .or_else(|| crate::oauth::assertion_issuer(form.client_assertion.as_deref()));
        let org = sim.read();
        let app = client_id.as_deref().and_then(|id| org.apps.get(id));
        let response = sim.auth.token(app, &form, dpop, now)?;
        return serde_json::to_value(response)
            .map_err(|_| OAuthError::bad_request("server_error", "Token serialisation failed."));
    }
    if !matches!(
        req.grant_type.as_str(),
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return Err(OAuthError::bad_request(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        ));
    }
    let auth = client_auth(req, basic.as_ref())?;
    let keys = sim
        .key_set(server)
        .await
        .map_err(|_| OAuthError::bad_request("server_error", "No signing key."))?;
    let token_url = server.endpoint(&sim.base_url, "token");
    let (grant, rotate) = {
        let org = sim.read();
        let app = authenticate(sim, &org.apps, &auth, &token_url, now)?;
        let user_grant = matches!(
            req.grant_type.as_str(),
            "authorization_code" | "refresh_token"
        );
        if user_grant && !app.oauth_list_has("grant_types", &req.grant_type) {
            return Err(OAuthError::bad_request(
                "unauthorized_client",
                "The client is not authorized to use the provided grant type.",
            ));
        }
        let grant = match req.grant_type.as_str() {
            "authorization_code" => redeem_code(sim, app, server, req, now)?,
            "refresh_token" => redeem_refresh(sim, app, server, req, now)?,
            _ => {
                return Err(OAuthError::bad_request(
                    "invalid_scope",
                    "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
                ));
            }
        };
        let rotate = grant.scopes.iter().any(|s| s == "offline_access")
            && app.oauth_list_has("grant_types", "refresh_token");
        (grant, rotate)
    };
    let base = &sim.base_url;
    let iat = now.div_euclid(1000);
    let login = sim
        .read()
        .user(&grant.user_id)
        .map(|u| u.login().to_owned())
        .unwrap_or_default();
    let access = AccessClaims {
        ver: 1,
        jti: format!("AT.{}", ids::random_string(&mut rand::rng(), "", 43)),
        iss: server.issuer(base),
        aud: server.access_audience(base),
        iat,
        exp: iat + TOKEN_TTL_SECS,
        cid: grant.client_id.clone(),
        uid: Some(grant.user_id.clone()),
        scp: grant.scopes.clone(),
        auth_time: Some(grant.auth_time.div_euclid(1000)),
        sub: login,
        cnf: None,
    };
    let sign_failed = |_| OAuthError::bad_request("server_error", "Token signing failed.");
    let access_token = keys.sign(&access).map_err(sign_failed)?;
    let mut body = json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECS,
        "access_token": access_token,
        "scope": grant.scopes.join(" "),
    });
    let mut events = vec!["token.grant.access_token"];
    if grant.scopes.iter().any(|s| s == "openid") {
        let claims = id_token_claims(sim, &grant, &access_token, iat)?;
        body["id_token"] = json!(keys.sign(&claims).map_err(sign_failed)?);
        events.push("token.grant.id_token");
    }
    if rotate {
        let refresh = ids::random_string(&mut rand::rng(), "", 43);
        sim.oidc.add_refresh_token(
            &refresh,
            Grant {
                expires: now + REFRESH_TTL_MS,
                ..grant.clone()
            },
        );
        body["refresh_token"] = json!(refresh);
        events.push("token.grant.refresh_token");
    }
    log_grants(sim, server, &grant, &events);
    Ok(body)
}

/// Which way the client authenticated; more than one way is Okta's `invalid_request`.
fn client_auth<'a>(
    req: &'a TokenRequest,
    basic: Option<&'a (String, String)>,
) -> Result<ClientAuth<'a>, OAuthError> {
    let jwt = match (&req.client_assertion_type, &req.client_assertion) {
        (Some(t), Some(a)) if t == ASSERTION_TYPE => Some(a.as_str()),
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_client(
                "The client_assertion_type is invalid.",
            ));
        }
        _ => None,
    };
    let post = req.client_secret.as_deref();
    let ways =
        usize::from(basic.is_some()) + usize::from(post.is_some()) + usize::from(jwt.is_some());
    if ways > 1 {
        return Err(OAuthError::bad_request(
            "invalid_request",
            "Can't supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
        ));
    }
    let id = req.client_id.as_deref();
    match (basic, post, jwt, id) {
        (Some((i, s)), ..) => Ok(ClientAuth::Basic(i, s)),
        (_, Some(s), _, Some(i)) => Ok(ClientAuth::Post(i, s)),
        (_, _, Some(a), _) => Ok(ClientAuth::Jwt(a)),
        (None, None, None, Some(i)) => Ok(ClientAuth::None(i)),
        _ => Err(OAuthError::invalid_client(
            "Client authentication failed. Either the client or the client credentials are invalid.",
        )),
    }
}

fn bad_client() -> OAuthError {
    OAuthError::invalid_client(
        "Client authentication failed. Either the client or the client credentials are invalid.",
    )
}

/// Finds the client and checks its credentials against its registered method.
fn authenticate<'a>(
    sim: &Sim,
    apps: &'a std::collections::BTreeMap<String, App>,
    auth: &ClientAuth<'_>,
    token_url: &str,
    now: i64,
) -> Result<&'a App, OAuthError> {
    let id = match auth {
        ClientAuth::Basic(i, _) | ClientAuth::Post(i, _) | ClientAuth::None(i) => (*i).to_owned(),
        ClientAuth::Jwt(a) => crate::oauth::assertion_issuer(Some(a)).unwrap_or_default(),
    };
    let app = apps
        .get(&id)
        .filter(|a| a.sign_on_mode == "OPENID_CONNECT" && a.active)
        .ok_or_else(bad_client)?;
    let method = app
        .oauth_credential("token_endpoint_auth_method")
        .unwrap_or("client_secret_basic");
    let secret_ok = |given: &str| {
        app.oauth_credential("client_secret").is_some_and(|s| {
            aws_lc_rs::constant_time::verify_slices_are_equal(s.as_bytes(), given.as_bytes())
                .is_ok()
        })
    };
    let ok = match auth {
        ClientAuth::Basic(_, s) => method == "client_secret_basic" && secret_ok(s),
        ClientAuth::Post(_, s) => method == "client_secret_post" && secret_ok(s),
        ClientAuth::Jwt(a) => {
            if method != "private_key_jwt" {
                return Err(bad_client());
            }
            sim.auth.verify_client_assertion(app, a, token_url, now)?;
            true
        }
        ClientAuth::None(_) => method == "none",
    };
    if ok { Ok(app) } else { Err(bad_client()) }
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::bad_request("invalid_grant", description)
}

/// A redeemed grant, if it was issued to this client by this server.
fn issued_to(grant: Option<Grant>, app: &App, server: &Server) -> Option<Grant> {
    grant.filter(|g| g.client_id == app.id && g.server == *server)
}

fn redeem_code(
    sim: &Sim,
    app: &App,
    server: &Server,
    req: &TokenRequest,
    now: i64,
) -> Result<Grant, OAuthError> {
    let code = req.code.as_deref().ok_or_else(|| {
        OAuthError::bad_request("invalid_request", "The 'code' parameter is required.")
    })?;
    let grant = issued_to(sim.oidc.take_code(code, now), app, server)
        .ok_or_else(|| invalid_grant("The authorization code is invalid or has expired."))?;
    if req.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
        ));
    }
    match (&grant.code_challenge, req.code_verifier.as_deref()) {
        (Some(challenge), Some(verifier))
            if (43..=128).contains(&verifier.len()) && sha256_b64url(verifier) == *challenge => {}
        (None, None) => {}
        _ => return Err(invalid_grant("PKCE verification failed.")),
    }
    Ok(grant)
}

fn redeem_refresh(
    sim: &Sim,
    app: &App,
    server: &Server,
    req: &TokenRequest,
    now: i64,
) -> Result<Grant, OAuthError> {
    let token = req.refresh_token.as_deref().ok_or_else(|| {
        OAuthError::bad_request(
            "invalid_request",
            "The 'refresh_token' parameter is required.",
        )
    })?;
    let mut grant = issued_to(sim.oidc.take_refresh_token(token, now), app, server)
        .ok_or_else(|| invalid_grant("The refresh token is invalid or expired."))?;
    if let Some(scope) = &req.scope {
        let narrowed = crate::oauth::scopes(Some(scope));
        if narrowed.iter().any(|s| !grant.scopes.contains(s)) {
            return Err(OAuthError::bad_request(
                "invalid_scope",
                "The requested scopes exceed those of the original grant.",
            ));
        }
        grant.scopes = narrowed;
    }
    grant.nonce = None;
    Ok(grant)
}

/// Okta's ID-token claims: the base claims, `at_hash`, and the profile, email and
/// groups claims of the granted scopes ("fat" token: authorization-code flow).
fn id_token_claims(
    sim: &Sim,
    grant: &Grant,
    access_token: &str,
    iat: i64,
) -> Result<Map<String, Value>, OAuthError> {
    let org = sim.read();
    let app = org.apps.get(&grant.client_id).ok_or_else(bad_client)?;
    let mut c = user_claims(&org, app, &grant.user_id, &grant.scopes)
        .map_err(|e| OAuthError::bad_request("invalid_request", e))?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    let half = digest.as_ref().get(..16).unwrap_or_default();
    let base = [
        ("ver", json!(1)),
        ("iss", json!(grant.server.issuer(&sim.base_url))),
        ("aud", json!(grant.client_id)),
        ("iat", json!(iat)),
        ("exp", json!(iat + TOKEN_TTL_SECS)),
        (
            "jti",
            json!(format!(
                "ID.{}",
                ids::random_string(&mut rand::rng(), "", 43)
            )),
        ),
        ("amr", json!(["pwd"])),
        ("idp", json!(org.id)),
        ("auth_time", json!(grant.auth_time.div_euclid(1000))),
        ("at_hash", json!(b64url(half))),
    ];
    for (k, v) in base {
        c.insert(k.to_owned(), v);
    }
    if let Some(nonce) = &grant.nonce {
        c.insert("nonce".into(), json!(nonce));
    }
    Ok(c)
}

fn log_grants(sim: &Sim, server: &Server, grant: &Grant, events: &[&str]) {
    let now = sim.clock.now();
    let mut org = sim.write();
    let actor = org
        .user(&grant.user_id)
        .map(|u| Actor::end_user(&u.id, u.login(), &u.display_name(), "/oauth2/v1/token"))
        .unwrap_or_else(Actor::system);
    let ctx = Ctx { actor, now };
    let targets = vec![
        org.app_target(&grant.client_id),
        org.user_target(&grant.user_id),
    ];
    for e in events {
        org.log_event(
            &ctx,
            &format!("{}.{e}", server.event_prefix()),
            targets.clone(),
        );
    }
}
