//! SCIM filters (RFC 7644 §3.4.2.2): the AST, its parser, printer, validator and in-memory
//! evaluator.
//!
//! # Semantics (the contract a SQL translation must follow)
//!
//! Walk the tree recursively. For a [`Filter::Compare`] or [`Filter::Present`], resolve the
//! path with [`crate::schema::ResourceType::resolve`] to get the attribute type, caseExact and
//! JSON location ([`crate::schema::Resolved::json_keys`]); unknown attributes (`None`) are
//! extra JSON keys, compared case-insensitively with the literal's JSON type.
//!
//! - **Values.** A path can yield several values: all elements of a multi-valued attribute
//!   (`emails.value`), and a complex attribute compared directly (`emails co "x"`) compares
//!   its `value` sub-attribute ([`crate::schema::Resolved::comparison_target`]). A
//!   comparison matches if **any** value satisfies it (`EXISTS` over the elements).
//! - **Case.** When the target is not caseExact (e.g. `userName`, `emails.value`), strings
//!   are compared after [`crate::fold_case`] on both sides: keep a folded copy of indexed
//!   columns (such as a `user_name_key`) rather than calling SQL `lower()`, which is
//!   ASCII-only in SQLite. `id`, `externalId` and `members.value` are caseExact.
//! - **Operators.** `eq`: equal. `co`/`sw`/`ew`: substring, prefix, suffix on strings
//!   (escape `%`/`_` in `LIKE`). `gt`/`ge`/`lt`/`le`: numbers numerically, `dateTime`
//!   attributes chronologically (`meta.created`, `meta.lastModified`), other strings by
//!   folded code-point order. Booleans support only `eq`/`ne`.
//! - **`ne`** is exactly `not (path eq value)`: it matches resources where no value equals
//!   the literal, including resources without the attribute (`NOT COALESCE(…, FALSE)`).
//! - **`null`**: `path eq null` is `not (path pr)`; `path ne null` is `path pr`.
//! - **`pr`** matches when some value is assigned: not null and not an empty string, array
//!   or object.
//! - **[`Filter::ValuePath`]** `emails[type eq "work" and value co "@x"]` matches when one and
//!   the same element satisfies the inner filter, whose paths name sub-attributes of that
//!   element: resolve the outer path, then each inner one with
//!   [`crate::schema::Attribute::sub_attribute`] on the resolved attribute (translate to
//!   `EXISTS (SELECT … FROM json_each(emails) WHERE …)`). Value filters never nest.
//! - **`and`/`or`/`not`** are boolean logic over the above.
//!
//! Call [`Filter::validate`] before translating: it rejects comparisons the store would have
//! to guess about (boolean `gt`, complex attributes without sub-attribute, wrong literal types,
//! malformed dates) with `invalidFilter`, so the translator can rely on the literal's type
//! matching a known attribute's type.
//!
//! # Limits
//!
//! Parsing rejects filters nested deeper than [`MAX_NESTING`] or with more than
//! [`MAX_COMPARISONS`] comparisons, so recursive walks over a parsed filter are bounded.

mod display;
mod eval;
mod parser;
mod validate;

use std::str::FromStr;

use serde_json::Number;

use crate::Error;
use crate::path::AttrPath;

pub(crate) use eval::eval_element;
pub(crate) use parser::parse_bracketed;

/// Deepest nesting of `( … )`, `not ( … )` and `[ … ]` a filter may use.
pub const MAX_NESTING: usize = 32;

/// Most comparisons (`eq`, `pr`, …) one filter may contain.
pub const MAX_COMPARISONS: usize = 200;

/// A parsed filter. Build one with [`Filter::parse`] (or `str::parse`); print it back with
/// `to_string()`, which re-parses to an equal value.
///
/// `and` binds tighter than `or`; chains are left-associative, so `a or b or c` is
/// `Or(Or(a, b), c)`. Grouping parentheses leave no node of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `path op value`, e.g. `userName eq "dana@example.com"`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The literal on the right-hand side.
        value: CompValue,
    },
    /// `path pr`: the attribute has a value.
    Present {
        /// The attribute tested.
        path: AttrPath,
    },
    /// `left and right`.
    And(Box<Filter>, Box<Filter>),
    /// `left or right`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (inner)`.
    Not(Box<Filter>),
    /// `path[filter]`: some element of the multi-valued attribute `path` matches `filter`,
    /// whose paths are relative to that element. `path` has no sub-attribute.
    ValuePath {
        /// The multi-valued attribute.
        path: AttrPath,
        /// The condition one element must satisfy.
        filter: Box<Filter>,
    },
}

/// Comparison operators (`pr` is [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal (`not eq`).
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every operator, for tests and generators.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The lowercase keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Parses a keyword, ignoring case.
    pub fn from_keyword(keyword: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(keyword))
    }

    /// Whether this is an ordering operator (`gt`, `ge`, `lt`, `le`).
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    /// Whether this is a substring operator (`co`, `sw`, `ew`).
    pub fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// A literal on the right of a comparison (`compValue` of RFC 7644).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A JSON string, unescaped.
    String(String),
}

impl Filter {
    /// Parses a filter. Errors are `invalidFilter` and name the character position and what
    /// was expected there, e.g. `filter syntax error at character 10: expected a comparison
    /// operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr), found "is \"x\""`.
    pub fn parse(text: &str) -> Result<Filter, Error> {
        parser::parse(text)
    }

    /// If the filter is a single `path eq value` comparison, returns its parts: the hot path
    /// of Okta's `userName eq "…"` and `displayName eq "…"` lookups, worth a dedicated query.
    pub fn as_equality(&self) -> Option<(&AttrPath, &CompValue)> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } => Some((path, value)),
            _ => None,
        }
    }
}

impl FromStr for Filter {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Filter::parse(text)
    }
}

#[cfg(test)]
mod tests;
