//! The authorization endpoint (`/oauth2/v1/authorize`, `/oauth2/default/v1/authorize`):
//! Okta's checks in Okta's order. Problems with `client_id` or `redirect_uri` end on
//! an error page (the redirect cannot be trusted); every later problem goes back to
//! the client as `?error=…&error_description=…&state=…`.

use serde::Deserialize;

use super::{CODE_TTL_MS, Grant, SCOPES, Server};
use crate::idp::{self, SsoError};
use crate::ids;
use crate::model::app::App;
use crate::model::log::Actor;
use crate::org::Ctx;
use crate::session::Session;
use crate::sim::Sim;

/// The authorization request's parameters.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuthorizeRequest {
    /// The client (the OIDC app's id).
    pub client_id: Option<String>,
    /// Must be `code`.
    pub response_type: Option<String>,
    /// `query` (default), `fragment` or `form_post`.
    pub response_mode: Option<String>,
    /// Space-separated scopes.
    pub scope: Option<String>,
    /// One of the app's registered redirect URIs, exactly.
    pub redirect_uri: Option<String>,
    /// Echoed back to the client.
    pub state: Option<String>,
    /// Echoed in the ID token.
    pub nonce: Option<String>,
    /// PKCE challenge (base64url SHA-256 of the verifier).
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    pub code_challenge_method: Option<String>,
    /// `none` fails with `login_required` when no session exists.
    pub prompt: Option<String>,
}

/// How the answer travels back to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// `?code=…&state=…`
    Query,
    /// `#code=…&state=…`
    Fragment,
    /// An auto-submitting form POSTed to the redirect URI.
    FormPost,
}

/// What the endpoint answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Okta's error page (bad `client_id` or `redirect_uri`).
    Page {
        /// HTTP status.
        status: u16,
        /// OAuth error code.
        error: &'static str,
        /// Okta's description.
        description: String,
    },
    /// No session: send the browser to the login page and back.
    Login,
    /// Back to the client with a code or an error.
    Respond {
        /// The registered redirect URI.
        redirect_uri: String,
        /// How.
        mode: ResponseMode,
        /// `code`/`state` or `error`/`error_description`/`state`.
        params: Vec<(&'static str, String)>,
    },
}

struct ClientError(&'static str, String);

/// Runs the authorization endpoint for `req` with the browser's session.
pub fn authorize(
    sim: &Sim,
    server: &Server,
    req: &AuthorizeRequest,
    session: Option<&Session>,
) -> Outcome {
    let now = sim.clock.now();
    let org = sim.read();
    let page = |error, description: &str| Outcome::Page {
        status: 400,
        error,
        description: description.to_owned(),
    };
    let Some(app) = req
        .client_id
        .as_deref()
        .and_then(|id| org.apps.get(id))
        .filter(|a| a.sign_on_mode == "OPENID_CONNECT")
    else {
        return page("invalid_client", "Invalid value for 'client_id' parameter.");
    };
    let redirect_uri = req.redirect_uri.clone().unwrap_or_default();
    if !app.oauth_list_has("redirect_uris", &redirect_uri) {
        return page(
            "invalid_request",
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
        );
    }
    let mode = match req.response_mode.as_deref() {
        None | Some("query") => ResponseMode::Query,
        Some("fragment") => ResponseMode::Fragment,
        Some("form_post") => ResponseMode::FormPost,
        Some(_) => {
            return respond(
                redirect_uri,
                ResponseMode::Query,
                req,
                Err(ClientError(
                    "invalid_request",
                    "The 'response_mode' parameter is invalid.".into(),
                )),
            );
        }
    };
    let scopes = match check(app, req) {
        Ok(scopes) => scopes,
        Err(e) => return respond(redirect_uri, mode, req, Err(e)),
    };
    let Some(session) = session else {
        if req.prompt.as_deref() == Some("none") {
            return respond(
                redirect_uri,
                mode,
                req,
                Err(ClientError(
                    "login_required",
                    "The client specified not to prompt, but the user is not logged in.".into(),
                )),
            );
        }
        return Outcome::Login;
    };
    let app_id = app.id.clone();
    let access = idp::check_access(&org, app, &session.user_id).map(|_| ());
    drop(org);
    let actor = sim
        .read()
        .user(&session.user_id)
        .map(|u| Actor::end_user(&u.id, u.login(), &u.display_name(), "/oauth2/v1/authorize"))
        .unwrap_or_else(Actor::system);
    let ctx = Ctx { actor, now };
    if let Err(e) = access {
        let mut org = sim.write();
        let targets = vec![org.app_target(&app_id), org.user_target(&session.user_id)];
        let event = match e {
            SsoError::NotAssigned(_) => "app.generic.unauth_app_access_attempt",
            _ => "user.authentication.sso",
        };
        org.log_event_with(&ctx, event, targets, "FAILURE", Some(e.reason()));
        let description = match e {
            SsoError::NotAssigned(_) => "User is not assigned to the client application.".into(),
            other => other.to_string(),
        };
        return respond(
            redirect_uri,
            mode,
            req,
            Err(ClientError("access_denied", description)),
        );
    }
    let code = ids::random_string(&mut rand::rng(), "", 43);
    sim.oidc.add_code(
        &code,
        Grant {
            server: server.clone(),
            client_id: app_id.clone(),
            user_id: session.user_id.clone(),
            redirect_uri: redirect_uri.clone(),
            scopes,
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            auth_time: session.authenticated,
            expires: now + CODE_TTL_MS,
        },
        now,
    );
    let mut org = sim.write();
    let targets = vec![org.app_target(&app_id), org.user_target(&session.user_id)];
    org.log_event(&ctx, "user.authentication.sso", targets.clone());
    org.log_event(
        &ctx,
        &format!("{}.authorize.code", server.event_prefix()),
        targets,
    );
    respond(redirect_uri, mode, req, Ok(code))
}

/// Everything that can be checked before the user is known; returns the scopes.
fn check(app: &App, req: &AuthorizeRequest) -> Result<Vec<String>, ClientError> {
    let err = |e, d: &str| Err(ClientError(e, d.to_owned()));
    if !app.active {
        return err("access_denied", "The client application is not active.");
    }
    match req.response_type.as_deref() {
        Some("code") if app.oauth_list_has("response_types", "code") => {}
        Some("code") | None => {
            return err(
                "unsupported_response_type",
                "The response type is not supported by the authorization server. Configured response types: [code].",
            );
        }
        Some(_) => {
            return err(
                "unsupported_response_type",
                "The response type is not supported by the authorization server.",
            );
        }
    }
    if !app.oauth_list_has("grant_types", "authorization_code") {
        return err(
            "unauthorized_client",
            "The client is not authorized to use the provided grant type. Configured grant types: [client_credentials].",
        );
    }
    let scopes = crate::oauth::scopes(req.scope.as_deref());
    if scopes.is_empty() {
        return err(
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        );
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(ClientError(
            "invalid_scope",
            format!(
                "One or more scopes are not configured for the authorization server resource: {bad}."
            ),
        ));
    }
    match (
        req.code_challenge.as_deref(),
        req.code_challenge_method.as_deref(),
    ) {
        (None, _) if pkce_required(app) => err(
            "invalid_request",
            "PKCE code challenge is required by the client application.",
        ),
        (None, Some(_)) => err(
            "invalid_request",
            "The 'code_challenge' parameter is required when 'code_challenge_method' is present.",
        ),
        (None, None) => Ok(scopes),
        (Some(_), method) if method != Some("S256") => err(
            "invalid_request",
            "PKCE code challenge method is not supported; it must be 'S256'.",
        ),
        (Some(c), _) if !(43..=128).contains(&c.len()) => err(
            "invalid_request",
            "PKCE code challenge must be at least 43 characters and no more than 128 characters.",
        ),
        (Some(_), _) => Ok(scopes),
    }
}

fn pkce_required(app: &App) -> bool {
    let public = app.oauth_credential("token_endpoint_auth_method") == Some("none");
    app.oauth_setting("pkce_required")
        .and_then(|v| v.as_bool())
        .unwrap_or(public)
}

fn respond(
    redirect_uri: String,
    mode: ResponseMode,
    req: &AuthorizeRequest,
    result: Result<String, ClientError>,
) -> Outcome {
    let mut params = match result {
        Ok(code) => vec![("code", code)],
        Err(ClientError(e, d)) => vec![("error", e.to_owned()), ("error_description", d)],
    };
    if let Some(state) = &req.state {
        params.push(("state", state.clone()));
    }
    Outcome::Respond {
        redirect_uri,
        mode,
        params,
    }
}
