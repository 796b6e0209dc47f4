//! How two attribute values compare under an attribute's type and caseExact rule. Shared
//! by filter evaluation and sorting so both order values the same way.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::filter::{CompValue, CompareOp};
use crate::schema::{AttrType, Attribute};

/// Folds a string for case-insensitive comparison (attributes with `caseExact: false`, such
/// as `userName`). The store must fold with this same function when it keeps normalised
/// columns, so SQL and in-memory matching agree.
pub fn fold_case(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        }
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// Parses an RFC 3339 timestamp, the SCIM `dateTime` format.
pub(crate) fn parse_date_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Parses `true`/`false` in any case: Okta sends booleans as `"True"`/`"False"` strings.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// The comparison rules of one attribute: its type (unknown for extra attributes, which are
/// compared by their JSON type) and whether case matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rules {
    kind: Option<AttrType>,
    case_exact: bool,
}

impl Rules {
    /// Rules for a known attribute, or the defaults for an unknown one (RFC 7643 §2.2:
    /// caseExact defaults to false).
    pub(crate) fn of(attribute: Option<&Attribute>) -> Rules {
        match attribute {
            Some(a) => Rules {
                kind: Some(a.kind()),
                case_exact: a.case_exact(),
            },
            None => Rules {
                kind: None,
                case_exact: false,
            },
        }
    }

    /// Whether `actual` satisfies `actual op literal` for one value. `Ne` and `null`
    /// literals are decided by the caller (they depend on all values together).
    pub(crate) fn satisfies(self, actual: &Value, op: CompareOp, literal: &CompValue) -> bool {
        match (literal, actual) {
            (CompValue::Bool(expected), _) => {
                op == CompareOp::Eq && as_bool(actual) == Some(*expected)
            }
            (CompValue::Number(expected), Value::Number(actual)) => {
                compare_numbers(actual, expected).is_some_and(|ord| ordering_satisfies(ord, op))
            }
            (CompValue::String(expected), Value::String(actual)) => {
                self.compare_strings(actual, expected, op)
            }
            (CompValue::String(expected), Value::Bool(actual)) => {
                op == CompareOp::Eq && parse_bool(expected) == Some(*actual)
            }
            _ => false,
        }
    }

    fn compare_strings(self, actual: &str, expected: &str, op: CompareOp) -> bool {
        if self.kind == Some(AttrType::DateTime)
            && let (Some(a), Some(e)) = (parse_date_time(actual), parse_date_time(expected))
        {
            return ordering_satisfies(a.cmp(&e), op);
        }
        let (actual, expected) = if self.case_exact {
            (Cow::Borrowed(actual), Cow::Borrowed(expected))
        } else {
            (fold_case(actual), fold_case(expected))
        };
        match op {
            CompareOp::Co => actual.contains(expected.as_ref()),
            CompareOp::Sw => actual.starts_with(expected.as_ref()),
            CompareOp::Ew => actual.ends_with(expected.as_ref()),
            _ => ordering_satisfies(actual.as_ref().cmp(expected.as_ref()), op),
        }
    }

    /// Total order for sorting: same-typed values compare by type (dates chronologically,
    /// strings folded unless caseExact); values of different JSON types order by type.
    pub(crate) fn order(self, a: &Value, b: &Value) -> Ordering {
        match (a, b) {
            (Value::String(x), Value::String(y)) => {
                if self.kind == Some(AttrType::DateTime)
                    && let (Some(x), Some(y)) = (parse_date_time(x), parse_date_time(y))
                {
                    return x.cmp(&y);
                }
                if self.case_exact {
                    x.cmp(y)
                } else {
                    fold_case(x).cmp(&fold_case(y))
                }
            }
            (Value::Number(x), Value::Number(y)) => {
                compare_numbers(x, y).unwrap_or(Ordering::Equal)
            }
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => type_rank(a).cmp(&type_rank(b)),
        }
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => parse_bool(s),
        _ => None,
    }
}

fn type_rank(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// Compares numbers exactly when both are integers, else as floats.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn ordering_satisfies(ord: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}
