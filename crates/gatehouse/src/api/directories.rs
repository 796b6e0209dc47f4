//! Directories of an org (`/api/v1/orgs/{org}/directories`, `/api/v1/directories/{dir}`),
//! their credentials, settings, the unified read API over their users, groups and members,
//! and recovery of deleted groups.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::{
    Directory, DirectoryGroup, DirectoryUser, PageRequest, PurgeSummary, ScimAuthMode,
    ScimCredentials, SettingsUpdate,
};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::orgs::ListParams;
use crate::auth::{DirectoryAccess, OrgAccess};
use crate::connector::connect::{ConnectInput, connect};
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// The directory routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_directory, list_directories))
        .routes(routes!(get_directory, update_directory, delete_directory))
        .routes(routes!(rotate_credentials))
        .routes(routes!(list_users))
        .routes(routes!(list_groups))
        .routes(routes!(list_members))
        .routes(routes!(list_deleted_groups))
        .routes(routes!(restore_group))
        .routes(routes!(purge_group))
}

/// `POST /api/v1/orgs/{org}/directories` body.
#[derive(Deserialize, ToSchema)]
pub struct CreateDirectory {
    /// `scim` (Okta pushes) or `okta_api` (the connector pulls).
    pub kind: String,
    /// A label for people.
    pub name: String,
    /// SCIM: `bearer` (default) or `oauth_client_credentials`. Okta API:
    /// `{"type":"api_token","token"}` or
    /// `{"type":"oauth_service_app","client_id","private_key_pem","key_id"?,"scopes"?}`.
    #[schema(value_type = Option<Object>)]
    pub auth: Option<Value>,
    /// Okta API: the org's domain as pasted (`acme.okta.com`,
    /// `https://acme-admin.okta.com/admin/dashboard`, a custom URL domain…).
    pub domain: Option<String>,
    /// Okta API: how often to sync incrementally (`"15m"`, `"1h"`); none = on request.
    pub schedule: Option<String>,
    /// Okta API: allow `http://127.0.0.1:…` (okta-sim only).
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// Okta API: the profile attribute `…/registration` sets (e.g. `byndidRegistered`).
    pub registration_attribute: Option<String>,
}

/// A directory.
#[derive(Serialize, ToSchema)]
pub struct DirectoryBody {
    /// Its id (`dir_…`).
    pub id: String,
    /// The org it feeds.
    pub org_id: String,
    /// `scim` or `okta_api`.
    pub kind: &'static str,
    /// Its label.
    pub name: String,
    /// SCIM: the base URL to paste into Okta.
    pub scim_base_url: Option<String>,
    /// SCIM: `bearer` or `oauth_client_credentials`.
    pub auth: Option<&'static str>,
    /// SCIM with OAuth: the public client id.
    pub client_id: Option<String>,
    /// SCIM with OAuth: where to exchange the client credentials.
    pub token_url: Option<String>,
    /// Days a deleted group stays restorable.
    pub group_grace_days: u32,
    /// Whether passwords sent by the client are kept (argon2id hashes).
    pub password_sync: bool,
    /// Live users.
    pub user_count: i64,
    /// Live groups.
    pub group_count: i64,
    /// Creation time (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Okta API: the connection (org URL, auth type, schedule, what the credentials may
    /// do). Never the credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub okta: Option<Value>,
}

/// The connection of an Okta API directory, as admins see it.
fn okta_summary(connection: &store::OktaConnection) -> Value {
    json!({
        "org_url": connection.org_url,
        "auth": connection.auth,
        "schedule_secs": connection.schedule_secs,
        "allow_insecure_http": connection.allow_insecure_http,
        "capabilities": connection.capabilities,
        "registration_attribute": connection.registration_attribute,
    })
}

impl DirectoryBody {
    fn new(directory: Directory, public_url: &str) -> Self {
        let scim = directory.kind == store::DirectoryKind::Scim;
        let oauth = directory.scim_auth == Some(ScimAuthMode::OAuthClientCredentials);
        Self {
            scim_base_url: scim
                .then(|| format!("{public_url}/scim/v2/{}", directory.id.url_form())),
            token_url: oauth.then(|| format!("{public_url}/oauth/token")),
            id: directory.id.to_string(),
            org_id: directory.org_id.to_string(),
            kind: directory.kind.as_str(),
            name: directory.name,
            auth: directory.scim_auth.map(ScimAuthMode::as_str),
            client_id: directory.scim_client_id,
            group_grace_days: directory.settings.group_grace_days,
            password_sync: directory.settings.password_sync,
            user_count: directory.user_count,
            group_count: directory.group_count,
            created_at: directory.created_at,
            updated_at: directory.updated_at,
            okta: directory.okta.as_ref().map(okta_summary),
        }
    }
}

/// Credentials, shown only in this response.
#[derive(Serialize, ToSchema)]
pub struct CredentialsBody {
    /// Bearer mode: the token for `Authorization: Bearer <token>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<String>,
    /// OAuth mode: the client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// OAuth mode: the client secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// OAuth mode: the token endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
}

impl CredentialsBody {
    fn new(credentials: &ScimCredentials, public_url: &str) -> Self {
        match credentials {
            ScimCredentials::Bearer { token } => Self {
                bearer_token: Some(token.expose().to_owned()),
                client_id: None,
                client_secret: None,
                token_url: None,
            },
            ScimCredentials::OAuthClient {
                client_id,
                client_secret,
            } => Self {
                bearer_token: None,
                client_id: Some(client_id.clone()),
                client_secret: Some(client_secret.expose().to_owned()),
                token_url: Some(format!("{public_url}/oauth/token")),
            },
        }
    }
}

/// A new directory with its credentials.
#[derive(Serialize, ToSchema)]
pub struct CreatedDirectoryBody {
    /// The directory.
    #[serde(flatten)]
    pub directory: DirectoryBody,
    /// Its credentials, shown once.
    #[serde(flatten)]
    pub credentials: CredentialsBody,
}

/// A page of directories.
#[derive(Serialize, ToSchema)]
pub struct DirectoryList {
    /// The directories.
    pub data: Vec<DirectoryBody>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// `PATCH /api/v1/directories/{dir}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectorySettingsInput {
    /// Days a deleted group stays restorable (1–3650).
    pub group_grace_days: Option<u32>,
    /// Keep passwords the client sends, as argon2id hashes.
    pub password_sync: Option<bool>,
}

/// Unified-API paging and filtering.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DataParams {
    /// Page size (1–500, default 100).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// A SCIM filter, e.g. `userName eq "dana@example.com"`. Indexed attributes (id,
    /// externalId, userName, active, displayName, meta.created, meta.lastModified) are
    /// answered from indexes; others are evaluated over at most 10,000 rows per page, so a
    /// page may come back short (even empty) with a `next_cursor`: keep paging until
    /// `next_cursor` is null.
    pub filter: Option<String>,
}

/// A directory user.
#[derive(Serialize, ToSchema)]
pub struct UserBody {
    /// Its id (also its SCIM id).
    pub id: String,
    /// The person (one per human across orgs, when linked by a claimed domain).
    pub person_id: String,
    /// Login name.
    pub user_name: String,
    /// The identity provider's id.
    pub external_id: Option<String>,
    /// Active in this directory.
    pub active: bool,
    /// Primary email.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Everything the directory sent.
    #[schema(value_type = Object)]
    pub attributes: Value,
    /// Creation time (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<DirectoryUser> for UserBody {
    fn from(u: DirectoryUser) -> Self {
        Self {
            id: u.id,
            person_id: u.person_id,
            user_name: u.user_name,
            external_id: u.external_id,
            active: u.active,
            email: u.email,
            first_name: u.given_name,
            last_name: u.family_name,
            display_name: u.display_name,
            attributes: u.attributes,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A directory group (team).
#[derive(Serialize, ToSchema)]
pub struct GroupBody {
    /// Its id (also its SCIM id).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The identity provider's id.
    pub external_id: Option<String>,
    /// How many members it has.
    pub member_count: i64,
    /// Creation time (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Deleted groups: when (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
    /// Deleted groups: purgeable from (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    pub purge_after: Option<OffsetDateTime>,
}

impl From<DirectoryGroup> for GroupBody {
    fn from(g: DirectoryGroup) -> Self {
        Self {
            id: g.id,
            name: g.display_name,
            external_id: g.external_id,
            member_count: g.member_count,
            created_at: g.created_at,
            updated_at: g.updated_at,
            deleted_at: g.deleted_at,
            purge_after: g.purge_after,
        }
    }
}

/// A page of users.
#[derive(Serialize, ToSchema)]
pub struct UserList {
    /// The users.
    pub data: Vec<UserBody>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// A page of groups.
#[derive(Serialize, ToSchema)]
pub struct GroupList {
    /// The groups.
    pub data: Vec<GroupBody>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// `POST …/groups/{group}/purge` body.
#[derive(Deserialize, ToSchema, Default)]
pub struct PurgeInput {
    /// Must be true: purging cannot be undone.
    #[serde(default)]
    pub confirm: bool,
}

/// What a purge destroyed.
#[derive(Serialize, ToSchema)]
pub struct PurgedBody {
    /// The group.
    pub group_id: String,
    /// Its name.
    pub name: String,
    /// Memberships destroyed with it.
    pub members: i64,
}

fn purge_details(summary: &PurgeSummary) -> Value {
    json!({
        "group_id": summary.group_id,
        "name": summary.display_name,
        "members": summary.members,
        "deleted_at": summary.deleted_at.unix_timestamp(),
    })
}

fn page(params: &DataParams) -> PageRequest {
    PageRequest {
        after: params.cursor.clone(),
        limit: params.limit,
    }
}

fn parse_filter(
    params: &DataParams,
    rt: &scim::schema::ResourceType,
) -> ApiResult<Option<scim::Filter>> {
    match params.filter.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => {
            let filter = scim::Filter::parse(text)
                .and_then(|f| f.validate(rt).map(|()| f))
                .map_err(|err| {
                    ApiError::new(StatusCode::BAD_REQUEST, "invalid_filter", err.detail())
                })?;
            Ok(Some(filter))
        }
    }
}

/// Creates a directory. SCIM directories get a base URL and credentials shown only here.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/directories", tag = "directories",
    request_body = CreateDirectory, params(("org" = String, Path, description = "Org id")),
    responses((status = 201, body = CreatedDirectoryBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn create_directory(
    State(state): State<AppState>,
    access: OrgAccess,
    ApiJson(input): ApiJson<CreateDirectory>,
) -> ApiResult<impl IntoResponse> {
    match input.kind.as_str() {
        "scim" => {}
        "okta_api" => return create_okta_directory(&state, &access, input).await,
        other => {
            return Err(ApiError::validation(format!(
                "kind must be \"scim\" or \"okta_api\", not {other:?}"
            )));
        }
    }
    let auth = match &input.auth {
        None | Some(Value::Null) => ScimAuthMode::Bearer,
        Some(Value::String(mode)) => ScimAuthMode::parse(mode).ok_or_else(|| {
            ApiError::validation("auth must be \"bearer\" or \"oauth_client_credentials\"")
        })?,
        Some(_) => {
            return Err(ApiError::validation(
                "auth must be \"bearer\" or \"oauth_client_credentials\"",
            ));
        }
    };
    let created = state
        .store
        .create_scim_directory(&access.scope, &access.auth.actor(), &input.name, auth)
        .await?;
    let credentials = CredentialsBody::new(&created.credentials, &state.public_url);
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedDirectoryBody {
            directory: DirectoryBody::new(created.directory, &state.public_url),
            credentials,
        }),
    )
        .into_response())
}

/// Connects an Okta org: the domain is normalised and the credentials tested (and
/// probed for what they may do) before anything is saved; the first full sync is queued.
async fn create_okta_directory(
    state: &AppState,
    access: &OrgAccess,
    input: CreateDirectory,
) -> ApiResult<axum::response::Response> {
    access.scope.require(store::Role::Admin)?;
    let domain = input
        .domain
        .ok_or_else(|| ApiError::validation("okta_api directories need \"domain\""))?;
    let auth = input
        .auth
        .ok_or_else(|| ApiError::validation("okta_api directories need \"auth\""))?;
    let new = connect(ConnectInput {
        name: input.name,
        domain,
        auth,
        schedule: input.schedule,
        allow_insecure_http: input.allow_insecure_http,
        registration_attribute: input.registration_attribute,
    })
    .await?;
    let created = state
        .store
        .create_okta_directory(&access.scope, &access.auth.actor(), new)
        .await?;
    state.connector.wake();
    let mut body = serde_json::to_value(DirectoryBody::new(created.directory, &state.public_url))
        .map_err(|err| ApiError::internal(&err))?;
    if let Some(map) = body.as_object_mut() {
        map.insert("first_sync_id".into(), json!(created.first_sync.as_str()));
    }
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// Lists the org's directories.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/directories", tag = "directories",
    params(("org" = String, Path, description = "Org id"), ListParams),
    responses((status = 200, body = DirectoryList), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn list_directories(
    State(state): State<AppState>,
    access: OrgAccess,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<DirectoryList>> {
    state.store.get_org(&access.scope).await?;
    let page = state
        .store
        .list_directories(
            &access.scope,
            &PageRequest {
                after: params.cursor,
                limit: params.limit,
            },
        )
        .await?;
    Ok(axum::Json(DirectoryList {
        data: page
            .items
            .into_iter()
            .map(|d| DirectoryBody::new(d, &state.public_url))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Reads a directory.
#[utoipa::path(get, path = "/api/v1/directories/{dir}", tag = "directories",
    params(("dir" = String, Path, description = "Directory id")),
    responses((status = 200, body = DirectoryBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn get_directory(
    State(state): State<AppState>,
    access: DirectoryAccess,
) -> ApiResult<axum::Json<DirectoryBody>> {
    let directory = state.store.get_directory(&access.scope).await?;
    Ok(axum::Json(DirectoryBody::new(directory, &state.public_url)))
}

/// Changes a directory's settings (admin role).
#[utoipa::path(patch, path = "/api/v1/directories/{dir}", tag = "directories",
    request_body = DirectorySettingsInput,
    params(("dir" = String, Path, description = "Directory id")),
    responses((status = 200, body = DirectoryBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update_directory(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiJson(input): ApiJson<DirectorySettingsInput>,
) -> ApiResult<axum::Json<DirectoryBody>> {
    let update = SettingsUpdate {
        group_grace_days: input.group_grace_days,
        password_sync: input.password_sync,
    };
    let directory = state
        .store
        .update_directory_settings(&access.scope, &access.auth.actor(), &update)
        .await?;
    state.scim.forget_directory(&directory.id);
    Ok(axum::Json(DirectoryBody::new(directory, &state.public_url)))
}

/// Deletes a directory with its users and groups; the people it provisioned are detached
/// from the org, never destroyed (admin role).
#[utoipa::path(delete, path = "/api/v1/directories/{dir}", tag = "directories",
    params(("dir" = String, Path, description = "Directory id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn delete_directory(
    State(state): State<AppState>,
    access: DirectoryAccess,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_directory(&access.scope, &access.auth.actor())
        .await?;
    state.scim.forget_directory(access.scope.directory_id());
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the SCIM credentials; the old ones stop working at once (admin role).
#[utoipa::path(post, path = "/api/v1/directories/{dir}/rotate-credentials", tag = "directories",
    params(("dir" = String, Path, description = "Directory id")),
    responses((status = 200, body = CredentialsBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn rotate_credentials(
    State(state): State<AppState>,
    access: DirectoryAccess,
) -> ApiResult<axum::Json<CredentialsBody>> {
    let credentials = state
        .store
        .rotate_scim_credentials(&access.scope, &access.auth.actor())
        .await?;
    state.scim.forget_directory(access.scope.directory_id());
    Ok(axum::Json(CredentialsBody::new(
        &credentials,
        &state.public_url,
    )))
}

/// The directory's users.
#[utoipa::path(get, path = "/api/v1/directories/{dir}/users", tag = "directories",
    params(("dir" = String, Path, description = "Directory id"), DataParams),
    responses((status = 200, body = UserList), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiQuery(params): ApiQuery<DataParams>,
) -> ApiResult<axum::Json<UserList>> {
    let filter = parse_filter(&params, &scim::schema::USER)?;
    let page = state
        .store
        .list_directory_users(&access.scope, &page(&params), filter.as_ref())
        .await?;
    Ok(axum::Json(UserList {
        data: page.items.into_iter().map(UserBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// The directory's groups (teams).
#[utoipa::path(get, path = "/api/v1/directories/{dir}/groups", tag = "directories",
    params(("dir" = String, Path, description = "Directory id"), DataParams),
    responses((status = 200, body = GroupList), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_groups(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiQuery(params): ApiQuery<DataParams>,
) -> ApiResult<axum::Json<GroupList>> {
    let filter = parse_filter(&params, &scim::schema::GROUP)?;
    let page = state
        .store
        .list_directory_groups(&access.scope, &page(&params), filter.as_ref())
        .await?;
    Ok(axum::Json(GroupList {
        data: page.items.into_iter().map(GroupBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A group's members (each with its `active` flag: deactivated users stay listed as the
/// identity provider sees them but are detached from the org).
#[utoipa::path(get, path = "/api/v1/directories/{dir}/groups/{group}/members", tag = "directories",
    params(("dir" = String, Path, description = "Directory id"),
           ("group" = String, Path, description = "Group id"), ListParams),
    responses((status = 200, body = UserList), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn list_members(
    State(state): State<AppState>,
    access: DirectoryAccess,
    Path((_dir, group)): Path<(String, String)>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<UserList>> {
    let page = state
        .store
        .list_group_members(
            &access.scope,
            &group,
            &PageRequest {
                after: params.cursor,
                limit: params.limit,
            },
        )
        .await?;
    Ok(axum::Json(UserList {
        data: page.items.into_iter().map(UserBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Groups deleted through SCIM that can still be restored.
#[utoipa::path(get, path = "/api/v1/directories/{dir}/deleted-groups", tag = "directories",
    params(("dir" = String, Path, description = "Directory id"), ListParams),
    responses((status = 200, body = GroupList), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn list_deleted_groups(
    State(state): State<AppState>,
    access: DirectoryAccess,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<GroupList>> {
    let page = state
        .store
        .list_deleted_groups(
            &access.scope,
            &PageRequest {
                after: params.cursor,
                limit: params.limit,
            },
        )
        .await?;
    Ok(axum::Json(GroupList {
        data: page.items.into_iter().map(GroupBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Restores a deleted group with its members (admin role).
#[utoipa::path(post, path = "/api/v1/directories/{dir}/groups/{group}/restore", tag = "directories",
    params(("dir" = String, Path, description = "Directory id"),
           ("group" = String, Path, description = "Group id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn restore_group(
    State(state): State<AppState>,
    access: DirectoryAccess,
    Path((_dir, group)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let record = state
        .store
        .restore_group(&access.scope, &access.auth.actor(), &group)
        .await?;
    Ok(axum::Json(json!({ "id": record.id, "restored": true })))
}

/// Destroys a deleted group and its memberships for good (admin role). Without
/// `{"confirm": true}` it answers 409 listing what would be destroyed.
#[utoipa::path(post, path = "/api/v1/directories/{dir}/groups/{group}/purge", tag = "directories",
    request_body = PurgeInput,
    params(("dir" = String, Path, description = "Directory id"),
           ("group" = String, Path, description = "Group id")),
    responses((status = 200, body = PurgedBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn purge_group(
    State(state): State<AppState>,
    access: DirectoryAccess,
    Path((_dir, group)): Path<(String, String)>,
    ApiJson(input): ApiJson<PurgeInput>,
) -> ApiResult<axum::Json<PurgedBody>> {
    access.scope.org_scope().require(store::Role::Admin)?;
    if !input.confirm {
        let preview = state.store.purge_preview(&access.scope, &group).await?;
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "purge_not_confirmed",
            format!(
                "purging destroys group {:?} and its {} memberships for good; resend with \
                 {{\"confirm\": true}}",
                preview.display_name, preview.members
            ),
        )
        .with_detail(purge_details(&preview)));
    }
    let summary = state
        .store
        .purge_group(&access.scope, &access.auth.actor(), &group)
        .await?;
    Ok(axum::Json(PurgedBody {
        group_id: summary.group_id,
        name: summary.display_name,
        members: summary.members,
    }))
}
