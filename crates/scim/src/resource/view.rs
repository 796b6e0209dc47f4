//! Typed, borrowing views of the fields the server needs from a stored User or Group.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value};

use crate::compare::{fold_case, parse_bool};
use crate::json::get_ci;

/// A `userName`, compared case-insensitively as RFC 7643 requires (`caseExact: false`).
/// Two names that differ only in case are equal and hash alike; [`UserName::key`] is the
/// folded form for a unique index.
#[derive(Debug, Clone)]
pub struct UserName(String);

impl UserName {
    /// Wraps a name as received (the original spelling is kept for display).
    pub fn new(name: impl Into<String>) -> Self {
        UserName(name.into())
    }

    /// The name as the client spelled it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The folded form ([`crate::fold_case`]) to store in a unique column.
    pub fn key(&self) -> Cow<'_, str> {
        fold_case(&self.0)
    }
}

impl PartialEq for UserName {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for UserName {}

impl Hash for UserName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

/// Read access to a User's well-known fields. Attribute names match case-insensitively.
#[derive(Debug, Clone, Copy)]
pub struct UserView<'a> {
    root: &'a Map<String, Value>,
}

impl<'a> UserView<'a> {
    /// A view of `resource`, or `None` if it is not a JSON object.
    pub fn new(resource: &'a Value) -> Option<Self> {
        resource.as_object().map(|root| UserView { root })
    }

    fn text(&self, key: &str) -> Option<&'a str> {
        get_ci(self.root, key).and_then(Value::as_str)
    }

    /// `userName`.
    pub fn user_name(&self) -> Option<&'a str> {
        self.text("userName")
    }

    /// `externalId` (Okta's id for the user; do not rely on it for identity).
    pub fn external_id(&self) -> Option<&'a str> {
        self.text("externalId")
    }

    /// `displayName`.
    pub fn display_name(&self) -> Option<&'a str> {
        self.text("displayName")
    }

    /// `active`, accepting Okta's `"True"`/`"False"` strings. A user without `active` is
    /// active: deactivation is always explicit (`active: false`).
    pub fn active(&self) -> bool {
        match get_ci(self.root, "active") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => parse_bool(s).unwrap_or(true),
            _ => true,
        }
    }

    fn name_part(&self, key: &str) -> Option<&'a str> {
        get_ci(self.root, "name")
            .and_then(Value::as_object)
            .and_then(|name| get_ci(name, key))
            .and_then(Value::as_str)
    }

    /// `name.givenName`.
    pub fn given_name(&self) -> Option<&'a str> {
        self.name_part("givenName")
    }

    /// `name.familyName`.
    pub fn family_name(&self) -> Option<&'a str> {
        self.name_part("familyName")
    }

    /// The `primary` email's `value`, else the first email's.
    pub fn email(&self) -> Option<&'a str> {
        let emails = get_ci(self.root, "emails")?.as_array()?;
        let is_primary = |e: &&Value| {
            e.as_object()
                .and_then(|m| get_ci(m, "primary"))
                .is_some_and(|p| {
                    p.as_bool() == Some(true) || p.as_str().and_then(parse_bool) == Some(true)
                })
        };
        emails
            .iter()
            .find(is_primary)
            .or_else(|| emails.first())
            .and_then(Value::as_object)
            .and_then(|m| get_ci(m, "value"))
            .and_then(Value::as_str)
    }
}

/// Read access to a Group's well-known fields.
#[derive(Debug, Clone, Copy)]
pub struct GroupView<'a> {
    root: &'a Map<String, Value>,
}

impl<'a> GroupView<'a> {
    /// A view of `resource`, or `None` if it is not a JSON object.
    pub fn new(resource: &'a Value) -> Option<Self> {
        resource.as_object().map(|root| GroupView { root })
    }

    /// `displayName`.
    pub fn display_name(&self) -> Option<&'a str> {
        get_ci(self.root, "displayName").and_then(Value::as_str)
    }

    /// `externalId`.
    pub fn external_id(&self) -> Option<&'a str> {
        get_ci(self.root, "externalId").and_then(Value::as_str)
    }

    /// The ids in `members[].value`, in order (elements without a string value are skipped).
    pub fn member_ids(&self) -> impl Iterator<Item = &'a str> + 'a {
        get_ci(self.root, "members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_object().and_then(|m| get_ci(m, "value")))
            .filter_map(Value::as_str)
    }
}
