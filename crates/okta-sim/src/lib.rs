//! okta-sim: an offline Okta org for tests, demos and benchmarks.
//!
//! It serves a faithful subset of Okta: the Management API — users with Okta's
//! lifecycle state machine and errors, groups, apps with assignments, the user
//! schema, the System Log — with Okta's authentication (SSWS tokens, OAuth 2.0 service
//! apps with `private_key_jwt` and DPoP), cursor pagination through `Link` headers,
//! `filter`/`search`/`q` and rate-limit buckets; Okta as **SAML 2.0 IdP** (apps with
//! `signOnMode: SAML_2_0` and the admin's `settings.signOn`, per-app signing keys and
//! their rotation API, metadata, SP- and IdP-initiated SSO); Okta as **OIDC provider**
//! (org and `default` authorization servers, PKCE, `client_secret_basic`/`_post`,
//! `private_key_jwt`, `none`, Okta's ID-token claims, userinfo, JWKS rotation); and
//! Okta's **SCIM provisioning engine**, which pushes the org's own changes to a SCIM
//! app in Okta's request shapes. What only a simulator needs lives under `/sim/v1`.
//! It must never know about Gatehouse: it depends on no `store` or `gatehouse` code,
//! and clients see only what a real Okta org would show them.
//!
//! Central types:
//! - [`SimConfig`] says what org to build (size, seed, rate limits, clock mode).
//! - [`spawn`] builds it, binds a port, serves it and starts the provisioning worker,
//!   returning a [`SimHandle`].
//! - [`SimHandle`] gives the base URL and [`Credentials`], direct access to the [`Org`],
//!   the clock, shutdown (also on drop), and helpers that do what an Okta admin or an
//!   end user does (below).
//! - [`Org`] holds the data; every mutation writes the System Log event Okta would.
//!   Those events feed the provisioning engine ([`provisioning`]) and
//!   [`SimHandle::subscribe_events`].
//!
//! # Helpers for end-to-end tests (all go through the same code as the API)
//! - Apps: [`SimHandle::create_saml_app`]`(label, acs_url, audience)` → [`SamlApp`]
//!   (`entity_id`, `sso_url`, `metadata_url`, `certificate_pem`, `kid`);
//!   [`SimHandle::saml_app`], [`SimHandle::rotate_saml_key`];
//!   [`SimHandle::create_oidc_app`]`(label, redirect_uris)` → [`OidcApp`] (`client_id`,
//!   `client_secret`, `issuer`, `default_issuer`); [`SimHandle::create_app`] for any
//!   `POST /api/v1/apps` body.
//! - People: [`SimHandle::create_user`], [`SimHandle::create_group`],
//!   [`SimHandle::add_to_group`], [`SimHandle::assign_user`], [`SimHandle::assign_group`].
//! - Sign-in: [`SimHandle::login_session`] (the `Cookie` value for the SSO URL and the
//!   authorize endpoint), [`SimHandle::idp_initiated`] → [`SamlPost`].
//! - Provisioning: [`SimHandle::configure_provisioning`] with a [`ProvisioningConfig`],
//!   [`SimHandle::push_group`], [`SimHandle::unpush_group`],
//!   [`SimHandle::flush_provisioning`] (waits until every change is pushed),
//!   [`SimHandle::provisioning_tasks`] → [`TaskRecord`]s (request and answer).
//!
//! # Okta's URLs
//! SAML: metadata `/app/{externalKey}/sso/saml/metadata` (also
//! `/api/v1/apps/{id}/sso/saml/metadata`; `?kid=` picks a key, `?all_keys=true` lists
//! every key — a simulator extension for rollover tests), SSO URL
//! `/app/{appName}/{externalKey}/sso/saml` (GET: Redirect binding, or IdP-initiated
//! without `SAMLRequest`; POST: POST binding), issuer `http://www.okta.com/{externalKey}`,
//! keys `/api/v1/apps/{id}/credentials/keys[/generate?validityYears=|/{kid}/clone?targetAid=]`,
//! activation by `PUT /api/v1/apps/{id}` with `credentials.signing.kid`.
//! OIDC: `/.well-known/openid-configuration`, `/oauth2/v1/{authorize,token,keys,userinfo,logout}`
//! and the same under `/oauth2/default/…`; custom-server rotation
//! `POST /api/v1/authorizationServers/default/credentials/lifecycle/keyRotate`; the
//! app's groups claim `POST /api/v1/internal/apps/{id}/settings/oauth/idToken`
//! `{"valueType":"GROUPS","groupFilterType":"REGEX","name":"groups","value":".*"}`.
//! Sign-in page: `/login/login.htm?fromURI=` (a user picker).
//!
//! # Control API (`/sim/v1`, SSWS super-admin token)
//! `GET /sim/v1/stats`, `POST /sim/v1/stats/reset`, `GET /sim/v1/counts`,
//! `POST /sim/v1/mutate`, `POST /sim/v1/reset`, `POST /sim/v1/users` `{"count","seed"?}`,
//! `POST /sim/v1/users/{id}/{lock|complete|login}`, `GET|POST|DELETE /sim/v1/faults`,
//! `GET /sim/v1/clock`, `POST /sim/v1/clock/advance` `{"seconds"|"ms"}`,
//! `POST /sim/v1/tokens` `{"role","user_id"?}`, `POST /sim/v1/oauth-clients`
//! `{"scopes"?,"dpop"?,"role"?}`, `POST /sim/v1/snapshot`;
//! `GET /sim/v1/login?user=LOGIN[&fromURI=]` (session cookie; JSON with `cookie`),
//! `GET /sim/v1/apps/{app}/idp-initiated?user=LOGIN[&relay_state=]` (the form, or JSON
//! with `Accept: application/json`), `DELETE /sim/v1/apps/{app}/keys/{kid}` (retire a
//! SAML key), `POST /sim/v1/oauth2/{org|default}/keys/rotate`,
//! `DELETE /sim/v1/oauth2/{org|default}/keys/{kid}`;
//! `PUT|GET|DELETE /sim/v1/apps/{app}/provisioning` ([`ProvisioningConfig`] as JSON),
//! `POST /sim/v1/apps/{app}/group-push` `{"group_id"}`,
//! `DELETE /sim/v1/apps/{app}/group-push/{group}[?delete_in_app=false]`,
//! `GET /sim/v1/apps/{app}/provisioning/tasks[?after=ID]`,
//! `POST /sim/v1/apps/{app}/provisioning/flush`, `POST /sim/v1/apps/{app}/provisioning/retry`.
//!
//! # Known gaps, stated rather than hidden
//! aws-lc-rs cannot create RSA-SHA1 signatures: an app set to `signatureAlgorithm:
//! RSA_SHA1` is signed with RSA-SHA256 (its `digestAlgorithm`, SHA-1 included, is
//! honoured). Assertion encryption supports `RSA_OAEP` key transport only; `RSA_15` is
//! refused when the app is saved. Provisioning state (links, pushes, task log) is not
//! part of the `--state` snapshot.
//!
//! ```no_run
//! # async fn demo() -> Result<(), okta_sim::SimError> {
//! let sim = okta_sim::spawn(okta_sim::SimConfig::default()).await?;
//! let app = sim
//!     .create_saml_app("Gatehouse", "http://127.0.0.1:8080/sso/saml/c1/acs", "http://127.0.0.1:8080/sso/saml/c1/metadata")
//!     .await?;
//! sim.create_user("dana.ng@example.com", "Dana", "Ng")?;
//! sim.assign_user(&app.id, "dana.ng@example.com")?;
//! // An SP trusts `app.entity_id` and `app.certificate_pem` (or loads `app.metadata_url`),
//! // sends its AuthnRequest to `app.sso_url` with this cookie, or takes an unsolicited
//! // Response:
//! let cookie = sim.login_session("dana.ng@example.com")?;
//! let post = sim.idp_initiated(&app.id, "dana.ng@example.com").await?;
//! // Provision the app's users to a SCIM server, and wait for the pushes:
//! let auth = okta_sim::ScimAuth::Bearer { token: "secret".into() };
//! sim.configure_provisioning(&app.id, okta_sim::ProvisioningConfig::new("http://127.0.0.1:8080/scim/v2/d1", auth))?;
//! sim.flush_provisioning().await;
//! let answered = sim.provisioning_tasks(&app.id);
//! # let _ = (cookie, post, answered);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, RwLockReadGuard, RwLockWriteGuard};

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

pub mod clock;
pub mod config;
pub mod error;
pub mod expr;
pub mod faults;
pub mod filter;
pub mod generator;
mod helpers;
pub mod http;
pub mod idp;
pub mod ids;
pub mod keys;
pub mod model;
pub mod mutate;
pub mod oauth;
pub mod oidc;
pub mod org;
pub mod provisioning;
pub mod ratelimit;
pub mod session;
pub mod sim;
pub mod snapshot;
pub mod sso;

pub use config::SimConfig;
pub use helpers::{OidcApp, SamlApp};
pub use idp::SamlPost;
pub use mutate::{MutateReport, MutateSpec};
pub use org::{Counts, Org, Role};
pub use provisioning::{ProvisioningConfig, ScimAuth, TaskRecord};
pub use sim::{Credentials, Sim};

/// Why the simulator could not start or save.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Binding the port or reading/writing the snapshot failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Key generation or parsing failed.
    #[error("crypto error: {0}")]
    Crypto(&'static str),
    /// The snapshot file is not a valid org.
    #[error("snapshot error: {0}")]
    Snapshot(String),
    /// Building the built-in objects failed.
    #[error("setup error: {0}")]
    Setup(String),
    /// Okta refused the change (its error code and summary).
    #[error("{} {}: {}", .0.code, .0.summary, .0.causes.join("; "))]
    Api(error::ApiError),
    /// A sign-in ended on Okta's error page.
    #[error("sign-in failed ({code}): {0}", code = .0.code())]
    Sso(idp::SsoError),
    /// A provisioning control call was refused.
    #[error("provisioning: {0}")]
    Provisioning(provisioning::ProvisioningError),
}

/// A running simulator. Dropping it stops the server (without saving); call
/// [`SimHandle::shutdown`] to stop gracefully and save the `--state` snapshot.
pub struct SimHandle {
    sim: Arc<Sim>,
    addr: SocketAddr,
    credentials: Credentials,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    worker: Option<JoinHandle<()>>,
}

/// Builds the org described by `config`, binds `config.listen` and serves it in a
/// background task. Returns once the port is bound and the org is ready.
pub async fn spawn(config: SimConfig) -> Result<SimHandle, SimError> {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let base_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    let sim = tokio::task::spawn_blocking(move || Sim::new(config, base_url))
        .await
        .map_err(|e| SimError::Setup(e.to_string()))??;
    let sim = Arc::new(sim);
    let worker = sim
        .provisioning
        .take_inbox()
        .map(|inbox| tokio::spawn(provisioning::run(sim.clone(), inbox)));
    let credentials = sim.credentials();
    let app = http::router(sim.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "okta-sim server stopped with an error");
        }
    });
    Ok(SimHandle {
        sim,
        addr,
        credentials,
        stop: Some(stop),
        task: Some(task),
        worker,
    })
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` (or the configured public URL), no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.credentials.base_url
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// SSWS token of the built-in super admin.
    pub fn admin_token(&self) -> &str {
        &self.credentials.admin_token
    }

    /// SSWS token of the built-in read-only admin (writes answer 403 E0000006).
    pub fn readonly_token(&self) -> &str {
        &self.credentials.readonly_token
    }

    /// Client id (`0oa…`) of the built-in OAuth service app (all scopes, super admin).
    pub fn oauth_client_id(&self) -> &str {
        &self.credentials.oauth_client_id
    }

    /// PKCS#8 PEM private key registered with that app.
    pub fn oauth_private_key_pem(&self) -> &str {
        &self.credentials.oauth_private_key_pem
    }

    /// `kid` of that key.
    pub fn oauth_key_id(&self) -> &str {
        &self.credentials.oauth_key_id
    }

    /// All of the above, as `okta-sim serve` prints them.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The shared state (clock, stats, faults, authorization server).
    pub fn sim(&self) -> &Arc<Sim> {
        &self.sim
    }

    /// Read access to the org, for assertions in tests. Do not hold it across `.await`.
    pub fn org(&self) -> RwLockReadGuard<'_, Org> {
        self.sim.read()
    }

    /// Write access to the org, for test setup. Do not hold it across `.await`.
    pub fn org_mut(&self) -> RwLockWriteGuard<'_, Org> {
        self.sim.write()
    }

    /// Object counts (as `GET /sim/v1/counts`).
    pub fn counts(&self) -> Counts {
        self.sim.read().counts()
    }

    /// Applies realistic changes with System Log events (as `POST /sim/v1/mutate`).
    pub fn mutate(&self, spec: &MutateSpec) -> MutateReport {
        let ctx = self.sim.system_ctx();
        mutate::mutate(&mut self.sim.write(), &ctx, spec)
    }

    /// Moves the clock forward (simulated-time mode or not) by `ms` milliseconds.
    pub fn advance_time(&self, ms: i64) {
        self.sim.clock.advance(ms);
    }

    /// A stream of System Log events as they are written (for components such as a
    /// provisioning engine that react to org changes).
    pub fn subscribe_events(&self) -> broadcast::Receiver<Arc<Value>> {
        self.sim.events.subscribe()
    }

    /// Stops accepting requests, waits for in-flight ones, and saves the snapshot
    /// when `state_file` is set.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(worker) = self.worker.take() {
            worker.abort();
        }
        if let Err(e) = self.sim.save() {
            tracing::error!(error = %e, "okta-sim could not save its state");
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(worker) = self.worker.take() {
            worker.abort();
        }
    }
}
