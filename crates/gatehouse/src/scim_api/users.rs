//! `/Users`: list and filter (GET, `POST /.search`), read, create, replace (PUT), PATCH,
//! delete. Okta's habits are the `scim` crate's business (case-insensitive userName
//! lookups, pathless PATCH replace, string booleans); this module is wiring.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scim::patch::{PasswordChange, PatchRequest, apply_patch};
use scim::query::{ListQuery, Projection};
use scim::resource::parse_user;
use scim::schema::USER;
use serde_json::Value;
use store::{
    MAX_IN_MEMORY, ScimListSpec, ScimRecord, StoreError, UserGroup, UsersOf, VERSION_CHANGED,
};

use super::LIST_LIMITS;
use super::auth::ScimAuth;
use super::body::{IfMatch, ScimBody, ScimQuery};
use super::response::{
    Related, ScimError, ScimResult, list_text, location, render_projected, render_text,
    resource_body, returns, scim_body,
};
use crate::state::AppState;

/// How often a PATCH is retried when the resource changed between read and write.
pub(super) const PATCH_ATTEMPTS: usize = 5;

fn pairs(query: &ScimQuery) -> impl Iterator<Item = (&str, &str)> {
    query.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// `tooMany` for a filter the store would have to evaluate over too many rows.
pub(super) fn too_many(kind: &str) -> ScimError {
    ScimError(scim::Error::too_many(format!(
        "this filter cannot be answered from an index and would examine more than \
         {MAX_IN_MEMORY} {kind}; narrow it with an indexed attribute (id, externalId, \
         userName, active, displayName, meta.created, meta.lastModified)"
    )))
}

/// The stored resource as JSON, with its `id` (the patch engine checks ids in values).
pub(super) fn with_id(data: &str, id: &str) -> ScimResult<Value> {
    let mut value: Value = serde_json::from_str(data)
        .map_err(|_| ScimError(scim::Error::internal("a stored resource is not JSON")))?;
    if let Some(map) = value.as_object_mut() {
        map.insert("id".into(), Value::from(id));
    }
    Ok(value)
}

/// Removes the server-owned `id` before storing.
pub(super) fn without_id(mut value: Value) -> Value {
    if let Some(map) = value.as_object_mut() {
        map.remove("id");
    }
    value
}

pub(super) async fn list(
    State(state): State<AppState>,
    auth: ScimAuth,
    query: ScimQuery,
) -> ScimResult<Response> {
    let query = ListQuery::from_pairs(pairs(&query), &USER, LIST_LIMITS)?;
    answer_list(&state, &auth, &query).await
}

pub(super) async fn search(
    State(state): State<AppState>,
    auth: ScimAuth,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let query = ListQuery::from_search_request(&body, &USER, LIST_LIMITS)?;
    answer_list(&state, &auth, &query).await
}

/// Renders users under `projection`, with their `groups` (one query for all of them) when
/// the projection returns that attribute. `consecutive`: the records are a page of the
/// unfiltered listing, so their groups are those of every user in their id range.
async fn render_users(
    state: &AppState,
    auth: &ScimAuth,
    records: &[ScimRecord],
    projection: &Projection,
    consecutive: bool,
) -> ScimResult<Vec<String>> {
    let groups: Vec<UserGroup> = match (records, returns(projection, "groups")) {
        ([], _) | (_, false) => Vec::new(),
        ([first, .., last], true) if consecutive => {
            let range = UsersOf::IdRange {
                first: &first.id,
                last: &last.id,
            };
            state.store.scim_user_groups(&auth.scope, range).await?
        }
        (_, true) => {
            let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
            state
                .store
                .scim_user_groups(&auth.scope, UsersOf::Ids(&ids))
                .await?
        }
    };
    Ok(records
        .iter()
        .map(|record| {
            // Sorted by user id, so each user's groups are one run of the list.
            let start = groups.partition_point(|g| g.user_id < record.id);
            let rest = groups.get(start..).unwrap_or_default();
            let end = start + rest.partition_point(|g| g.user_id == record.id);
            let related = Related::Groups(groups.get(start..end).unwrap_or_default());
            render_projected(record, &USER, &auth.base_url, related, projection)
        })
        .collect())
}

/// One user's full representation, with its groups.
async fn render_user(state: &AppState, auth: &ScimAuth, record: &ScimRecord) -> ScimResult<String> {
    let mut rendered = render_users(
        state,
        auth,
        std::slice::from_ref(record),
        &Projection::default(),
        false,
    )
    .await?;
    Ok(rendered.pop().unwrap_or_default())
}

async fn answer_list(state: &AppState, auth: &ScimAuth, query: &ListQuery) -> ScimResult<Response> {
    let (total, resources) = page(state, auth, query).await?;
    Ok(scim_body(
        StatusCode::OK,
        list_text(total, query.start_index, &resources),
    ))
}

/// The total and the rendered page of a user query (also for root-level searches).
pub(super) async fn page(
    state: &AppState,
    auth: &ScimAuth,
    query: &ListQuery,
) -> ScimResult<(u64, Vec<String>)> {
    let sequential = query.filter.is_none() && query.sort.is_none() && query.offset() > 0;
    let dir = auth.scope.directory_id();
    let hint = sequential
        .then(|| state.scim.pages.get(dir, query.offset()))
        .flatten();
    let spec = ScimListSpec {
        filter: query.filter.as_ref(),
        sort: query.sort.as_ref(),
        offset: query.offset(),
        count: query.count,
        after_id: hint.as_ref().map(|(id, skip)| (id.as_str(), *skip)),
    };
    let page = state
        .store
        .scim_list_users(&auth.scope, &spec)
        .await?
        .ok_or_else(|| too_many("users"))?;
    if query.filter.is_none()
        && query.sort.is_none()
        && let Some(last) = page.records.last()
    {
        let next = query.offset() + page.records.len();
        state.scim.pages.remember(dir, next, &last.id);
    }
    let consecutive = query.filter.is_none() && query.sort.is_none();
    let resources =
        render_users(state, auth, &page.records, &query.projection, consecutive).await?;
    Ok((page.total, resources))
}

pub(super) async fn get_one(
    State(state): State<AppState>,
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
    query: ScimQuery,
) -> ScimResult<Response> {
    let projection = ListQuery::from_pairs(pairs(&query), &USER, LIST_LIMITS)?.projection;
    let record = state.store.scim_get_user(&auth.scope, &id).await?;
    let body = render_users(
        &state,
        &auth,
        std::slice::from_ref(&record),
        &projection,
        false,
    )
    .await?
    .pop()
    .unwrap_or_default();
    Ok(resource_body(StatusCode::OK, body, &record, None))
}

pub(super) async fn create(
    State(state): State<AppState>,
    auth: ScimAuth,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let input = parse_user(body)?;
    let record = state
        .store
        .scim_create_user(&auth.scope, &auth.actor(), input.resource, input.password)
        .await?;
    // A new user belongs to no group yet.
    let body = render_text(&record, &USER, &auth.base_url, Related::Omitted);
    let at = location(&auth.base_url, &USER, &record.id);
    Ok(resource_body(StatusCode::CREATED, body, &record, Some(&at)))
}

pub(super) async fn replace(
    State(state): State<AppState>,
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
    if_match: IfMatch,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let input = parse_user(body)?;
    let expected = match &if_match.0 {
        Some(_) => {
            let current = state.store.scim_get_user(&auth.scope, &id).await?;
            if_match.check(current.version)?;
            Some(current.version)
        }
        None => None,
    };
    let record = state
        .store
        .scim_replace_user(
            &auth.scope,
            &auth.actor(),
            &id,
            input.resource,
            input.password.map(PasswordChange::Set),
            expected,
        )
        .await?;
    let body = render_user(&state, &auth, &record).await?;
    Ok(resource_body(StatusCode::OK, body, &record, None))
}

pub(super) async fn patch(
    State(state): State<AppState>,
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
    if_match: IfMatch,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let request = PatchRequest::parse(body)?;
    for _ in 0..PATCH_ATTEMPTS {
        let current = state.store.scim_get_user(&auth.scope, &id).await?;
        if_match.check(current.version)?;
        let mut resource = with_id(&current.data, &id)?;
        let outcome = apply_patch(&mut resource, &request, &USER)?;
        let password_write = outcome.password.is_some() && auth.scope.settings().password_sync;
        if !outcome.changed && !password_write {
            let body = render_user(&state, &auth, &current).await?;
            return Ok(resource_body(StatusCode::OK, body, &current, None));
        }
        match state
            .store
            .scim_replace_user(
                &auth.scope,
                &auth.actor(),
                &id,
                without_id(resource),
                outcome.password,
                Some(current.version),
            )
            .await
        {
            Ok(record) => {
                let body = render_user(&state, &auth, &record).await?;
                return Ok(resource_body(StatusCode::OK, body, &record, None));
            }
            Err(StoreError::Conflict { constraint }) if constraint == VERSION_CHANGED => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ScimError(scim::Error::conflict(
        "the user kept changing while this PATCH was applied; retry",
    )))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
) -> ScimResult<Response> {
    state
        .store
        .scim_delete_user(&auth.scope, &auth.actor(), &id)
        .await?;
    state.scim.pages.forget_directory(auth.scope.directory_id());
    Ok(StatusCode::NO_CONTENT.into_response())
}
