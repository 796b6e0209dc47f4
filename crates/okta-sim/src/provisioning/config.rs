//! An app's Provisioning tab: where the SCIM app lives, how Okta authenticates to it,
//! which features are on, how Okta talks to it (OIN or AIW), and the attribute
//! mappings. This is the body of `PUT /sim/v1/apps/{app}/provisioning`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `To App` features an Okta admin enables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// "Create Users": assignment searches by `userName` and creates.
    CreateUsers,
    /// "Update User Attributes": profile changes are pushed.
    UpdateAttributes,
    /// "Deactivate Users": unassignment and deactivation send `active: false`.
    DeactivateUsers,
    /// "Sync Password": the Okta password is sent on create and on change.
    SyncPassword,
    /// Group Push is allowed.
    GroupPush,
}

/// How Okta authenticates to the SCIM app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScimAuth {
    /// `Authorization: Bearer <token>` (the HTTP Header mode as Okta sends it).
    Bearer {
        /// The token.
        token: String,
    },
    /// `Authorization: <token>` with no scheme (OIN "Header" mode).
    Header {
        /// The raw header value.
        token: String,
    },
    /// `Authorization: Basic …` (AIW only).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// An OAuth 2.0 client-credentials token from `token_url`, refreshed when it
    /// expires or the SCIM app answers 401.
    Oauth {
        /// The token endpoint.
        token_url: String,
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: String,
        /// `basic` (default, RFC 6749's must-support) or `post`.
        #[serde(default)]
        client_auth: ClientAuthStyle,
    },
}

/// Where OAuth client credentials go in the token request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthStyle {
    /// `Authorization: Basic`.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form.
    Post,
}

/// Which Okta integration the app is, which decides PUT versus PATCH (§7.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppType {
    /// OIN catalog app: PATCH for (de)activation, passwords and groups; PUT for
    /// profile updates unless `patch_user_updates`.
    #[default]
    Oin,
    /// App Integration Wizard app: PUT for every user and group change.
    Aiw,
}

/// Okta's 429 handling (§7.1): honour an integer `Retry-After`, else wait
/// `default_wait_seconds`; double the wait each time; give up after `max_attempts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (Okta: 10).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Wait without a usable `Retry-After` (Okta: 300 s).
    #[serde(default = "default_wait")]
    pub default_wait_seconds: u64,
}

fn default_attempts() -> u32 {
    10
}

fn default_wait() -> u64 {
    300
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: default_attempts(),
            default_wait_seconds: default_wait(),
        }
    }
}

/// The provisioning configuration of one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisioningConfig {
    /// SCIM base URL; Okta appends `/Users` and `/Groups`.
    pub scim_base_url: String,
    /// Authentication.
    pub auth: ScimAuth,
    /// Enabled features (default: all five).
    #[serde(default = "all_features")]
    pub features: Vec<Feature>,
    /// OIN (default) or AIW request shapes.
    #[serde(default)]
    pub app_type: AppType,
    /// OIN "Support PATCH for User": profile updates as PATCH, not GET + PUT.
    #[serde(default)]
    pub patch_user_updates: bool,
    /// SCIM attribute path → Okta expression, over Okta's defaults (a `null`
    /// expression removes a default mapping).
    #[serde(default)]
    pub attribute_mappings: BTreeMap<String, Option<String>>,
    /// Members per Group Push PATCH.
    #[serde(default = "default_batch")]
    pub group_push_batch_size: usize,
    /// 429 handling.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Okta refuses base URLs with `_`; this lets a test use one anyway (not Okta).
    #[serde(default)]
    pub allow_underscore_in_url: bool,
}

fn all_features() -> Vec<Feature> {
    vec![
        Feature::CreateUsers,
        Feature::UpdateAttributes,
        Feature::DeactivateUsers,
        Feature::SyncPassword,
        Feature::GroupPush,
    ]
}

fn default_batch() -> usize {
    100
}

impl ProvisioningConfig {
    /// A config with every feature, OIN shapes and Okta's defaults.
    pub fn new(scim_base_url: impl Into<String>, auth: ScimAuth) -> Self {
        Self {
            scim_base_url: scim_base_url.into(),
            auth,
            features: all_features(),
            app_type: AppType::Oin,
            patch_user_updates: false,
            attribute_mappings: BTreeMap::new(),
            group_push_batch_size: default_batch(),
            retry: RetryPolicy::default(),
            allow_underscore_in_url: false,
        }
    }

    /// Whether a feature is on.
    pub fn has(&self, f: Feature) -> bool {
        self.features.contains(&f)
    }

    /// Okta's checks when the admin saves the Provisioning tab.
    pub fn validate(&self) -> Result<(), String> {
        let url = url::Url::parse(&self.scim_base_url)
            .map_err(|_| format!("scim_base_url {:?} is not a URL", self.scim_base_url))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("scim_base_url must be an http(s) URL".to_owned());
        }
        if self.scim_base_url.contains('_') && !self.allow_underscore_in_url {
            return Err(format!(
                "scim_base_url {:?} contains an underscore, which Okta does not allow in a SCIM connector base URL",
                self.scim_base_url
            ));
        }
        if self.group_push_batch_size == 0 {
            return Err("group_push_batch_size must be at least 1".to_owned());
        }
        if self.retry.max_attempts == 0 {
            return Err("retry.max_attempts must be at least 1".to_owned());
        }
        for (path, e) in &self.attribute_mappings {
            if let Some(e) = e {
                crate::expr::check(e).map_err(|e| format!("attribute_mappings.{path}: {e}"))?;
            }
        }
        Ok(())
    }

    /// The config as `GET /sim/v1/apps/{app}/provisioning` shows it: secrets masked.
    pub fn redacted(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(auth) = v.get_mut("auth").and_then(Value::as_object_mut) {
            for secret in ["token", "password", "client_secret"] {
                if auth.contains_key(secret) {
                    auth.insert(secret.to_owned(), json!("********"));
                }
            }
        }
        v
    }
}
