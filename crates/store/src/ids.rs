//! Typed identifiers. On the wire each carries a kind prefix (`org_…`), so an id pasted into
//! the wrong field is refused instead of silently matching nothing.

use std::fmt;

/// Declares an id newtype with a prefix, a generator (UUIDv7: time-ordered, so ids sort by
/// creation) and a parser that checks the prefix.
macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The wire prefix, including the underscore.
            pub const PREFIX: &'static str = concat!($prefix, "_");

            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(format!("{}{}", Self::PREFIX, uuid::Uuid::now_v7().simple()))
            }

            /// Accepts an id from outside when it has this kind's prefix and a sane body.
            pub fn parse(raw: &str) -> Option<Self> {
                let body = raw.strip_prefix(Self::PREFIX)?;
                let sane = !body.is_empty()
                    && body.len() <= 64
                    && body.bytes().all(|b| b.is_ascii_alphanumeric());
                sane.then(|| Self(raw.to_owned()))
            }

            /// The id without its prefix (no underscore), for URLs handed to Okta, which
            /// refuses `_` in SCIM base URLs and Single sign-on URLs.
            pub fn url_form(&self) -> &str {
                self.0.strip_prefix(Self::PREFIX).unwrap_or(&self.0)
            }

            /// Accepts an id from a URL path in either form: full (`dir_…`) or
            /// [`url_form`](Self::url_form).
            pub fn parse_url_form(raw: &str) -> Option<Self> {
                if raw.starts_with(Self::PREFIX) {
                    Self::parse(raw)
                } else {
                    Self::parse(&format!("{}{raw}", Self::PREFIX))
                }
            }

            /// Wraps an id read back from the database (trusted, already validated on write).
            #[allow(dead_code, reason = "not every kind of id is read back as its type")]
            pub(crate) fn from_db(raw: String) -> Self {
                Self(raw)
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(
    /// An org (tenant): every other record hangs off one.
    OrgId,
    "org"
);
prefixed_id!(
    /// An admin API token's public id (the part before the dot).
    AdminTokenId,
    "tok"
);
prefixed_id!(
    /// An entry in the audit log.
    AuditId,
    "aud"
);
prefixed_id!(
    /// An event in the feed.
    EventId,
    "evt"
);
prefixed_id!(
    /// An SSO connection (SAML or OIDC) of an org.
    SsoConnectionId,
    "conn"
);
prefixed_id!(
    /// A directory (SCIM or Okta API) feeding users and groups into one org.
    DirectoryId,
    "dir"
);
prefixed_id!(
    /// A user of a directory; also its SCIM `id`.
    DirectoryUserId,
    "usr"
);
prefixed_id!(
    /// A group (team) of a directory; also its SCIM `id`.
    DirectoryGroupId,
    "grp"
);
prefixed_id!(
    /// A person: one human across every org they are a member of.
    PersonId,
    "per"
);
prefixed_id!(
    /// An app of an Okta org, as the connector synced it.
    DirectoryAppId,
    "app"
);
prefixed_id!(
    /// One sync run of an Okta API directory.
    SyncRunId,
    "syn"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_carry_their_prefix_and_parse_back() {
        let id = OrgId::generate();
        assert!(id.as_str().starts_with("org_"));
        assert_eq!(OrgId::parse(id.as_str()), Some(id));
    }

    #[test]
    fn parse_refuses_other_kinds_and_junk() {
        let tok = AdminTokenId::generate();
        assert_eq!(OrgId::parse(tok.as_str()), None);
        assert_eq!(OrgId::parse("org_"), None);
        assert_eq!(OrgId::parse("org_abc/../x"), None);
        assert_eq!(OrgId::parse("org_' OR 1=1"), None);
        assert!(OrgId::parse("org_0190abcDEF").is_some());
    }

    #[test]
    fn url_form_has_no_underscore_and_parses_back() {
        let id = DirectoryId::generate();
        assert!(!id.url_form().contains('_'));
        assert_eq!(DirectoryId::parse_url_form(id.url_form()), Some(id.clone()));
        assert_eq!(DirectoryId::parse_url_form(id.as_str()), Some(id));
        assert_eq!(DirectoryId::parse_url_form("org_abc"), None);
        assert_eq!(DirectoryId::parse_url_form(""), None);
        assert_eq!(DirectoryId::parse_url_form("a/b"), None);
    }

    #[test]
    fn ids_sort_by_creation() {
        let a = OrgId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = OrgId::generate();
        assert!(a < b);
    }
}
