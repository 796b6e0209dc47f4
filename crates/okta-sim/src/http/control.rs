//! The simulator's own control API under `/sim/v1` (SSWS super-admin token only):
//! statistics, counts, mutations, reset, users, faults, the clock, extra tokens and
//! service apps, snapshots.

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::paging;
use super::{AppState, Principal, parse_body};
use crate::error::{ApiError, ApiResult};
use crate::faults::FaultSpec;
use crate::model::user::Lifecycle;
use crate::mutate::{self, MutateSpec};
use crate::org::{Ctx, Role};

/// The control routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sim/v1/stats", get(stats))
        .route("/sim/v1/stats/reset", post(reset_stats))
        .route("/sim/v1/counts", get(counts))
        .route("/sim/v1/mutate", post(mutate_org))
        .route("/sim/v1/reset", post(reset))
        .route("/sim/v1/users", post(add_users))
        .route("/sim/v1/users/{user_id}/{event}", post(user_event))
        .route(
            "/sim/v1/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/sim/v1/clock", get(clock))
        .route("/sim/v1/clock/advance", post(advance))
        .route("/sim/v1/tokens", post(create_token))
        .route("/sim/v1/oauth-clients", post(create_client))
        .route("/sim/v1/snapshot", post(snapshot))
}

/// A caller allowed to use the control API: an SSWS super-admin token.
pub(super) struct SimAdmin(Principal);

impl FromRequestParts<AppState> for SimAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sim: &AppState) -> Result<Self, ApiError> {
        let p = Principal::from_request_parts(parts, sim).await?;
        if p.scopes.is_some() || p.role != Role::SuperAdmin {
            return Err(ApiError::access_denied());
        }
        Ok(Self(p))
    }
}

impl SimAdmin {
    fn ctx(&self, sim: &AppState) -> Ctx {
        self.0.ctx(sim.clock.now())
    }
}

async fn stats(State(sim): State<AppState>, _a: SimAdmin) -> Response {
    paging::json(StatusCode::OK, &sim.stats.to_json())
}

async fn reset_stats(State(sim): State<AppState>, _a: SimAdmin) -> Response {
    sim.stats.reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn counts(State(sim): State<AppState>, _a: SimAdmin) -> Response {
    paging::json(StatusCode::OK, &sim.read().counts())
}

async fn mutate_org(State(sim): State<AppState>, a: SimAdmin, body: Bytes) -> ApiResult<Response> {
    let spec: MutateSpec = serde_json::from_value(parse_body(&body)?)
        .map_err(|e| ApiError::validation("body", e.to_string()))?;
    let ctx = a.ctx(&sim);
    let report = mutate::mutate(&mut sim.write(), &ctx, &spec);
    Ok(paging::json(StatusCode::OK, &report))
}

async fn reset(State(sim): State<AppState>, _a: SimAdmin) -> ApiResult<Response> {
    sim.reset().map_err(|_| ApiError::internal())?;
    Ok(paging::json(StatusCode::OK, &sim.read().counts()))
}

async fn add_users(State(sim): State<AppState>, a: SimAdmin, body: Bytes) -> ApiResult<Response> {
    let body = parse_body(&body)?;
    let count = body.get("count").and_then(Value::as_u64).unwrap_or(1);
    let seed = body
        .get("seed")
        .and_then(Value::as_u64)
        .unwrap_or_else(rand::random);
    let ctx = a.ctx(&sim);
    let ids = mutate::add_users(
        &mut sim.write(),
        &ctx,
        &mut ChaCha8Rng::seed_from_u64(seed),
        usize::try_from(count).unwrap_or(0),
    );
    Ok(paging::json(StatusCode::OK, &json!({ "ids": ids })))
}

/// Things end users and policies do in Okta, which the API cannot trigger.
async fn user_event(
    State(sim): State<AppState>,
    a: SimAdmin,
    Path((id, event)): Path<(String, String)>,
) -> ApiResult<Response> {
    let ctx = a.ctx(&sim);
    let mut org = sim.write();
    let id = org
        .find_user(&id)
        .map(|u| u.id.clone())
        .ok_or_else(|| ApiError::not_found(&id, "User"))?;
    match event.as_str() {
        "lock" => {
            org.lifecycle(&ctx, &id, Lifecycle::LockOut)?;
        }
        "complete" => {
            org.lifecycle(&ctx, &id, Lifecycle::CompleteByUser)?;
        }
        "login" => {
            if let Some(u) = org.users.get_mut(&id) {
                u.last_login = Some(ctx.now);
            }
            let t = org.user_target(&id);
            org.log_event(&ctx, "user.session.start", vec![t]);
        }
        _ => {
            return Err(ApiError::path_not_found(&format!(
                "/sim/v1/users/{id}/{event}"
            )));
        }
    }
    let status = org.user(&id).map(|u| u.status.as_str()).unwrap_or_default();
    Ok(paging::json(
        StatusCode::OK,
        &json!({ "id": id, "status": status }),
    ))
}

async fn list_faults(State(sim): State<AppState>, _a: SimAdmin) -> Response {
    paging::json(StatusCode::OK, &sim.faults.list())
}

async fn add_fault(State(sim): State<AppState>, _a: SimAdmin, body: Bytes) -> ApiResult<Response> {
    let spec: FaultSpec = serde_json::from_value(parse_body(&body)?)
        .map_err(|e| ApiError::validation("fault", e.to_string()))?;
    sim.faults.add(spec.clone());
    Ok(paging::json(StatusCode::CREATED, &spec))
}

async fn clear_faults(State(sim): State<AppState>, _a: SimAdmin) -> Response {
    sim.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn clock(State(sim): State<AppState>, _a: SimAdmin) -> Response {
    let now = sim.clock.now();
    paging::json(
        StatusCode::OK,
        &json!({ "now": crate::clock::format_ms(now), "epoch_ms": now, "simulated": sim.clock.is_simulated() }),
    )
}

async fn advance(State(sim): State<AppState>, _a: SimAdmin, body: Bytes) -> ApiResult<Response> {
    let body = parse_body(&body)?;
    let ms = body.get("ms").and_then(Value::as_i64).unwrap_or(0)
        + body.get("seconds").and_then(Value::as_i64).unwrap_or(0) * 1000;
    sim.clock.advance(ms);
    let now = sim.clock.now();
    Ok(paging::json(
        StatusCode::OK,
        &json!({ "now": crate::clock::format_ms(now), "epoch_ms": now }),
    ))
}

async fn create_token(
    State(sim): State<AppState>,
    a: SimAdmin,
    body: Bytes,
) -> ApiResult<Response> {
    let body = parse_body(&body)?;
    let role = Role::parse(
        body.get("role")
            .and_then(Value::as_str)
            .unwrap_or("SUPER_ADMIN"),
    )
    .ok_or_else(|| ApiError::validation("role", "role: SUPER_ADMIN, READ_ONLY_ADMIN or NONE"))?;
    let user = body
        .get("user_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or(a.0.user_id.clone())
        .unwrap_or_default();
    if sim.read().user(&user).is_none() {
        return Err(ApiError::not_found(&user, "User"));
    }
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("sim token");
    let token = sim.create_token(&user, role, name);
    Ok(paging::json(
        StatusCode::OK,
        &json!({ "token": token, "user_id": user }),
    ))
}

async fn create_client(
    State(sim): State<AppState>,
    _a: SimAdmin,
    body: Bytes,
) -> ApiResult<Response> {
    let body = parse_body(&body)?;
    let scopes: Vec<String> = match body.get("scopes").and_then(Value::as_array) {
        Some(s) => s
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => crate::sim::ALL_SCOPES
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    let dpop = body.get("dpop").and_then(Value::as_bool).unwrap_or(false);
    let role = Role::parse(
        body.get("role")
            .and_then(Value::as_str)
            .unwrap_or("SUPER_ADMIN"),
    )
    .ok_or_else(|| ApiError::validation("role", "role: SUPER_ADMIN, READ_ONLY_ADMIN or NONE"))?;
    let (client_id, pem, kid) = sim
        .create_service_app(&scopes, dpop, role)
        .map_err(|_| ApiError::internal())?;
    Ok(paging::json(
        StatusCode::OK,
        &json!({ "client_id": client_id, "private_key_pem": pem, "key_id": kid, "scopes": scopes, "dpop": dpop }),
    ))
}

async fn snapshot(State(sim): State<AppState>, _a: SimAdmin) -> ApiResult<Response> {
    let saved = sim.save().map_err(|_| ApiError::internal())?;
    Ok(paging::json(StatusCode::OK, &json!({ "saved": saved })))
}
