//! The simulator's control API for Okta's provisioning engine (admin token):
//! `PUT|GET|DELETE /sim/v1/apps/{app}/provisioning`, Group Push
//! (`POST /sim/v1/apps/{app}/group-push`, `DELETE …/group-push/{group}`), the task
//! log, `…/provisioning/flush` to wait for the queue, and `…/provisioning/retry`.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use bytes::Bytes;
use serde_json::{Value, json};

use super::control::SimAdmin;
use super::paging::{self, Params};
use super::{AppState, parse_body};
use crate::error::{ApiError, ApiResult};
use crate::provisioning::{ProvisioningConfig, ProvisioningError};

/// The provisioning control routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/sim/v1/apps/{app_id}/provisioning",
            put(configure).get(status).delete(disable),
        )
        .route("/sim/v1/apps/{app_id}/provisioning/tasks", get(tasks))
        .route("/sim/v1/apps/{app_id}/provisioning/flush", post(flush))
        .route("/sim/v1/apps/{app_id}/provisioning/retry", post(retry))
        .route("/sim/v1/apps/{app_id}/group-push", post(push_group))
        .route(
            "/sim/v1/apps/{app_id}/group-push/{group_id}",
            delete(unpush_group),
        )
}

fn refused(e: ProvisioningError) -> ApiError {
    match e {
        ProvisioningError::NotConfigured(app) => {
            ApiError::not_found(&app, "ProvisioningConnection")
        }
        ProvisioningError::NotPushed(g) => ApiError::not_found(&g, "GroupPushMapping"),
        other => ApiError::validation("provisioning", other.to_string()),
    }
}

fn app_exists(sim: &AppState, app_id: &str) -> ApiResult<()> {
    if sim.read().apps.contains_key(app_id) {
        Ok(())
    } else {
        Err(ApiError::not_found(app_id, "AppInstance"))
    }
}

fn status_response(sim: &AppState, app_id: &str) -> ApiResult<Response> {
    let status = sim
        .provisioning
        .status(app_id)
        .ok_or_else(|| ApiError::not_found(app_id, "ProvisioningConnection"))?;
    Ok(paging::json(StatusCode::OK, &status))
}

async fn configure(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(app_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    app_exists(&sim, &app_id)?;
    let config: ProvisioningConfig = serde_json::from_value(parse_body(&body)?)
        .map_err(|e| ApiError::validation("provisioning", e.to_string()))?;
    sim.provisioning
        .configure(&app_id, config)
        .map_err(refused)?;
    status_response(&sim, &app_id)
}

async fn status(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    status_response(&sim, &app_id)
}

async fn disable(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    if sim.provisioning.disable(&app_id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(&app_id, "ProvisioningConnection"))
    }
}

async fn tasks(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(app_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    app_exists(&sim, &app_id)?;
    let after = Params::parse(raw.as_deref())
        .get("after")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    Ok(paging::json(
        StatusCode::OK,
        &sim.provisioning.tasks(&app_id, after),
    ))
}

async fn flush(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    app_exists(&sim, &app_id)?;
    sim.provisioning.flush().await;
    let count = sim.provisioning.tasks(&app_id, 0).len();
    Ok(paging::json(
        StatusCode::OK,
        &json!({ "drained": true, "tasks": count }),
    ))
}

async fn retry(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(app_id): Path<String>,
) -> ApiResult<Response> {
    sim.provisioning.retry_failed(&app_id).map_err(refused)?;
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn push_group(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path(app_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    app_exists(&sim, &app_id)?;
    let body = parse_body(&body)?;
    let group_id = body
        .get("group_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let name = sim
        .read()
        .groups
        .get(&group_id)
        .map(|g| g.name().to_owned())
        .ok_or_else(|| ApiError::not_found(&group_id, "UserGroup"))?;
    sim.provisioning
        .push_group(&app_id, &group_id, &name)
        .map_err(refused)?;
    let ctx = sim.system_ctx();
    {
        let mut org = sim.write();
        let targets = vec![org.app_target(&app_id), org.group_target(&group_id)];
        org.log_event(
            &ctx,
            "application.provision.group_push.mapping.created",
            targets,
        );
    }
    Ok(paging::json(
        StatusCode::OK,
        &json!({ "group_id": group_id, "status": "ACTIVE" }),
    ))
}

async fn unpush_group(
    State(sim): State<AppState>,
    _a: SimAdmin,
    Path((app_id, group_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let delete_in_app = Params::parse(raw.as_deref()).flag("delete_in_app", true);
    sim.provisioning
        .unpush_group(&app_id, &group_id, delete_in_app)
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
