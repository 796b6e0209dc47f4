//! Request extractors with SCIM-shaped rejections: a JSON body (`application/scim+json` or
//! `application/json`; unreadable JSON is `invalidSyntax`), the raw query pairs, and the
//! `If-Match` header.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, IF_MATCH};
use axum::http::request::Parts;
use serde_json::Value;

use super::response::ScimError;

/// A parsed JSON request body.
#[derive(Debug)]
pub struct ScimBody(pub Value);

/// Whether a `Content-Type` is one a SCIM client may send: SCIM JSON, plain JSON (and the
/// `text/json` Okta's own examples show), any `+json` type; parameters such as `charset`
/// are ignored.
pub fn acceptable_content_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(essence.as_str(), "application/json" | "text/json") || essence.ends_with("+json")
}

impl<S: Send + Sync> FromRequest<S> for ScimBody {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ScimError> {
        if let Some(content_type) = req.headers().get(CONTENT_TYPE) {
            let ok = content_type.to_str().is_ok_and(acceptable_content_type);
            if !ok {
                return Err(ScimError(scim::Error::new(
                    415,
                    None,
                    "send the body as application/scim+json or application/json",
                )));
            }
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ScimError(scim::Error::payload_too_large(
                    "the request body is larger than this server accepts",
                ))
            } else {
                ScimError(scim::Error::invalid_syntax(
                    "the request body could not be read",
                ))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError(scim::Error::invalid_syntax(
                "the request body is empty; send a JSON object",
            )));
        }
        Ok(Self(scim::resource::parse_json(&bytes)?))
    }
}

/// The query string as decoded `(name, value)` pairs.
#[derive(Debug, Default)]
pub struct ScimQuery(pub Vec<(String, String)>);

impl ScimQuery {
    /// Whether the request asks for a projection (`attributes`/`excludedAttributes`).
    pub fn asks_for_attributes(&self) -> bool {
        self.0.iter().any(|(k, _)| {
            k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes")
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ScimQuery {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ScimError> {
        match parts.uri.query() {
            None => Ok(Self::default()),
            Some(query) => serde_urlencoded::from_str(query).map(Self).map_err(|_| {
                ScimError(scim::Error::invalid_value(
                    "the query string is not valid URL encoding",
                ))
            }),
        }
    }
}

/// The `If-Match` header, when sent.
#[derive(Debug, Default)]
pub struct IfMatch(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ScimError> {
        Ok(Self(
            parts
                .headers
                .get(IF_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

impl IfMatch {
    /// Fails with 412 unless the header (if any) matches `version`.
    pub fn check(&self, version: i64) -> Result<(), ScimError> {
        match &self.0 {
            Some(header) if !scim::resource::if_match(header, &version.to_string()) => {
                Err(ScimError(scim::Error::precondition_failed(
                    "If-Match does not match the resource's current version",
                )))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::acceptable_content_type;

    #[test]
    fn scim_and_json_content_types_are_accepted() {
        for ok in [
            "application/scim+json",
            "application/scim+json; charset=utf-8",
            "application/json",
            "Application/JSON;charset=UTF-8",
            "text/json",
        ] {
            assert!(acceptable_content_type(ok), "{ok}");
        }
        for bad in ["text/plain", "application/xml", "multipart/form-data"] {
            assert!(!acceptable_content_type(bad), "{bad}");
        }
    }
}
