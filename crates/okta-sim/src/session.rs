//! Okta sign-in sessions (the `sid` cookie) and the SAML requests parked while a
//! user signs in. The simulated login page and `/sim/v1/login` create sessions; the
//! SAML SSO URL and the OIDC authorize endpoint read them.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::clock::Millis;
use crate::idp::{SignInRequest, SsoError, can_sign_in};
use crate::ids;
use crate::org::{Ctx, Org};

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "sid";
/// Okta's default global session lifetime: two hours.
pub const SESSION_TTL_MS: Millis = 2 * 3600 * 1000;
/// How long a parked SAML request waits for the user to sign in.
const PENDING_TTL_MS: Millis = 10 * 60 * 1000;

/// One signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The cookie value.
    pub id: String,
    /// The Okta user.
    pub user_id: String,
    /// When the user authenticated (`auth_time`, `AuthnInstant`).
    pub authenticated: Millis,
    /// When the session ends.
    pub expires: Millis,
}

impl Session {
    /// The `Set-Cookie` value that carries this session.
    pub fn set_cookie(&self) -> String {
        format!("{COOKIE_NAME}={}; Path=/; HttpOnly; SameSite=Lax", self.id)
    }

    /// The `Cookie` request header value for this session.
    pub fn cookie(&self) -> String {
        format!("{COOKIE_NAME}={}", self.id)
    }
}

/// A SAML AuthnRequest accepted for an app, waiting for the user to sign in.
#[derive(Debug, Clone)]
pub struct PendingSaml {
    /// The app's id.
    pub app_id: String,
    /// What the request asked for.
    pub request: SignInRequest,
    expires: Millis,
}

/// Sessions and parked requests.
#[derive(Debug, Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    pending: Mutex<HashMap<String, PendingSaml>>,
}

impl Sessions {
    /// Starts a session for a user who just authenticated.
    pub fn start(&self, user_id: &str, now: Millis) -> Session {
        let session = Session {
            id: ids::random_string(&mut rand::rng(), "102", 25),
            user_id: user_id.to_owned(),
            authenticated: now,
            expires: now + SESSION_TTL_MS,
        };
        let mut all = lock(&self.sessions);
        all.retain(|_, s| s.expires > now);
        all.insert(session.id.clone(), session.clone());
        session
    }

    /// The live session named by the request's `sid` cookie.
    pub fn current(&self, headers: &HeaderMap, now: Millis) -> Option<Session> {
        let id = cookie_value(headers, COOKIE_NAME)?;
        lock(&self.sessions)
            .get(&id)
            .filter(|s| s.expires > now)
            .cloned()
    }

    /// Ends the session named by the request's cookie (sign-out).
    pub fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie_value(headers, COOKIE_NAME) {
            lock(&self.sessions).remove(&id);
        }
    }

    /// Parks a SAML request; returns the key to resume it with.
    pub fn park(&self, app_id: &str, request: SignInRequest, now: Millis) -> String {
        let key = ids::random_string(&mut rand::rng(), "", 32);
        let mut pending = lock(&self.pending);
        pending.retain(|_, p| p.expires > now);
        pending.insert(
            key.clone(),
            PendingSaml {
                app_id: app_id.to_owned(),
                request,
                expires: now + PENDING_TTL_MS,
            },
        );
        key
    }

    /// Takes a parked request back (once).
    pub fn resume(&self, key: &str, now: Millis) -> Option<PendingSaml> {
        lock(&self.pending).remove(key).filter(|p| p.expires > now)
    }
}

/// Authenticates a user by login (or id) as the login page does: only active users
/// (and those whose password expired) get a session. Success updates `lastLogin`;
/// both outcomes write `user.session.start` to the System Log.
pub fn authenticate(org: &mut Org, ctx: &Ctx, login: &str) -> Result<String, SsoError> {
    let user = org
        .find_user(login)
        .ok_or_else(|| SsoError::UnknownUser(login.to_owned()))?;
    let (id, status, login) = (user.id.clone(), user.status, user.login().to_owned());
    let target = org.user_target(&id);
    if !can_sign_in(status) {
        org.log_event_with(
            ctx,
            "user.session.start",
            vec![target],
            "FAILURE",
            Some("VERIFICATION_ERROR"),
        );
        return Err(SsoError::UserCannotSignIn(login, status.as_str()));
    }
    if let Some(u) = org.users.get_mut(&id) {
        u.last_login = Some(ctx.now);
    }
    org.log_event(ctx, "user.session.start", vec![target]);
    Ok(id)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}
