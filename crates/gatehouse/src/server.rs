//! Start-up and the router. `serve` is what `gatehouse serve` runs; tests start the same way
//! (port 0) or drive [`app`] directly without a socket.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use store::{Actor, ConnectOptions, MintedAdminToken, Store, redact_url};
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::state::AppState;
use crate::{api, connector, health, http, oauth, scim_api, sso};

/// The complete application: admin API, OpenAPI document, health and metrics, behind the
/// shared layers.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::routes().split_for_parts();
    let openapi_json = openapi.to_pretty_json().unwrap_or_else(|_| "{}".to_owned());
    let router = Router::new()
        .merge(api_router)
        .route(
            "/api/v1/openapi.json",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    openapi_json,
                )
            }),
        )
        .merge(health::routes())
        .merge(scim_api::routes())
        .merge(oauth::routes())
        .merge(sso::routes())
        .with_state(state.clone());
    http::with_common_layers(router, state.metrics.clone())
}

/// A server that is listening.
#[derive(Debug)]
pub struct Started {
    /// Where it listens (the real port when the configuration said port 0).
    pub local_addr: SocketAddr,
    /// The public base URL it hands out.
    pub public_url: String,
    /// The bootstrap admin token, when this start created the first one.
    pub bootstrap_token: Option<MintedAdminToken>,
}

/// Opens the database (migrating it), mints the first admin token on an empty database, binds
/// the listener, reports through `on_started`, then serves until `shutdown` resolves and every
/// in-flight request has finished.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_started: impl FnOnce(&Started),
) -> anyhow::Result<()> {
    let master_key = config.resolve_master_key()?;
    tracing::info!(database = %redact_url(&config.database_url), "opening database");
    let store = Store::open(
        &ConnectOptions::new(config.database_url.clone()),
        master_key,
    )
    .await?;
    let bootstrap_token = store.bootstrap_admin_token().await?;
    let listener = TcpListener::bind(config.listen.clone())
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", config.listen))?;
    let local_addr = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local_addr}"));
    let state = AppState::new(store.clone(), &public_url);
    let background = sso::refresh::spawn(state.clone());
    let purge = scim_api::purge::spawn(store.clone());
    let syncs = connector::runner::spawn(store.clone(), state.connector.clone());
    on_started(&Started {
        local_addr,
        public_url: state.public_url.to_string(),
        bootstrap_token,
    });
    tracing::info!(%local_addr, public_url = %state.public_url, "serving");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("shutting down: in-flight requests finished");
    background.abort();
    purge.abort();
    syncs.abort();
    store.close().await;
    Ok(())
}

/// Resolves when the process gets SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}

/// What the operator's CLI acts as in the audit log.
pub fn cli_actor() -> Actor {
    Actor::system("cli")
}
