//! Credentials for the Management API (okta-reference §2).
//!
//! Two kinds: an SSWS API token, sent as `Authorization: SSWS <token>`, or an OAuth 2.0
//! service app that signs a `private_key_jwt` client assertion, exchanges it at
//! `{org}/oauth2/v1/token` for a one-hour access token, and — when the app requires it —
//! binds that token to a DPoP key with a fresh proof on every request (§2.3). The pure
//! parts (key parsing, assertion and proof building, token-response parsing) live here;
//! the client drives the network side.

pub(crate) mod jwt;
mod key;
mod token;

pub use jwt::{DpopKey, client_assertion};
pub use key::{KeyError, SigningKey};
pub use token::{AccessToken, TokenKind};
pub(crate) use token::{TokenState, parse_token_response};

#[cfg(test)]
mod tests;

use crate::secret::Secret;

/// How the client authenticates to the org.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// An SSWS API token; it acts with the roles of the admin who created it.
    ApiToken(Secret),
    /// An OAuth 2.0 "API Services" app using `private_key_jwt`.
    ServiceApp(ServiceApp),
}

/// An OAuth 2.0 service app's settings.
#[derive(Clone, Debug)]
pub struct ServiceApp {
    /// The app's client id (`0oa…`), also the assertion's `iss` and `sub`.
    pub client_id: String,
    /// The private key registered with the app, PEM (RSA or EC, PKCS#8, PKCS#1 or SEC1).
    pub private_key_pem: Secret,
    /// The `kid` of the registered public key, sent in the assertion header.
    pub key_id: Option<String>,
    /// Scopes to request; `None` requests [`DEFAULT_SCOPES`] and falls back to
    /// [`READ_ONLY_SCOPES`] when the app has not been granted the manage scopes.
    pub scopes: Option<Vec<String>>,
    /// Whether to send DPoP proofs.
    pub dpop: DpopMode,
}

/// When to use DPoP-bound tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DpopMode {
    /// Start without DPoP and switch to it when the token endpoint says the app requires
    /// it (`invalid_dpop_proof`), which Admin-Console-created service apps usually do.
    #[default]
    Auto,
    /// Always send DPoP proofs.
    Always,
    /// Never send DPoP proofs.
    Never,
}

/// Scopes requested when none are configured: everything the connector uses.
pub const DEFAULT_SCOPES: &[&str] = &[
    "okta.users.read",
    "okta.users.manage",
    "okta.groups.read",
    "okta.groups.manage",
    "okta.apps.read",
    "okta.logs.read",
    "okta.schemas.read",
];

/// Scopes requested when the app refuses [`DEFAULT_SCOPES`] (`invalid_scope`): sync only.
pub const READ_ONLY_SCOPES: &[&str] = &[
    "okta.users.read",
    "okta.groups.read",
    "okta.apps.read",
    "okta.logs.read",
];
