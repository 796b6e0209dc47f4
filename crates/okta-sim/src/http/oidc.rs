//! Okta as OIDC provider over HTTP, for the org authorization server (`/oauth2/v1/…`,
//! discovery at `/.well-known/openid-configuration`) and the custom server `default`
//! (`/oauth2/default/v1/…`): discovery, JWKS, authorize, token, userinfo, logout;
//! the OIDC app's groups claim (Okta's internal idToken settings API); custom-server
//! key rotation (`…/credentials/lifecycle/keyRotate`); and the simulator's
//! `/sim/v1/oauth2/{server}/keys/…` to rotate or retire any server's keys.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::control::SimAdmin;
use super::login::login_url;
use super::pages::{error_page, escape, found, html};
use super::paging::{self, Params};
use super::{AppState, Principal, parse_body};
use crate::error::{ApiError, ApiResult, OAuthError};
use crate::oidc::Server;
use crate::oidc::authorize::{self, AuthorizeRequest, Outcome, ResponseMode};
use crate::oidc::claims::GroupsClaim;
use crate::oidc::token::{self, TokenRequest};
use crate::oidc::userinfo::{self, UserinfoError};

/// The OIDC routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(org_discovery))
        .route(
            "/.well-known/oauth-authorization-server",
            get(org_discovery),
        )
        .route(
            "/oauth2/{server}/.well-known/openid-configuration",
            get(discovery),
        )
        .route(
            "/oauth2/{server}/.well-known/oauth-authorization-server",
            get(discovery),
        )
        .route("/oauth2/v1/authorize", get(org_authorize))
        .route("/oauth2/{server}/v1/authorize", get(custom_authorize))
        .route("/oauth2/v1/token", post(org_token))
        .route("/oauth2/{server}/v1/token", post(custom_token))
        .route("/oauth2/v1/keys", get(org_keys))
        .route("/oauth2/{server}/v1/keys", get(custom_keys))
        .route("/oauth2/v1/userinfo", get(org_userinfo).post(org_userinfo))
        .route(
            "/oauth2/{server}/v1/userinfo",
            get(custom_userinfo).post(custom_userinfo),
        )
        .route("/oauth2/v1/logout", get(org_logout))
        .route("/oauth2/{server}/v1/logout", get(custom_logout))
        .route(
            "/api/v1/internal/apps/{app_id}/settings/oauth/idToken",
            get(get_groups_claim).post(set_groups_claim),
        )
        .route(
            "/api/v1/authorizationServers/{server}/credentials/keys",
            get(list_server_keys),
        )
        .route(
            "/api/v1/authorizationServers/{server}/credentials/lifecycle/keyRotate",
            post(rotate_server_keys),
        )
        .route("/sim/v1/oauth2/{server}/keys/rotate", post(sim_rotate))
        .route("/sim/v1/oauth2/{server}/keys/{kid}", delete(sim_retire))
}

fn custom(id: &str) -> Result<Server, ApiError> {
    Server::custom(id).ok_or_else(|| ApiError::not_found(id, "AuthorizationServer"))
}

/// Decodes a query or form into a struct of optional strings (repeated keys: the
/// first wins).
fn decode<T: DeserializeOwned + Default>(raw: &[u8]) -> T {
    let mut map = serde_json::Map::new();
    for (k, v) in Params::parse_form(raw).0 {
        map.entry(k).or_insert(Value::String(v));
    }
    serde_json::from_value(Value::Object(map)).unwrap_or_default()
}

async fn org_discovery(State(sim): State<AppState>) -> Response {
    paging::json(StatusCode::OK, &Server::Org.discovery(&sim.base_url))
}

async fn discovery(State(sim): State<AppState>, Path(server): Path<String>) -> ApiResult<Response> {
    let server = custom(&server)?;
    Ok(paging::json(
        StatusCode::OK,
        &server.discovery(&sim.base_url),
    ))
}

async fn org_authorize(
    State(sim): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    authorize_at(&sim, &Server::Org, &headers, raw.unwrap_or_default())
}

async fn custom_authorize(
    State(sim): State<AppState>,
    Path(server): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    match custom(&server) {
        Ok(s) => authorize_at(&sim, &s, &headers, raw.unwrap_or_default()),
        Err(e) => e.into_response(),
    }
}

fn authorize_at(sim: &AppState, server: &Server, headers: &HeaderMap, raw: String) -> Response {
    let req: AuthorizeRequest = decode(raw.as_bytes());
    let session = sim.sessions.current(headers, sim.clock.now());
    match authorize::authorize(sim, server, &req, session.as_ref()) {
        Outcome::Page {
            status,
            error,
            description,
        } => error_page(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error,
            &description,
        ),
        Outcome::Login => {
            let path = server.endpoint("", "authorize");
            found(&login_url(&format!("{path}?{raw}")))
        }
        Outcome::Respond {
            redirect_uri,
            mode,
            params,
        } => respond(&redirect_uri, mode, &params),
    }
}

fn respond(redirect_uri: &str, mode: ResponseMode, params: &[(&str, String)]) -> Response {
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    match mode {
        ResponseMode::Query => {
            let sep = if redirect_uri.contains('?') { '&' } else { '?' };
            found(&format!("{redirect_uri}{sep}{encoded}"))
        }
        ResponseMode::Fragment => found(&format!("{redirect_uri}#{encoded}")),
        ResponseMode::FormPost => {
            let inputs: String = params
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>",
                        escape(k),
                        escape(v)
                    )
                })
                .collect();
            html(
                StatusCode::OK,
                format!(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\">{inputs}<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>",
                    escape(redirect_uri)
                ),
            )
        }
    }
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

async fn org_token(State(sim): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    token_at(&sim, &Server::Org, &headers, &body).await
}

async fn custom_token(
    State(sim): State<AppState>,
    Path(server): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match custom(&server) {
        Ok(s) => token_at(&sim, &s, &headers, &body).await,
        Err(e) => e.into_response(),
    }
}

async fn token_at(sim: &AppState, server: &Server, headers: &HeaderMap, body: &[u8]) -> Response {
    let req: TokenRequest = decode(body);
    let dpop = headers.get("dpop").and_then(|v| v.to_str().ok());
    let result = token::token(sim, server, &req, basic_credentials(headers), dpop).await;
    let mut resp = match result {
        Ok(body) => paging::json(StatusCode::OK, &body),
        Err(e) => e.into_response(),
    };
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

async fn keys_of(sim: &AppState, server: &Server) -> Result<Response, OAuthError> {
    let keys = sim
        .key_set(server)
        .await
        .map_err(|_| OAuthError::bad_request("server_error", "No signing keys."))?;
    let mut resp = paging::json(StatusCode::OK, &keys.jwks());
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600, must-revalidate"),
    );
    Ok(resp)
}

async fn org_keys(State(sim): State<AppState>) -> Result<Response, OAuthError> {
    keys_of(&sim, &Server::Org).await
}

async fn custom_keys(
    State(sim): State<AppState>,
    Path(server): Path<String>,
) -> Result<Response, ApiError> {
    let server = custom(&server)?;
    keys_of(&sim, &server)
        .await
        .map_err(|_| ApiError::internal())
}

async fn org_userinfo(State(sim): State<AppState>, headers: HeaderMap) -> Response {
    userinfo_at(&sim, &Server::Org, &headers).await
}

async fn custom_userinfo(
    State(sim): State<AppState>,
    Path(server): Path<String>,
    headers: HeaderMap,
) -> Response {
    match custom(&server) {
        Ok(s) => userinfo_at(&sim, &s, &headers).await,
        Err(e) => e.into_response(),
    }
}

async fn userinfo_at(sim: &AppState, server: &Server, headers: &HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .trim();
    let (status, error, description) = match userinfo::userinfo(sim, server, token).await {
        Ok(claims) => return paging::json(StatusCode::OK, &claims),
        Err(UserinfoError::InvalidToken(d)) => (StatusCode::UNAUTHORIZED, "invalid_token", d),
        Err(UserinfoError::InsufficientScope) => (
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "The access token must provide access to at least one of these scopes - profile, email, address or phone",
        ),
    };
    let mut resp = paging::json(
        status,
        &json!({ "error": error, "error_description": description }),
    );
    let challenge = format!("Bearer error=\"{error}\", error_description=\"{description}\"");
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

async fn org_logout(
    State(sim): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    logout_at(&sim, &headers, raw.as_deref())
}

async fn custom_logout(
    State(sim): State<AppState>,
    Path(server): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    match custom(&server) {
        Ok(_) => logout_at(&sim, &headers, raw.as_deref()),
        Err(e) => e.into_response(),
    }
}

/// RP-initiated logout: ends the session, then returns to a registered
/// `post_logout_redirect_uri` (the app is named by the `id_token_hint`'s `aud`).
fn logout_at(sim: &AppState, headers: &HeaderMap, raw: Option<&str>) -> Response {
    let q = Params::parse(raw);
    if let Some(s) = sim.sessions.current(headers, sim.clock.now()) {
        let ctx = sim.system_ctx();
        let mut org = sim.write();
        let t = org.user_target(&s.user_id);
        org.log_event(&ctx, "user.session.end", vec![t]);
    }
    sim.sessions.end(headers);
    let Some(target) = q.get("post_logout_redirect_uri") else {
        return found(&login_url(super::login::HOME));
    };
    let client = q
        .get("id_token_hint")
        .and_then(|t| crate::oauth::unverified_claim(t, "aud"));
    let allowed = client.is_some_and(|id| {
        sim.read()
            .apps
            .get(&id)
            .is_some_and(|app| app.oauth_list_has("post_logout_redirect_uris", target))
    });
    if !allowed {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.",
        );
    }
    let url = match q.get("state") {
        Some(state) => {
            let sep = if target.contains('?') { '&' } else { '?' };
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("state", state)
                .finish();
            format!("{target}{sep}{encoded}")
        }
        None => target.to_owned(),
    };
    found(&url)
}

fn claim_json(app_id: &str, claim: Option<&Value>) -> Value {
    claim
        .cloned()
        .unwrap_or_else(|| json!({ "issuerMode": "ORG_URL", "appId": app_id }))
}

async fn get_groups_claim(
    State(sim): State<AppState>,
    p: Principal,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    p.read("okta.apps.read")?;
    let org = sim.read();
    let app = org
        .apps
        .get(&app_id)
        .ok_or_else(|| ApiError::not_found(&app_id, "AppInstance"))?;
    Ok(paging::json(
        StatusCode::OK,
        &claim_json(&app_id, app.groups_claim.as_ref()),
    ))
}

/// `POST /api/v1/internal/apps/{app}/settings/oauth/idToken` with
/// `{"valueType":"GROUPS","groupFilterType":"REGEX","name":"groups","value":".*"}`
/// (what the Sign On tab's "Groups claim filter" saves); `{}` without a name clears it.
async fn set_groups_claim(
    State(sim): State<AppState>,
    p: Principal,
    Path(app_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    p.write("okta.apps.manage")?;
    let body = parse_body(&body)?;
    let clear = body
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty);
    if !clear {
        GroupsClaim::check(&body).map_err(|e| ApiError::validation("groupsClaim", e))?;
    }
    let mut org = sim.write();
    let app = org
        .apps
        .get_mut(&app_id)
        .filter(|a| a.sign_on_mode == "OPENID_CONNECT")
        .ok_or_else(|| ApiError::not_found(&app_id, "AppInstance"))?;
    app.groups_claim = (!clear).then_some(body);
    Ok(paging::json(
        StatusCode::OK,
        &claim_json(&app_id, app.groups_claim.as_ref()),
    ))
}

async fn server_keys_json(sim: &AppState, server: &Server) -> ApiResult<Value> {
    let keys = sim
        .key_set(server)
        .await
        .map_err(|_| ApiError::internal())?;
    let jwks = keys.jwks();
    let list: Vec<Value> = jwks
        .get("keys")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, mut k)| {
            k["status"] = json!(if i == 0 { "ACTIVE" } else { "EXPIRED" });
            k
        })
        .collect();
    Ok(json!(list))
}

async fn list_server_keys(
    State(sim): State<AppState>,
    p: Principal,
    Path(server): Path<String>,
) -> ApiResult<Response> {
    p.read("okta.authorizationServers.read")
        .or_else(|_| p.read("okta.apps.read"))?;
    let server = custom(&server)?;
    Ok(paging::json(
        StatusCode::OK,
        &server_keys_json(&sim, &server).await?,
    ))
}

/// `POST /api/v1/authorizationServers/{id}/credentials/lifecycle/keyRotate` `{"use":"sig"}`.
async fn rotate_server_keys(
    State(sim): State<AppState>,
    p: Principal,
    Path(server): Path<String>,
) -> ApiResult<Response> {
    p.write("okta.authorizationServers.manage")
        .or_else(|_| p.write("okta.apps.manage"))?;
    let server = custom(&server)?;
    sim.rotate_keys(&server)
        .await
        .map_err(|_| ApiError::internal())?;
    Ok(paging::json(
        StatusCode::OK,
        &server_keys_json(&sim, &server).await?,
    ))
}

fn any_server(name: &str) -> Result<Server, ApiError> {
    if name == crate::sim::ORG_SERVER {
        Ok(Server::Org)
    } else {
        custom(name)
    }
}

/// `POST /sim/v1/oauth2/{org|default}/keys/rotate` → `{"kid","keys"}`.
async fn sim_rotate(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(server): Path<String>,
) -> ApiResult<Response> {
    let server = any_server(&server)?;
    let kid = sim
        .rotate_keys(&server)
        .await
        .map_err(|_| ApiError::internal())?;
    let kids = sim
        .key_set(&server)
        .await
        .map_err(|_| ApiError::internal())?
        .kids();
    Ok(paging::json(
        StatusCode::OK,
        &json!({ "kid": kid, "keys": kids }),
    ))
}

/// `DELETE /sim/v1/oauth2/{org|default}/keys/{kid}`: stops publishing an old key.
async fn sim_retire(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path((server, kid)): Path<(String, String)>,
) -> ApiResult<Response> {
    let server = any_server(&server)?;
    let retired = sim
        .retire_key(&server, &kid)
        .await
        .map_err(|_| ApiError::internal())?;
    if retired {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::validation(
            "kid",
            "kid: Unknown key, or the key that currently signs",
        ))
    }
}
