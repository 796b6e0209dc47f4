//! PATCH paths (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`, e.g. `title`,
//! `name.givenName`, `members[value eq "2819c223"]`, `emails[type eq "work"].value`.

use std::fmt;

use crate::Error;
use crate::filter::{Filter, parse_bracketed};
use crate::path::{AttrPath, is_path_char, split_token};

/// A parsed PATCH `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    /// The attribute, possibly schema-qualified. Its `sub_attribute` is set for
    /// `name.givenName` and is `None` whenever `filter` is set.
    pub attribute: AttrPath,
    /// The value filter in brackets, selecting elements of a multi-valued attribute.
    pub filter: Option<Filter>,
    /// The sub-attribute after the brackets (`.value` in `emails[type eq "work"].value`).
    pub filtered_sub_attribute: Option<String>,
}

impl PatchPath {
    /// Parses a path. Malformed paths are `invalidPath`; a malformed filter inside the
    /// brackets is `invalidFilter` (RFC 7644 Table 9).
    pub fn parse(text: &str) -> Result<PatchPath, Error> {
        let trimmed = text.trim();
        let token_end = trimmed
            .find(|c: char| !is_path_char(c))
            .unwrap_or(trimmed.len());
        let (token, mut rest) = trimmed.split_at(token_end);
        let bad = |why: &str| Error::invalid_path(format!("invalid PATCH path {text:?}: {why}"));
        let attribute = split_token(token).map_err(bad)?;
        let Some(after_bracket) = rest.strip_prefix('[') else {
            return if rest.is_empty() {
                Ok(PatchPath {
                    attribute,
                    filter: None,
                    filtered_sub_attribute: None,
                })
            } else {
                Err(bad("unexpected text after the attribute"))
            };
        };
        if attribute.sub_attribute.is_some() {
            return Err(bad(
                "a value filter must follow the attribute, not a sub-attribute",
            ));
        }
        rest = after_bracket;
        let filter = parse_bracketed(trimmed, &mut rest)?;
        rest = rest.strip_prefix(']').unwrap_or(rest);
        let filtered_sub_attribute = match rest.strip_prefix('.') {
            None if rest.is_empty() => None,
            None => return Err(bad("only \".subAttribute\" may follow the value filter")),
            Some(sub) => {
                let parsed = split_token(sub).map_err(bad)?;
                if parsed.schema.is_some() || parsed.sub_attribute.is_some() {
                    return Err(bad(
                        "only one sub-attribute name may follow the value filter",
                    ));
                }
                Some(parsed.name)
            }
        };
        Ok(PatchPath {
            attribute,
            filter: Some(filter),
            filtered_sub_attribute,
        })
    }

    /// The sub-attribute the path ends in, whether written `a.b` or `a[…].b`.
    pub fn sub_attribute(&self) -> Option<&str> {
        self.attribute
            .sub_attribute
            .as_deref()
            .or(self.filtered_sub_attribute.as_deref())
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attribute)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.filtered_sub_attribute {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}
