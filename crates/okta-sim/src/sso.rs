//! App operations shared by the HTTP routes and [`crate::SimHandle`]'s helpers:
//! creating apps (a SAML app gets its first signing key, as in Okta), generating
//! signing keys off the async threads, and issuing SAML Responses with their
//! System Log events.

use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::idp::{self, SamlPost, SignInRequest, SsoError, keys};
use crate::ids;
use crate::model::app::AppKey;
use crate::model::log::Actor;
use crate::org::Ctx;
use crate::sim::Sim;

/// Okta's default validity of a generated SAML signing certificate.
pub const DEFAULT_KEY_YEARS: u32 = 10;

/// `POST /api/v1/apps`: creates the app; a SAML app also gets an active signing key.
pub async fn create_app(sim: &Sim, ctx: &Ctx, body: &Value, activate: bool) -> ApiResult<String> {
    let saml = body.get("signOnMode").and_then(Value::as_str) == Some("SAML_2_0");
    let id = sim.write().create_app(ctx, body, activate)?;
    if saml {
        let key = new_key(sim, DEFAULT_KEY_YEARS).await?;
        sim.write().add_app_key(ctx, &id, key, true)?;
    }
    Ok(id)
}

/// Generates a signing key credential (RSA-2048, self-signed, `years` valid) on a
/// blocking thread.
pub async fn new_key(sim: &Sim, years: u32) -> ApiResult<AppKey> {
    let kid = ids::random_string(&mut rand::rng(), "", 43);
    let common_name = sim.read().subdomain.clone();
    let now = sim.clock.now();
    tokio::task::spawn_blocking(move || keys::generate(kid, &common_name, now, years))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|_| ApiError::internal())
}

/// Gives a SAML app that has none (a generated one) its first active signing key.
pub async fn ensure_signing_key(sim: &Sim, app_id: &str) -> ApiResult<()> {
    let needed = {
        let org = sim.read();
        let app = org
            .apps
            .get(app_id)
            .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
        app.sign_on_mode == "SAML_2_0" && keys::active(app).is_none()
    };
    if !needed {
        return Ok(());
    }
    let key = new_key(sim, DEFAULT_KEY_YEARS).await?;
    let ctx = sim.system_ctx();
    let mut org = sim.write();
    // Another request may have won the race; keep its key.
    if org
        .apps
        .get(app_id)
        .is_some_and(|a| keys::active(a).is_none())
    {
        org.add_app_key(&ctx, app_id, key, true)?;
    }
    Ok(())
}

/// Issues `user_id`'s Response from `app_id` and records the attempt in the System
/// Log (`user.authentication.sso`, or `app.generic.unauth_app_access_attempt` for
/// users who are not assigned).
pub fn sign_in(
    sim: &Sim,
    app_id: &str,
    user_id: &str,
    request: &SignInRequest,
    request_uri: &str,
) -> Result<SamlPost, SsoError> {
    let now = sim.clock.now();
    let result = {
        let org = sim.read();
        let app = org.apps.get(app_id).ok_or(SsoError::AppNotFound)?;
        idp::issue(&org, app, user_id, request, now)
    };
    let mut org = sim.write();
    let actor = match org.user(user_id) {
        Some(u) => Actor::end_user(&u.id, u.login(), &u.display_name(), request_uri),
        None => Actor::system(),
    };
    let ctx = Ctx { actor, now };
    let targets = vec![org.app_target(app_id), org.user_target(user_id)];
    match &result {
        Ok(_) => org.log_event(&ctx, "user.authentication.sso", targets),
        Err(e @ SsoError::NotAssigned(_)) => org.log_event_with(
            &ctx,
            "app.generic.unauth_app_access_attempt",
            targets,
            "FAILURE",
            Some(e.reason()),
        ),
        Err(e) => org.log_event_with(
            &ctx,
            "user.authentication.sso",
            targets,
            "FAILURE",
            Some(e.reason()),
        ),
    }
    result
}

/// IdP-initiated sign-in of `login` to a SAML app: the unsolicited Response with the
/// app's Default RelayState (or `relay_state`).
pub async fn idp_initiated(
    sim: &Sim,
    app_id: &str,
    login: &str,
    relay_state: Option<&str>,
) -> Result<SamlPost, SsoError> {
    let (user_id, default_relay) = {
        let org = sim.read();
        let app = org
            .apps
            .get(app_id)
            .filter(|a| a.sign_on_mode == "SAML_2_0")
            .ok_or(SsoError::AppNotFound)?;
        if !app.active {
            return Err(SsoError::AppInactive(app.label.clone()));
        }
        let user = org
            .find_user(login)
            .ok_or_else(|| SsoError::UnknownUser(login.to_owned()))?;
        let settings = idp::settings::SamlSettings::parse(app.sign_on())
            .map_err(|e| SsoError::Misconfigured(format!("{}: {}", e.field, e.reason)))?;
        (user.id.clone(), settings.default_relay_state)
    };
    ensure_signing_key(sim, app_id)
        .await
        .map_err(|e| SsoError::Misconfigured(e.summary))?;
    let request = SignInRequest {
        relay_state: relay_state.map(str::to_owned).or(default_relay),
        ..SignInRequest::default()
    };
    sign_in(
        sim,
        app_id,
        &user_id,
        &request,
        &format!("/sim/v1/apps/{app_id}/idp-initiated"),
    )
}
