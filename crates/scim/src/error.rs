//! The SCIM error response (RFC 7644 §3.12), used for every failure a SCIM server returns.

use serde_json::{Map, Value, json};

/// URN of the SCIM error message schema.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A failure in the SCIM Error shape: HTTP status, optional `scimType` keyword and a
/// human-readable `detail`.
///
/// Every fallible function in this crate returns this type, so the HTTP layer can answer
/// with `error.status()` and `error.to_json()` without translating. `detail` is shown to
/// Okta administrators in their task list, so constructors are given actionable messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Error {
    status: u16,
    scim_type: Option<ScimType>,
    detail: String,
}

/// The `scimType` keywords of RFC 7644 Table 9. Each one implies its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScimType {
    /// The filter syntax is invalid, or the attribute/operator combination is unsupported.
    InvalidFilter,
    /// The filter yields more results than the server is willing to process.
    TooMany,
    /// One or more unique attribute values are already in use (HTTP 409).
    Uniqueness,
    /// The change is not compatible with the attribute's mutability.
    Mutability,
    /// The request body is not valid SCIM (wrong structure or schema).
    InvalidSyntax,
    /// A PATCH `path` is syntactically invalid.
    InvalidPath,
    /// A PATCH `path` did not select anything that could be operated on.
    NoTarget,
    /// A required value is missing or a value has the wrong type.
    InvalidValue,
    /// The requested SCIM protocol version is not supported.
    InvalidVers,
    /// Sensitive information was passed in the request URI (HTTP 403).
    Sensitive,
}

impl ScimType {
    /// The keyword as it appears in the `scimType` member.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }

    /// The HTTP status RFC 7644 pairs with this keyword.
    pub fn status(self) -> u16 {
        match self {
            ScimType::Uniqueness => 409,
            ScimType::Sensitive => 403,
            _ => 400,
        }
    }
}

impl Error {
    /// An error with an explicit status and keyword. Prefer the named constructors.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Error {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    fn typed(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Error::new(scim_type.status(), Some(scim_type), detail)
    }

    /// 400 `invalidFilter`: bad filter syntax or an unsupported attribute/operator pair.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::InvalidFilter, detail)
    }

    /// 400 `tooMany`: the query would produce more results than the server processes.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::TooMany, detail)
    }

    /// 409 `uniqueness`: a unique attribute value (such as `userName`) is taken.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::Uniqueness, detail)
    }

    /// 400 `mutability`: a readOnly or immutable attribute was modified.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::Mutability, detail)
    }

    /// 400 `invalidSyntax`: the body is not a valid SCIM message (structure or `schemas`).
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::InvalidSyntax, detail)
    }

    /// 400 `invalidPath`: a PATCH path is malformed.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::InvalidPath, detail)
    }

    /// 400 `noTarget`: a PATCH path selected nothing to operate on.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::NoTarget, detail)
    }

    /// 400 `invalidValue`: a required value is missing or a value has the wrong type.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::InvalidValue, detail)
    }

    /// 400 `invalidVers`: unsupported SCIM protocol version.
    pub fn invalid_vers(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::InvalidVers, detail)
    }

    /// 403 `sensitive`: sensitive data was sent in the URI; the client should use POST /.search.
    pub fn sensitive(detail: impl Into<String>) -> Self {
        Error::typed(ScimType::Sensitive, detail)
    }

    /// 401 without keyword: missing or wrong credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Error::new(401, None, detail)
    }

    /// 403 without keyword: authenticated but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Error::new(403, None, detail)
    }

    /// 404 without keyword: the resource or endpoint does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Error::new(404, None, detail)
    }

    /// 409 without keyword: a version conflict that is not about uniqueness.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Error::new(409, None, detail)
    }

    /// 412: the `If-Match` precondition failed (the resource changed since it was read).
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Error::new(412, None, detail)
    }

    /// 413: the request body is larger than the server accepts.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Error::new(413, None, detail)
    }

    /// 500: an internal failure. Keep `detail` generic; log the cause instead.
    pub fn internal(detail: impl Into<String>) -> Self {
        Error::new(500, None, detail)
    }

    /// 501: the operation (for example `/Bulk`) is not implemented.
    pub fn not_implemented(detail: impl Into<String>) -> Self {
        Error::new(501, None, detail)
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `scimType` keyword, if any.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type
    }

    /// The human-readable explanation.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The response body: `status` is a JSON string, as RFC 7644 §3.12 specifies.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("schemas".into(), json!([ERROR_SCHEMA]));
        body.insert("status".into(), Value::from(self.status.to_string()));
        if let Some(kind) = self.scim_type {
            body.insert("scimType".into(), Value::from(kind.as_str()));
        }
        body.insert("detail".into(), Value::from(self.detail.as_str()));
        Value::Object(body)
    }
}
