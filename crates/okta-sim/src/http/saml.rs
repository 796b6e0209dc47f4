//! Okta as SAML IdP over HTTP: the app's IdP metadata, its SSO URL (SP-initiated by
//! HTTP-Redirect or HTTP-POST, and IdP-initiated without a request), the Application
//! SSO Credential Key API (list, generate, clone; switch with `credentials.signing.kid`),
//! and the simulator's `/sim/v1/apps/{app}/idp-initiated` and key retirement.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use bytes::Bytes;
use saml::{Certificate, IdpMetadata, RequestVerification};
use serde_json::{Value, json};

use super::control::SimAdmin;
use super::login::{login_url, sso_error, wants_json};
use super::pages::{found, html};
use super::paging::{self, Params};
use super::{AppState, Principal};
use crate::error::{ApiError, ApiResult};
use crate::idp::settings::SamlSettings;
use crate::idp::{self, SignInRequest, SsoError, keys};
use crate::model::app::App;
use crate::sso;

const READ: &str = "okta.apps.read";
const MANAGE: &str = "okta.apps.manage";

/// The SAML routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/{name}/sso/saml/metadata", get(public_metadata))
        .route("/app/{name}/{key}/sso/saml", get(sso_get).post(sso_post))
        .route(
            "/api/v1/apps/{app_id}/sso/saml/metadata",
            get(admin_metadata),
        )
        .route("/api/v1/apps/{app_id}/credentials/keys", get(list_keys))
        .route(
            "/api/v1/apps/{app_id}/credentials/keys/generate",
            post(generate_key),
        )
        .route("/api/v1/apps/{app_id}/credentials/keys/{kid}", get(get_key))
        .route(
            "/api/v1/apps/{app_id}/credentials/keys/{kid}/clone",
            post(clone_key),
        )
        .route("/sim/v1/apps/{app_id}/idp-initiated", get(idp_initiated))
        .route("/sim/v1/apps/{app_id}/keys/{kid}", delete(retire_key))
}

/// The app's SSO URL: `{base}/app/{appName}/{externalKey}/sso/saml`.
pub(super) fn sso_url(base: &str, app: &App) -> String {
    format!("{base}/app/{}/{}/sso/saml", app.name, app.external_key)
}

/// The IdP metadata XML of a SAML app: the active signing certificate, or the key
/// named by `kid`, or (simulator extension, `all_keys=true`) every key, active first.
fn metadata_xml(sim: &AppState, app: &App, q: &Params) -> ApiResult<String> {
    let settings = SamlSettings::parse(app.sign_on())
        .map_err(|e| ApiError::validation(&e.field, format!("{}: {}", e.field, e.reason)))?;
    let mut chosen: Vec<_> = match q.get("kid") {
        Some(kid) => app.keys.iter().filter(|k| k.kid == kid).collect(),
        None if q.flag("all_keys", false) => app.keys.iter().collect(),
        None => keys::active(app).into_iter().collect(),
    };
    if let Some(kid) = q.get("kid")
        && chosen.is_empty()
    {
        return Err(ApiError::not_found(kid, "AppKeyCredential"));
    }
    let active = app.signing_kid();
    chosen.sort_by_key(|k| Some(k.kid.as_str()) != active);
    let certificates: Vec<Certificate> = chosen
        .into_iter()
        .map(keys::certificate)
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::internal())?;
    let mut metadata = IdpMetadata::new(
        settings.issuer(&app.external_key),
        sso_url(&sim.base_url, app),
        certificates,
    );
    metadata.want_authn_requests_signed = settings.sp_certificate.is_some();
    metadata.to_xml().map_err(|_| ApiError::internal())
}

/// The metadata of a SAML app (its first key is made if missing), as XML.
async fn metadata_response(sim: &AppState, app_id: &str, raw: Option<&str>) -> ApiResult<Response> {
    sso::ensure_signing_key(sim, app_id).await?;
    let q = Params::parse(raw);
    let org = sim.read();
    let app = org
        .apps
        .get(app_id)
        .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
    Ok(xml_response(metadata_xml(sim, app, &q)?))
}

fn xml_response(xml: String) -> Response {
    let mut r = (StatusCode::OK, xml).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml;charset=utf-8"),
    );
    r
}

/// `GET /app/{externalKey}/sso/saml/metadata` (public, as in Okta).
async fn public_metadata(
    State(sim): State<AppState>,
    Path(external_key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let app_id = sim
        .read()
        .apps
        .values()
        .find(|a| a.external_key == external_key && a.sign_on_mode == "SAML_2_0")
        .map(|a| a.id.clone())
        .ok_or_else(|| ApiError::not_found(&external_key, "AppInstance"))?;
    metadata_response(&sim, &app_id, raw.as_deref()).await
}

/// `GET /api/v1/apps/{appId}/sso/saml/metadata[?kid=]` (admin preview).
async fn admin_metadata(
    State(sim): State<AppState>,
    p: Principal,
    Path(app_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    saml_app_exists(&sim, &app_id)?;
    metadata_response(&sim, &app_id, raw.as_deref()).await
}

fn saml_app_exists(sim: &AppState, app_id: &str) -> ApiResult<()> {
    match sim.read().apps.get(app_id) {
        Some(a) if a.sign_on_mode == "SAML_2_0" => Ok(()),
        Some(_) => Err(ApiError::validation(
            "signOnMode",
            "signOnMode: Key credentials exist only for SAML_2_0 apps",
        )),
        None => Err(ApiError::not_found(app_id, "AppInstance")),
    }
}

/// How a sign-in request reached the SSO URL.
enum Inbound {
    /// HTTP-Redirect binding: the raw query string.
    Redirect(String),
    /// HTTP-POST binding: `SAMLRequest` and `RelayState`.
    Post(String, Option<String>),
    /// Back from the login page with a parked request.
    Resume(String),
    /// No request: IdP-initiated, with an optional `RelayState`.
    Unsolicited(Option<String>),
}

async fn sso_get(
    State(sim): State<AppState>,
    Path((name, key)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = raw.unwrap_or_default();
    let q = Params::parse(Some(&query));
    let inbound = if let Some(k) = q.get("pendingRequest") {
        Inbound::Resume(k.to_owned())
    } else if q.get("SAMLRequest").is_some() {
        Inbound::Redirect(query.clone())
    } else {
        Inbound::Unsolicited(q.get("RelayState").map(str::to_owned))
    };
    let path = format!("/app/{name}/{key}/sso/saml");
    let here = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    sso(&sim, &name, &key, &headers, inbound, &here).await
}

async fn sso_post(
    State(sim): State<AppState>,
    Path((name, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Params::parse_form(&body);
    let relay = form.get("RelayState").map(str::to_owned);
    let inbound = match form.get("SAMLRequest") {
        Some(r) => Inbound::Post(r.to_owned(), relay),
        None => Inbound::Unsolicited(relay),
    };
    let here = format!("/app/{name}/{key}/sso/saml");
    sso(&sim, &name, &key, &headers, inbound, &here).await
}

/// The SSO URL: read the request, make sure the browser is signed in (else park
/// the request and send it to the login page), then answer with the form that
/// POSTs the signed Response to the ACS.
async fn sso(
    sim: &AppState,
    name: &str,
    key: &str,
    headers: &HeaderMap,
    inbound: Inbound,
    here: &str,
) -> Response {
    let json = wants_json(headers);
    let located = {
        let org = sim.read();
        idp::app_by_key(&org, key).and_then(|a| {
            if a.name == name {
                Ok(a.id.clone())
            } else {
                Err(SsoError::AppNotFound)
            }
        })
    };
    let app_id = match located {
        Ok(id) => id,
        Err(e) => return sso_error(&e, json),
    };
    if let Err(e) = sso::ensure_signing_key(sim, &app_id).await {
        return sso_error(&SsoError::Misconfigured(e.summary), json);
    }
    let now = sim.clock.now();
    let (request, resume_uri) = match read_request(sim, &app_id, inbound, now) {
        Ok(r) => r,
        Err(e) => return sso_error(&e, json),
    };
    let Some(session) = sim.sessions.current(headers, now) else {
        let from = match resume_uri {
            Some(u) => u,
            None => {
                let parked = sim.sessions.park(&app_id, request, now);
                let path = here.split('?').next().unwrap_or(here);
                format!("{path}?pendingRequest={parked}")
            }
        };
        return found(&login_url(&from));
    };
    let request = SignInRequest {
        authn_instant: Some(session.authenticated),
        ..request
    };
    match sso::sign_in(sim, &app_id, &session.user_id, &request, here) {
        Ok(post) => html(StatusCode::OK, post.form_html()),
        Err(e) => sso_error(&e, json),
    }
}

/// The sign-in request, and for unsolicited sign-in the URI to come back to.
fn read_request(
    sim: &AppState,
    app_id: &str,
    inbound: Inbound,
    now: i64,
) -> Result<(SignInRequest, Option<String>), SsoError> {
    let settings = {
        let org = sim.read();
        let app = org.apps.get(app_id).ok_or(SsoError::AppNotFound)?;
        SamlSettings::parse(app.sign_on())
            .map_err(|e| SsoError::Misconfigured(format!("{}: {}", e.field, e.reason)))?
    };
    let certificates: Vec<Certificate> = settings.sp_certificate.iter().cloned().collect();
    let verification = RequestVerification {
        certificates: &certificates,
        allow_sha1: true,
    };
    let verify = (!certificates.is_empty()).then_some(&verification);
    let invalid = |e: saml::Error| SsoError::InvalidRequest(e.to_string());
    match inbound {
        Inbound::Redirect(query) => {
            let received = saml::parse_redirect_authn_request(&query, verify).map_err(invalid)?;
            Ok((idp::accept_request(&settings, &received)?, None))
        }
        Inbound::Post(request, relay) => {
            let received = saml::parse_post_authn_request(&request, relay.as_deref(), verify)
                .map_err(invalid)?;
            Ok((idp::accept_request(&settings, &received)?, None))
        }
        Inbound::Resume(key) => match sim.sessions.resume(&key, now) {
            Some(p) if p.app_id == app_id => Ok((p.request, None)),
            _ => Err(SsoError::InvalidRequest(
                "the sign-in request expired or was already used; start again at the app".into(),
            )),
        },
        Inbound::Unsolicited(relay) => {
            let request = SignInRequest {
                relay_state: relay.clone().or(settings.default_relay_state),
                ..SignInRequest::default()
            };
            let app_uri = {
                let org = sim.read();
                let app = org.apps.get(app_id).ok_or(SsoError::AppNotFound)?;
                let path = format!("/app/{}/{}/sso/saml", app.name, app.external_key);
                match relay {
                    Some(r) => format!(
                        "{path}?{}",
                        url::form_urlencoded::Serializer::new(String::new())
                            .append_pair("RelayState", &r)
                            .finish()
                    ),
                    None => path,
                }
            };
            Ok((request, Some(app_uri)))
        }
    }
}

/// `GET /sim/v1/apps/{app}/idp-initiated?user=LOGIN[&relay_state=]`: the form with
/// an unsolicited Response (JSON with `Accept: application/json`).
async fn idp_initiated(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = Params::parse(raw.as_deref());
    let json = wants_json(&headers);
    let Some(login) = q.get("user").filter(|u| !u.is_empty()) else {
        return ApiError::validation("user", "user: The parameter is required").into_response();
    };
    match sso::idp_initiated(&sim, &app_id, login, q.get("relay_state")).await {
        Ok(post) if json => paging::json(StatusCode::OK, &post_json(&post)),
        Ok(post) => html(StatusCode::OK, post.form_html()),
        Err(e) => sso_error(&e, json),
    }
}

/// The JSON form of a Response post.
pub(super) fn post_json(post: &idp::SamlPost) -> Value {
    json!({
        "acs_url": post.acs_url,
        "saml_response": post.saml_response,
        "relay_state": post.relay_state,
        "response_xml": post.response_xml,
        "response_id": post.response_id,
        "assertion_id": post.assertion_id,
    })
}

async fn list_keys(
    State(sim): State<AppState>,
    p: Principal,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    p.read(READ)?;
    saml_app_exists(&sim, &app_id)?;
    sso::ensure_signing_key(&sim, &app_id).await?;
    let org = sim.read();
    let app = org
        .apps
        .get(&app_id)
        .ok_or_else(|| ApiError::not_found(&app_id, "AppInstance"))?;
    let list: Vec<Value> = app.keys.iter().map(keys::key_json).collect();
    Ok(paging::json(StatusCode::OK, &list))
}

async fn get_key(
    State(sim): State<AppState>,
    p: Principal,
    Path((app_id, kid)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.read(READ)?;
    saml_app_exists(&sim, &app_id)?;
    sso::ensure_signing_key(&sim, &app_id).await?;
    let org = sim.read();
    let key = org
        .apps
        .get(&app_id)
        .and_then(|a| a.keys.iter().find(|k| k.kid == kid))
        .ok_or_else(|| ApiError::not_found(&kid, "AppKeyCredential"))?;
    Ok(paging::json(StatusCode::OK, &keys::key_json(key)))
}

/// `POST …/credentials/keys/generate?validityYears=2..10`: a new, inactive key.
async fn generate_key(
    State(sim): State<AppState>,
    p: Principal,
    Path(app_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    saml_app_exists(&sim, &app_id)?;
    let q = Params::parse(raw.as_deref());
    let years = q
        .get("validityYears")
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "E0000028",
                "The request is missing a required parameter.",
            )
            .with_cause("validityYears")
        })?
        .parse::<u32>()
        .ok()
        .filter(|y| (2..=10).contains(y))
        .ok_or_else(|| {
            ApiError::validation(
                "validityYears",
                "validityYears: Validity years out of range. It should be 2 - 10 years",
            )
        })?;
    sso::ensure_signing_key(&sim, &app_id).await?;
    let key = sso::new_key(&sim, years).await?;
    let body = keys::key_json(&key);
    sim.write()
        .add_app_key(&p.ctx(sim.clock.now()), &app_id, key, false)?;
    Ok(paging::json(StatusCode::CREATED, &body))
}

/// `POST …/credentials/keys/{kid}/clone?targetAid=`: copies a key to another SAML app.
async fn clone_key(
    State(sim): State<AppState>,
    p: Principal,
    Path((app_id, kid)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let q = Params::parse(raw.as_deref());
    let target = q.get("targetAid").unwrap_or_default().to_owned();
    saml_app_exists(&sim, &app_id)?;
    saml_app_exists(&sim, &target)?;
    let mut org = sim.write();
    let key = org
        .apps
        .get(&app_id)
        .and_then(|a| a.keys.iter().find(|k| k.kid == kid))
        .cloned()
        .ok_or_else(|| ApiError::not_found(&kid, "AppKeyCredential"))?;
    if org
        .apps
        .get(&target)
        .is_some_and(|a| a.keys.iter().any(|k| k.kid == kid))
    {
        return Err(ApiError::validation(
            "kid",
            "kid: The key credential already exists in the target app",
        ));
    }
    let body = keys::key_json(&key);
    org.add_app_key(&p.ctx(sim.clock.now()), &target, key, false)?;
    Ok(paging::json(StatusCode::CREATED, &body))
}

/// `DELETE /sim/v1/apps/{app}/keys/{kid}`: retires a key that no longer signs.
async fn retire_key(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path((app_id, kid)): Path<(String, String)>,
) -> ApiResult<Response> {
    sim.write().retire_app_key(&app_id, &kid)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
