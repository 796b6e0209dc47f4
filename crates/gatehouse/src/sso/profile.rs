//! The normalized profile handed to the host application, built from a verified SAML
//! assertion or validated OIDC claims. Attribute names vary by IdP and by how the app was
//! set up, so each field accepts the usual spellings (Okta's short names, the claim URIs of
//! Microsoft-style IdPs, OIDC's standard claims).

use serde_json::{Map, Value};
use store::{SsoConnection, SsoProfile};

const EMAIL: &[&str] = &[
    "email",
    "Email",
    "mail",
    "emailaddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
];
const FIRST_NAME: &[&str] = &[
    "first_name",
    "firstName",
    "FirstName",
    "given_name",
    "givenName",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    "urn:oid:2.5.4.42",
];
const LAST_NAME: &[&str] = &[
    "last_name",
    "lastName",
    "LastName",
    "family_name",
    "surname",
    "sn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    "urn:oid:2.5.4.4",
];
const GROUPS: &[&str] = &[
    "groups",
    "Groups",
    "memberOf",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "http://schemas.xmlsoap.org/claims/Group",
];

/// A stable profile id for (connection, subject): the same person signing in through the
/// same connection always gets the same id.
pub fn profile_id(connection: &SsoConnection, subject: &str) -> String {
    let hash = store::secret_hash(&format!("{}\0{subject}", connection.id));
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("prof_{hex}")
}

/// The profile of a verified SAML assertion. Single-valued attributes become strings,
/// multi-valued ones arrays.
pub fn from_saml(connection: &SsoConnection, assertion: &saml::VerifiedAssertion) -> SsoProfile {
    let attributes = assertion.attributes();
    let first = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| attributes.get(*n).and_then(|v| v.first()))
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let subject = assertion.name_id().to_owned();
    let email = first(EMAIL).or_else(|| subject.contains('@').then(|| subject.clone()));
    let groups = GROUPS
        .iter()
        .find_map(|n| attributes.get(*n))
        .cloned()
        .unwrap_or_default();
    let attributes: Map<String, Value> = attributes
        .iter()
        .map(|(name, values)| {
            let value = match values.as_slice() {
                [one] => Value::String(one.clone()),
                many => Value::Array(many.iter().cloned().map(Value::String).collect()),
            };
            (name.clone(), value)
        })
        .collect();
    SsoProfile {
        id: profile_id(connection, &subject),
        email,
        first_name: first(FIRST_NAME),
        last_name: first(LAST_NAME),
        groups,
        attributes: Value::Object(attributes),
        idp_subject: subject,
        connection_id: connection.id.to_string(),
        org_id: connection.org_id.to_string(),
    }
}

/// The profile of validated OIDC claims (ID token merged with userinfo); `groups_claim`
/// names the claim holding groups.
pub fn from_oidc(
    connection: &SsoConnection,
    subject: &str,
    mut claims: Map<String, Value>,
    groups_claim: &str,
) -> SsoProfile {
    for protocol_only in ["nonce", "at_hash", "c_hash"] {
        claims.remove(protocol_only);
    }
    let text = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| claims.get(*n).and_then(Value::as_str))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let groups = match claims.get(groups_claim) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    SsoProfile {
        id: profile_id(connection, subject),
        email: text(EMAIL),
        first_name: text(FIRST_NAME),
        last_name: text(LAST_NAME),
        groups,
        attributes: Value::Object(claims),
        idp_subject: subject.to_owned(),
        connection_id: connection.id.to_string(),
        org_id: connection.org_id.to_string(),
    }
}
