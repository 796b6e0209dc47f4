//! Attribute paths (`attrPath` of RFC 7644 §3.10): an optional schema URN, an attribute
//! name and an optional sub-attribute, as in
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.

use std::fmt;

use crate::Error;

/// A reference to an attribute or sub-attribute, as written by the client.
///
/// Names keep the client's spelling; comparisons with schema names are case-insensitive
/// (RFC 7643 §2.1), so use [`crate::schema::ResourceType::resolve`] to find the definition
/// and its canonical spelling. Inside a value filter (`emails[type eq "work"]`) the paths
/// are relative to one element of the multi-valued attribute, so `name` is a sub-attribute
/// name there and `schema` is normally absent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// Schema URN prefix, without the `:` that separates it from the name.
    pub schema: Option<String>,
    /// The attribute name.
    pub name: String,
    /// The sub-attribute name after the `.`, if any.
    pub sub_attribute: Option<String>,
}

impl AttrPath {
    /// A path naming a top-level attribute with no schema prefix.
    pub fn new(name: impl Into<String>) -> Self {
        AttrPath {
            schema: None,
            name: name.into(),
            sub_attribute: None,
        }
    }

    /// A path naming a sub-attribute, as in `name.givenName`.
    pub fn with_sub(name: impl Into<String>, sub_attribute: impl Into<String>) -> Self {
        AttrPath {
            schema: None,
            name: name.into(),
            sub_attribute: Some(sub_attribute.into()),
        }
    }

    /// Parses a complete attribute path such as `name.givenName` or
    /// `urn:ietf:params:scim:schemas:core:2.0:User:userName`.
    ///
    /// Errors are `invalidPath`, because attribute paths reach us in `sortBy`,
    /// `attributes`, `excludedAttributes` and PATCH `path`.
    pub fn parse(text: &str) -> Result<AttrPath, Error> {
        let trimmed = text.trim();
        if let Some(bad) = trimmed.chars().find(|c| !is_path_char(*c)) {
            return Err(Error::invalid_path(format!(
                "invalid attribute path {text:?}: unexpected character {bad:?}"
            )));
        }
        split_token(trimmed)
            .map_err(|why| Error::invalid_path(format!("invalid attribute path {text:?}: {why}")))
    }

    /// Whether the path, read as a whole, is the schema URN `urn` (ignoring case): a
    /// path such as `urn:…:enterprise:2.0:User` parses as schema `urn:…:2.0` plus name
    /// `User`, and designates the whole extension.
    pub fn is_urn(&self, urn: &str) -> bool {
        let Some(schema) = self.schema.as_deref() else {
            return false;
        };
        let Some((prefix, name)) = urn.rsplit_once(':') else {
            return false;
        };
        self.sub_attribute.is_none()
            && prefix.eq_ignore_ascii_case(schema)
            && name.eq_ignore_ascii_case(&self.name)
    }

    /// Whether this path names `name` (and no sub-attribute), ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.sub_attribute.is_none() && self.name.eq_ignore_ascii_case(name)
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attribute {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Characters that may appear in an attribute path token (URN, names, `.`, `$ref`).
pub(crate) fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-' | '$')
}

/// Splits a token made of [`is_path_char`] characters into schema, name and sub-attribute.
///
/// The schema URN is everything up to the last `:` (URNs contain dots, as in `2.0`, so the
/// split on `.` happens only after it).
pub(crate) fn split_token(token: &str) -> Result<AttrPath, &'static str> {
    let (schema, rest) = match token.rfind(':') {
        Some(colon) => {
            let (schema, rest) = token.split_at(colon);
            let rest = rest.strip_prefix(':').unwrap_or(rest);
            if !schema.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return Err("the schema URN must start with a letter");
            }
            (Some(schema.to_owned()), rest)
        }
        None => (None, token),
    };
    let mut parts = rest.split('.');
    let name = parts.next().unwrap_or_default();
    let sub_attribute = parts.next();
    if parts.next().is_some() {
        return Err("at most one sub-attribute may follow the attribute name");
    }
    check_name(name)?;
    if let Some(sub) = sub_attribute {
        check_name(sub)?;
    }
    Ok(AttrPath {
        schema,
        name: name.to_owned(),
        sub_attribute: sub_attribute.map(str::to_owned),
    })
}

/// `ATTRNAME = ALPHA *(nameChar)`, plus `$ref`, which RFC 7643 uses for references.
fn check_name(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    match chars.next() {
        None => Err("an attribute name is missing"),
        Some(first) if !(first.is_ascii_alphabetic() || first == '$') => {
            Err("an attribute name must start with a letter")
        }
        Some(_) if chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => Ok(()),
        Some(_) => Err("an attribute name may only contain letters, digits, '-' and '_'"),
    }
}
