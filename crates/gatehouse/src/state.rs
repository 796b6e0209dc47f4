//! What every handler can reach.

use std::sync::Arc;

use store::Store;

use crate::http::metrics::Metrics;

/// Shared application state. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The externally reachable base URL, without a trailing slash (for URLs we hand out:
    /// SCIM base URLs, ACS URLs, metadata URLs).
    pub public_url: Arc<str>,
    /// The metrics registry.
    pub metrics: Arc<Metrics>,
    /// The SCIM server's caches: verified tokens, paging hints.
    pub scim: Arc<crate::scim_api::ScimRuntime>,
    /// HTTP clients and caches of the SSO routes.
    pub sso: crate::sso::SsoRuntime,
    /// Okta clients per directory and the sync runner's wake-up.
    pub connector: Arc<crate::connector::ConnectorRuntime>,
}

impl AppState {
    /// State over `store`, reachable at `public_url`.
    pub fn new(store: Store, public_url: &str) -> Self {
        Self {
            store,
            public_url: Arc::from(public_url.trim_end_matches('/')),
            metrics: Arc::new(Metrics::new()),
            scim: Arc::default(),
            sso: crate::sso::SsoRuntime::default(),
            connector: Arc::default(),
        }
    }
}

impl axum::extract::FromRef<AppState> for Arc<Metrics> {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}
