//! Groups and their memberships.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Millis;

/// Okta's group types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GroupType {
    /// Managed in Okta.
    OktaGroup,
    /// Imported from an app (AD/LDAP); read-only in Okta.
    AppGroup,
    /// The `Everyone` group.
    BuiltIn,
}

impl GroupType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OktaGroup => "OKTA_GROUP",
            Self::AppGroup => "APP_GROUP",
            Self::BuiltIn => "BUILT_IN",
        }
    }

    /// The `objectClass` Okta reports for the type.
    pub fn object_class(self) -> &'static str {
        match self {
            Self::AppGroup => "okta:windows_security_principal",
            Self::OktaGroup | Self::BuiltIn => "okta:user_group",
        }
    }
}

/// A stored group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// `00g…`
    pub id: String,
    /// Type.
    pub kind: GroupType,
    /// Creation time.
    pub created: Millis,
    /// Last profile change.
    pub last_updated: Millis,
    /// Last membership change.
    pub last_membership_updated: Millis,
    /// `name`, `description` and any other profile attributes.
    pub profile: Map<String, Value>,
    /// Member user ids, ordered so member lists page stably.
    pub members: BTreeSet<String>,
    /// For APP_GROUPs: the app the group was imported from.
    pub source_app: Option<String>,
}

impl Group {
    /// The profile's `name`.
    pub fn name(&self) -> &str {
        self.profile
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}
