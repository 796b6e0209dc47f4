//! `/api/v1/groups…`: list (`filter`, `search`, `q`, `expand=stats`), CRUD,
//! members, and the apps assigned to a group.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use bytes::Bytes;
use serde_json::Value;

use super::paging::{self, Params};
use super::views::{UserView, app_json, group_json};
use super::{AppState, Principal, parse_body};
use crate::error::{ApiError, ApiResult};
use crate::filter::{Field, Op, Record};
use crate::model::group::Group;
use crate::org::Org;

const READ: &str = "okta.groups.read";
const MANAGE: &str = "okta.groups.manage";

/// The groups routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/groups", get(list).post(create))
        .route(
            "/api/v1/groups/{group_id}",
            get(get_one).put(update).delete(delete),
        )
        .route("/api/v1/groups/{group_id}/users", get(members))
        .route(
            "/api/v1/groups/{group_id}/users/{user_id}",
            put(add_member).delete(remove_member),
        )
        .route("/api/v1/groups/{group_id}/apps", get(apps))
}

struct GroupRecord<'a>(&'a Group);

impl Record for GroupRecord<'_> {
    fn field(&self, path: &str) -> Field<'_> {
        let g = self.0;
        match path {
            "id" => Field::Str(&g.id),
            "type" => Field::Str(g.kind.as_str()),
            "created" => Field::Time(g.created),
            "lastUpdated" => Field::Time(g.last_updated),
            "lastMembershipUpdated" => Field::Time(g.last_membership_updated),
            "source.id" => g.source_app.as_deref().map_or(Field::Missing, Field::Str),
            p => match p.strip_prefix("profile.").and_then(|k| g.profile.get(k)) {
                Some(v) => Field::Json(v),
                None => Field::Missing,
            },
        }
    }
}

fn filter_rule(attr: &str, op: Op) -> Result<(), String> {
    match attr {
        "id" | "type" if op == Op::Eq => Ok(()),
        "lastUpdated" | "lastMembershipUpdated" if op == Op::Eq || op.is_ordering() => Ok(()),
        _ => Err(format!("Invalid filter: {attr} {op:?}")),
    }
}

fn search_rule(attr: &str, op: Op) -> Result<(), String> {
    let known = matches!(
        attr,
        "id" | "type" | "created" | "lastUpdated" | "lastMembershipUpdated" | "source.id"
    ) || attr.starts_with("profile.");
    if !known {
        return Err(format!("Invalid search attribute: {attr}"));
    }
    match op {
        Op::Ne => Err("The 'ne' operator is not supported in search".to_owned()),
        Op::Co if !matches!(attr, "profile.name" | "profile.description") => {
            Err(format!("The 'co' operator is not supported for {attr}"))
        }
        _ => Ok(()),
    }
}

fn stats(org: &Org, g: &Group) -> (usize, usize) {
    (
        g.members.len(),
        org.apps
            .values()
            .filter(|a| a.groups.contains_key(&g.id))
            .count(),
    )
}

async fn list(
    State(sim): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    let params = Params::parse(raw.as_deref());
    let org = sim.read();
    let base = sim.base_url.as_str();
    let with_stats = params
        .get("expand")
        .is_some_and(|e| e.split(',').any(|x| x == "stats"));
    let render = |g: &Group| group_json(g, base, with_stats.then(|| stats(&org, g)));
    if let Some(q) = params.get("q") {
        let limit = params.limit(300, 10_000)?;
        let q = q.to_lowercase();
        let list: Vec<Value> = org
            .groups
            .values()
            .filter(|g| g.name().to_lowercase().starts_with(&q))
            .take(limit)
            .map(render)
            .collect();
        return Ok(paging::page(
            &list,
            paging::links(base, "/api/v1/groups", &params, None, &[]),
        ));
    }
    let limit = params.limit(10_000, 10_000)?;
    let (expr, fold) = match paging::criteria(&params, &filter_rule, &search_rule)? {
        Some((e, fold)) => (Some(e), fold),
        None => (None, false),
    };
    let range = paging::entries_after(&org.groups, params.after());
    let matching = range.map(|(_, g)| g).filter(|g| {
        expr.as_ref()
            .is_none_or(|e| e.matches(&GroupRecord(g), fold))
    });
    let (items, next) = paging::take_page(matching, limit, |g| g.id.clone());
    let list: Vec<Value> = items.into_iter().map(render).collect();
    Ok(paging::page(
        &list,
        paging::links(base, "/api/v1/groups", &params, next.as_deref(), &[]),
    ))
}

fn group_response(sim: &AppState, id: &str, with_stats: bool) -> ApiResult<Response> {
    let org = sim.read();
    let g = org
        .groups
        .get(id)
        .ok_or_else(|| ApiError::not_found(id, "UserGroup"))?;
    Ok(paging::json(
        StatusCode::OK,
        &group_json(g, &sim.base_url, with_stats.then(|| stats(&org, g))),
    ))
}

async fn get_one(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    let with_stats = Params::parse(raw.as_deref()).get("expand") == Some("stats");
    group_response(&sim, &id, with_stats)
}

async fn create(State(sim): State<AppState>, p: Principal, body: Bytes) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let body = parse_body(&body)?;
    let id = sim.write().create_group(&p.ctx(sim.clock.now()), &body)?;
    group_response(&sim, &id, false)
}

async fn update(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let body = parse_body(&body)?;
    sim.write()
        .update_group(&p.ctx(sim.clock.now()), &id, &body)?;
    group_response(&sim, &id, false)
}

async fn delete(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    sim.write().delete_group(&p.ctx(sim.clock.now()), &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn members(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    let params = Params::parse(raw.as_deref());
    let limit = params.limit(1000, 10_000)?;
    let org = sim.read();
    let g = org
        .groups
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id, "UserGroup"))?;
    let range = paging::ids_after(&g.members, params.after());
    let users = range.filter_map(|uid| org.users.get(uid));
    let (items, next) = paging::take_page(users, limit, |u| u.id.clone());
    let base = sim.base_url.as_str();
    let views: Vec<UserView<'_>> = items
        .into_iter()
        .map(|user| UserView {
            user,
            base,
            full: false,
        })
        .collect();
    let path = format!("/api/v1/groups/{id}/users");
    Ok(paging::page(
        &views,
        paging::links(base, &path, &params, next.as_deref(), &[]),
    ))
}

async fn add_member(
    State(sim): State<AppState>,
    p: Principal,
    Path((g, u)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    sim.write().add_member(&p.ctx(sim.clock.now()), &g, &u)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_member(
    State(sim): State<AppState>,
    p: Principal,
    Path((g, u)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    sim.write().remove_member(&p.ctx(sim.clock.now()), &g, &u)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn apps(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    let params = Params::parse(raw.as_deref());
    let limit = params.limit(20, 200)?;
    let org = sim.read();
    if !org.groups.contains_key(&id) {
        return Err(ApiError::not_found(&id, "UserGroup"));
    }
    let range = paging::entries_after(&org.apps, params.after());
    let (items, next) = paging::take_page(
        range.map(|(_, a)| a).filter(|a| a.groups.contains_key(&id)),
        limit,
        |a| a.id.clone(),
    );
    let list: Vec<Value> = items
        .into_iter()
        .map(|a| app_json(a, &sim.base_url))
        .collect();
    let path = format!("/api/v1/groups/{id}/apps");
    Ok(paging::page(
        &list,
        paging::links(&sim.base_url, &path, &params, next.as_deref(), &[]),
    ))
}
