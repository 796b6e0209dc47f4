//! Signing in to the org: the simulated login page (`/login/login.htm`, a user picker
//! standing in for Okta's sign-in widget), sign-out, the landing page, and
//! `/sim/v1/login?user=` for tests. Each sets or clears the `sid` session cookie
//! that the SAML SSO URL and the OIDC authorize endpoint read.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use serde_json::json;

use super::AppState;
use super::control::SimAdmin;
use super::pages::{error_page, found, html, login_page, signed_in_page};
use super::paging::{self, Params};
use crate::clock::format_ms;
use crate::error::{ApiError, ApiResult};
use crate::idp::{SsoError, can_sign_in};
use crate::model::log::Actor;
use crate::org::Ctx;
use crate::session::{self, Session};

/// Users listed on the login page.
const PICKER_SIZE: usize = 30;
/// Where a user lands after signing in without a `fromURI`.
pub(super) const HOME: &str = "/app/UserHome";

/// The sign-in routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/login.htm", get(form).post(submit))
        .route("/login/signout", get(signout))
        .route(HOME, get(home))
        .route("/sim/v1/login", get(sim_login))
}

/// The login page URL that returns to `from_uri` after signing in.
pub(super) fn login_url(from_uri: &str) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("fromURI", from_uri)
        .finish();
    format!("/login/login.htm?{q}")
}

/// Only same-origin paths are followed after sign-in (no open redirect).
fn safe_from_uri(from: Option<&str>) -> String {
    match from {
        Some(f) if f.starts_with('/') && !f.starts_with("//") && !f.starts_with("/\\") => {
            f.to_owned()
        }
        _ => HOME.to_owned(),
    }
}

fn picker(sim: &AppState) -> Vec<(String, String)> {
    let org = sim.read();
    let mut users: Vec<(String, String)> = org
        .users
        .values()
        .filter(|u| can_sign_in(u.status))
        .map(|u| (u.login().to_owned(), u.display_name()))
        .collect();
    users.sort();
    users.truncate(PICKER_SIZE);
    users
}

async fn form(State(sim): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Params::parse(raw.as_deref());
    let from = safe_from_uri(q.get("fromURI"));
    html(StatusCode::OK, login_page(&picker(&sim), &from, None))
}

/// Signs `login` in; returns the new session.
fn sign_in(sim: &AppState, login: &str, request_uri: &str) -> Result<Session, SsoError> {
    let now = sim.clock.now();
    let actor = {
        let org = sim.read();
        let user = org
            .find_user(login)
            .ok_or_else(|| SsoError::UnknownUser(login.to_owned()))?;
        Actor::end_user(&user.id, user.login(), &user.display_name(), request_uri)
    };
    let ctx = Ctx { actor, now };
    let user_id = session::authenticate(&mut sim.write(), &ctx, login)?;
    Ok(sim.sessions.start(&user_id, now))
}

fn with_cookie(mut resp: Response, session: &Session) -> Response {
    if let Ok(v) = HeaderValue::from_str(&session.set_cookie()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn submit(State(sim): State<AppState>, body: Bytes) -> Response {
    let form = Params::parse_form(&body);
    let from = safe_from_uri(form.get("fromURI"));
    let login = form.get("username").unwrap_or_default().trim();
    match sign_in(&sim, login, "/login/login.htm") {
        Ok(session) => with_cookie(found(&from), &session),
        Err(_) => html(
            StatusCode::UNAUTHORIZED,
            login_page(&picker(&sim), &from, Some("Unable to sign in")),
        ),
    }
}

async fn signout(
    State(sim): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let now = sim.clock.now();
    if let Some(s) = sim.sessions.current(&headers, now) {
        let ctx = sim.system_ctx();
        let mut org = sim.write();
        let t = org.user_target(&s.user_id);
        org.log_event(&ctx, "user.session.end", vec![t]);
    }
    sim.sessions.end(&headers);
    let q = Params::parse(raw.as_deref());
    let target = match q.get("fromURI") {
        Some(f) => safe_from_uri(Some(f)),
        None => login_url(HOME),
    };
    let mut resp = found(&target);
    if let Ok(v) = HeaderValue::from_str(&format!("{}=; Path=/; Max-Age=0", session::COOKIE_NAME)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn home(State(sim): State<AppState>, headers: HeaderMap) -> Response {
    let now = sim.clock.now();
    let Some(session) = sim.sessions.current(&headers, now) else {
        return found(&login_url(HOME));
    };
    let login = sim
        .read()
        .user(&session.user_id)
        .map(|u| u.login().to_owned())
        .unwrap_or_default();
    html(StatusCode::OK, signed_in_page(&login))
}

/// `GET /sim/v1/login?user=LOGIN[&fromURI=/path]`: a session without the login page.
async fn sim_login(
    State(sim): State<AppState>,
    _a: SimAdmin,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Params::parse(raw.as_deref());
    let login = q
        .get("user")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::validation("user", "user: The parameter is required"))?;
    let session = sign_in(&sim, login, "/sim/v1/login").map_err(|e| match e {
        SsoError::UnknownUser(u) => ApiError::not_found(&u, "User"),
        other => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "E0000004",
            "Authentication failed",
        )
        .with_cause(other.to_string()),
    })?;
    if let Some(from) = q.get("fromURI") {
        let target = safe_from_uri(Some(from));
        return Ok(with_cookie(found(&target), &session));
    }
    let login = sim
        .read()
        .user(&session.user_id)
        .map(|u| u.login().to_owned())
        .unwrap_or_default();
    let body = json!({
        "session_id": session.id,
        "cookie": session.cookie(),
        "user_id": session.user_id,
        "login": login,
        "expires_at": format_ms(session.expires),
    });
    Ok(with_cookie(paging::json(StatusCode::OK, &body), &session))
}

/// Okta's error page for a failed SSO attempt, or JSON for API clients.
pub(super) fn sso_error(e: &SsoError, json_wanted: bool) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    if json_wanted {
        return paging::json(
            status,
            &json!({ "error": e.code(), "error_description": e.to_string() }),
        );
    }
    error_page(status, e.code(), &e.to_string())
}

/// Whether the client asked for JSON rather than a page.
pub(super) fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}
