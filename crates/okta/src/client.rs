//! The Management API client: one org, one set of credentials, one request pipeline.
//!
//! Every call goes through one pipeline: wait for the [`Pacer`] to admit it, take a
//! concurrency permit, add auth headers (SSWS, Bearer or DPoP with a fresh proof), send
//! through the [`Transport`], feed the rate-limit headers back to the pacer, and retry what
//! is safe to retry: 429s always (the request was not processed) after the bucket resets,
//! 5xx and broken connections only for idempotent calls, with jittered exponential backoff.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use url::Url;

use crate::api::PageSizes;
use crate::auth::{
    self, AccessToken, Credentials, DpopKey, DpopMode, SigningKey, TokenKind, TokenState,
};
use crate::clock::Clock;
use crate::domain::OrgUrl;
use crate::error::{Error, OktaError, header_str, parse_auth_params};
use crate::paging::{Page, next_link};
use crate::ratelimit::{Admission, Observation, Pacer, PacerConfig, backoff_ms, bucket_for};
use crate::transport::{
    HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportConfig, TransportError,
};

/// Everything needed to build a [`Client`].
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The org, as normalised by [`OrgUrl::parse`].
    pub org: OrgUrl,
    /// SSWS token or service app.
    pub credentials: Credentials,
    /// Rate-limit pacing; `share` is this directory's fraction of each org bucket.
    pub pacer: PacerConfig,
    /// Most requests in flight at once (Okta's org-wide concurrency limit is 75, or 35
    /// for free orgs, shared with everything else).
    pub max_concurrency: usize,
    /// Retries of a 5xx, timeout, dropped connection or unreadable 2xx body.
    pub max_retries: u32,
    /// Retries after a 429 (each waits for the bucket's reset).
    pub max_rate_limit_retries: u32,
    /// Timeouts and limits of the HTTP client.
    pub transport: TransportConfig,
    /// Page size of each list.
    pub page_sizes: PageSizes,
}

impl ClientConfig {
    /// Defaults: 50 % share, 8 in flight, 4 transient retries, 10 rate-limit retries.
    pub fn new(org: OrgUrl, credentials: Credentials) -> ClientConfig {
        ClientConfig {
            org,
            credentials,
            pacer: PacerConfig::default(),
            max_concurrency: 8,
            max_retries: 4,
            max_rate_limit_retries: 10,
            transport: TransportConfig::default(),
            page_sizes: PageSizes::default(),
        }
    }
}

/// Counters since the client was built (or since [`Client::stats`] was last diffed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent, retries and token requests included.
    pub api_calls: u64,
    /// Times a call waited for the pacer or a 429 backoff.
    pub rate_limit_waits: u64,
    /// Total time spent in those waits, in milliseconds.
    pub rate_limit_wait_ms: u64,
    /// 429 responses received.
    pub rate_limited: u64,
    /// Retries after 5xx, timeouts, dropped connections or unreadable bodies.
    pub retries: u64,
}

impl ClientStats {
    /// The counters accumulated since `earlier`.
    pub fn since(&self, earlier: &ClientStats) -> ClientStats {
        ClientStats {
            api_calls: self.api_calls.saturating_sub(earlier.api_calls),
            rate_limit_waits: self
                .rate_limit_waits
                .saturating_sub(earlier.rate_limit_waits),
            rate_limit_wait_ms: self
                .rate_limit_wait_ms
                .saturating_sub(earlier.rate_limit_wait_ms),
            rate_limited: self.rate_limited.saturating_sub(earlier.rate_limited),
            retries: self.retries.saturating_sub(earlier.retries),
        }
    }
}

#[derive(Default)]
struct Counters {
    api_calls: AtomicU64,
    waits: AtomicU64,
    wait_ms: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
}

/// Whether a call may be repeated after a failure that might have reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// GET/PUT/DELETE, and POSTs whose repetition has the same effect (token requests,
    /// partial profile updates).
    Idempotent,
    /// POSTs that must not run twice (lifecycle transitions): retried only when the
    /// request certainly was not processed (429, connection refused).
    Once,
}

/// One request for [`Client::execute`].
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<(Vec<u8>, &'static str)>,
    pub(crate) extra_headers: HeaderMap,
    pub(crate) retry: Retry,
    /// False only for the token endpoint, which authenticates with the assertion.
    pub(crate) authenticated: bool,
}

impl Call {
    pub(crate) fn new(method: Method, url: Url, retry: Retry) -> Call {
        Call {
            method,
            url,
            body: None,
            extra_headers: HeaderMap::new(),
            retry,
            authenticated: true,
        }
    }

    pub(crate) fn json(mut self, value: &serde_json::Value) -> Call {
        self.body = Some((value.to_string().into_bytes(), "application/json"));
        self
    }
}

/// A client for one Okta org. Cheap to clone; clones share the connection pool, pacer,
/// token cache and counters.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    org: OrgUrl,
    credentials: Credentials,
    signing_key: Option<SigningKey>,
    token: tokio::sync::Mutex<Option<TokenState>>,
    dpop: Mutex<DpopState>,
    transport: Arc<dyn Transport>,
    pacer: Mutex<Pacer>,
    permits: Semaphore,
    counters: Counters,
    clock: Clock,
    max_retries: u32,
    max_rate_limit_retries: u32,
    page_sizes: PageSizes,
}

/// DPoP key and the nonces servers handed out, kept apart from the token lock so that
/// recording a nonce never waits for a token refresh.
#[derive(Debug, Default)]
struct DpopState {
    key: Option<DpopKey>,
    token_nonce: Option<String>,
    resource_nonce: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("org", &self.inner.org)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client over the production reqwest transport. Parses the service app's
    /// key up front, so a bad key fails here rather than at the first call.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let transport = ReqwestTransport::new(&config.transport)?;
        Client::with_transport(config, Arc::new(transport))
    }

    /// Builds a client over any transport (tests use [`crate::transport::MemoryTransport`]).
    pub fn with_transport(
        config: ClientConfig,
        transport: Arc<dyn Transport>,
    ) -> Result<Client, Error> {
        let (signing_key, token_state) = match &config.credentials {
            Credentials::ApiToken(_) => (None, None),
            Credentials::ServiceApp(app) => (
                Some(SigningKey::from_pem(&app.private_key_pem)?),
                Some(TokenState::new(app)),
            ),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                org: config.org,
                credentials: config.credentials,
                signing_key,
                token: tokio::sync::Mutex::new(token_state),
                dpop: Mutex::new(DpopState::default()),
                transport,
                pacer: Mutex::new(Pacer::new(config.pacer)),
                permits: Semaphore::new(config.max_concurrency.max(1)),
                counters: Counters::default(),
                clock: Clock::new(),
                max_retries: config.max_retries,
                max_rate_limit_retries: config.max_rate_limit_retries,
                page_sizes: config.page_sizes,
            }),
        })
    }

    /// The org this client talks to.
    pub fn org(&self) -> &OrgUrl {
        &self.inner.org
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        ClientStats {
            api_calls: c.api_calls.load(Ordering::Relaxed),
            rate_limit_waits: c.waits.load(Ordering::Relaxed),
            rate_limit_wait_ms: c.wait_ms.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
        }
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The page sizes in force.
    pub fn page_sizes(&self) -> PageSizes {
        self.inner.page_sizes
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// An absolute URL on the org for a path and query.
    pub(crate) fn url(&self, path_and_query: &str) -> Result<Url, Error> {
        Ok(self.inner.org.join(path_and_query)?)
    }

    /// Sends `call` and returns a 2xx response, or Okta's error.
    pub(crate) async fn send(&self, call: Call) -> Result<HttpResponse, Error> {
        let response = self.execute(call).await?;
        if response.status.is_success() {
            Ok(response)
        } else {
            Err(Error::Okta(Box::new(OktaError::from_response(
                response.status,
                &response.headers,
                &response.body,
            ))))
        }
    }

    /// GETs a JSON document, retrying (as for a 5xx) when a 2xx body does not parse —
    /// a truncated or corrupted page is transient far more often than not.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
    ) -> Result<(T, HeaderMap), Error> {
        let url = self.url(path_and_query)?;
        let mut attempt = 0;
        loop {
            let response = self
                .send(Call::new(Method::GET, url.clone(), Retry::Idempotent))
                .await?;
            match serde_json::from_slice::<T>(&response.body) {
                Ok(value) => return Ok((value, response.headers)),
                Err(e) if attempt < self.inner.max_retries => {
                    attempt += 1;
                    tracing::warn!(url = %path_and_query, error = %e, attempt, "unreadable Okta response, retrying");
                    self.inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                    self.pause(backoff_ms(attempt, rand::random::<f64>())).await;
                }
                Err(e) => {
                    return Err(Error::Decode {
                        url: path_and_query.to_owned(),
                        reason: e.to_string(),
                    });
                }
            }
        }
    }

    /// Fetches one page of a list: the records and the `rel="next"` link.
    ///
    /// Pages are requested at each endpoint's maximum size. When a page still fails after
    /// the retries with a server error (Okta times large queries out at 30 s) or a paging
    /// refusal, the same page is asked for again with half the `limit` (down to
    /// [`MIN_ADAPTIVE_LIMIT`]), as Okta advises; the cursor itself is never touched, and the
    /// smaller limit carries on through the `next` links Okta returns.
    pub async fn fetch_page<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
    ) -> Result<Page<T>, Error> {
        let mut path = path_and_query.to_owned();
        loop {
            match self.get_json::<Vec<T>>(&path).await {
                Ok((items, headers)) => {
                    return Ok(Page {
                        items,
                        next: next_link(&headers),
                    });
                }
                Err(Error::Okta(e)) if e.status >= 500 || e.error_code == "E0000029" => {
                    match halve_limit(&path) {
                        Some(smaller) => {
                            tracing::warn!(error = %e, from = %path, to = %smaller, "retrying the page with a smaller limit");
                            path = smaller;
                        }
                        None => return Err(Error::Okta(e)),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The request pipeline (see the module docs). Returns whatever final response Okta
    /// gave; [`Client::send`] turns non-2xx into errors.
    pub(crate) async fn execute(&self, call: Call) -> Result<HttpResponse, Error> {
        if call.authenticated {
            self.pipeline(call, ResourceAuth).await
        } else {
            self.pipeline(call, NoAuth).await
        }
    }

    /// The pipeline, generic over how requests are authorised so that the token
    /// endpoint's instance (which resource calls reach through a token refresh) does not
    /// contain the resource instance: the future types stay finite.
    async fn pipeline<A: Authorizer>(&self, call: Call, auth: A) -> Result<HttpResponse, Error> {
        let bucket = bucket_for(&call.method, call.url.path());
        let mut transient_attempts = 0u32;
        let mut rate_limit_attempts = 0u32;
        let mut auth_retried = false;
        loop {
            self.admit(&bucket).await;
            let permit = self.inner.permits.acquire().await;
            let mut request = self.build_request(&call);
            auth.authorize(self, &call.method, &call.url, &mut request.headers)
                .await?;
            self.inner
                .counters
                .api_calls
                .fetch_add(1, Ordering::Relaxed);
            let result = self.inner.transport.send(request).await;
            drop(permit);
            let now_ms = self.inner.clock.now_ms();
            let response = match result {
                Ok(r) => r,
                Err(e) => {
                    let may_retry = e.not_sent() || call.retry == Retry::Idempotent;
                    if may_retry && transient_attempts < self.inner.max_retries {
                        transient_attempts += 1;
                        tracing::warn!(url = %call.url.path(), error = %e, attempt = transient_attempts, "Okta call failed, retrying");
                        self.inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                        self.pause(backoff_ms(transient_attempts, rand::random::<f64>()))
                            .await;
                        continue;
                    }
                    return Err(Error::Transport(e));
                }
            };
            let margin = self.pacer_config().reset_margin_ms;
            let observation = Observation::from_headers(&response.headers, now_ms, margin);
            if let Some(obs) = observation
                && response.status != StatusCode::TOO_MANY_REQUESTS
            {
                self.with_pacer(|p| p.observe(&bucket, obs, now_ms));
            }
            if call.authenticated
                && let Some(nonce) = header_str(&response.headers, "dpop-nonce")
            {
                self.with_dpop(|d| d.resource_nonce = Some(nonce.to_owned()));
            }
            let status = response.status;
            if status.is_success() {
                return Ok(response);
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                self.inner
                    .counters
                    .rate_limited
                    .fetch_add(1, Ordering::Relaxed);
                if rate_limit_attempts >= self.inner.max_rate_limit_retries {
                    return Ok(response);
                }
                rate_limit_attempts += 1;
                let jitter = rand::random::<f64>();
                let until = self.with_pacer(|p| {
                    p.after_429(&bucket, observation, rate_limit_attempts, jitter, now_ms)
                });
                tracing::info!(bucket = %bucket, wait_ms = until.saturating_sub(now_ms), "Okta rate limit hit, waiting for reset");
                self.wait_until(until).await;
                continue;
            }
            if status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED {
                if call.retry == Retry::Idempotent && transient_attempts < self.inner.max_retries {
                    transient_attempts += 1;
                    tracing::warn!(url = %call.url.path(), %status, attempt = transient_attempts, "Okta server error, retrying");
                    self.inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                    self.pause(backoff_ms(transient_attempts, rand::random::<f64>()))
                        .await;
                    continue;
                }
                return Ok(response);
            }
            if status == StatusCode::UNAUTHORIZED
                && call.authenticated
                && !auth_retried
                && self.refresh_after_401(&response).await
            {
                auth_retried = true;
                continue;
            }
            return Ok(response);
        }
    }

    /// Waits until the pacer admits a call to `bucket`.
    async fn admit(&self, bucket: &str) {
        loop {
            let now = self.inner.clock.now_ms();
            match self.with_pacer(|p| p.admit(bucket, now)) {
                Admission::Go => return,
                Admission::WaitUntil(until) => self.wait_until(until).await,
            }
        }
    }

    /// A rate-limit wait, counted in the stats.
    async fn wait_until(&self, until_ms: u64) {
        let now = self.inner.clock.now_ms();
        if until_ms <= now {
            return;
        }
        self.inner.counters.waits.fetch_add(1, Ordering::Relaxed);
        self.inner
            .counters
            .wait_ms
            .fetch_add(until_ms - now, Ordering::Relaxed);
        self.inner.clock.sleep_until(until_ms).await;
    }

    /// A retry backoff (not a rate-limit wait).
    async fn pause(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }

    fn pacer_config(&self) -> PacerConfig {
        self.with_pacer(|p| p.config())
    }

    fn with_pacer<R>(&self, f: impl FnOnce(&mut Pacer) -> R) -> R {
        let mut guard = match self.inner.pacer.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    fn with_dpop<R>(&self, f: impl FnOnce(&mut DpopState) -> R) -> R {
        let mut guard = match self.inner.dpop.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    fn build_request(&self, call: &Call) -> HttpRequest {
        let mut headers = call.extra_headers.clone();
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let body = match &call.body {
            Some((bytes, content_type)) => {
                headers.insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type),
                );
                Some(bytes.clone())
            }
            // Okta answers 411 to a POST/PUT without Content-Length; an empty body sets it.
            None if call.method == Method::POST || call.method == Method::PUT => Some(Vec::new()),
            None => None,
        };
        HttpRequest {
            method: call.method.clone(),
            url: call.url.clone(),
            headers,
            body,
        }
    }

    /// Adds `Authorization` (and `DPoP`) for a Management API call.
    async fn authorize(
        &self,
        method: &Method,
        url: &Url,
        headers: &mut HeaderMap,
    ) -> Result<(), Error> {
        let value = match &self.inner.credentials {
            Credentials::ApiToken(token) => format!("SSWS {}", token.expose()),
            Credentials::ServiceApp(_) => {
                let token = self.access_token().await?;
                match token.kind {
                    TokenKind::Bearer => format!("Bearer {}", token.value.expose()),
                    TokenKind::Dpop => {
                        let proof =
                            self.dpop_proof(method, url, Some(token.value.expose()), false)?;
                        headers.insert("dpop", header_value(&proof)?);
                        format!("DPoP {}", token.value.expose())
                    }
                }
            }
        };
        let mut value = header_value(&value)?;
        value.set_sensitive(true);
        headers.insert(http::header::AUTHORIZATION, value);
        Ok(())
    }

    /// A DPoP proof signed with this client's DPoP key (generated on first use).
    fn dpop_proof(
        &self,
        method: &Method,
        url: &Url,
        access_token: Option<&str>,
        for_token_endpoint: bool,
    ) -> Result<String, Error> {
        let now = self.inner.clock.now().unix_timestamp();
        let jti = uuid::Uuid::new_v4().to_string();
        self.with_dpop(|d| {
            let key = match &d.key {
                Some(k) => k.clone(),
                None => {
                    let k = DpopKey::generate()?;
                    d.key = Some(k.clone());
                    k
                }
            };
            let nonce = if for_token_endpoint {
                &d.token_nonce
            } else {
                &d.resource_nonce
            };
            Ok(key.proof(
                method.as_str(),
                url,
                now,
                &jti,
                access_token,
                nonce.as_deref(),
            )?)
        })
    }

    /// The current access token of a service app, fetched or refreshed when needed.
    /// Concurrent callers share one refresh.
    pub(crate) async fn access_token(&self) -> Result<AccessToken, Error> {
        let mut guard = self.inner.token.lock().await;
        let Some(state) = guard.as_mut() else {
            return Err(Error::Key(auth::KeyError::Unsupported(
                "an API-token client has no OAuth access token".to_owned(),
            )));
        };
        if let Some(token) = state.valid_token(self.inner.clock.now()) {
            return Ok(token);
        }
        self.fetch_token(state).await
    }

    /// Runs the client-credentials exchange, handling the DPoP switch, the
    /// `use_dpop_nonce` round trip and the read-only scope fallback.
    async fn fetch_token(&self, state: &mut TokenState) -> Result<AccessToken, Error> {
        let (Credentials::ServiceApp(app), Some(key)) =
            (&self.inner.credentials, &self.inner.signing_key)
        else {
            return Err(Error::Key(auth::KeyError::Unsupported(
                "no service app".to_owned(),
            )));
        };
        let endpoint = self.inner.org.token_endpoint();
        let url = Url::parse(&endpoint)?;
        let mut nonce_retried = false;
        let mut scope_fallback = false;
        loop {
            let now = self.inner.clock.now();
            let assertion = auth::client_assertion(
                &app.client_id,
                &endpoint,
                key,
                app.key_id.as_deref(),
                now.unix_timestamp(),
                &uuid::Uuid::new_v4().to_string(),
            )?;
            let form = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("scope", &state.scopes.join(" "))
                .append_pair(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                )
                .append_pair("client_assertion", &assertion)
                .finish();
            let mut call = Call::new(Method::POST, url.clone(), Retry::Idempotent);
            call.authenticated = false;
            call.body = Some((form.into_bytes(), "application/x-www-form-urlencoded"));
            if state.use_dpop {
                let proof = self.dpop_proof(&Method::POST, &url, None, true)?;
                call.extra_headers.insert("dpop", header_value(&proof)?);
            }
            let response = self.pipeline(call, NoAuth).await?;
            if let Some(nonce) = header_str(&response.headers, "dpop-nonce") {
                self.with_dpop(|d| d.token_nonce = Some(nonce.to_owned()));
            }
            if response.status.is_success() {
                let (token, lifetime) =
                    auth::parse_token_response(&response.body, self.inner.clock.now()).map_err(
                        |reason| Error::Decode {
                            url: "/oauth2/v1/token".to_owned(),
                            reason,
                        },
                    )?;
                state.cached = Some((token.clone(), lifetime));
                return Ok(token);
            }
            let err = OktaError::from_response(response.status, &response.headers, &response.body);
            match err.error_code.as_str() {
                "use_dpop_nonce" if state.use_dpop && !nonce_retried => nonce_retried = true,
                "invalid_dpop_proof" if !state.use_dpop && app.dpop == DpopMode::Auto => {
                    tracing::info!(
                        "Okta service app requires DPoP; switching to DPoP-bound tokens"
                    );
                    state.use_dpop = true;
                }
                "invalid_scope" if state.scopes_defaulted && !scope_fallback => {
                    tracing::warn!(
                        "service app lacks the manage scopes; requesting read-only scopes"
                    );
                    scope_fallback = true;
                    state.scopes = auth::READ_ONLY_SCOPES
                        .iter()
                        .map(|s| (*s).to_owned())
                        .collect();
                }
                _ => return Err(Error::Token(Box::new(err))),
            }
        }
    }

    /// After a 401 on a service-app call: drop the cached token (expired or revoked) or
    /// record the DPoP nonce the resource server demands. True when a retry makes sense.
    async fn refresh_after_401(&self, response: &HttpResponse) -> bool {
        if matches!(self.inner.credentials, Credentials::ApiToken(_)) {
            return false;
        }
        let challenge = header_str(&response.headers, "www-authenticate").unwrap_or_default();
        let error = parse_auth_params(challenge)
            .into_iter()
            .find(|(k, _)| k == "error")
            .map(|(_, v)| v)
            .unwrap_or_default();
        if error == "use_dpop_nonce" {
            // The nonce header was recorded by execute().
            return true;
        }
        let mut guard = self.inner.token.lock().await;
        if let Some(state) = guard.as_mut() {
            state.cached = None;
        }
        true
    }
}

/// How the pipeline authorises each attempt.
trait Authorizer: Send + Sync {
    fn authorize<'a>(
        &'a self,
        client: &'a Client,
        method: &'a Method,
        url: &'a Url,
        headers: &'a mut HeaderMap,
    ) -> impl std::future::Future<Output = Result<(), Error>> + Send + 'a;
}

/// Token-endpoint calls: the client assertion in the body is the authentication.
struct NoAuth;

impl Authorizer for NoAuth {
    async fn authorize<'a>(
        &'a self,
        _: &'a Client,
        _: &'a Method,
        _: &'a Url,
        _: &'a mut HeaderMap,
    ) -> Result<(), Error> {
        Ok(())
    }
}

/// Management API calls: SSWS, Bearer or DPoP.
struct ResourceAuth;

impl Authorizer for ResourceAuth {
    async fn authorize<'a>(
        &'a self,
        client: &'a Client,
        method: &'a Method,
        url: &'a Url,
        headers: &'a mut HeaderMap,
    ) -> Result<(), Error> {
        client.authorize(method, url, headers).await
    }
}

/// The smallest page size [`Client::fetch_page`] shrinks to.
pub const MIN_ADAPTIVE_LIMIT: u64 = 200;

/// `path` with its `limit` halved (not below [`MIN_ADAPTIVE_LIMIT`]); `None` when it has
/// no `limit` or is already that small. Other parameters keep their order and meaning.
fn halve_limit(path: &str) -> Option<String> {
    let (base, query) = path.split_once('?')?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let current: u64 = pairs.iter().find(|(k, _)| k == "limit")?.1.parse().ok()?;
    if current <= MIN_ADAPTIVE_LIMIT {
        return None;
    }
    let smaller = (current / 2).max(MIN_ADAPTIVE_LIMIT).to_string();
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(k, if k == "limit" { &smaller } else { v });
    }
    Some(format!("{base}?{}", out.finish()))
}

fn header_value(value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value)
        .map_err(|e| Error::Transport(TransportError::Client(e.to_string())))
}

#[cfg(test)]
mod tests;
