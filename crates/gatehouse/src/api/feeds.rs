//! `/api/v1/audit` and `/api/v1/events`: the two append-only feeds, read with a cursor.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{AuditEntry, Event, FeedView, PageRequest};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AdminAuth;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::ApiQuery;
use crate::state::AppState;

/// The feed routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(list_audit))
}

/// Feed parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only this org (required for org-scoped tokens unless it is their own org, which is the
    /// default for them).
    pub org: Option<String>,
    /// The `next_cursor` of the previous page; omit it (or leave it empty) to start at the
    /// beginning.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    pub limit: Option<u32>,
}

/// One event.
#[derive(Serialize, ToSchema)]
pub struct EventBody {
    /// Its id (`evt_…`).
    pub id: String,
    /// The contract's event type, e.g. `user.created`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When it happened (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The org.
    pub org_id: String,
    /// The directory, for directory events.
    pub directory_id: Option<String>,
    /// The payload.
    #[schema(value_type = Object)]
    pub data: Value,
}

impl From<Event> for EventBody {
    fn from(e: Event) -> Self {
        Self {
            id: e.id,
            event_type: e.event_type,
            occurred_at: e.occurred_at,
            org_id: e.org_id,
            directory_id: e.directory_id,
            data: e.data,
        }
    }
}

/// A page of events. `next_cursor` is always set: poll with it to receive new events.
#[derive(Serialize, ToSchema)]
pub struct EventList {
    /// The events, oldest first.
    pub data: Vec<EventBody>,
    /// Where to continue.
    pub next_cursor: Option<String>,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditBody {
    /// Its id (`aud_…`).
    pub id: String,
    /// When it was written (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The org it concerns.
    pub org_id: Option<String>,
    /// Who acted: kind and id.
    pub actor: ActorBody,
    /// What was attempted, e.g. `org.created`, `sso.login_failed`.
    pub action: String,
    /// What it was done to.
    pub target: Option<TargetBody>,
    /// `success` or `failure`.
    pub outcome: String,
    /// Why it failed.
    pub reason: Option<String>,
    /// Specifics.
    #[schema(value_type = Object)]
    pub details: Value,
    /// The request it happened in.
    pub request_id: Option<String>,
}

/// Who acted.
#[derive(Serialize, ToSchema)]
pub struct ActorBody {
    /// `admin_token`, `scim_directory`, `sso`, `okta_sync`, `cli`, `system`.
    pub kind: String,
    /// Its id, when it has one.
    pub id: Option<String>,
}

/// What an action was done to.
#[derive(Serialize, ToSchema)]
pub struct TargetBody {
    /// The kind of record.
    pub kind: String,
    /// Its id.
    pub id: Option<String>,
}

impl From<AuditEntry> for AuditBody {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at,
            org_id: e.org_id,
            actor: ActorBody {
                kind: e.actor_kind,
                id: e.actor_id,
            },
            action: e.action,
            target: e.target_kind.map(|kind| TargetBody {
                kind,
                id: e.target_id,
            }),
            outcome: e.outcome,
            reason: e.reason,
            details: e.details,
            request_id: e.request_id,
        }
    }
}

/// A page of audit entries. `next_cursor` is always set.
#[derive(Serialize, ToSchema)]
pub struct AuditList {
    /// The entries, oldest first.
    pub data: Vec<AuditBody>,
    /// Where to continue.
    pub next_cursor: Option<String>,
}

/// A feed request resolved against the caller: which org's records (the one asked for, if the
/// token reaches it; else the token's own org; else, for instance-wide tokens, every org) and
/// which page.
struct FeedQuery {
    scope: Option<store::OrgScope>,
    page: PageRequest,
}

impl FeedQuery {
    fn resolve(auth: &AdminAuth, params: FeedParams) -> ApiResult<Self> {
        let scope = match (params.org.as_deref(), auth.principal.org()) {
            (Some(org), _) => Some(auth.org_scope(org)?),
            (None, Some(own)) => Some(auth.org_scope(own.as_str())?),
            (None, None) => None,
        };
        Ok(Self {
            scope,
            page: PageRequest {
                after: params.after,
                limit: params.limit,
            },
        })
    }

    fn view<'a>(&'a self, auth: &'a AdminAuth) -> FeedView<'a> {
        self.scope
            .as_ref()
            .map_or(FeedView::All(&auth.principal), FeedView::Org)
    }
}

/// Reads the event feed.
#[utoipa::path(get, path = "/api/v1/events", tag = "feeds", params(FeedParams),
    responses((status = 200, body = EventList), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_events(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiQuery(params): ApiQuery<FeedParams>,
) -> ApiResult<axum::Json<EventList>> {
    let query = FeedQuery::resolve(&auth, params)?;
    let page = state
        .store
        .list_events(query.view(&auth), &query.page)
        .await?;
    Ok(axum::Json(EventList {
        data: page.items.into_iter().map(EventBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Reads the audit log: admin changes, SSO attempts with their failure reasons, SCIM writes,
/// actions.
#[utoipa::path(get, path = "/api/v1/audit", tag = "feeds", params(FeedParams),
    responses((status = 200, body = AuditList), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    auth: AdminAuth,
    ApiQuery(params): ApiQuery<FeedParams>,
) -> ApiResult<axum::Json<AuditList>> {
    let query = FeedQuery::resolve(&auth, params)?;
    let page = state
        .store
        .list_audit(query.view(&auth), &query.page)
        .await?;
    Ok(axum::Json(AuditList {
        data: page.items.into_iter().map(AuditBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
