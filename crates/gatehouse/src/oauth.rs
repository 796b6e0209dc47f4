//! `POST /oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749 §4.4) for SCIM
//! directories created with `auth: "oauth_client_credentials"`. Issues short-lived bearer
//! tokens (`ghsa_…`) that `/scim/v2/{dir}` accepts. Errors use RFC 6749's shape
//! (`{"error","error_description"}`), which OAuth clients expect.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use serde_json::json;

use crate::state::AppState;

/// How long an issued access token works.
pub const ACCESS_TOKEN_LIFETIME: time::Duration = time::Duration::hours(1);

/// `/oauth/token`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/token", post(token))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"gatehouse-oauth\""),
        );
    }
    response
}

/// Client id and secret from HTTP Basic (preferred by RFC 6749) or the form.
fn client_credentials(headers: &HeaderMap, form: &[(String, String)]) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        return Some((id.to_owned(), secret.to_owned()));
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    Some((field("client_id")?, field("client_secret")?))
}

async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send an application/x-www-form-urlencoded body",
        );
    };
    let grant = form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.as_str());
    if grant != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only grant_type=client_credentials is supported",
        );
    }
    let Some((client_id, client_secret)) = client_credentials(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "send the client id and secret with HTTP Basic or as client_id and client_secret",
        );
    };
    match state
        .store
        .issue_scim_access_token(&client_id, &client_secret, ACCESS_TOKEN_LIFETIME)
        .await
    {
        Ok(Some((token, _, _))) => {
            let mut response = axum::Json(json!({
                "access_token": token.expose(),
                "token_type": "Bearer",
                "expires_in": ACCESS_TOKEN_LIFETIME.whole_seconds(),
            }))
            .into_response();
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(None) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "the client id or secret is wrong, or the credentials were rotated",
        ),
        Err(err) => {
            tracing::error!(error = %err, "issuing an access token failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "an internal error occurred",
            )
        }
    }
}
