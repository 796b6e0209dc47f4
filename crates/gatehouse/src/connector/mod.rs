//! The Okta API connector's server side: turning an admin's input into a tested
//! connection ([`connect`]), keeping one Okta client per directory (its pacer carries the
//! org's rate-limit state from one run to the next), and the background [`runner`] that
//! claims queued sync runs. The client and the sync engine live in the `okta` crate, the
//! sink and the run bookkeeping in `store`; this module wires them.

pub mod actions;
pub mod cli;
pub mod connect;
pub mod runner;
pub mod schedule;

use std::collections::HashMap;
use std::sync::Mutex;

use okta::auth::{Credentials, ServiceApp};
use okta::client::{Client, ClientConfig};
use okta::domain::{DomainOptions, OrgUrl};
use store::{DirectoryId, DirectoryScope, OktaAuth, OktaConnection, Store, StoreError};
use tokio::sync::Notify;

/// The client credentials for a connection's auth settings and its secret (the API token
/// or the service app's private key PEM).
pub fn credentials_for(auth: &OktaAuth, secret: String) -> Credentials {
    match auth {
        OktaAuth::ApiToken => Credentials::ApiToken(secret.into()),
        OktaAuth::OauthServiceApp {
            client_id,
            key_id,
            scopes,
        } => Credentials::ServiceApp(ServiceApp {
            client_id: client_id.clone(),
            private_key_pem: secret.into(),
            key_id: key_id.clone(),
            scopes: scopes.clone(),
            dpop: Default::default(),
        }),
    }
}

/// Builds the Okta client for a stored connection and its unsealed credential.
pub fn client_for(connection: &OktaConnection, secret: &[u8]) -> Result<Client, String> {
    let org = OrgUrl::parse(
        &connection.org_url,
        DomainOptions {
            allow_insecure_http: connection.allow_insecure_http,
        },
    )
    .map_err(|err| err.to_string())?;
    let secret = String::from_utf8(secret.to_vec())
        .map_err(|_| "the stored credential is not text".to_owned())?;
    Client::new(ClientConfig::new(
        org,
        credentials_for(&connection.auth, secret),
    ))
    .map_err(|err| err.to_string())
}

/// Per-process connector state, shared by the API handlers and the runner.
#[derive(Debug)]
pub struct ConnectorRuntime {
    clients: Mutex<HashMap<DirectoryId, Client>>,
    wake: Notify,
    /// This replica's name in sync leases.
    pub holder: String,
}

impl Default for ConnectorRuntime {
    fn default() -> Self {
        Self {
            clients: Mutex::default(),
            wake: Notify::new(),
            holder: format!("replica-{}", uuid::Uuid::new_v4().simple()),
        }
    }
}

impl ConnectorRuntime {
    /// Tells the runner a run was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits for [`ConnectorRuntime::wake`] (or returns at once if it came earlier).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// The directory's Okta client, built once per process from the stored connection.
    pub async fn client(&self, store: &Store, scope: &DirectoryScope) -> Result<Client, String> {
        let id = scope.directory_id();
        if let Some(client) = self.cached(id) {
            return Ok(client);
        }
        let (connection, secret) = store
            .okta_connection(scope)
            .await
            .map_err(|err: StoreError| err.to_string())?;
        let client = client_for(&connection, &secret)?;
        if let Ok(mut clients) = self.clients.lock() {
            clients.insert(id.clone(), client.clone());
        }
        Ok(client)
    }

    fn cached(&self, id: &DirectoryId) -> Option<Client> {
        self.clients.lock().ok()?.get(id).cloned()
    }

    /// Drops the cached client of a deleted or changed directory.
    pub fn forget(&self, id: &DirectoryId) {
        if let Ok(mut clients) = self.clients.lock() {
            clients.remove(id);
        }
    }
}
