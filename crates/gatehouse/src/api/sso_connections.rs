//! `/api/v1/orgs/{org}/sso-connections`: SAML and OIDC connections — create (from an IdP
//! metadata URL, metadata XML, or SSO URL + certificate; or an OIDC issuer), list, read,
//! change, delete, and refresh the IdP metadata on demand. Secrets (the SP private key, the
//! OIDC client secret) are sealed by the store and never returned.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{
    NewSsoConnection, OidcConfig, OrgScope, PageRequest, Role, SamlConfig, SsoConnection,
    SsoConnectionId, SsoProtocol, SsoSecrets, TrustedCertificate,
};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zeroize::Zeroizing;

use crate::api::orgs::ListParams;
use crate::auth::OrgAccess;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::sso::settings::{self, IdpSource};
use crate::sso::{ConnectionUrls, fetch, refresh};
use crate::state::AppState;

/// The SSO connection routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_connection, list_connections))
        .routes(routes!(
            get_connection,
            update_connection,
            delete_connection
        ))
        .routes(routes!(refresh_metadata))
}

/// The protocol of a connection.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionType {
    /// SAML 2.0 (Gatehouse is the SP).
    Saml,
    /// OpenID Connect (Gatehouse is the RP).
    Oidc,
}

/// Behaviour switches of a SAML connection (all optional on input).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SamlSettingsInput {
    /// Accept unsolicited (IdP-initiated) sign-ins. Default false.
    pub allow_idp_initiated: Option<bool>,
    /// Accept SHA-1 signatures and digests. Default false.
    pub allow_sha1: Option<bool>,
    /// Clock skew tolerated on validity windows, 0–600 s. Default 180.
    pub clock_skew_seconds: Option<u32>,
    /// Require the assertion itself to be signed. Default false.
    pub require_signed_assertion: Option<bool>,
    /// Sign AuthnRequests. Default: as the IdP metadata asks.
    pub sign_authn_requests: Option<bool>,
}

/// `POST /api/v1/orgs/{org}/sso-connections` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnection {
    /// `saml` or `oidc`.
    #[serde(rename = "type")]
    pub kind: ConnectionType,
    /// A label for admins.
    pub name: String,
    /// The host application's redirect URIs (absolute http(s) URLs); codes go only there.
    pub redirect_uris: Vec<String>,
    /// SAML: IdP metadata URL (fetched now and every few hours).
    pub idp_metadata_url: Option<String>,
    /// SAML: IdP metadata XML.
    pub idp_metadata_xml: Option<String>,
    /// SAML: IdP SSO URL (with `idp_certificate_pem`).
    pub idp_sso_url: Option<String>,
    /// SAML: IdP signing certificate(s), PEM.
    pub idp_certificate_pem: Option<String>,
    /// SAML: IdP entity ID (picks one entity of an aggregate; derived from Okta SSO URLs).
    pub idp_entity_id: Option<String>,
    /// SAML: behaviour switches.
    pub settings: Option<SamlSettingsInput>,
    /// OIDC: issuer (an Okta org or authorization server).
    pub issuer: Option<String>,
    /// OIDC: client id.
    pub client_id: Option<String>,
    /// OIDC: client secret (sealed, never returned).
    pub client_secret: Option<String>,
    /// OIDC: scopes (default `openid profile email groups`; `groups` only where offered).
    pub scopes: Option<Vec<String>>,
    /// OIDC: the claim holding groups (default `groups`).
    pub groups_claim: Option<String>,
    /// OIDC: also read userinfo (default false).
    pub fetch_userinfo: Option<bool>,
}

/// `PATCH /api/v1/orgs/{org}/sso-connections/{connection}` body: only what changes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConnection {
    /// A label for admins.
    pub name: Option<String>,
    /// Replaces the redirect URIs.
    pub redirect_uris: Option<Vec<String>>,
    /// SAML: switch to this metadata URL.
    pub idp_metadata_url: Option<String>,
    /// SAML: switch to this metadata XML.
    pub idp_metadata_xml: Option<String>,
    /// SAML: switch to this SSO URL (with `idp_certificate_pem`).
    pub idp_sso_url: Option<String>,
    /// SAML: the IdP certificate(s) to trust from now on.
    pub idp_certificate_pem: Option<String>,
    /// SAML: IdP entity ID.
    pub idp_entity_id: Option<String>,
    /// SAML: behaviour switches to change.
    pub settings: Option<SamlSettingsInput>,
    /// OIDC: new client secret.
    pub client_secret: Option<String>,
    /// OIDC: scopes.
    pub scopes: Option<Vec<String>>,
    /// OIDC: groups claim.
    pub groups_claim: Option<String>,
    /// OIDC: read userinfo.
    pub fetch_userinfo: Option<bool>,
}

/// A trusted IdP certificate as shown to admins.
#[derive(Serialize, ToSchema)]
pub struct CertificateBody {
    /// SHA-256 fingerprint (hex).
    pub sha256: String,
    /// Expiry (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// When it left the IdP metadata; still accepted for a day after.
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// An SSO connection. Secrets are never included.
#[derive(Serialize, ToSchema)]
pub struct ConnectionBody {
    /// Its id (`conn_…`).
    pub id: String,
    /// The org.
    pub org_id: String,
    /// `saml` or `oidc`.
    #[serde(rename = "type")]
    pub kind: ConnectionType,
    /// A label.
    pub name: String,
    /// What admins paste into Okta's catalog app ("Integration identifier").
    pub integration_identifier: String,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Where the host application sends browsers to sign in.
    pub start_url: String,
    /// SAML: SP entity ID (Audience URI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_entity_id: Option<String>,
    /// SAML: ACS URL (Single sign-on URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs_url: Option<String>,
    /// SAML: SP metadata URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_metadata_url: Option<String>,
    /// SAML: SP certificate (PEM), for signed requests and encrypted assertions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_certificate_pem: Option<String>,
    /// SAML: IdP entity ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_entity_id: Option<String>,
    /// SAML: IdP SSO URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_sso_url: Option<String>,
    /// SAML: IdP metadata URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_metadata_url: Option<String>,
    /// SAML: trusted IdP certificates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_certificates: Option<Vec<CertificateBody>>,
    /// SAML: when the metadata was last fetched.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub metadata_refreshed_at: Option<OffsetDateTime>,
    /// SAML: behaviour switches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<SamlSettingsInput>,
    /// OIDC: redirect URI to register at the IdP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// OIDC: issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// OIDC: client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// OIDC: scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Things an admin should act on (certificates expiring, metadata refresh failing).
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Value>,
    /// Created (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last changed (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The path of one connection's routes.
#[derive(Deserialize)]
pub struct ConnectionPath {
    /// The org (checked by [`OrgAccess`]).
    pub org: String,
    /// The connection id (`conn_…` or its bare form).
    pub connection: String,
}

/// A page of connections.
#[derive(Serialize, ToSchema)]
pub struct ConnectionList {
    /// The connections.
    pub data: Vec<ConnectionBody>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

impl ConnectionBody {
    fn new(connection: SsoConnection, public_url: &str) -> Self {
        let urls = ConnectionUrls::new(public_url, &connection.id);
        let now = OffsetDateTime::now_utc();
        let mut body = Self {
            id: connection.id.to_string(),
            org_id: connection.org_id.to_string(),
            kind: ConnectionType::Saml,
            name: connection.name,
            integration_identifier: connection.id.url_form().to_owned(),
            redirect_uris: connection.redirect_uris,
            start_url: urls.start_url,
            sp_entity_id: None,
            acs_url: None,
            sp_metadata_url: None,
            sp_certificate_pem: None,
            idp_entity_id: None,
            idp_sso_url: None,
            idp_metadata_url: None,
            idp_certificates: None,
            metadata_refreshed_at: None,
            settings: None,
            callback_url: None,
            issuer: None,
            client_id: None,
            scopes: None,
            warnings: Vec::new(),
            created_at: connection.created_at,
            updated_at: connection.updated_at,
        };
        match connection.protocol {
            SsoProtocol::Saml(saml) => {
                body.warnings = settings::warnings(&saml, now);
                body.sp_metadata_url = Some(urls.sp_metadata_url);
                body.settings = Some(SamlSettingsInput {
                    allow_idp_initiated: Some(saml.allow_idp_initiated),
                    allow_sha1: Some(saml.allow_sha1),
                    clock_skew_seconds: Some(saml.clock_skew_seconds),
                    require_signed_assertion: Some(saml.require_signed_assertion),
                    sign_authn_requests: Some(saml.sign_authn_requests),
                });
                body.idp_certificates = Some(
                    saml.idp_certificates
                        .into_iter()
                        .map(|c| CertificateBody {
                            sha256: c.sha256,
                            not_after: c.not_after,
                            retired_at: c.retired_at,
                        })
                        .collect(),
                );
                body.sp_entity_id = Some(saml.sp_entity_id);
                body.acs_url = Some(saml.acs_url);
                body.sp_certificate_pem = Some(saml.sp_certificate_pem);
                body.idp_entity_id = Some(saml.idp_entity_id);
                body.idp_sso_url = Some(saml.idp_sso_url);
                body.idp_metadata_url = saml.idp_metadata_url;
                body.metadata_refreshed_at = saml.metadata_refreshed_at;
            }
            SsoProtocol::Oidc(oidc) => {
                body.kind = ConnectionType::Oidc;
                body.callback_url = Some(oidc.callback_url);
                body.issuer = Some(oidc.issuer);
                body.client_id = Some(oidc.client_id);
                body.scopes = Some(oidc.scopes);
            }
        }
        body
    }
}

/// Checks redirect URIs: at least one, each an absolute http(s) URL without a fragment.
fn check_redirect_uris(uris: &[String]) -> ApiResult<()> {
    if uris.is_empty() {
        return Err(ApiError::validation(
            "redirect_uris must list at least one URI",
        ));
    }
    for uri in uris {
        let url = fetch::http_url(uri)
            .map_err(|e| ApiError::validation(format!("redirect_uris: {uri:?}: {e}")))?;
        if url.fragment().is_some() {
            return Err(ApiError::validation(format!(
                "redirect_uris: {uri:?} must not have a fragment"
            )));
        }
    }
    Ok(())
}

fn check_settings(input: &SamlSettingsInput) -> ApiResult<()> {
    match input.clock_skew_seconds {
        Some(skew) if skew > settings::MAX_SKEW_SECONDS => Err(ApiError::validation(format!(
            "settings.clock_skew_seconds must be at most {}",
            settings::MAX_SKEW_SECONDS
        ))),
        _ => Ok(()),
    }
}

/// Applies checked settings ([`check_settings`]).
fn apply_settings(saml: &mut SamlConfig, input: &SamlSettingsInput) {
    if let Some(skew) = input.clock_skew_seconds {
        saml.clock_skew_seconds = skew;
    }
    let flags = [
        (input.allow_idp_initiated, &mut saml.allow_idp_initiated),
        (input.allow_sha1, &mut saml.allow_sha1),
        (
            input.require_signed_assertion,
            &mut saml.require_signed_assertion,
        ),
        (input.sign_authn_requests, &mut saml.sign_authn_requests),
    ];
    for (given, field) in flags {
        if let Some(value) = given {
            *field = value;
        }
    }
}

fn required(value: Option<String>, field: &str) -> ApiResult<String> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::validation(format!("{field} is required")))
}

async fn resolve(state: &AppState, source: &IdpSource) -> ApiResult<settings::ResolvedIdp> {
    settings::resolve_idp(&state.sso, source)
        .await
        .map_err(ApiError::validation)
}

async fn check_issuer(state: &AppState, id: &SsoConnectionId, issuer: &str) -> ApiResult<()> {
    fetch::http_url(issuer).map_err(|e| ApiError::validation(format!("issuer: {e}")))?;
    state
        .sso
        .providers
        .get(&state.sso.oidc_client, id, issuer)
        .await
        .map(|_| ())
        .map_err(|why| ApiError::validation(format!("issuer: discovery failed: {why}")))
}

async fn build_saml(
    state: &AppState,
    input: CreateConnection,
    urls: &ConnectionUrls,
) -> ApiResult<(SsoProtocol, SsoSecrets, Option<OffsetDateTime>)> {
    let idp = resolve(
        state,
        &IdpSource {
            metadata_url: input.idp_metadata_url,
            metadata_xml: input.idp_metadata_xml,
            sso_url: input.idp_sso_url,
            certificate_pem: input.idp_certificate_pem,
            entity_id: input.idp_entity_id,
        },
    )
    .await?;
    let name = input.name.clone();
    let (sp_certificate_pem, key) =
        tokio::task::spawn_blocking(move || settings::generate_sp_credential(&name))
            .await
            .map_err(|e| ApiError::internal(&e))?
            .map_err(|e| ApiError::internal(&e))?;
    let now = OffsetDateTime::now_utc();
    let mut saml = SamlConfig {
        sp_entity_id: urls.sp_entity_id.clone(),
        acs_url: urls.acs_url.clone(),
        sp_certificate_pem,
        idp_entity_id: idp.entity_id,
        idp_sso_url: idp.sso_url,
        idp_metadata_url: idp.metadata_url.clone(),
        idp_certificates: idp.certificates,
        allow_idp_initiated: false,
        allow_sha1: false,
        clock_skew_seconds: settings::DEFAULT_SKEW_SECONDS,
        require_signed_assertion: false,
        sign_authn_requests: idp.wants_signed_requests,
        metadata_refreshed_at: idp.metadata_url.as_ref().map(|_| now),
        metadata_error: None,
    };
    let settings_input = input.settings.unwrap_or_default();
    check_settings(&settings_input)?;
    apply_settings(&mut saml, &settings_input);
    let next = idp.metadata_url.map(|_| now + settings::METADATA_REFRESH);
    let secrets = SsoSecrets {
        sp_private_key_pem: Some(key),
        oidc_client_secret: None,
    };
    Ok((SsoProtocol::Saml(saml), secrets, next))
}

async fn build_oidc(
    state: &AppState,
    id: &SsoConnectionId,
    input: CreateConnection,
    urls: &ConnectionUrls,
) -> ApiResult<(SsoProtocol, SsoSecrets, Option<OffsetDateTime>)> {
    let issuer = required(input.issuer, "issuer")?;
    let client_id = required(input.client_id, "client_id")?;
    let secret = required(input.client_secret, "client_secret")?;
    check_issuer(state, id, &issuer).await?;
    let mut scopes = input.scopes.unwrap_or_else(|| {
        ["openid", "profile", "email", "groups"]
            .map(str::to_owned)
            .to_vec()
    });
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    let oidc = OidcConfig {
        issuer,
        client_id,
        callback_url: urls.callback_url.clone(),
        scopes,
        groups_claim: input.groups_claim.unwrap_or_else(|| "groups".into()),
        fetch_userinfo: input.fetch_userinfo.unwrap_or(false),
    };
    let secrets = SsoSecrets {
        sp_private_key_pem: None,
        oidc_client_secret: Some(Zeroizing::new(secret)),
    };
    Ok((SsoProtocol::Oidc(oidc), secrets, None))
}

/// Creates an SSO connection (admin role). SAML connections get their own SP key pair.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/sso-connections", tag = "sso",
    request_body = CreateConnection,
    params(("org" = String, Path, description = "Org id")),
    responses((status = 201, body = ConnectionBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn create_connection(
    State(state): State<AppState>,
    access: OrgAccess,
    ApiJson(input): ApiJson<CreateConnection>,
) -> ApiResult<impl IntoResponse> {
    // Before any outbound fetch: a viewer must not make us fetch URLs.
    access.scope.require(Role::Admin)?;
    check_redirect_uris(&input.redirect_uris)?;
    store::validate_org_name(&input.name).map_err(ApiError::validation)?;
    let id = SsoConnectionId::generate();
    let urls = ConnectionUrls::new(&state.public_url, &id);
    let name = input.name.clone();
    let redirect_uris = input.redirect_uris.clone();
    let (protocol, secrets, next_refresh_at) = match input.kind {
        ConnectionType::Saml => build_saml(&state, input, &urls).await?,
        ConnectionType::Oidc => build_oidc(&state, &id, input, &urls).await?,
    };
    let connection = state
        .store
        .create_sso_connection(
            &access.scope,
            &access.auth.actor(),
            NewSsoConnection {
                id,
                name,
                redirect_uris,
                protocol,
                next_refresh_at,
                secrets,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ConnectionBody::new(connection, &state.public_url)),
    ))
}

/// Lists the org's SSO connections.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/sso-connections", tag = "sso",
    params(("org" = String, Path, description = "Org id"), ListParams),
    responses((status = 200, body = ConnectionList), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn list_connections(
    State(state): State<AppState>,
    access: OrgAccess,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<ConnectionList>> {
    let page = state
        .store
        .list_sso_connections(
            &access.scope,
            &PageRequest {
                after: params.cursor,
                limit: params.limit,
            },
        )
        .await?;
    Ok(axum::Json(ConnectionList {
        data: page
            .items
            .into_iter()
            .map(|c| ConnectionBody::new(c, &state.public_url))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

async fn load(state: &AppState, scope: &OrgScope, raw: &str) -> ApiResult<SsoConnection> {
    let id = SsoConnectionId::parse_url_form(raw)
        .ok_or_else(|| ApiError::not_found("sso connection"))?;
    Ok(state.store.get_sso_connection(scope, &id).await?)
}

/// Reads one SSO connection.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/sso-connections/{connection}", tag = "sso",
    params(("org" = String, Path, description = "Org id"),
           ("connection" = String, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn get_connection(
    State(state): State<AppState>,
    access: OrgAccess,
    Path(path): Path<ConnectionPath>,
) -> ApiResult<axum::Json<ConnectionBody>> {
    let connection = load(&state, &access.scope, &path.connection).await?;
    Ok(axum::Json(ConnectionBody::new(
        connection,
        &state.public_url,
    )))
}

/// Changes an SSO connection (admin role): name, redirect URIs, settings, the IdP source
/// (SAML) or client settings (OIDC).
#[utoipa::path(patch, path = "/api/v1/orgs/{org}/sso-connections/{connection}", tag = "sso",
    request_body = UpdateConnection,
    params(("org" = String, Path, description = "Org id"),
           ("connection" = String, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update_connection(
    State(state): State<AppState>,
    access: OrgAccess,
    Path(path): Path<ConnectionPath>,
    ApiJson(input): ApiJson<UpdateConnection>,
) -> ApiResult<axum::Json<ConnectionBody>> {
    access.scope.require(Role::Admin)?;
    let current = load(&state, &access.scope, &path.connection).await?;
    if let Some(uris) = &input.redirect_uris {
        check_redirect_uris(uris)?;
    }
    let source = IdpSource {
        metadata_url: input.idp_metadata_url.clone(),
        metadata_xml: input.idp_metadata_xml.clone(),
        sso_url: input.idp_sso_url.clone(),
        certificate_pem: input.idp_certificate_pem.clone(),
        entity_id: input.idp_entity_id.clone(),
    };
    let new_source = source.metadata_url.is_some()
        || source.metadata_xml.is_some()
        || source.sso_url.is_some()
        || source.certificate_pem.is_some();
    let is_saml = matches!(current.protocol, SsoProtocol::Saml(_));
    if !is_saml && (new_source || input.settings.is_some()) {
        return Err(ApiError::validation(
            "IdP metadata, certificates and settings apply to SAML connections only",
        ));
    }
    if is_saml
        && (input.client_secret.is_some()
            || input.scopes.is_some()
            || input.groups_claim.is_some()
            || input.fetch_userinfo.is_some())
    {
        return Err(ApiError::validation(
            "client_secret, scopes, groups_claim and fetch_userinfo apply to OIDC connections only",
        ));
    }
    let idp = if new_source {
        Some(resolve(&state, &source).await?)
    } else {
        None
    };
    if let Some(settings_input) = &input.settings {
        check_settings(settings_input)?;
    }
    let secrets = SsoSecrets {
        sp_private_key_pem: None,
        oidc_client_secret: input.client_secret.clone().map(Zeroizing::new),
    };
    let now = OffsetDateTime::now_utc();
    let connection = state
        .store
        .update_sso_connection(
            &access.scope,
            &access.auth.actor(),
            &current.id,
            &secrets,
            |c| {
                if let Some(name) = &input.name {
                    c.name = name.clone();
                }
                if let Some(uris) = &input.redirect_uris {
                    c.redirect_uris = uris.clone();
                }
                match &mut c.protocol {
                    SsoProtocol::Saml(saml) => {
                        if let Some(idp) = &idp {
                            saml.idp_entity_id = idp.entity_id.clone();
                            saml.idp_sso_url = idp.sso_url.clone();
                            saml.idp_metadata_url = idp.metadata_url.clone();
                            saml.idp_certificates = idp
                                .certificates
                                .iter()
                                .map(|c| TrustedCertificate {
                                    retired_at: None,
                                    ..c.clone()
                                })
                                .collect();
                            saml.metadata_refreshed_at = idp.metadata_url.as_ref().map(|_| now);
                            saml.metadata_error = None;
                            c.next_refresh_at = idp
                                .metadata_url
                                .as_ref()
                                .map(|_| now + settings::METADATA_REFRESH);
                        }
                        if let Some(settings_input) = &input.settings {
                            apply_settings(saml, settings_input);
                        }
                    }
                    SsoProtocol::Oidc(oidc) => {
                        if let Some(scopes) = &input.scopes {
                            oidc.scopes = scopes.clone();
                        }
                        if let Some(claim) = &input.groups_claim {
                            oidc.groups_claim = claim.clone();
                        }
                        if let Some(fetch) = input.fetch_userinfo {
                            oidc.fetch_userinfo = fetch;
                        }
                    }
                }
                Ok(())
            },
        )
        .await?;
    Ok(axum::Json(ConnectionBody::new(
        connection,
        &state.public_url,
    )))
}

/// Deletes an SSO connection with its keys, pending sign-ins and unredeemed codes.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}/sso-connections/{connection}", tag = "sso",
    params(("org" = String, Path, description = "Org id"),
           ("connection" = String, Path, description = "Connection id")),
    responses((status = 204), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_connection(
    State(state): State<AppState>,
    access: OrgAccess,
    Path(path): Path<ConnectionPath>,
) -> ApiResult<StatusCode> {
    let id = SsoConnectionId::parse_url_form(&path.connection)
        .ok_or_else(|| ApiError::not_found("sso connection"))?;
    state
        .store
        .delete_sso_connection(&access.scope, &access.auth.actor(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Fetches the IdP metadata now (admin role); a changed certificate set is applied at once,
/// with the previous certificates still accepted for a day.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/sso-connections/{connection}/refresh-metadata",
    tag = "sso",
    params(("org" = String, Path, description = "Org id"),
           ("connection" = String, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn refresh_metadata(
    State(state): State<AppState>,
    access: OrgAccess,
    Path(path): Path<ConnectionPath>,
) -> ApiResult<axum::Json<ConnectionBody>> {
    access.scope.require(Role::Admin)?;
    let connection = load(&state, &access.scope, &path.connection).await?;
    let updated = refresh::refresh_metadata(&state, &connection)
        .await
        .map_err(|why| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "metadata_refresh_failed",
                why,
            )
        })?;
    Ok(axum::Json(ConnectionBody::new(updated, &state.public_url)))
}
