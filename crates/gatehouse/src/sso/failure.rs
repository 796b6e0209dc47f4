//! Failed sign-ins: one type, [`LoginFailure`], recorded before it is answered.
//!
//! Every failure carries a stable code (for SAML, exactly [`saml::Rejection::code`]), a
//! sentence, who must act, the expected and received values when there are any, and the
//! attempt id. [`Responder::finish`] writes the audit entry and the `sso.login_failed` event,
//! then answers with a 4xx HTML page, or the contract's JSON error shape when the client asks
//! for `application/json`. A failure never redirects, so no code can leak with it.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use store::{OrgId, SsoConnection, SsoConnectionId, SsoFailure};

use crate::state::AppState;

/// Who can fix a failed sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhoMustAct {
    /// The IdP admin (Okta app settings, certificates, assignments).
    IdpAdmin,
    /// The Gatehouse connection admin (connection settings).
    ConnectionAdmin,
    /// The host application (it sent a bad redirect URI or start request).
    HostApplication,
    /// The user (start again).
    User,
    /// Nobody legitimate: the message was altered or forged.
    Sender,
    /// Gatehouse itself (an internal error).
    Gatehouse,
}

impl WhoMustAct {
    /// The label used in JSON and audit details.
    pub fn as_str(self) -> &'static str {
        match self {
            WhoMustAct::IdpAdmin => "idp_admin",
            WhoMustAct::ConnectionAdmin => "connection_admin",
            WhoMustAct::HostApplication => "host_application",
            WhoMustAct::User => "user",
            WhoMustAct::Sender => "sender",
            WhoMustAct::Gatehouse => "gatehouse",
        }
    }

    fn sentence(self) -> &'static str {
        match self {
            WhoMustAct::IdpAdmin => "The identity provider's administrator",
            WhoMustAct::ConnectionAdmin => "The administrator of this SSO connection",
            WhoMustAct::HostApplication => "The application that started the sign-in",
            WhoMustAct::User => "You: start the sign-in again from the application",
            WhoMustAct::Sender => {
                "Nobody, unless it persists: the message was altered or forged (then the \
                 identity provider's administrator and security should look)"
            }
            WhoMustAct::Gatehouse => "The Gatehouse operator (see the server logs)",
        }
    }
}

impl From<saml::Party> for WhoMustAct {
    fn from(party: saml::Party) -> Self {
        match party {
            saml::Party::IdentityProvider => WhoMustAct::IdpAdmin,
            saml::Party::Connection => WhoMustAct::ConnectionAdmin,
            saml::Party::User => WhoMustAct::User,
            _ => WhoMustAct::Sender,
        }
    }
}

/// A refused sign-in (boxed: it travels in every `Result` of the sign-in path).
#[derive(Debug)]
pub struct LoginFailure(Box<Failure>);

#[derive(Debug)]
struct Failure {
    status: StatusCode,
    code: String,
    message: String,
    who_must_act: WhoMustAct,
    expected: Option<String>,
    received: Option<String>,
    connection: Option<(SsoConnectionId, OrgId)>,
    protocol: Option<&'static str>,
}

impl LoginFailure {
    /// A failure with every field given.
    pub fn new(
        status: StatusCode,
        code: impl Into<String>,
        message: impl Into<String>,
        who_must_act: WhoMustAct,
    ) -> Self {
        Self(Box::new(Failure {
            status,
            code: code.into(),
            message: message.into(),
            who_must_act,
            expected: None,
            received: None,
            connection: None,
            protocol: None,
        }))
    }

    /// A malformed request from the browser or host application.
    pub fn bad_request(code: &'static str, message: String) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            code,
            message,
            WhoMustAct::HostApplication,
        )
    }

    /// The connection in the URL does not exist.
    pub fn unknown_connection() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_connection",
            "This SSO connection does not exist (it may have been deleted). The application \
             must use a current sign-in link.",
            WhoMustAct::HostApplication,
        )
    }

    /// The host application asked for a redirect URI the connection does not register.
    pub fn redirect_not_registered(connection: &SsoConnection, uri: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "redirect_uri_not_registered",
            "The redirect_uri is not registered on this SSO connection, so no sign-in is \
             started. The connection admin can register it, or the application must use a \
             registered one.",
            WhoMustAct::HostApplication,
        )
        .values(
            Some(connection.redirect_uris.join(", ")),
            Some(uri.to_owned()),
        )
        .on(connection)
    }

    /// A SAML rejection, with the values it names.
    pub fn rejected(rejection: &saml::Rejection, connection: &SsoConnection) -> Self {
        let status = match rejection {
            saml::Rejection::IdpInitiatedNotAllowed => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        let (expected, received) = rejection_values(rejection);
        Self::new(
            status,
            rejection.code(),
            rejection.to_string(),
            rejection.who_must_act().into(),
        )
        .values(expected, received)
        .on(connection)
    }

    /// Our own fault (the database is down…): logged, answered 500, not blamed on anyone else.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "sign-in failed internally");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Gatehouse could not complete the sign-in because of an internal error. Try again \
             later; the attempt id identifies it in the logs.",
            WhoMustAct::Gatehouse,
        )
    }

    /// Attaches expected and received values.
    pub fn values(mut self, expected: Option<String>, received: Option<String>) -> Self {
        self.0.expected = expected;
        self.0.received = received;
        self
    }

    /// Attaches the connection the attempt was for.
    pub fn on(mut self, connection: &SsoConnection) -> Self {
        self.0.connection = Some((connection.id.clone(), connection.org_id.clone()));
        self.0.protocol = Some(connection.protocol.as_str());
        self
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.0.code
    }
}

/// The expected and received values a rejection names, for the page and the audit entry.
fn rejection_values(rejection: &saml::Rejection) -> (Option<String>, Option<String>) {
    use saml::Rejection as R;
    let none = || "nothing".to_owned();
    match rejection {
        R::IssuerMismatch { expected, got }
        | R::DestinationMismatch { expected, got }
        | R::RecipientMismatch { expected, got } => (
            Some(expected.clone()),
            Some(got.clone().unwrap_or_else(none)),
        ),
        R::AudienceMismatch { expected, got } => (Some(expected.clone()), Some(got.join(", "))),
        R::InResponseToMismatch { expected, got } => (
            Some(
                expected
                    .clone()
                    .unwrap_or_else(|| "no pending request".into()),
            ),
            Some(got.clone().unwrap_or_else(none)),
        ),
        R::NotYetValid { not_before, now } => (
            Some(format!("now ({now}) at or after NotBefore {not_before}")),
            Some(now.to_string()),
        ),
        R::Expired {
            not_on_or_after,
            now,
        } => (
            Some(format!("before NotOnOrAfter {not_on_or_after}")),
            Some(now.to_string()),
        ),
        R::Sha1NotAllowed { uri } => (
            Some("a SHA-256 or stronger algorithm".into()),
            Some(uri.clone()),
        ),
        R::UnsupportedAlgorithm { uri, .. } => {
            (Some("RSA/ECDSA with SHA-256+".into()), Some(uri.clone()))
        }
        R::UntrustedCertificate { fingerprint } => (
            Some("a certificate configured on this connection".into()),
            Some(format!("SHA-256 {fingerprint}")),
        ),
        R::AssertionCount { found } => (Some("1".into()), Some(found.to_string())),
        R::TooLarge { size, limit } => (
            Some(format!("at most {limit} bytes")),
            Some(size.to_string()),
        ),
        R::StatusNotSuccess { status, .. } => (
            Some("urn:oasis:names:tc:SAML:2.0:status:Success".into()),
            Some(status.clone()),
        ),
        _ => (None, None),
    }
}

/// Answers one sign-in request: records failures first, then renders them for the client.
#[derive(Debug)]
pub struct Responder {
    store: store::Store,
    attempt_id: String,
    request_id: Option<String>,
    json: bool,
}

impl Responder {
    /// A responder for a request with these headers.
    pub fn new(state: &AppState, headers: &HeaderMap, request_id: Option<String>) -> Self {
        let json = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("application/json"));
        Self {
            store: state.store.clone(),
            attempt_id: format!("att_{}", uuid::Uuid::now_v7().simple()),
            request_id,
            json,
        }
    }

    /// This attempt's id.
    pub fn attempt_id(&self) -> &str {
        &self.attempt_id
    }

    /// The request id, for audit entries.
    pub fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }

    /// Passes a success through; records and renders a failure.
    pub async fn finish(self, result: Result<Response, LoginFailure>) -> Response {
        match result {
            Ok(response) => response,
            Err(failure) => self.fail(failure).await,
        }
    }

    async fn fail(self, LoginFailure(failure): LoginFailure) -> Response {
        let details = json!({
            "message": failure.message,
            "who_must_act": failure.who_must_act.as_str(),
            "expected": failure.expected,
            "received": failure.received,
            "protocol": failure.protocol,
        });
        let record = SsoFailure {
            attempt_id: self.attempt_id.clone(),
            request_id: self.request_id.clone(),
            code: failure.code.clone(),
            details,
        };
        let connection = failure.connection.as_ref().map(|(id, org)| (id, org));
        if let Err(err) = self.store.record_sso_failure(connection, record).await {
            tracing::error!(error = %err, attempt_id = %self.attempt_id, code = %failure.code,
                "could not record a failed sign-in");
        }
        tracing::info!(attempt_id = %self.attempt_id, code = %failure.code, "sign-in refused");
        if self.json {
            self.json_body(*failure)
        } else {
            self.page(*failure)
        }
    }

    fn json_body(&self, failure: Failure) -> Response {
        let body = json!({
            "error": {
                "code": failure.code,
                "message": failure.message,
                "details": [{
                    "attempt_id": self.attempt_id,
                    "who_must_act": failure.who_must_act.as_str(),
                    "expected": failure.expected,
                    "received": failure.received,
                    "connection_id": failure.connection.as_ref().map(|(id, _)| id.to_string()),
                }],
            }
        });
        no_store((failure.status, axum::Json(body)).into_response())
    }

    fn page(&self, failure: Failure) -> Response {
        let mut rows = vec![
            ("Reason", failure.code.clone()),
            ("Who must act", failure.who_must_act.sentence().to_owned()),
        ];
        if let Some(expected) = &failure.expected {
            rows.push(("Expected", expected.clone()));
        }
        if let Some(received) = &failure.received {
            rows.push(("Received", received.clone()));
        }
        if let Some((id, _)) = &failure.connection {
            rows.push(("Connection", id.to_string()));
        }
        rows.push(("Attempt id", self.attempt_id.clone()));
        let table: String = rows
            .iter()
            .map(|(k, v)| format!("<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v)))
            .collect();
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\">\
             <title>Sign-in failed</title><style>body{{font-family:system-ui,sans-serif;\
             max-width:46rem;margin:3rem auto;padding:0 1rem;color:#222}}th{{text-align:left;\
             padding:.3rem 1rem .3rem 0;vertical-align:top}}td{{font-family:monospace;\
             word-break:break-all}}</style></head><body><h1>Sign-in failed</h1><p>{}</p>\
             <table>{table}</table></body></html>",
            escape(&failure.message)
        );
        no_store((failure.status, Html(html)).into_response())
    }
}

/// Sign-in answers are never cached.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// HTML-escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x')&\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;"
        );
    }
}
