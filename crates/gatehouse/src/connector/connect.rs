//! Connecting an Okta org as an admin pastes it: the domain normalised, the credentials
//! tested against the org (the permission probe), and what will not work said up front —
//! before anything is saved.

use axum::http::StatusCode;
use okta::client::{Client, ClientConfig};
use okta::error::Error as OktaClientError;
use okta::probe::{Access, Capabilities};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{NewOktaDirectory, OktaAuth, OktaConnection};
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::credentials_for;
use super::schedule::parse_schedule;
use crate::http::error::ApiError;

/// How an Okta API directory authenticates, as the admin API receives it.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OktaAuthInput {
    /// An SSWS API token.
    ApiToken {
        /// The token.
        token: String,
    },
    /// An OAuth 2.0 service app (`private_key_jwt`).
    OauthServiceApp {
        /// The app's client id.
        client_id: String,
        /// The private key registered with the app (PEM).
        private_key_pem: String,
        /// The registered key's `kid`.
        key_id: Option<String>,
        /// Scopes to request (default: everything the connector uses).
        scopes: Option<Vec<String>>,
    },
}

/// What an admin sends to connect an Okta org.
pub struct ConnectInput {
    /// A label.
    pub name: String,
    /// The domain as pasted.
    pub domain: String,
    /// The credentials.
    pub auth: Value,
    /// `"15m"`, `"1h"`, …
    pub schedule: Option<String>,
    /// Allow `http://127.0.0.1:…` (okta-sim only).
    pub allow_insecure_http: bool,
    /// The profile attribute the registration endpoint sets (e.g. `byndidRegistered`).
    pub registration_attribute: Option<String>,
}

fn describe(access: &Access) -> Value {
    match access {
        Access::Allowed => json!({ "allowed": true }),
        Access::Denied(e) => json!({
            "allowed": false,
            "reason": format!("{} {}", e.error_code, e.error_summary),
        }),
        Access::Unknown(why) => json!({ "allowed": null, "reason": why }),
    }
}

/// What the probe found, as shown to admins.
pub fn capabilities_json(c: &Capabilities) -> Value {
    json!({
        "read_users": describe(&c.read_users),
        "read_groups": describe(&c.read_groups),
        "read_apps": describe(&c.read_apps),
        "read_logs": describe(&c.read_logs),
        "manage_users": describe(&c.manage_users),
        "manage_groups": describe(&c.manage_groups),
        "principal": c.principal,
        "granted_scopes": c.granted_scopes,
        "denied_actions": c.denied_actions(),
    })
}

/// A 422 for credentials the org refused or could not be checked with.
fn refused(err: &OktaClientError, org: &str) -> ApiError {
    let (code, message) = match err {
        OktaClientError::Okta(e) | OktaClientError::Token(e) => (
            "okta_credentials_rejected",
            format!(
                "{org} refused the credentials: {} ({})",
                e.error_summary, e.error_code
            ),
        ),
        OktaClientError::Key(e) => (
            "okta_private_key_invalid",
            format!("the private key cannot be used: {e}"),
        ),
        OktaClientError::Transport(e) => (
            "okta_unreachable",
            format!("cannot reach {org}: {e}; check the domain"),
        ),
        other => ("okta_unexpected_response", format!("{org}: {other}")),
    };
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// Normalises the domain, tests the credentials against the org and returns what to
/// store. Every refusal is a 422 saying what is wrong.
pub async fn connect(input: ConnectInput) -> Result<NewOktaDirectory, ApiError> {
    let auth: OktaAuthInput = serde_json::from_value(input.auth).map_err(|err| {
        ApiError::validation(format!(
            "auth must be {{\"type\":\"api_token\",\"token\"}} or \
             {{\"type\":\"oauth_service_app\",\"client_id\",\"private_key_pem\"}}: {err}"
        ))
    })?;
    let schedule_secs = input
        .schedule
        .as_deref()
        .map(parse_schedule)
        .transpose()
        .map_err(ApiError::validation)?;
    store::validate_schedule(schedule_secs)?;
    let org = okta::domain::OrgUrl::parse(
        &input.domain,
        okta::domain::DomainOptions {
            allow_insecure_http: input.allow_insecure_http,
        },
    )
    .map_err(|err| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_okta_domain",
            err.to_string(),
        )
        .with_detail(json!({ "reason": err.code() }))
    })?;
    let (auth, secret) = match auth {
        OktaAuthInput::ApiToken { token } => (OktaAuth::ApiToken, Zeroizing::new(token)),
        OktaAuthInput::OauthServiceApp {
            client_id,
            private_key_pem,
            key_id,
            scopes,
        } => (
            OktaAuth::OauthServiceApp {
                client_id,
                key_id,
                scopes,
            },
            Zeroizing::new(private_key_pem),
        ),
    };
    if secret.trim().is_empty() {
        return Err(ApiError::validation("the credential is empty"));
    }
    let mut connection = OktaConnection {
        org_url: org.as_str().to_owned(),
        auth,
        allow_insecure_http: input.allow_insecure_http,
        schedule_secs,
        capabilities: Value::Null,
        registration_attribute: input.registration_attribute,
    };
    let credentials = credentials_for(&connection.auth, secret.to_string());
    let mut config = ClientConfig::new(org.clone(), credentials);
    // An admin is waiting: a wrong domain should fail in seconds, not after a long backoff.
    config.max_retries = 1;
    let client = Client::new(config).map_err(|err| refused(&err, org.as_str()))?;
    let capabilities = client
        .probe()
        .await
        .map_err(|err| refused(&err, org.as_str()))?;
    if !capabilities.can_sync() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "okta_permissions_insufficient",
            "the credentials cannot read users, groups and apps, which a sync needs; \
             use a token of a (read-only) administrator or grant the okta.*.read scopes",
        )
        .with_detail(capabilities_json(&capabilities)));
    }
    connection.capabilities = capabilities_json(&capabilities);
    Ok(NewOktaDirectory {
        name: input.name,
        connection,
        secret: Zeroizing::new(secret.as_bytes().to_vec()),
    })
}
