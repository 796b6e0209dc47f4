//! The OIDC relying party, on the `openidconnect` crate: authorization code with PKCE (S256),
//! `state` (the flow id, bound to the browser by cookie) and `nonce`; client authentication
//! (client_secret_basic, or client_secret_post when the provider only offers that); ID-token
//! validation (signature against the provider's keys, `iss`, `aud`, `exp`, `nonce`,
//! `at_hash`); optionally userinfo. Discovery and keys come from [`super::provider`].
//!
//! The PKCE verifier is derived from the browser's binding cookie
//! ([`super::browser::Binding::pkce_verifier`]), so the store never holds it.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreGenderClaim, CoreIdToken,
    CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthType, AuthorizationCode, ClaimsVerificationError,
    ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use store::{OidcConfig, SsoConnection, SsoLogin, SsoProtocol};

use super::browser::Binding;
use super::failure::{LoginFailure, Responder, WhoMustAct};
use super::fetch::error_chain;
use super::flow::{self, StartRequest, Target};
use super::provider::http;
use super::{load_connection, profile};
use crate::http::extract::RequestId;
use crate::state::AppState;

/// A client configured from discovered metadata.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

fn provider_unreachable(connection: &SsoConnection, issuer: &str, why: String) -> LoginFailure {
    LoginFailure::new(
        StatusCode::BAD_REQUEST,
        "oidc_discovery_failed",
        format!(
            "The OpenID provider's discovery document or keys could not be used ({why}). The \
             connection admin must check the issuer URL."
        ),
        WhoMustAct::ConnectionAdmin,
    )
    .values(
        Some(format!("{issuer}/.well-known/openid-configuration")),
        None,
    )
    .on(connection)
}

/// The provider metadata of `connection`, discovered or cached.
async fn metadata(
    state: &AppState,
    connection: &SsoConnection,
    config: &OidcConfig,
) -> Result<CoreProviderMetadata, LoginFailure> {
    state
        .sso
        .providers
        .get(&state.sso.oidc_client, &connection.id, &config.issuer)
        .await
        .map_err(|why| provider_unreachable(connection, &config.issuer, why))
}

/// A client for `config` from discovered `metadata`, authenticating with `secret` by the
/// method the provider supports (the secret is only needed at the token endpoint).
fn client(
    metadata: CoreProviderMetadata,
    config: &OidcConfig,
    secret: Option<ClientSecret>,
) -> Result<Client, LoginFailure> {
    let post_only = metadata
        .token_endpoint_auth_methods_supported()
        .is_some_and(|methods| {
            !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                && methods.contains(&CoreClientAuthMethod::ClientSecretPost)
        });
    let redirect = RedirectUrl::new(config.callback_url.clone()).map_err(LoginFailure::internal)?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.clone()),
        secret,
    )
    .set_redirect_uri(redirect);
    Ok(if post_only {
        client.set_auth_type(AuthType::RequestBody)
    } else {
        client.set_auth_type(AuthType::BasicAuth)
    })
}

/// Starts a sign-in: remembers the nonce for this browser and redirects to the authorization
/// endpoint with the flow id as `state` and the challenge of the binding's PKCE verifier.
pub(crate) async fn start(
    state: &AppState,
    connection: &SsoConnection,
    config: &OidcConfig,
    request: StartRequest,
) -> Result<Response, LoginFailure> {
    let metadata = metadata(state, connection, config).await?;
    let supported: Option<Vec<String>> = metadata
        .scopes_supported()
        .map(|s| s.iter().map(|s| s.to_string()).collect());
    let client = client(metadata, config, None)?;
    let binding = Binding::generate().map_err(LoginFailure::internal)?;
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
        binding.pkce_verifier().to_string(),
    ));
    let nonce = Nonce::new_random();
    let flow_id = flow::begin(state, connection, &binding, nonce.secret().clone(), request).await?;
    let csrf = flow_id.clone();
    let mut authorize = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(csrf),
            move || nonce,
        )
        .set_pkce_challenge(challenge);
    for scope in config.scopes.iter().filter(|s| s.as_str() != "openid") {
        // Ask for optional scopes (e.g. `groups`) only where the provider lists them.
        if supported.as_ref().is_none_or(|s| s.contains(scope)) {
            authorize = authorize.add_scope(Scope::new(scope.clone()));
        }
    }
    let (url, _, _) = authorize.url();
    Ok(flow::to_idp(state, &binding, &flow_id, url.as_str()))
}

/// The callback query.
#[derive(Debug, Deserialize)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Every claim beyond the standard ones (`groups` and custom claims), for userinfo.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct OtherClaims(Map<String, Value>);

impl AdditionalClaims for OtherClaims {}

/// `GET /sso/oidc/{connection}/callback`.
pub(crate) async fn callback(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    let responder = Responder::new(&state, &headers, request_id);
    let result = complete(&state, &raw, &headers, query.0.as_deref(), &responder).await;
    responder.finish(result).await
}

fn oidc_failure(
    connection: &SsoConnection,
    code: &'static str,
    message: String,
    who: WhoMustAct,
) -> LoginFailure {
    LoginFailure::new(StatusCode::BAD_REQUEST, code, message, who).on(connection)
}

async fn complete(
    state: &AppState,
    raw: &str,
    headers: &HeaderMap,
    query: Option<&str>,
    responder: &Responder,
) -> Result<Response, LoginFailure> {
    let connection = load_connection(state, raw).await?;
    let SsoProtocol::Oidc(config) = &connection.protocol else {
        return Err(flow::wrong_protocol(&connection));
    };
    let params: CallbackParams = serde_urlencoded::from_str(query.unwrap_or("")).map_err(|e| {
        oidc_failure(
            &connection,
            "invalid_callback",
            format!("The callback query is malformed: {e}."),
            WhoMustAct::Sender,
        )
    })?;
    let flow_id = params.state.clone().unwrap_or_default();
    let (flow, presented) = flow::take(state, &connection, headers, &flow_id).await?;
    if let Some(error) = params.error {
        let who = if error == "access_denied" {
            WhoMustAct::IdpAdmin
        } else {
            WhoMustAct::ConnectionAdmin
        };
        let description = params
            .error_description
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        return Err(oidc_failure(
            &connection,
            "idp_error",
            format!("The OpenID provider refused the sign-in: {error}{description}."),
            who,
        ));
    }
    let code = params.code.ok_or_else(|| {
        oidc_failure(
            &connection,
            "missing_code",
            "The callback carries no authorization code.".into(),
            WhoMustAct::IdpAdmin,
        )
    })?;
    // Taking the flow needed the binding cookie, so the verifier is there.
    let verifier = presented
        .pkce_verifier()
        .ok_or_else(|| LoginFailure::internal("a flow taken without its binding cookie"))?;

    let secret = state
        .store
        .sso_client_secret(&connection)
        .await
        .map_err(LoginFailure::internal)?
        .map(|s| ClientSecret::new(s.to_string()))
        .ok_or_else(|| LoginFailure::internal("the OIDC client secret is missing"))?;
    let oidc = client(
        metadata(state, &connection, config).await?,
        config,
        Some(secret.clone()),
    )?;
    let http = http(&state.sso.oidc_client);
    let tokens = oidc
        .exchange_code(AuthorizationCode::new(code))
        .map_err(LoginFailure::internal)?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
        .request_async(&http)
        .await
        .map_err(|e| {
            oidc_failure(
                &connection,
                "token_exchange_failed",
                format!(
                    "The OpenID provider refused the code exchange: {}. The connection admin \
                     must check the client id, secret and redirect URI.",
                    error_chain(&e)
                ),
                WhoMustAct::ConnectionAdmin,
            )
        })?;
    let id_token = tokens.id_token().ok_or_else(|| {
        oidc_failure(
            &connection,
            "id_token_missing",
            "The token response holds no ID token; the app must be an OpenID Connect app \
             granted the openid scope."
                .into(),
            WhoMustAct::IdpAdmin,
        )
    })?;
    let nonce = Nonce::new(flow.request_id.clone());
    let checker = IdTokenCheck {
        state,
        connection: &connection,
        config,
        secret,
    };
    let (oidc, claims) = checker.verify(oidc, id_token, &nonce).await?;
    let verifier = oidc.id_token_verifier();
    if let Some(expected) = claims.access_token_hash() {
        let actual = id_token
            .signing_alg()
            .and_then(|alg| id_token.signing_key(&verifier).map(|key| (alg, key)))
            .map_err(LoginFailure::internal)
            .and_then(|(alg, key)| {
                AccessTokenHash::from_token(tokens.access_token(), alg, key)
                    .map_err(LoginFailure::internal)
            })?;
        if actual != *expected {
            return Err(oidc_failure(
                &connection,
                "at_hash_mismatch",
                "The ID token's at_hash does not match the access token (token substitution)."
                    .into(),
                WhoMustAct::Sender,
            ));
        }
    }
    let subject = claims.subject().to_string();
    // Every claim, read from the payload whose signature was just verified.
    let mut all = verified_payload(&id_token.to_string());
    if config.fetch_userinfo
        && let Ok(request) = oidc.user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
    {
        let info: UserInfoClaims<OtherClaims, CoreGenderClaim> =
            request.request_async(&http).await.map_err(|e| {
                oidc_failure(
                    &connection,
                    "userinfo_failed",
                    format!("The userinfo endpoint failed: {}.", error_chain(&e)),
                    WhoMustAct::IdpAdmin,
                )
            })?;
        if let Ok(Value::Object(extra)) = serde_json::to_value(&info) {
            for (name, value) in extra {
                all.entry(name).or_insert(value);
            }
        }
    }
    let login = SsoLogin {
        attempt_id: responder.attempt_id().to_owned(),
        request_id: responder.request_id(),
        profile: profile::from_oidc(&connection, &subject, all, &config.groups_claim),
        assertion: None,
        details: json!({ "protocol": "oidc", "issuer": config.issuer }),
    };
    flow::finish(state, &connection, login, Target::from(flow)).await
}

/// What checking an ID token needs beyond the token.
struct IdTokenCheck<'a> {
    state: &'a AppState,
    connection: &'a SsoConnection,
    config: &'a OidcConfig,
    secret: ClientSecret,
}

impl IdTokenCheck<'_> {
    /// Verifies the ID token's signature and claims. A key id our copy of the provider's keys
    /// lacks makes us fetch the keys again (rate-limited) and verify once more. Returns the
    /// client that verified it (its keys) with the claims.
    async fn verify(
        &self,
        oidc: Client,
        id_token: &CoreIdToken,
        nonce: &Nonce,
    ) -> Result<(Client, CoreIdTokenClaims), LoginFailure> {
        let first = id_token.claims(&oidc.id_token_verifier(), nonce).cloned();
        let (oidc, checked) = match first {
            Err(
                unknown @ ClaimsVerificationError::SignatureVerification(
                    SignatureVerificationError::NoMatchingKey,
                ),
            ) => match self.refreshed_keys().await? {
                Some(metadata) => {
                    let fresh = client(metadata, self.config, Some(self.secret.clone()))?;
                    let checked = id_token.claims(&fresh.id_token_verifier(), nonce).cloned();
                    (fresh, checked)
                }
                None => (oidc, Err(unknown)),
            },
            checked => (oidc, checked),
        };
        let claims = checked.map_err(|e| {
            oidc_failure(
                self.connection,
                "id_token_invalid",
                format!("The ID token was refused: {}.", error_chain(&e)),
                WhoMustAct::Sender,
            )
        })?;
        Ok((oidc, claims))
    }

    async fn refreshed_keys(&self) -> Result<Option<CoreProviderMetadata>, LoginFailure> {
        self.state
            .sso
            .providers
            .refresh_keys(
                &self.state.sso.oidc_client,
                &self.connection.id,
                &self.config.issuer,
            )
            .await
            .map_err(|why| provider_unreachable(self.connection, &self.config.issuer, why))
    }
}

/// The claims of a JWT whose signature has been verified (the middle segment).
fn verified_payload(jwt: &str) -> Map<String, Value> {
    jwt.split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
        .unwrap_or_default()
}
