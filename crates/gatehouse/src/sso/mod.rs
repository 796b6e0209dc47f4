//! The public sign-in routes (`/sso/…`): where browsers start a sign-in, where IdPs send
//! their answers, and where IdPs read our SAML metadata.
//!
//! - `GET /sso/{connection}/start?redirect_uri=…&state=…` — remembers the host application's
//!   redirect (only a registered one) and state server-side, binds the flow to the browser
//!   with a cookie, and redirects to the IdP.
//! - `POST /sso/saml/{connection}/acs` — verifies the SAML response ([`saml::verify_response`])
//!   against the connection's certificates and the request this browser started.
//! - `GET /sso/oidc/{connection}/callback` — exchanges the code, validates the ID token.
//! - `GET /sso/saml/{connection}/metadata` — our SP metadata.
//!
//! Success is a 302 to the registered redirect URI with a one-time `code` (redeemed at
//! `POST /api/v1/sso/token`) and the host's `state`; every failure is a 4xx page or JSON
//! ([`failure`]), recorded before it is answered. No admin token is involved: the IdP's
//! signature authenticates, so these routes load connections with
//! [`store::Store::sso_connection_unscoped`]. They carry no CSRF protection on purpose: the
//! ACS receives a cross-site POST by design, and the flow cookie plus `InResponseTo` are what
//! tie an answer to the browser that asked.

pub mod browser;
pub mod failure;
pub mod fetch;
pub mod flow;
pub mod oidc;
pub mod profile;
pub mod provider;
pub mod refresh;
pub mod saml;
pub mod settings;
pub mod sp_cache;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use store::{SsoConnection, SsoConnectionId, SsoProtocol};

use crate::http::extract::RequestId;
use crate::state::AppState;
use failure::{LoginFailure, Responder};

/// What the SSO routes share beyond the store: HTTP clients and per-connection caches.
#[derive(Clone, Debug)]
pub struct SsoRuntime {
    /// Fetches IdP metadata: timeouts, a few redirects (http and https only), a size cap.
    pub metadata_client: reqwest::Client,
    /// Talks to OIDC providers: timeouts, no redirects (SSRF), a size cap.
    pub oidc_client: reqwest::Client,
    /// Discovered OIDC provider metadata and keys, per connection.
    pub providers: Arc<provider::ProviderCache>,
    /// Parsed SAML certificates and SP keys, per connection revision.
    pub saml_keys: Arc<sp_cache::SpCache>,
    /// Rate limit on metadata refreshes forced by signature failures.
    pub cooldowns: Arc<refresh::Cooldowns>,
}

impl Default for SsoRuntime {
    fn default() -> Self {
        Self {
            metadata_client: fetch::metadata_client(),
            oidc_client: fetch::oidc_client(),
            providers: Arc::default(),
            saml_keys: Arc::default(),
            cooldowns: Arc::new(refresh::Cooldowns::default()),
        }
    }
}

/// The public sign-in routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sso/{connection}/start", get(start))
        .route("/sso/saml/{connection}/acs", post(saml::acs))
        .route("/sso/saml/{connection}/metadata", get(saml::metadata))
        .route("/sso/oidc/{connection}/callback", get(oidc::callback))
}

/// The URLs a connection is known by, derived from the public base URL.
#[derive(Clone, Debug)]
pub struct ConnectionUrls {
    /// SP entity ID (also where the SP metadata is served).
    pub sp_entity_id: String,
    /// SAML ACS.
    pub acs_url: String,
    /// SP metadata.
    pub sp_metadata_url: String,
    /// Where the host application sends browsers to sign in.
    pub start_url: String,
    /// OIDC redirect URI at the IdP.
    pub callback_url: String,
}

impl ConnectionUrls {
    /// The URLs of connection `id` under `public_url`.
    pub fn new(public_url: &str, id: &SsoConnectionId) -> Self {
        let id = id.url_form();
        let metadata = format!("{public_url}/sso/saml/{id}/metadata");
        Self {
            sp_entity_id: metadata.clone(),
            acs_url: format!("{public_url}/sso/saml/{id}/acs"),
            sp_metadata_url: metadata,
            start_url: format!("{public_url}/sso/{id}/start"),
            callback_url: format!("{public_url}/sso/oidc/{id}/callback"),
        }
    }
}

/// Query of `/sso/{connection}/start`.
#[derive(Debug, Deserialize)]
pub struct StartParams {
    /// One of the connection's registered redirect URIs.
    pub redirect_uri: Option<String>,
    /// Opaque host-application state, returned with the code.
    pub state: Option<String>,
}

/// The longest host-application `state` carried through a sign-in.
const MAX_STATE: usize = 2048;

/// Loads the connection named in a public route, or the failure to answer with.
pub(crate) async fn load_connection(
    state: &AppState,
    raw: &str,
) -> Result<SsoConnection, LoginFailure> {
    let id = SsoConnectionId::parse_url_form(raw).ok_or_else(LoginFailure::unknown_connection)?;
    state
        .store
        .sso_connection_unscoped(&id)
        .await
        .map_err(LoginFailure::internal)?
        .ok_or_else(LoginFailure::unknown_connection)
}

/// `GET /sso/{connection}/start`: checks the redirect URI against the registered ones and
/// hands over to the protocol.
async fn start(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    query: axum::extract::RawQuery,
) -> Response {
    let responder = Responder::new(&state, &headers, request_id);
    let result = async {
        let connection = load_connection(&state, &raw).await?;
        let params: StartParams = serde_urlencoded::from_str(query.0.as_deref().unwrap_or(""))
            .map_err(|e| {
                LoginFailure::bad_request("invalid_start_request", e.to_string()).on(&connection)
            })?;
        let redirect_uri = checked_redirect(&connection, params.redirect_uri.as_deref())?;
        if params.state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
            return Err(LoginFailure::bad_request(
                "invalid_start_request",
                format!("state must be at most {MAX_STATE} bytes"),
            )
            .on(&connection));
        }
        let request = flow::StartRequest {
            redirect_uri,
            app_state: params.state,
        };
        match &connection.protocol {
            SsoProtocol::Saml(config) => saml::start(&state, &connection, config, request).await,
            SsoProtocol::Oidc(config) => oidc::start(&state, &connection, config, request).await,
        }
    }
    .await;
    responder.finish(result).await
}

/// The redirect URI to use: the requested one if registered, else an error naming the
/// registered ones; the only one when none is requested and exactly one is registered.
fn checked_redirect(
    connection: &SsoConnection,
    requested: Option<&str>,
) -> Result<String, LoginFailure> {
    match requested {
        Some(uri) if connection.redirect_uris.iter().any(|r| r == uri) => Ok(uri.to_owned()),
        Some(uri) => Err(LoginFailure::redirect_not_registered(connection, uri)),
        None => match connection.redirect_uris.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(LoginFailure::bad_request(
                "redirect_uri_required",
                "redirect_uri is required: this connection registers several".to_owned(),
            )
            .on(connection)),
        },
    }
}
