//! Typed Okta resources (okta-reference §3). Unknown fields are ignored and absent equals
//! null, as Okta documents; profile attributes outside the typed core set (custom
//! attributes included) are kept in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// A timestamp field that may be absent or null.
type Timestamp = Option<OffsetDateTime>;

/// An Okta user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// `00u…` id.
    pub id: String,
    /// Lifecycle status.
    pub status: UserStatus,
    /// Set during an asynchronous transition (`ACTIVE`, `PROVISIONED`, `DEPROVISIONED`).
    #[serde(default)]
    pub transitioning_to_status: Option<String>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created: Timestamp,
    /// Activation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub activated: Timestamp,
    /// Last status change.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub status_changed: Timestamp,
    /// Last sign-in.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_login: Timestamp,
    /// Last profile, credential or status change.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_updated: Timestamp,
    /// Last password change.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub password_changed: Timestamp,
    /// The user type (`oty…`).
    #[serde(default, rename = "type")]
    pub user_type: Option<TypeRef>,
    /// The profile.
    pub profile: UserProfile,
    /// Where credentials come from (`OKTA`, `ACTIVE_DIRECTORY`, `FEDERATION`, …).
    #[serde(default)]
    pub credentials: Option<UserCredentials>,
}

/// A reference to another object by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeRef {
    /// The referenced id.
    pub id: String,
}

/// The non-secret part of a user's credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCredentials {
    /// The credential provider.
    #[serde(default)]
    pub provider: Option<CredentialProvider>,
}

/// `credentials.provider`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialProvider {
    /// `OKTA`, `ACTIVE_DIRECTORY`, `LDAP`, `FEDERATION`, `SOCIAL`, `IMPORT`.
    #[serde(default, rename = "type")]
    pub provider_type: Option<String>,
    /// Provider name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A user's lifecycle status (okta-reference §3.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum UserStatus {
    /// Created, not activated.
    Staged,
    /// Activated, the user has not finished activation.
    Provisioned,
    /// Active.
    Active,
    /// Password reset in progress.
    Recovery,
    /// Must change password at next sign-in.
    PasswordExpired,
    /// Locked after failed sign-ins.
    LockedOut,
    /// Suspended by an admin.
    Suspended,
    /// Deactivated.
    Deprovisioned,
    /// Any status this crate does not know yet.
    Other(String),
}

impl UserStatus {
    /// Every documented status, as Okta spells it (used to list all users in one pass).
    pub const ALL: &'static [&'static str] = &[
        "STAGED",
        "PROVISIONED",
        "ACTIVE",
        "RECOVERY",
        "PASSWORD_EXPIRED",
        "LOCKED_OUT",
        "SUSPENDED",
        "DEPROVISIONED",
    ];

    /// Okta's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
            UserStatus::Other(s) => s,
        }
    }
}

impl From<String> for UserStatus {
    fn from(s: String) -> UserStatus {
        match s.as_str() {
            "STAGED" => UserStatus::Staged,
            "PROVISIONED" => UserStatus::Provisioned,
            "ACTIVE" => UserStatus::Active,
            "RECOVERY" => UserStatus::Recovery,
            "PASSWORD_EXPIRED" => UserStatus::PasswordExpired,
            "LOCKED_OUT" => UserStatus::LockedOut,
            "SUSPENDED" => UserStatus::Suspended,
            "DEPROVISIONED" => UserStatus::Deprovisioned,
            _ => UserStatus::Other(s),
        }
    }
}

impl From<UserStatus> for String {
    fn from(s: UserStatus) -> String {
        s.as_str().to_owned()
    }
}

/// A user profile: Okta's default attributes typed, everything else (custom attributes
/// such as `byndidRegistered`) in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    #[serde(default)]
    /// The `login` attribute.
    pub login: String,
    #[serde(default)]
    /// The `email` attribute.
    pub email: Option<String>,
    #[serde(default)]
    /// The `secondEmail` attribute.
    pub second_email: Option<String>,
    #[serde(default)]
    /// The `firstName` attribute.
    pub first_name: Option<String>,
    #[serde(default)]
    /// The `lastName` attribute.
    pub last_name: Option<String>,
    #[serde(default)]
    /// The `middleName` attribute.
    pub middle_name: Option<String>,
    #[serde(default)]
    /// The `honorificPrefix` attribute.
    pub honorific_prefix: Option<String>,
    #[serde(default)]
    /// The `honorificSuffix` attribute.
    pub honorific_suffix: Option<String>,
    #[serde(default)]
    /// The `title` attribute.
    pub title: Option<String>,
    #[serde(default)]
    /// The `displayName` attribute.
    pub display_name: Option<String>,
    #[serde(default)]
    /// The `nickName` attribute.
    pub nick_name: Option<String>,
    #[serde(default)]
    /// The `profileUrl` attribute.
    pub profile_url: Option<String>,
    #[serde(default)]
    /// The `mobilePhone` attribute.
    pub mobile_phone: Option<String>,
    #[serde(default)]
    /// The `primaryPhone` attribute.
    pub primary_phone: Option<String>,
    #[serde(default)]
    /// The `streetAddress` attribute.
    pub street_address: Option<String>,
    #[serde(default)]
    /// The `city` attribute.
    pub city: Option<String>,
    #[serde(default)]
    /// The `state` attribute.
    pub state: Option<String>,
    #[serde(default)]
    /// The `zipCode` attribute.
    pub zip_code: Option<String>,
    #[serde(default)]
    /// The `countryCode` attribute.
    pub country_code: Option<String>,
    #[serde(default)]
    /// The `postalAddress` attribute.
    pub postal_address: Option<String>,
    #[serde(default)]
    /// The `preferredLanguage` attribute.
    pub preferred_language: Option<String>,
    #[serde(default)]
    /// The `locale` attribute.
    pub locale: Option<String>,
    #[serde(default)]
    /// The `timezone` attribute.
    pub timezone: Option<String>,
    #[serde(default)]
    /// The `userType` attribute.
    pub user_type: Option<String>,
    #[serde(default)]
    /// The `employeeNumber` attribute.
    pub employee_number: Option<String>,
    #[serde(default)]
    /// The `costCenter` attribute.
    pub cost_center: Option<String>,
    #[serde(default)]
    /// The `organization` attribute.
    pub organization: Option<String>,
    #[serde(default)]
    /// The `division` attribute.
    pub division: Option<String>,
    #[serde(default)]
    /// The `department` attribute.
    pub department: Option<String>,
    #[serde(default)]
    /// The `managerId` attribute.
    pub manager_id: Option<String>,
    #[serde(default)]
    /// The `manager` attribute.
    pub manager: Option<String>,
    /// Custom and any other attributes, by Okta attribute name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An Okta group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// `00g…` id.
    pub id: String,
    /// Who manages the group.
    #[serde(rename = "type")]
    pub group_type: GroupType,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created: Timestamp,
    /// Last profile change.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_updated: Timestamp,
    /// Last membership change.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_membership_updated: Timestamp,
    /// e.g. `okta:user_group`, `okta:windows_security_principal`.
    #[serde(default)]
    pub object_class: Vec<String>,
    /// Name, description and any custom group attributes.
    pub profile: GroupProfile,
    /// `_embedded.stats` when listed with `expand=stats`.
    #[serde(default, rename = "_embedded", skip_serializing_if = "Option::is_none")]
    pub embedded: Option<GroupEmbedded>,
}

impl Group {
    /// The member count from `expand=stats`, when Okta sent it.
    pub fn users_count(&self) -> Option<u64> {
        self.embedded.as_ref()?.stats.as_ref()?.users_count
    }
}

/// `OKTA_GROUP`, `APP_GROUP`, `BUILT_IN` (okta-reference §3.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum GroupType {
    /// Managed in Okta.
    OktaGroup,
    /// Imported from an app (AD, LDAP, …); read-only in Okta.
    AppGroup,
    /// The `Everyone` group.
    BuiltIn,
    /// A type this crate does not know.
    Other(String),
}

impl GroupType {
    /// Okta's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            GroupType::OktaGroup => "OKTA_GROUP",
            GroupType::AppGroup => "APP_GROUP",
            GroupType::BuiltIn => "BUILT_IN",
            GroupType::Other(s) => s,
        }
    }
}

impl From<String> for GroupType {
    fn from(s: String) -> GroupType {
        match s.as_str() {
            "OKTA_GROUP" => GroupType::OktaGroup,
            "APP_GROUP" => GroupType::AppGroup,
            "BUILT_IN" => GroupType::BuiltIn,
            _ => GroupType::Other(s),
        }
    }
}

impl From<GroupType> for String {
    fn from(t: GroupType) -> String {
        t.as_str().to_owned()
    }
}

/// A group profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupProfile {
    /// Group name.
    #[serde(default)]
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Custom group attributes.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `_embedded` of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEmbedded {
    /// `expand=stats` counters.
    #[serde(default)]
    pub stats: Option<GroupStats>,
}

/// Group statistics from `expand=stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupStats {
    /// Number of members.
    #[serde(default)]
    pub users_count: Option<u64>,
    /// Number of apps assigned.
    #[serde(default)]
    pub apps_count: Option<u64>,
}

/// An app integration (okta-reference §3.5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    /// `0oa…` id.
    pub id: String,
    /// The app's key name, e.g. `acme_saasapp_1`.
    #[serde(default)]
    pub name: String,
    /// Display label.
    #[serde(default)]
    pub label: String,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default)]
    pub status: String,
    /// `SAML_2_0`, `OPENID_CONNECT`, `BOOKMARK`, …
    #[serde(default)]
    pub sign_on_mode: Option<String>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created: Timestamp,
    /// Last change.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_updated: Timestamp,
    /// Provisioning features.
    #[serde(default)]
    pub features: Vec<String>,
}

/// A user's assignment to an app (`GET /api/v1/apps/{id}/users`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppUser {
    /// The Okta user id.
    pub id: String,
    /// The id the downstream app gave the user.
    #[serde(default)]
    pub external_id: Option<String>,
    /// `USER` (direct) or `GROUP` (through a group assignment).
    #[serde(default)]
    pub scope: Option<String>,
    /// Assignment status (`ACTIVE`, `PROVISIONED`, …).
    #[serde(default)]
    pub status: Option<String>,
    /// Provisioning sync state.
    #[serde(default)]
    pub sync_state: Option<String>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created: Timestamp,
    /// Last change.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_updated: Timestamp,
    /// The app username.
    #[serde(default)]
    pub credentials: Option<AppUserCredentials>,
    /// The app-specific profile.
    #[serde(default)]
    pub profile: Map<String, Value>,
}

impl AppUser {
    /// True for a direct assignment (`scope: USER`); false when the user only has the app
    /// through a group (`scope: GROUP`), which is app groups × memberships.
    pub fn is_direct(&self) -> bool {
        !self
            .scope
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("GROUP"))
    }
}

/// The non-secret part of an app user's credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppUserCredentials {
    /// The username in the app.
    #[serde(default)]
    pub user_name: Option<String>,
}

/// A group's assignment to an app (`GET /api/v1/apps/{id}/groups`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppGroup {
    /// The Okta group id.
    pub id: String,
    /// Assignment priority.
    #[serde(default)]
    pub priority: Option<i64>,
    /// Last change.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_updated: Timestamp,
    /// The app-specific profile.
    #[serde(default)]
    pub profile: Map<String, Value>,
}

/// A System Log event, with the fields the connector uses (okta-reference §3.7).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    /// Event id; dedupe on it.
    pub uuid: String,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub published: OffsetDateTime,
    /// e.g. `user.lifecycle.deactivate`.
    pub event_type: String,
    /// Human-readable message.
    #[serde(default)]
    pub display_message: Option<String>,
    /// `INFO`, `WARN`, …
    #[serde(default)]
    pub severity: Option<String>,
    /// Who did it.
    #[serde(default)]
    pub actor: Option<LogTarget>,
    /// What it was done to; find entries by `type`, not position.
    #[serde(default)]
    pub target: Option<Vec<LogTarget>>,
    /// Whether it succeeded.
    #[serde(default)]
    pub outcome: Option<LogOutcome>,
    /// The transaction (with the SSWS token id that caused it).
    #[serde(default)]
    pub transaction: Option<LogTransaction>,
}

impl LogEvent {
    /// The first target of the given type (`User`, `UserGroup`, `AppInstance`, …).
    pub fn target_of_type(&self, kind: &str) -> Option<&LogTarget> {
        self.target
            .as_deref()?
            .iter()
            .find(|t| t.target_type.eq_ignore_ascii_case(kind))
    }

    /// True unless the outcome says the action did not happen.
    pub fn succeeded(&self) -> bool {
        match self.outcome.as_ref().and_then(|o| o.result.as_deref()) {
            None => true,
            Some(r) => matches!(r, "SUCCESS" | "ALLOW" | "UNKNOWN"),
        }
    }
}

/// An actor or target of a log event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTarget {
    /// Object id.
    pub id: String,
    /// `User`, `UserGroup`, `AppInstance`, `AppUser`, …
    #[serde(rename = "type", default)]
    pub target_type: String,
    /// Login or other alternate id.
    #[serde(default)]
    pub alternate_id: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `outcome` of a log event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogOutcome {
    /// `SUCCESS`, `FAILURE`, …
    #[serde(default)]
    pub result: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `transaction` of a log event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogTransaction {
    /// Transaction id.
    #[serde(default)]
    pub id: Option<String>,
    /// Details, including `requestApiTokenId`.
    #[serde(default)]
    pub detail: Option<Map<String, Value>>,
}

/// The user schema (`GET /api/v1/meta/schemas/user/default`), reduced to what tells the
/// connector which attributes exist and which are custom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSchema {
    /// `osc…` id (or the schema URL).
    #[serde(default)]
    pub id: String,
    /// Schema title.
    #[serde(default)]
    pub title: Option<String>,
    /// Base and custom definitions.
    #[serde(default)]
    pub definitions: SchemaDefinitions,
}

impl UserSchema {
    /// The custom attributes: name and JSON type (`string`, `boolean`, …).
    pub fn custom_attributes(&self) -> Vec<(String, String)> {
        self.definitions
            .custom
            .properties
            .iter()
            .map(|(name, p)| (name.clone(), p.attribute_type.clone().unwrap_or_default()))
            .collect()
    }
}

/// `definitions` of a schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaDefinitions {
    /// Okta's default attributes.
    #[serde(default)]
    pub base: SchemaSection,
    /// Custom attributes.
    #[serde(default)]
    pub custom: SchemaSection,
}

/// One section of a schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaSection {
    /// Attribute definitions by name.
    #[serde(default)]
    pub properties: std::collections::BTreeMap<String, SchemaProperty>,
}

/// One attribute definition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaProperty {
    /// Display title.
    #[serde(default)]
    pub title: Option<String>,
    /// JSON type.
    #[serde(default, rename = "type")]
    pub attribute_type: Option<String>,
}

/// `GET /.well-known/okta-organization` (okta-reference §1.3 step 7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgMetadata {
    /// `00o…` org id.
    pub id: String,
    /// `idx` (Identity Engine) or `v1` (Classic).
    pub pipeline: Option<String>,
    /// The canonical org URL (`_links.organization.href`).
    pub organization_url: Option<String>,
    /// A custom domain, if any (`_links.alternate.href`).
    pub alternate_url: Option<String>,
}

impl OrgMetadata {
    pub(crate) fn from_json(value: &Value) -> Option<OrgMetadata> {
        let href = |rel: &str| {
            value
                .pointer(&format!("/_links/{rel}/href"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Some(OrgMetadata {
            id: value.get("id")?.as_str()?.to_owned(),
            pipeline: value
                .get("pipeline")
                .and_then(Value::as_str)
                .map(str::to_owned),
            organization_url: href("organization"),
            alternate_url: href("alternate"),
        })
    }
}
