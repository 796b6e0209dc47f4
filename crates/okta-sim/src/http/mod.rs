//! The HTTP surface: Okta's routes, the control API, and the edge middleware that
//! applies what every Okta response has in common — request ids, call statistics,
//! injected faults, the concurrency limit and rate-limit buckets.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::faults::FaultKind;
use crate::ratelimit::{Decision, bucket_for};
use crate::sim::Sim;

mod apps;
mod auth;
mod control;
mod groups;
mod login;
mod logs;
mod meta;
mod oidc;
mod pages;
mod paging;
mod provisioning;
mod saml;
mod users;
mod views;

pub use auth::Principal;

/// Handler state: the simulator.
pub type AppState = Arc<Sim>;

/// Builds the whole router for a simulator.
pub fn router(sim: AppState) -> Router {
    Router::new()
        .merge(users::routes())
        .merge(groups::routes())
        .merge(apps::routes())
        .merge(logs::routes())
        .merge(meta::routes())
        .merge(control::routes())
        .merge(login::routes())
        .merge(saml::routes())
        .merge(oidc::routes())
        .merge(provisioning::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(sim.clone(), edge))
        .with_state(sim)
}

async fn fallback(req: Request) -> Response {
    ApiError::path_not_found(req.uri().path()).into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::method_not_allowed().into_response()
}

/// Parses a JSON request body; an empty body is `null`.
pub fn parse_body(bytes: &Bytes) -> ApiResult<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|_| ApiError::malformed_body())
}

async fn edge(State(sim): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = crate::ids::random_string(&mut rand::rng(), "", 24);
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let mut resp = if path.starts_with("/sim/") {
        next.run(req).await
    } else {
        okta_edge(&sim, req, next, &method, &path, &route).await
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-okta-request-id", v);
    }
    resp
}

async fn okta_edge(
    sim: &AppState,
    req: Request,
    next: Next,
    method: &Method,
    path: &str,
    route: &str,
) -> Response {
    sim.stats.count(format!("{method} {route}"));
    let limited = path.starts_with("/api/") || path == "/oauth2/v1/token";
    // The permit is held for the whole request, injected latency included, so slow
    // requests fill the concurrency limit the way they do in Okta.
    let permit = if limited {
        match sim.concurrency.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => return concurrency_refusal(sim),
        }
    } else {
        None
    };
    let plan = sim.faults.plan(method.as_str(), path);
    if plan.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(plan.delay_ms)).await;
    }
    let mut corrupt = false;
    match plan.terminal {
        Some((FaultKind::Drop, _)) => return dropped_connection(),
        Some((FaultKind::Status, status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let code = if status == StatusCode::SERVICE_UNAVAILABLE {
                "E0000010"
            } else {
                "E0000009"
            };
            return ApiError::new(
                status,
                code,
                "Injected fault: the simulator was asked to fail this request",
            )
            .into_response();
        }
        Some((FaultKind::RateLimit, _)) => {
            sim.stats.count_rate_limited();
            let reset = sim.clock.now().div_euclid(1000) + 60;
            let mut r = ApiError::rate_limited().into_response();
            set_limit_headers(
                &mut r,
                Decision {
                    limit: 1,
                    remaining: 0,
                    reset,
                    allowed: false,
                    warn: false,
                    first_violation: false,
                },
            );
            return r;
        }
        Some((FaultKind::Corrupt, _)) => corrupt = true,
        Some((FaultKind::Latency, _)) | None => {}
    }
    if !limited {
        let resp = next.run(req).await;
        return if corrupt {
            corrupt_body(resp).await
        } else {
            resp
        };
    }
    if (*method == Method::POST || *method == Method::PUT)
        && !req.headers().contains_key(header::CONTENT_LENGTH)
        && !req.headers().contains_key(header::TRANSFER_ENCODING)
    {
        return ApiError::length_required().into_response();
    }
    let caller = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("anonymous")
        .to_owned();
    let bucket = bucket_for(method.as_str(), route);
    let decision = sim.limiter.check(bucket, &caller, sim.clock.now());
    if decision.warn || decision.first_violation {
        let ctx = sim.system_ctx();
        let (event, result) = if decision.warn {
            ("system.org.rate_limit.warning", "SUCCESS")
        } else {
            ("system.org.rate_limit.violation", "DENY")
        };
        let target = crate::model::log::target(bucket.name, "RateLimit", bucket.name, bucket.name);
        sim.write()
            .log_event_with(&ctx, event, vec![target], result, Some(bucket.name));
    }
    if !decision.allowed {
        sim.stats.count_rate_limited();
        let mut r = ApiError::rate_limited().into_response();
        set_limit_headers(&mut r, decision);
        return r;
    }
    let mut resp = next.run(req).await;
    drop(permit);
    set_limit_headers(&mut resp, decision);
    if corrupt {
        resp = corrupt_body(resp).await;
    }
    resp
}

/// 429 for the concurrency limit: `X-Rate-Limit-Limit: 0`, and a System Log event.
fn concurrency_refusal(sim: &AppState) -> Response {
    sim.stats.count_rate_limited();
    let ctx = sim.system_ctx();
    sim.write().log_event_with(
        &ctx,
        "core.concurrency.org.limit.violation",
        Vec::new(),
        "DENY",
        Some("Concurrency limit"),
    );
    let mut r = ApiError::rate_limited().into_response();
    let reset = sim.clock.now().div_euclid(1000) + 60;
    set_limit_headers(
        &mut r,
        Decision {
            limit: 0,
            remaining: 0,
            reset,
            allowed: false,
            warn: false,
            first_violation: false,
        },
    );
    r
}

fn set_limit_headers(resp: &mut Response, d: Decision) {
    let h = resp.headers_mut();
    h.insert("x-rate-limit-limit", HeaderValue::from(d.limit));
    h.insert("x-rate-limit-remaining", HeaderValue::from(d.remaining));
    h.insert("x-rate-limit-reset", HeaderValue::from(d.reset));
}

/// A response whose body fails at once, so the connection is cut mid-response.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("injected fault: connection dropped"))
    });
    Response::new(Body::from_stream(stream))
}

/// Serves the real response with its body cut in half (invalid JSON).
async fn corrupt_body(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}
