//! A sign-in's life, the same for SAML and OIDC: [`begin`] remembers it and binds it to the
//! browser, [`take`] gives it back only to that browser (once), and [`finish`] turns a
//! verified identity into a one-time code and the redirect to the host application.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use store::{FlowLookup, LoginCompletion, NewSsoFlow, SsoConnection, SsoFlow, SsoLogin};

use super::browser::{self, Binding, FLOW_TTL, Presented};
use super::failure::{LoginFailure, WhoMustAct};
use crate::state::AppState;

/// What the host application asked for at `/start`, once checked.
#[derive(Debug)]
pub struct StartRequest {
    /// One of the connection's registered redirect URIs.
    pub redirect_uri: String,
    /// The host application's `state`, returned with the code.
    pub app_state: Option<String>,
}

/// Where a successful sign-in goes: the host application's redirect URI and state, and the
/// flow whose binding cookie can be cleared (none for IdP-initiated SAML).
#[derive(Debug)]
pub struct Target {
    /// A registered redirect URI.
    pub redirect_uri: String,
    /// The host application's `state`.
    pub app_state: Option<String>,
    /// The flow that was completed.
    pub flow_id: Option<String>,
}

impl From<SsoFlow> for Target {
    fn from(flow: SsoFlow) -> Self {
        Self {
            redirect_uri: flow.redirect_uri,
            app_state: flow.app_state,
            flow_id: Some(flow.id),
        }
    }
}

/// Remembers a sign-in bound to the browser holding `binding`, expecting the IdP to answer
/// `request_id` (the SAML AuthnRequest ID or the OIDC nonce). Returns the flow id, which
/// travels as RelayState or OIDC `state`.
pub async fn begin(
    state: &AppState,
    connection: &SsoConnection,
    binding: &Binding,
    request_id: String,
    request: StartRequest,
) -> Result<String, LoginFailure> {
    state
        .store
        .start_sso_flow(
            connection,
            NewSsoFlow {
                browser_hash: binding.hash(),
                request_id,
                redirect_uri: request.redirect_uri,
                app_state: request.app_state,
                ttl: FLOW_TTL,
            },
        )
        .await
        .map_err(LoginFailure::internal)
}

/// The redirect to the IdP that also sets the browser's binding cookie for `flow_id`.
pub fn to_idp(state: &AppState, binding: &Binding, flow_id: &str, location: &str) -> Response {
    found(location, binding.set_cookie(flow_id, &state.public_url))
}

/// Takes flow `flow_id` back for the browser that started it, consuming it, with the
/// cookie it presented; or the failure saying why not.
pub async fn take(
    state: &AppState,
    connection: &SsoConnection,
    headers: &HeaderMap,
    flow_id: &str,
) -> Result<(SsoFlow, Presented), LoginFailure> {
    let presented = Presented::from_headers(headers, flow_id);
    match state
        .store
        .take_sso_flow(connection, flow_id, &presented.hash())
        .await
        .map_err(LoginFailure::internal)?
    {
        FlowLookup::Taken(flow) => Ok((flow, presented)),
        other => Err(not_taken(&other, connection, flow_id)),
    }
}

/// The failure for a RelayState/`state` that names no flow this browser may complete.
fn not_taken(lookup: &FlowLookup, connection: &SsoConnection, presented: &str) -> LoginFailure {
    let (code, why) = match lookup {
        FlowLookup::OtherBrowser => (
            "state_other_browser",
            "This sign-in was started in another browser (or its cookie is gone), so its answer is not accepted here.",
        ),
        FlowLookup::AlreadyUsed => (
            "state_already_used",
            "This sign-in was already completed or refused; an answer is accepted once.",
        ),
        FlowLookup::Expired => ("state_expired", "This sign-in took too long."),
        _ => ("state_unknown", "The answer names no sign-in started here."),
    };
    LoginFailure::new(
        StatusCode::BAD_REQUEST,
        code,
        format!("{why} Start the sign-in again from the application."),
        WhoMustAct::User,
    )
    .values(
        Some("a sign-in started in this browser".into()),
        Some(presented.to_owned()),
    )
    .on(connection)
}

/// Completes a verified sign-in: the store mints a one-time code (refusing a replayed SAML
/// assertion) and the browser goes to the host application with it.
pub async fn finish(
    state: &AppState,
    connection: &SsoConnection,
    login: SsoLogin,
    target: Target,
) -> Result<Response, LoginFailure> {
    let assertion_id = login.assertion.as_ref().map(|(id, _)| id.clone());
    match state
        .store
        .complete_sso_login(connection, login)
        .await
        .map_err(LoginFailure::internal)?
    {
        LoginCompletion::Minted(code) => {
            let location = redirect_with_code(
                &target.redirect_uri,
                code.expose(),
                target.app_state.as_deref(),
            );
            let clear = target.flow_id.as_deref().and_then(browser::clear_cookie);
            Ok(found(&location, clear))
        }
        LoginCompletion::Replayed => Err(LoginFailure::new(
            StatusCode::BAD_REQUEST,
            "assertion_replayed",
            "This assertion was already used to sign in; each one is accepted once. Start the \
             sign-in again from the application.",
            WhoMustAct::User,
        )
        .values(Some("an assertion ID not seen before".into()), assertion_id)
        .on(connection)),
    }
}

/// The failure for an IdP answer sent to the other protocol's endpoint.
pub fn wrong_protocol(connection: &SsoConnection) -> LoginFailure {
    let (code, message) = match connection.protocol {
        store::SsoProtocol::Saml(_) => (
            "not_an_oidc_connection",
            "This connection signs in with SAML; the IdP must post to its ACS URL.",
        ),
        store::SsoProtocol::Oidc(_) => (
            "not_a_saml_connection",
            "This connection signs in with OIDC, not SAML; the IdP must use its callback URL.",
        ),
    };
    LoginFailure::new(StatusCode::NOT_FOUND, code, message, WhoMustAct::IdpAdmin).on(connection)
}

/// A 302 to `location`, optionally setting a cookie; never cached.
pub fn found(location: &str, cookie: Option<HeaderValue>) -> Response {
    let mut response = (
        StatusCode::FOUND,
        [
            (header::LOCATION, location.to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Appends `code` and `state` to a registered redirect URI.
fn redirect_with_code(redirect_uri: &str, code: &str, app_state: Option<&str>) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut pairs = url.query_pairs_mut();
                pairs.append_pair("code", code);
                if let Some(s) = app_state {
                    pairs.append_pair("state", s);
                }
            }
            url.to_string()
        }
        // Registered URIs are validated as absolute URLs on the way in.
        Err(_) => redirect_uri.to_owned(),
    }
}
