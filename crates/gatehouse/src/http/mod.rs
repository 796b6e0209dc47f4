//! HTTP plumbing shared by every route: errors, extractors, request ids, tracing, metrics,
//! panics, unknown routes.

pub mod error;
pub mod extract;
pub mod metrics;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, Request, Response, StatusCode};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

use error::ApiError;

/// The header carrying the request id, set on every request and echoed on every response.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Wraps the application router in the layers every route shares. Order matters: the
/// request id is set first so the trace span and the metrics see it, and panics are caught
/// innermost so they become a 500 in the contract's shape that is still traced and counted.
pub fn with_common_layers(router: Router, metrics: Arc<metrics::Metrics>) -> Router {
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    router
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not accept that method",
            )
        })
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("handler panicked");
            axum::response::IntoResponse::into_response(ApiError::internal(&"handler panicked"))
        }))
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::track))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
                })
                .on_response(
                    |res: &Response<Body>, latency: std::time::Duration, _: &tracing::Span| {
                        tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
                    },
                ),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([
            axum::http::header::AUTHORIZATION,
            axum::http::header::COOKIE,
        ]))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
