//! The SAML service provider: SP-initiated start, the ACS, and SP metadata.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use store::{SamlConfig, SsoConnection, SsoConnectionId, SsoLogin, SsoProtocol};
use time::{Duration, OffsetDateTime};

use super::browser::Binding;
use super::failure::{LoginFailure, Responder, WhoMustAct};
use super::flow::{self, StartRequest, Target};
use super::sp_cache::ParsedSaml;
use super::{load_connection, profile, refresh};
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::state::AppState;

/// Starts an SP-initiated sign-in: remembers the AuthnRequest ID for this browser and
/// redirects to the IdP with the flow id as RelayState.
pub(crate) async fn start(
    state: &AppState,
    connection: &SsoConnection,
    config: &SamlConfig,
    request: StartRequest,
) -> Result<Response, LoginFailure> {
    let now = OffsetDateTime::now_utc();
    let authn = saml::AuthnRequest::new(
        &config.sp_entity_id,
        &config.acs_url,
        &config.idp_sso_url,
        now,
    )
    .map_err(LoginFailure::internal)?;
    let parsed = parsed(state, connection, config, now).await?;
    let binding = Binding::generate().map_err(LoginFailure::internal)?;
    let flow_id = flow::begin(state, connection, &binding, authn.id.clone(), request).await?;
    let url = authn
        .redirect_url(Some(&flow_id), parsed.signer.as_ref())
        .map_err(LoginFailure::internal)?;
    Ok(flow::to_idp(state, &binding, &flow_id, &url))
}

/// The connection's parsed keys and certificates (cached per revision).
async fn parsed(
    state: &AppState,
    connection: &SsoConnection,
    config: &SamlConfig,
    now: OffsetDateTime,
) -> Result<std::sync::Arc<ParsedSaml>, LoginFailure> {
    state
        .sso
        .saml_keys
        .get(&state.store, connection, config, now)
        .await
        .map_err(LoginFailure::internal)
}

/// The HTTP-POST binding form.
#[derive(Debug, Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// `POST /sso/saml/{connection}/acs`.
pub(crate) async fn acs(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let responder = Responder::new(&state, &headers, request_id);
    let result = consume(&state, &raw, &headers, &body, &responder).await;
    responder.finish(result).await
}

async fn consume(
    state: &AppState,
    raw: &str,
    headers: &HeaderMap,
    body: &[u8],
    responder: &Responder,
) -> Result<Response, LoginFailure> {
    let connection = load_connection(state, raw).await?;
    let SsoProtocol::Saml(config) = &connection.protocol else {
        return Err(flow::wrong_protocol(&connection));
    };
    let form: AcsForm = serde_urlencoded::from_bytes(body).map_err(|e| {
        LoginFailure::new(
            StatusCode::BAD_REQUEST,
            "invalid_form",
            format!("The ACS expects an HTTP-POST binding form: {e}."),
            WhoMustAct::Sender,
        )
        .on(&connection)
    })?;
    let saml_response = form.saml_response.ok_or_else(|| {
        LoginFailure::new(
            StatusCode::BAD_REQUEST,
            "missing_saml_response",
            "The form has no SAMLResponse field; the IdP must post with the HTTP-POST binding.",
            WhoMustAct::IdpAdmin,
        )
        .on(&connection)
    })?;

    // The request this browser started, if the RelayState names one and the browser holds
    // its cookie. Otherwise the response must be unsolicited (IdP-initiated) to pass.
    let flow = match form
        .relay_state
        .as_deref()
        .filter(|r| r.starts_with("flow_"))
    {
        Some(flow_id) => Some(flow::take(state, &connection, headers, flow_id).await?.0),
        None => None,
    };
    let expected = flow.as_ref().map(|f| f.request_id.as_str());

    let now = OffsetDateTime::now_utc();
    let verified = verify(state, &connection, config, &saml_response, now, expected).await?;

    let idp_initiated = flow.is_none();
    let target = match flow {
        Some(flow) => Target::from(flow),
        None => Target {
            // Unsolicited, and the connection allows it (the verifier checked): a RelayState
            // that is a registered redirect URI chooses it, otherwise the first one.
            redirect_uri: form
                .relay_state
                .filter(|r| connection.redirect_uris.contains(r))
                .or_else(|| connection.redirect_uris.first().cloned())
                .ok_or_else(|| LoginFailure::internal("connection has no redirect URI"))?,
            app_state: None,
            flow_id: None,
        },
    };
    let skew = Duration::seconds(i64::from(config.clock_skew_seconds));
    let coverage = verified.coverage();
    let login = SsoLogin {
        attempt_id: responder.attempt_id().to_owned(),
        request_id: responder.request_id(),
        profile: profile::from_saml(&connection, &verified),
        assertion: Some((
            verified.assertion_id().to_owned(),
            verified.not_on_or_after() + skew,
        )),
        details: json!({
            "protocol": "saml",
            "idp_initiated": idp_initiated,
            "assertion_id": verified.assertion_id(),
            "certificate_sha256": verified.certificate_sha256(),
            "response_signed": coverage.response_signed,
            "assertion_signed": coverage.assertion_signed,
            "encrypted": coverage.encrypted,
        }),
    };
    flow::finish(state, &connection, login, target).await
}

/// Verifies with the connection's current certificates. When the signature fails and the
/// connection has a metadata URL, the metadata is re-fetched once (rate-limited) and the
/// response verified again: the IdP may have rotated its certificate since the last refresh.
async fn verify(
    state: &AppState,
    connection: &SsoConnection,
    config: &SamlConfig,
    saml_response: &str,
    now: OffsetDateTime,
    expected: Option<&str>,
) -> Result<saml::VerifiedAssertion, LoginFailure> {
    let sp = parsed(state, connection, config, now).await?;
    let rejection = match saml::verify_response(&sp.sp, saml_response, now, expected) {
        Ok(verified) => return Ok(verified),
        Err(rejection) => rejection,
    };
    let signature_failed = matches!(
        rejection,
        saml::Rejection::SignatureInvalid | saml::Rejection::UntrustedCertificate { .. }
    );
    if signature_failed
        && config.idp_metadata_url.is_some()
        && let Some(fresh) = refresh::refresh_on_demand(state, connection).await
        && let SsoProtocol::Saml(fresh_config) = &fresh.protocol
    {
        let sp = parsed(state, &fresh, fresh_config, now).await?;
        return saml::verify_response(&sp.sp, saml_response, now, expected)
            .map_err(|r| LoginFailure::rejected(&r, connection));
    }
    Err(LoginFailure::rejected(&rejection, connection))
}

/// `GET /sso/saml/{connection}/metadata`: our SP metadata for the IdP admin.
pub(crate) async fn metadata(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = SsoConnectionId::parse_url_form(&raw)
        .ok_or_else(|| ApiError::not_found("sso connection"))?;
    let connection = state
        .store
        .sso_connection_unscoped(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("sso connection"))?;
    let SsoProtocol::Saml(config) = &connection.protocol else {
        return Err(ApiError::not_found("saml connection"));
    };
    let certificate = saml::Certificate::from_pem(&config.sp_certificate_pem)
        .map_err(|e| ApiError::internal(&e))?;
    let xml = saml::SpMetadata {
        entity_id: &config.sp_entity_id,
        acs_url: &config.acs_url,
        name_id_format: None,
        signing_certificate: Some(&certificate),
        encryption_certificate: Some(&certificate),
        authn_requests_signed: config.sign_authn_requests,
        want_assertions_signed: config.require_signed_assertion,
    }
    .to_xml()
    .map_err(|e| ApiError::internal(&e))?;
    Ok((
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        xml,
    )
        .into_response())
}
