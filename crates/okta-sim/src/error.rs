//! Okta's two error shapes: the Management API's `errorCode` body and the OAuth
//! endpoints' `{"error","error_description"}` body.
//!
//! Handlers return [`ApiError`]; its constructors carry Okta's codes, statuses and
//! summaries so every call site answers exactly what Okta would.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A Management API error: status, `errorCode`, `errorSummary`, `errorCauses`.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Okta's code, e.g. `E0000007`.
    pub code: &'static str,
    /// Okta's `errorSummary`.
    pub summary: String,
    /// `errorCauses[].errorSummary` entries.
    pub causes: Vec<String>,
    /// Extra response headers (e.g. `WWW-Authenticate`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with no causes.
    pub fn new(status: StatusCode, code: &'static str, summary: impl Into<String>) -> Self {
        Self {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Adds an `errorCauses` entry.
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }

    /// 400 E0000001 "Api validation failed: {field}" with one cause.
    pub fn validation(field: &str, cause: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000001",
            format!("Api validation failed: {field}"),
        )
        .with_cause(cause)
    }

    /// 400 E0000003: the body is not well-formed JSON.
    pub fn malformed_body() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
        )
    }

    /// 404 E0000007 `Not found: Resource not found: {id} ({kind})`.
    pub fn not_found(id: &str, kind: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {id} ({kind})"),
        )
    }

    /// 404 E0000022-style answer for an unknown path.
    pub fn path_not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {path}"),
        )
    }

    /// 405 E0000022.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }

    /// 401 E0000011: unknown, revoked or expired token.
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    /// 403 E0000005: no or malformed credentials.
    pub fn invalid_session() -> Self {
        Self::new(StatusCode::FORBIDDEN, "E0000005", "Invalid session")
    }

    /// 403 E0000006: the caller's role does not allow the operation.
    pub fn access_denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
        )
    }

    /// 403 E0000016: activation of a user that is already active.
    pub fn already_active() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "E0000016",
            "Activation failed because the user is already active",
        )
    }

    /// 403 E0000038: operation not allowed in the user's current status.
    pub fn wrong_status() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "E0000038",
            "This operation is not allowed in the user's current status.",
        )
    }

    /// 400 E0000031: invalid search/filter criteria on users, groups and apps.
    pub fn invalid_search(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000031",
            "Invalid search criteria.",
        )
        .with_cause(detail)
    }

    /// 400 E0000053: invalid System Log filter.
    pub fn invalid_log_filter(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000053",
            "Invalid value for 'filter' parameter.",
        )
        .with_cause(detail)
    }

    /// 400 E0000033: `search` and `filter` together.
    pub fn search_and_filter() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000033",
            "Search and filter cannot be used at the same time.",
        )
    }

    /// 400 E0000029: a bad `after`/`limit`.
    pub fn invalid_paging(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000029",
            "Invalid paging request.",
        )
        .with_cause(detail)
    }

    /// 429 E0000047.
    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// 500 E0000009.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E0000009",
            "Internal Server Error",
        )
    }

    /// 411: a bodiless POST/PUT without `Content-Length: 0`.
    pub fn length_required() -> Self {
        Self::new(
            StatusCode::LENGTH_REQUIRED,
            "E0000002",
            "The request was not valid: Content-Length required",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error_id = crate::ids::random_string(&mut rand::rng(), "oae", 22);
        let causes: Vec<_> = self
            .causes
            .iter()
            .map(|c| json!({ "errorSummary": c }))
            .collect();
        let body = json!({
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": error_id,
            "errorCauses": causes,
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}

/// An OAuth 2.0 endpoint error (`/oauth2/v1/token`).
#[derive(Debug, Clone)]
pub struct OAuthError {
    /// HTTP status (400 or 401).
    pub status: StatusCode,
    /// RFC 6749 / RFC 9449 error code.
    pub error: &'static str,
    /// Human description.
    pub description: String,
    /// A fresh DPoP nonce to send back, if any.
    pub dpop_nonce: Option<String>,
}

impl OAuthError {
    /// 401 `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    /// 400 with the given code.
    pub fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, description)
    }

    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            dpop_nonce: None,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(nonce) = self.dpop_nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            response.headers_mut().insert("dpop-nonce", nonce);
        }
        response
    }
}
