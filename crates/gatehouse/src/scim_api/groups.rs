//! `/Groups` (group push → teams). Membership PATCHes go through
//! `scim::patch::plan_group_patch`, so adding one member to a 10,000-member group writes
//! one row; they are answered 204 unless the request asks for attributes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scim::patch::{GroupPatch, PatchRequest, apply_patch, plan_group_patch};
use scim::query::{ListQuery, Projection};
use scim::resource::{GroupView, parse_group};
use scim::schema::GROUP;
use serde_json::{Value, json};
use store::{GroupChange, MemberChange, ScimListSpec, ScimRecord, StoreError, VERSION_CHANGED};

use super::LIST_LIMITS;
use super::auth::ScimAuth;
use super::body::{IfMatch, ScimBody, ScimQuery};
use super::response::{
    Related, ScimError, ScimResult, list_text, location, render_projected, resource_body, returns,
    scim_body,
};
use super::users::{PATCH_ATTEMPTS, too_many, with_id, without_id};
use crate::state::AppState;

fn pairs(query: &ScimQuery) -> impl Iterator<Item = (&str, &str)> {
    query.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

async fn render_group(
    state: &AppState,
    auth: &ScimAuth,
    record: &ScimRecord,
    projection: &Projection,
) -> ScimResult<String> {
    let members = if returns(projection, "members") {
        Some(
            state
                .store
                .scim_group_members(&auth.scope, &record.id)
                .await?,
        )
    } else {
        None
    };
    Ok(render_projected(
        record,
        &GROUP,
        &auth.base_url,
        members
            .as_deref()
            .map_or(Related::Omitted, Related::Members),
        projection,
    ))
}

pub(super) async fn list(
    State(state): State<AppState>,
    auth: ScimAuth,
    query: ScimQuery,
) -> ScimResult<Response> {
    let query = ListQuery::from_pairs(pairs(&query), &GROUP, LIST_LIMITS)?;
    answer_list(&state, &auth, &query).await
}

pub(super) async fn search(
    State(state): State<AppState>,
    auth: ScimAuth,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let query = ListQuery::from_search_request(&body, &GROUP, LIST_LIMITS)?;
    answer_list(&state, &auth, &query).await
}

async fn answer_list(state: &AppState, auth: &ScimAuth, query: &ListQuery) -> ScimResult<Response> {
    let (total, resources) = page(state, auth, query).await?;
    Ok(scim_body(
        StatusCode::OK,
        list_text(total, query.start_index, &resources),
    ))
}

/// The total and the rendered page of a group query (also for root-level searches).
pub(super) async fn page(
    state: &AppState,
    auth: &ScimAuth,
    query: &ListQuery,
) -> ScimResult<(u64, Vec<String>)> {
    let spec = ScimListSpec {
        filter: query.filter.as_ref(),
        sort: query.sort.as_ref(),
        offset: query.offset(),
        count: query.count,
        after_id: None,
    };
    let page = state
        .store
        .scim_list_groups(&auth.scope, &spec)
        .await?
        .ok_or_else(|| too_many("groups"))?;
    let mut resources = Vec::with_capacity(page.records.len());
    for record in &page.records {
        resources.push(render_group(state, auth, record, &query.projection).await?);
    }
    Ok((page.total, resources))
}

pub(super) async fn get_one(
    State(state): State<AppState>,
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
    query: ScimQuery,
) -> ScimResult<Response> {
    let projection = ListQuery::from_pairs(pairs(&query), &GROUP, LIST_LIMITS)?.projection;
    let record = state.store.scim_get_group(&auth.scope, &id).await?;
    let body = render_group(&state, &auth, &record, &projection).await?;
    Ok(resource_body(StatusCode::OK, body, &record, None))
}

pub(super) async fn create(
    State(state): State<AppState>,
    auth: ScimAuth,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let input = parse_group(body)?;
    let record = state
        .store
        .scim_create_group(&auth.scope, &auth.actor(), input.resource, input.members)
        .await?;
    let body = render_group(&state, &auth, &record, &Projection::default()).await?;
    let at = location(&auth.base_url, &GROUP, &record.id);
    Ok(resource_body(StatusCode::CREATED, body, &record, Some(&at)))
}

pub(super) async fn replace(
    State(state): State<AppState>,
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
    if_match: IfMatch,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let input = parse_group(body)?;
    let expected = match &if_match.0 {
        Some(_) => {
            let current = state.store.scim_get_group(&auth.scope, &id).await?;
            if_match.check(current.version)?;
            Some(current.version)
        }
        None => None,
    };
    let change = GroupChange {
        resource: Some(input.resource),
        members: Some(MemberChange::Replace(input.members)),
        expected_version: expected,
    };
    let write = state
        .store
        .scim_change_group(&auth.scope, &auth.actor(), &id, &change)
        .await?;
    let body = render_group(&state, &auth, &write.record, &Projection::default()).await?;
    Ok(resource_body(StatusCode::OK, body, &write.record, None))
}

/// The store change for a PATCH, planned without the member list when possible.
async fn plan(
    state: &AppState,
    auth: &ScimAuth,
    current: &ScimRecord,
    request: &PatchRequest,
    if_match: &IfMatch,
) -> ScimResult<GroupChange> {
    let mut group = with_id(&current.data, &current.id)?;
    Ok(match plan_group_patch(&group, request)? {
        GroupPatch::Planned(plan) => {
            let members = match plan.replace_members {
                Some(list) => Some(MemberChange::Replace(list)),
                None if plan.member_adds.is_empty() && plan.member_removes.is_empty() => None,
                None => Some(MemberChange::Delta {
                    adds: plan.member_adds,
                    removes: plan.member_removes,
                }),
            };
            let resource = plan.attributes_changed.then(|| without_id(plan.group));
            let expected = (resource.is_some() || if_match.0.is_some()).then_some(current.version);
            GroupChange {
                resource,
                members,
                expected_version: expected,
            }
        }
        GroupPatch::NeedsMembers => {
            let members = state
                .store
                .scim_group_members(&auth.scope, &current.id)
                .await?;
            let listed: Vec<Value> = members
                .iter()
                .map(|m| json!({ "value": m.user_id, "display": m.display }))
                .collect();
            if let Some(map) = group.as_object_mut() {
                map.insert("members".into(), Value::Array(listed));
            }
            apply_patch(&mut group, request, &GROUP)?;
            let ids: Vec<String> = GroupView::new(&group)
                .map(|v| v.member_ids().map(str::to_owned).collect())
                .unwrap_or_default();
            if let Some(map) = group.as_object_mut() {
                map.remove("members");
            }
            GroupChange {
                resource: Some(without_id(group)),
                members: Some(MemberChange::Replace(ids)),
                expected_version: Some(current.version),
            }
        }
    })
}

pub(super) async fn patch(
    State(state): State<AppState>,
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
    if_match: IfMatch,
    query: ScimQuery,
    ScimBody(body): ScimBody,
) -> ScimResult<Response> {
    let request = PatchRequest::parse(body)?;
    for _ in 0..PATCH_ATTEMPTS {
        let current = state.store.scim_get_group(&auth.scope, &id).await?;
        if_match.check(current.version)?;
        let change = plan(&state, &auth, &current, &request, &if_match).await?;
        match state
            .store
            .scim_change_group(&auth.scope, &auth.actor(), &id, &change)
            .await
        {
            Ok(write) if query.asks_for_attributes() => {
                let projection =
                    ListQuery::from_pairs(pairs(&query), &GROUP, LIST_LIMITS)?.projection;
                let body = render_group(&state, &auth, &write.record, &projection).await?;
                return Ok(resource_body(StatusCode::OK, body, &write.record, None));
            }
            Ok(write) => {
                let mut response = StatusCode::NO_CONTENT.into_response();
                if let Ok(tag) = axum::http::HeaderValue::from_str(&scim::resource::etag(
                    &write.record.version.to_string(),
                )) {
                    response.headers_mut().insert(axum::http::header::ETAG, tag);
                }
                return Ok(response);
            }
            Err(StoreError::Conflict { constraint }) if constraint == VERSION_CHANGED => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ScimError(scim::Error::conflict(
        "the group kept changing while this PATCH was applied; retry",
    )))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    auth: ScimAuth,
    Path((_, id)): Path<(String, String)>,
) -> ScimResult<Response> {
    state
        .store
        .scim_delete_group(&auth.scope, &auth.actor(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
