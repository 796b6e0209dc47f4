//! Liveness, readiness and metrics endpoints (no authentication; keep them off the public
//! internet or behind the load balancer's network).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::http::error::ApiError;
use crate::http::metrics;
use crate::state::AppState;

/// `/healthz`, `/readyz`, `/metrics`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics::render))
}

/// Ready when the database answers.
async fn ready(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store.ping().await.map_err(|err| {
        tracing::warn!(error = %err, "readiness check failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is not reachable",
        )
    })?;
    Ok("ready")
}
