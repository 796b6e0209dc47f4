//! Applications with their user and group assignments.
//!
//! The create body's fields (`settings`, `credentials`, `features`, …) are kept as
//! JSON exactly as sent, so SAML and OIDC settings round-trip faithfully and the
//! SSO/provisioning parts of the simulator can read them later.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Millis;

/// A stored application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct App {
    /// `0oa…` (also the OAuth `client_id` of OIDC and service apps).
    pub id: String,
    /// App name (`bookmark`, `oidc_client`, `acme_saasapp_1`, …).
    pub name: String,
    /// Display label.
    pub label: String,
    /// `ACTIVE` or `INACTIVE`.
    pub active: bool,
    /// `SAML_2_0`, `OPENID_CONNECT`, `BOOKMARK`, …
    pub sign_on_mode: String,
    /// Creation time.
    pub created: Millis,
    /// Last change.
    pub last_updated: Millis,
    /// SAML external key (`exk…`), used in IdP URLs and the issuer.
    pub external_key: String,
    /// Every other top-level field of the app object, preserved as sent.
    pub body: Map<String, Value>,
    /// Okta API scopes granted to the app (`/api/v1/apps/{id}/grants`).
    pub grants: Vec<String>,
    /// Admin roles assigned to the app (`SUPER_ADMIN`, `READ_ONLY_ADMIN`, …).
    pub roles: Vec<String>,
    /// Direct user assignments by user id.
    pub users: BTreeMap<String, AppUser>,
    /// Group assignments by group id.
    pub groups: BTreeMap<String, AppGroup>,
    /// SAML signing key credentials (`/api/v1/apps/{id}/credentials/keys`); the one
    /// named by `credentials.signing.kid` signs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<AppKey>,
    /// The OIDC app's ID-token groups claim (Okta's Sign On tab, stored through
    /// `/api/v1/internal/apps/{id}/settings/oauth/idToken`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_claim: Option<Value>,
}

impl App {
    /// A setting under `settings.oauthClient`, for OAuth clients.
    pub fn oauth_setting(&self, key: &str) -> Option<&Value> {
        self.body.get("settings")?.get("oauthClient")?.get(key)
    }

    /// Whether the list `settings.oauthClient.{key}` (`redirect_uris`, `grant_types`,
    /// `response_types`, …) holds `value` exactly.
    pub fn oauth_list_has(&self, key: &str, value: &str) -> bool {
        !value.is_empty()
            && self
                .oauth_setting(key)
                .and_then(Value::as_array)
                .is_some_and(|list| list.iter().any(|v| v.as_str() == Some(value)))
    }

    /// A field under `credentials.oauthClient` (`client_secret`, `token_endpoint_auth_method`).
    pub fn oauth_credential(&self, key: &str) -> Option<&str> {
        self.body
            .get("credentials")?
            .get("oauthClient")?
            .get(key)?
            .as_str()
    }

    /// `settings.signOn`, for SAML apps.
    pub fn sign_on(&self) -> Option<&Value> {
        self.body.get("settings")?.get("signOn")
    }

    /// The active SAML signing key id (`credentials.signing.kid`).
    pub fn signing_kid(&self) -> Option<&str> {
        self.body
            .get("credentials")?
            .get("signing")?
            .get("kid")?
            .as_str()
    }

    /// The application username template (`credentials.userNameTemplate.template`),
    /// `${source.login}` when unset.
    pub fn user_name_template(&self) -> &str {
        self.body
            .get("credentials")
            .and_then(|c| c.get("userNameTemplate"))
            .and_then(|t| t.get("template"))
            .and_then(Value::as_str)
            .unwrap_or("${source.login}")
    }

    /// Whether the app is active and signs users in with this mode.
    pub fn is_active(&self, sign_on_mode: &str) -> bool {
        self.active && self.sign_on_mode == sign_on_mode
    }
}

/// A SAML signing key credential of an app: an RSA key with a self-signed X.509
/// certificate (Okta's are SHA-256-with-RSA, 2048 bits).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppKey {
    /// Key id, referenced by `credentials.signing.kid`.
    pub kid: String,
    /// Creation time.
    pub created: Millis,
    /// Certificate expiry (`expiresAt`).
    pub expires_at: Millis,
    /// PKCS#8 PEM private key.
    pub key_pem: String,
    /// The certificate, base64 DER (the JWK `x5c` entry).
    pub certificate: String,
}

/// A direct app-user assignment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppUser {
    /// The Okta user id.
    pub user_id: String,
    /// The assignment's own id (`0ua…`), used as System Log `AppUser` target.
    pub assignment_id: String,
    /// Creation time.
    pub created: Millis,
    /// Last change.
    pub last_updated: Millis,
    /// App-user status (`PROVISIONED`, `ACTIVE`, …).
    pub status: String,
    /// `credentials` as sent (e.g. `userName`).
    pub credentials: Value,
    /// App profile as sent.
    pub profile: Value,
    /// The id the downstream app gave the user (SCIM `id`).
    pub external_id: Option<String>,
}

/// A group assignment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppGroup {
    /// The group id.
    pub group_id: String,
    /// Assignment priority.
    pub priority: i64,
    /// App profile for the group's members.
    pub profile: Value,
    /// Last change.
    pub last_updated: Millis,
}
