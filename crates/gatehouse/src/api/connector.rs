//! The Okta API connector's routes on a directory: sync runs
//! (`/api/v1/directories/{dir}/syncs`), write-back actions (`…/actions`), the host-facing
//! registration endpoint (`…/registration`, seed 004's Registration Sync) and the synced
//! apps (`…/apps`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::{DirectoryApp, PageRequest, Role, SyncRun, SyncRunId, SyncRunMode};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::orgs::ListParams;
use crate::auth::DirectoryAccess;
use crate::connector::actions::{self, ActionInput};
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The connector routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_sync, list_syncs))
        .routes(routes!(get_sync))
        .routes(routes!(run_action))
        .routes(routes!(report_registration))
        .routes(routes!(list_apps))
}

/// `POST /api/v1/directories/{dir}/syncs` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSync {
    /// `full` or `incremental` (default).
    pub mode: Option<String>,
}

/// A sync run.
#[derive(Serialize, ToSchema)]
pub struct SyncBody {
    /// Its id (`syn_…`).
    pub id: String,
    /// The directory.
    pub directory_id: String,
    /// `full` or `incremental`.
    pub mode: &'static str,
    /// Why it ran: `api`, `schedule`, `created`, `action`, `cli`.
    pub cause: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: &'static str,
    /// The phase while running (`groups`, `users`, `memberships`, `apps`, `system_log`).
    pub phase: Option<String>,
    /// Percent done, when known.
    pub percent: Option<f64>,
    /// Rows written, by kind.
    #[schema(value_type = Object)]
    pub counts: Value,
    /// Okta API calls made.
    pub api_calls: i64,
    /// Times the run waited for a rate-limit window.
    pub rate_limit_waits: i64,
    /// Queued at (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Started at (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// Finished at (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Why it failed.
    pub error: Option<String>,
}

impl From<SyncRun> for SyncBody {
    fn from(run: SyncRun) -> Self {
        Self {
            id: run.id.to_string(),
            directory_id: run.directory_id.to_string(),
            mode: run.mode.as_str(),
            cause: run.cause,
            status: run.status.as_str(),
            phase: run.phase,
            percent: run.percent,
            counts: run.counts,
            api_calls: run.api_calls,
            rate_limit_waits: run.rate_limit_waits,
            created_at: run.created_at,
            started_at: run.started_at,
            finished_at: run.finished_at,
            error: run.error,
        }
    }
}

/// A page of sync runs, newest first.
#[derive(Serialize, ToSchema)]
pub struct SyncList {
    /// The runs.
    pub data: Vec<SyncBody>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Queues a sync of an Okta API directory (admin role); the runner starts it.
#[utoipa::path(post, path = "/api/v1/directories/{dir}/syncs", tag = "connector",
    request_body = StartSync, params(("dir" = String, Path, description = "Directory id")),
    responses((status = 202, body = SyncBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn start_sync(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiJson(input): ApiJson<StartSync>,
) -> ApiResult<impl IntoResponse> {
    let mode = match input.mode.as_deref() {
        None => SyncRunMode::Incremental,
        Some(raw) => SyncRunMode::parse(raw)
            .ok_or_else(|| ApiError::validation("mode must be \"full\" or \"incremental\""))?,
    };
    let run = state
        .store
        .queue_sync(&access.scope, &access.auth.actor(), mode, "api")
        .await?;
    state.connector.wake();
    Ok((StatusCode::ACCEPTED, axum::Json(SyncBody::from(run))))
}

/// The directory's sync runs, newest first.
#[utoipa::path(get, path = "/api/v1/directories/{dir}/syncs", tag = "connector",
    params(("dir" = String, Path, description = "Directory id"), ListParams),
    responses((status = 200, body = SyncList), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn list_syncs(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<SyncList>> {
    let page = state
        .store
        .list_syncs(
            &access.scope,
            &PageRequest {
                after: params.cursor,
                limit: params.limit,
            },
        )
        .await?;
    Ok(axum::Json(SyncList {
        data: page.items.into_iter().map(SyncBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One sync run: status, counts, API calls, rate-limit waits, percent done.
#[utoipa::path(get, path = "/api/v1/directories/{dir}/syncs/{id}", tag = "connector",
    params(("dir" = String, Path, description = "Directory id"),
           ("id" = String, Path, description = "Sync run id")),
    responses((status = 200, body = SyncBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn get_sync(
    State(state): State<AppState>,
    access: DirectoryAccess,
    Path((_dir, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<SyncBody>> {
    let id = SyncRunId::parse(&id).ok_or_else(|| ApiError::not_found("sync"))?;
    let run = state.store.get_sync(&access.scope, &id).await?;
    Ok(axum::Json(SyncBody::from(run)))
}

/// Runs a write-back action in the directory's Okta org (admin role). Okta's refusal comes
/// back with its code, summary and causes, e.g. 403 for a read-only token.
#[utoipa::path(post, path = "/api/v1/directories/{dir}/actions", tag = "connector",
    request_body = ActionInput, params(("dir" = String, Path, description = "Directory id")),
    responses((status = 200, description = "`{\"result\":{…}}`"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 502, body = ErrorBody)))]
async fn run_action(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiJson(input): ApiJson<ActionInput>,
) -> ApiResult<axum::Json<Value>> {
    let result = actions::execute(&state, &access.scope, &access.auth.actor(), &input).await?;
    Ok(axum::Json(result))
}

/// `POST /api/v1/directories/{dir}/registration` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationReport {
    /// The user: the directory's id (`usr_…`) or Okta's.
    pub user_id: String,
    /// Whether the person has completed registration in the host app (e.g. bound a passkey).
    pub registered: bool,
}

/// Registration Sync (seed 004): the host app reports that a person finished registering,
/// and the directory's registration attribute (e.g. `byndidRegistered`) is set in Okta,
/// where admins use it in group rules and policies (admin role).
#[utoipa::path(post, path = "/api/v1/directories/{dir}/registration", tag = "connector",
    request_body = RegistrationReport,
    params(("dir" = String, Path, description = "Directory id")),
    responses((status = 200, description = "`{\"result\":{…}}`"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report_registration(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiJson(input): ApiJson<RegistrationReport>,
) -> ApiResult<axum::Json<Value>> {
    access.scope.org_scope().require(Role::Admin)?;
    let directory = state.store.get_directory(&access.scope).await?;
    let connection = directory
        .okta
        .ok_or_else(|| ApiError::validation("this action needs an okta_api directory"))?;
    let attribute = connection.registration_attribute.ok_or_else(|| {
        ApiError::validation(
            "this directory has no registration_attribute; set one when connecting the org",
        )
    })?;
    let user = state
        .store
        .resolve_okta_user(&access.scope, &input.user_id)
        .await?;
    let client = state
        .connector
        .client(&state.store, &access.scope)
        .await
        .map_err(ApiError::validation)?;
    let outcome =
        actions::set_attribute(&client, &user, &attribute, Value::Bool(input.registered)).await;
    let attempted = json!({ "user_id": user, "attribute": attribute });
    let result = actions::record(
        &state,
        &access.scope,
        &access.auth.actor(),
        ("set_profile_attribute", attempted),
        outcome,
    )
    .await?;
    Ok(axum::Json(result))
}

/// An app of the directory's Okta org.
#[derive(Serialize, ToSchema)]
pub struct AppBody {
    /// Gatehouse's id (`app_…`).
    pub id: String,
    /// Okta's id.
    pub okta_id: String,
    /// Key name.
    pub name: String,
    /// Label.
    pub label: String,
    /// `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// Sign-on mode.
    pub sign_on_mode: Option<String>,
    /// Okta ids of directly assigned users.
    pub assigned_users: Vec<String>,
    /// Okta ids of assigned groups.
    pub assigned_groups: Vec<String>,
    /// First seen (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<DirectoryApp> for AppBody {
    fn from(a: DirectoryApp) -> Self {
        Self {
            id: a.id,
            okta_id: a.okta_id,
            name: a.name,
            label: a.label,
            status: a.status,
            sign_on_mode: a.sign_on_mode,
            assigned_users: a.assigned_users,
            assigned_groups: a.assigned_groups,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A page of apps.
#[derive(Serialize, ToSchema)]
pub struct AppList {
    /// The apps.
    pub data: Vec<AppBody>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// The apps of the directory's Okta org with their assignments (empty for SCIM directories).
#[utoipa::path(get, path = "/api/v1/directories/{dir}/apps", tag = "directories",
    params(("dir" = String, Path, description = "Directory id"), ListParams),
    responses((status = 200, body = AppList), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_apps(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<AppList>> {
    let page = state
        .store
        .list_directory_apps(
            &access.scope,
            &PageRequest {
                after: params.cursor,
                limit: params.limit,
            },
        )
        .await?;
    Ok(axum::Json(AppList {
        data: page.items.into_iter().map(AppBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
