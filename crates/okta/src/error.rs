//! Errors: Okta's own error bodies ([`OktaError`]) and the crate's [`Error`].

use http::{HeaderMap, StatusCode};

use crate::auth::KeyError;
use crate::transport::TransportError;

/// An error answered by Okta, parsed from whichever shape it used (okta-reference §6):
/// the Management API's `{"errorCode","errorSummary","errorCauses","errorId"}`, the
/// OAuth endpoints' `{"error","error_description"}`, or an empty body with a
/// `WWW-Authenticate` header (insufficient scope, bad bearer/DPoP token, §2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OktaError {
    /// HTTP status.
    pub status: u16,
    /// `E0000006`-style code, or the OAuth `error` (`invalid_client`,
    /// `insufficient_scope`, …), or `HTTP_<status>` when the body had neither.
    pub error_code: String,
    /// Okta's one-line summary (or `error_description`).
    pub error_summary: String,
    /// The `errorSummary` of each entry in `errorCauses`.
    pub error_causes: Vec<String>,
    /// Okta's per-request `errorId`, to quote to Okta support.
    pub error_id: Option<String>,
    /// The `X-Okta-Request-Id` response header.
    pub request_id: Option<String>,
}

impl OktaError {
    /// Parses an error response. Never fails: unknown shapes keep the status and a
    /// snippet of the body.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> OktaError {
        let request_id = header_str(headers, "x-okta-request-id").map(str::to_owned);
        let mut err = OktaError {
            status: status.as_u16(),
            error_code: format!("HTTP_{}", status.as_u16()),
            error_summary: status.canonical_reason().unwrap_or("error").to_owned(),
            error_causes: Vec::new(),
            error_id: None,
            request_id,
        };
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) {
            let text = |k: &str| map.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            if let Some(code) = text("errorCode") {
                err.error_code = code;
                err.error_summary = text("errorSummary").unwrap_or_default();
                err.error_id = text("errorId");
                err.error_causes = map
                    .get("errorCauses")
                    .and_then(|c| c.as_array())
                    .map(|causes| {
                        causes
                            .iter()
                            .filter_map(|c| c.get("errorSummary").and_then(|s| s.as_str()))
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                return err;
            }
            if let Some(code) = text("error") {
                err.error_code = code;
                err.error_summary = text("error_description").unwrap_or_default();
                return err;
            }
        }
        if let Some(challenge) = header_str(headers, "www-authenticate") {
            let params = parse_auth_params(challenge);
            if let Some(code) = params
                .iter()
                .find(|(k, _)| k == "error")
                .map(|(_, v)| v.clone())
            {
                err.error_code = code;
                err.error_summary = params
                    .iter()
                    .find(|(k, _)| k == "error_description")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                if let Some((_, scope)) = params.iter().find(|(k, _)| k == "scope") {
                    err.error_causes.push(format!("required scope: {scope}"));
                }
                return err;
            }
        }
        let snippet: String = String::from_utf8_lossy(body).chars().take(200).collect();
        if !snippet.trim().is_empty() {
            err.error_summary = snippet.trim().to_owned();
        }
        err
    }

    /// True for Okta's "rate limit exceeded" (429 / `E0000047`).
    pub fn is_rate_limited(&self) -> bool {
        self.status == 429 || self.error_code == "E0000047"
    }

    /// True when the credentials lack permission (`E0000006`, `insufficient_scope`, 403).
    pub fn is_permission_denied(&self) -> bool {
        self.status == 403
            && (self.error_code == "E0000006"
                || self.error_code == "insufficient_scope"
                || self.error_code.starts_with("HTTP_"))
    }

    /// True for a 404 (`E0000007` resource not found, `E0000008` path not found).
    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }
}

impl std::fmt::Display for OktaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Okta answered {} {}: {}",
            self.status, self.error_code, self.error_summary
        )?;
        for cause in &self.error_causes {
            write!(f, "; {cause}")?;
        }
        if let Some(id) = &self.error_id {
            write!(f, " (errorId {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for OktaError {}

/// Everything the client can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Management API answered with an error.
    #[error("{0}")]
    Okta(Box<OktaError>),
    /// The token endpoint refused to issue an access token (OAuth service app).
    #[error("token request refused: {0}")]
    Token(Box<OktaError>),
    /// No HTTP response (connection, timeout, dropped connection).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The service app's private key could not be used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Okta answered 2xx with a body that is not what its API documents.
    #[error("unexpected response from {url}: {reason}")]
    Decode {
        /// The URL called (path and query).
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A URL could not be built (bad id or cursor).
    #[error("invalid request URL: {0}")]
    Url(#[from] url::ParseError),
}

impl Error {
    /// A stable snake_case code: `okta_E0000006`-style for Okta errors, otherwise the
    /// kind of failure.
    pub fn code(&self) -> String {
        match self {
            Error::Okta(e) => format!("okta_{}", e.error_code),
            Error::Token(e) => format!("okta_token_{}", e.error_code),
            Error::Transport(TransportError::Timeout) => "okta_timeout".to_owned(),
            Error::Transport(_) => "okta_unreachable".to_owned(),
            Error::Key(_) => "okta_private_key_invalid".to_owned(),
            Error::Decode { .. } => "okta_bad_response".to_owned(),
            Error::Url(_) => "okta_bad_url".to_owned(),
        }
    }

    /// The Okta error body, when Okta answered with one.
    pub fn okta(&self) -> Option<&OktaError> {
        match self {
            Error::Okta(e) | Error::Token(e) => Some(&**e),
            _ => None,
        }
    }

    /// The HTTP status a server should answer with when surfacing this error to its own
    /// caller: Okta's 403/404/409 pass through, validation failures become 422, bad
    /// directory credentials and upstream failures 502, timeouts 504.
    pub fn suggested_status(&self) -> u16 {
        match self {
            Error::Okta(e) => match e.status {
                403 | 404 | 409 => e.status,
                400 | 405 | 411 | 415 => 422,
                429 => 503,
                _ => 502,
            },
            Error::Token(_) | Error::Key(_) => 502,
            Error::Transport(TransportError::Timeout) => 504,
            Error::Transport(_) | Error::Decode { .. } => 502,
            Error::Url(_) => 422,
        }
    }
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Parses `Scheme k="v", k2=v2` auth-params (RFC 9110 §11), lower-casing keys.
pub(crate) fn parse_auth_params(challenge: &str) -> Vec<(String, String)> {
    let rest = challenge.trim();
    let rest = match rest.split_once(' ') {
        Some((scheme, params)) if !scheme.contains('=') => params,
        _ => rest,
    };
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    _ => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek() {
                if *c == ',' {
                    break;
                }
                value.push(*c);
                chars.next();
            }
        }
        out.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    out
}

#[cfg(test)]
mod tests;
