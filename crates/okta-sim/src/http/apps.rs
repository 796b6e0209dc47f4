//! `/api/v1/apps…`: apps with their preserved settings, lifecycle, user and group
//! assignments, scope grants and admin roles for service apps.

use std::iter::Peekable;
use std::ops::Bound;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};

use super::paging::{self, Params};
use super::views::{app_group_json, app_json, app_user_json};
use super::{AppState, Principal, parse_body};
use crate::error::{ApiError, ApiResult};
use crate::filter::{Expr, Field, Literal, Op, Rules, json_path};
use crate::model::app::App;
use crate::org::{Org, Role};

const READ: &str = "okta.apps.read";
const MANAGE: &str = "okta.apps.manage";

/// The apps routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/apps", get(list).post(create))
        .route(
            "/api/v1/apps/{app_id}",
            get(get_one).put(update).delete(delete),
        )
        .route("/api/v1/apps/{app_id}/lifecycle/{op}", post(lifecycle))
        .route("/api/v1/apps/{app_id}/users", get(users).post(assign_user))
        .route(
            "/api/v1/apps/{app_id}/users/{user_id}",
            get(get_user).post(update_user).delete(unassign_user),
        )
        .route("/api/v1/apps/{app_id}/groups", get(groups))
        .route(
            "/api/v1/apps/{app_id}/groups/{group_id}",
            get(get_group).put(assign_group).delete(unassign_group),
        )
        .route("/api/v1/apps/{app_id}/grants", get(list_grants).post(grant))
        .route(
            "/oauth2/v1/clients/{app_id}/roles",
            get(list_roles).post(assign_role),
        )
}

fn filter_rule(attr: &str, op: Op) -> Result<(), String> {
    match attr {
        "id"
        | "status"
        | "name"
        | "user.id"
        | "group.id"
        | "credentials.signing.kid"
        | "settings.slo.enabled"
            if op == Op::Eq =>
        {
            Ok(())
        }
        _ => Err(format!("Invalid filter: {attr} {op:?}")),
    }
}

/// Whether an app matches a parsed filter, with `user.id`/`group.id` resolved
/// against assignments (direct or through groups).
fn app_matches(org: &Org, app: &App, e: &Expr) -> bool {
    match e {
        Expr::And(a, b) => app_matches(org, app, a) && app_matches(org, app, b),
        Expr::Or(a, b) => app_matches(org, app, a) || app_matches(org, app, b),
        Expr::Not(a) => !app_matches(org, app, a),
        Expr::Cmp { attr, value, .. } => {
            let want = match value {
                Literal::Str(s) => s.clone(),
                Literal::Bool(b) => b.to_string(),
                Literal::Num(n) => n.to_string(),
                Literal::Null => String::new(),
            };
            match attr.as_str() {
                "id" => app.id == want,
                "name" => app.name == want,
                "status" => (if app.active { "ACTIVE" } else { "INACTIVE" }) == want,
                "user.id" => org.apps_of(&want).contains(app.id.as_str()),
                "group.id" => app.groups.contains_key(&want),
                path => {
                    let body = Value::Object(app.body.clone());
                    match json_path(&body, path) {
                        Field::Json(Value::String(s)) => *s == want,
                        Field::Json(Value::Bool(b)) => b.to_string() == want,
                        _ => false,
                    }
                }
            }
        }
    }
}

async fn list(
    State(sim): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    let params = Params::parse(raw.as_deref());
    let limit = params.limit(20, 200)?;
    let org = sim.read();
    let expr = match params.get("filter") {
        Some(f) => {
            let e = Expr::parse(f).map_err(ApiError::invalid_search)?;
            e.check(&Rules {
                allow: &filter_rule,
                allow_not: false,
            })
            .map_err(ApiError::invalid_search)?;
            Some(e)
        }
        None => None,
    };
    let q = params.get("q").map(str::to_lowercase);
    let range = paging::entries_after(&org.apps, params.after());
    let matching = range.map(|(_, a)| a).filter(|a| {
        expr.as_ref().is_none_or(|e| app_matches(&org, a, e))
            && q.as_ref().is_none_or(|q| {
                a.name.to_lowercase().starts_with(q) || a.label.to_lowercase().starts_with(q)
            })
    });
    let (items, next) = paging::take_page(matching, limit, |a| a.id.clone());
    let list: Vec<Value> = items
        .into_iter()
        .map(|a| app_json(a, &sim.base_url))
        .collect();
    Ok(paging::page(
        &list,
        paging::links(&sim.base_url, "/api/v1/apps", &params, next.as_deref(), &[]),
    ))
}

fn app_response(sim: &AppState, id: &str) -> ApiResult<Response> {
    let org = sim.read();
    let app = org
        .apps
        .get(id)
        .ok_or_else(|| ApiError::not_found(id, "AppInstance"))?;
    Ok(paging::json(StatusCode::OK, &app_json(app, &sim.base_url)))
}

async fn get_one(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.read(READ)?;
    app_response(&sim, &id)
}

async fn create(
    State(sim): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let activate = Params::parse(raw.as_deref()).flag("activate", true);
    let body = parse_body(&body)?;
    let id = crate::sso::create_app(&sim, &p.ctx(sim.clock.now()), &body, activate).await?;
    app_response(&sim, &id)
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
        .update_app(&p.ctx(sim.clock.now()), &id, &body)?;
    app_response(&sim, &id)
}

async fn delete(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    sim.write().delete_app(&p.ctx(sim.clock.now()), &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn lifecycle(
    State(sim): State<AppState>,
    p: Principal,
    Path((id, op)): Path<(String, String)>,
) -> ApiResult<Response> {
    let active = match op.as_str() {
        "activate" => true,
        "deactivate" => false,
        _ => {
            return Err(ApiError::path_not_found(&format!(
                "/api/v1/apps/{id}/lifecycle/{op}"
            )));
        }
    };
    p.write(MANAGE)?;
    sim.write()
        .set_app_active(&p.ctx(sim.clock.now()), &id, active)?;
    Ok(paging::json(StatusCode::OK, &json!({})))
}

/// Merges ascending id iterators into one ascending, de-duplicated iterator.
struct Merge<'a> {
    sources: Vec<Peekable<Box<dyn Iterator<Item = &'a String> + 'a>>>,
}

impl<'a> Iterator for Merge<'a> {
    type Item = &'a String;

    fn next(&mut self) -> Option<&'a String> {
        let min = self
            .sources
            .iter_mut()
            .filter_map(|s| s.peek().copied())
            .min()?;
        for s in &mut self.sources {
            if s.peek() == Some(&min) {
                s.next();
            }
        }
        Some(min)
    }
}

/// Ids of users assigned to `app` (directly or through a group) after `after`.
fn assigned_ids<'a>(org: &'a Org, app: &'a App, after: Option<&str>) -> Merge<'a> {
    let bound = |a: Option<&str>| match a {
        Some(x) => (Bound::Excluded(x.to_owned()), Bound::Unbounded),
        None => (Bound::Unbounded, Bound::Unbounded),
    };
    let mut sources: Vec<Peekable<Box<dyn Iterator<Item = &'a String> + 'a>>> = Vec::new();
    let direct: Box<dyn Iterator<Item = &'a String> + 'a> =
        Box::new(app.users.range(bound(after)).map(|(k, _)| k));
    sources.push(direct.peekable());
    for gid in app.groups.keys() {
        if let Some(g) = org.groups.get(gid) {
            let it: Box<dyn Iterator<Item = &'a String> + 'a> =
                Box::new(g.members.range(bound(after)));
            sources.push(it.peekable());
        }
    }
    Merge { sources }
}

async fn users(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    let params = Params::parse(raw.as_deref());
    let limit = params.limit(50, 500)?;
    let embed = params.get("expand") == Some("user");
    let org = sim.read();
    let app = org
        .apps
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id, "AppInstance"))?;
    let q = params.get("q").map(str::to_lowercase);
    let matching = assigned_ids(&org, app, params.after())
        .filter_map(|uid| org.users.get(uid))
        .filter(|u| {
            q.as_ref().is_none_or(|q| {
                ["firstName", "lastName", "email", "login"].iter().any(|k| {
                    u.profile
                        .get(*k)
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.to_lowercase().starts_with(q))
                })
            })
        });
    let (items, next) = paging::take_page(matching, limit, |u| u.id.clone());
    let base = &sim.base_url;
    let list: Vec<Value> = items
        .into_iter()
        .map(|u| app_user_json(&id, u, app.users.get(&u.id), base, embed))
        .collect();
    let path = format!("/api/v1/apps/{id}/users");
    Ok(paging::page(
        &list,
        paging::links(base, &path, &params, next.as_deref(), &[]),
    ))
}

fn app_user_response(sim: &AppState, app_id: &str, user_id: &str) -> ApiResult<Response> {
    let org = sim.read();
    let app = org
        .apps
        .get(app_id)
        .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
    let user = org
        .users
        .get(user_id)
        .ok_or_else(|| ApiError::not_found(user_id, "AppUser"))?;
    let direct = app.users.get(user_id);
    if direct.is_none() && !org.apps_of(user_id).contains(app_id) {
        return Err(ApiError::not_found(user_id, "AppUser"));
    }
    Ok(paging::json(
        StatusCode::OK,
        &app_user_json(app_id, user, direct, &sim.base_url, false),
    ))
}

async fn get_user(
    State(sim): State<AppState>,
    p: Principal,
    Path((a, u)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.read(READ)?;
    app_user_response(&sim, &a, &u)
}

async fn assign_user(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let body = parse_body(&body)?;
    let user_id = sim
        .write()
        .assign_user(&p.ctx(sim.clock.now()), &id, &body)?;
    app_user_response(&sim, &id, &user_id)
}

async fn update_user(
    State(sim): State<AppState>,
    p: Principal,
    Path((a, u)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let mut body = parse_body(&body)?;
    if !sim
        .read()
        .apps
        .get(&a)
        .is_some_and(|app| app.users.contains_key(&u))
    {
        return Err(ApiError::not_found(&u, "AppUser"));
    }
    if let Some(obj) = body.as_object_mut() {
        obj.insert("id".into(), json!(u));
    }
    sim.write()
        .assign_user(&p.ctx(sim.clock.now()), &a, &body)?;
    app_user_response(&sim, &a, &u)
}

async fn unassign_user(
    State(sim): State<AppState>,
    p: Principal,
    Path((a, u)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    sim.write().unassign_user(&p.ctx(sim.clock.now()), &a, &u)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn groups(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    let params = Params::parse(raw.as_deref());
    let limit = params.limit(20, 200)?;
    let org = sim.read();
    let app = org
        .apps
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id, "AppInstance"))?;
    let range = paging::entries_after(&app.groups, params.after());
    let (items, next) = paging::take_page(range.map(|(_, g)| g), limit, |g| g.group_id.clone());
    let list: Vec<Value> = items
        .into_iter()
        .map(|g| app_group_json(&id, g, &sim.base_url))
        .collect();
    let path = format!("/api/v1/apps/{id}/groups");
    Ok(paging::page(
        &list,
        paging::links(&sim.base_url, &path, &params, next.as_deref(), &[]),
    ))
}

fn app_group_response(sim: &AppState, app_id: &str, group_id: &str) -> ApiResult<Response> {
    let org = sim.read();
    let app = org
        .apps
        .get(app_id)
        .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
    let a = app
        .groups
        .get(group_id)
        .ok_or_else(|| ApiError::not_found(group_id, "ApplicationGroupAssignment"))?;
    Ok(paging::json(
        StatusCode::OK,
        &app_group_json(app_id, a, &sim.base_url),
    ))
}

async fn get_group(
    State(sim): State<AppState>,
    p: Principal,
    Path((a, g)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.read(READ)?;
    app_group_response(&sim, &a, &g)
}

async fn assign_group(
    State(sim): State<AppState>,
    p: Principal,
    Path((a, g)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let body = parse_body(&body)?;
    sim.write()
        .assign_group(&p.ctx(sim.clock.now()), &a, &g, &body)?;
    app_group_response(&sim, &a, &g)
}

async fn unassign_group(
    State(sim): State<AppState>,
    p: Principal,
    Path((a, g)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    sim.write()
        .unassign_group(&p.ctx(sim.clock.now()), &a, &g)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn grant_json(sim: &AppState, app_id: &str, scope: &str) -> Value {
    json!({ "id": format!("oag{}", scope.replace('.', "")), "scopeId": scope, "issuer": sim.base_url,
            "clientId": app_id, "status": "ACTIVE", "source": "ADMIN",
            "_links": { "app": { "href": format!("{}/api/v1/apps/{app_id}", sim.base_url) } } })
}

async fn list_grants(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.read(READ)?;
    let grants = sim
        .read()
        .apps
        .get(&id)
        .map(|a| a.grants.clone())
        .ok_or_else(|| ApiError::not_found(&id, "AppInstance"))?;
    let list: Vec<Value> = grants.iter().map(|s| grant_json(&sim, &id, s)).collect();
    Ok(paging::json(StatusCode::OK, &list))
}

async fn grant(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let body = parse_body(&body)?;
    let scope = body
        .get("scopeId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !scope.starts_with("okta.") {
        return Err(ApiError::validation(
            "scopeId",
            format!("scopeId: Invalid scope '{scope}'"),
        ));
    }
    let mut org = sim.write();
    let app = org
        .apps
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(&id, "AppInstance"))?;
    if !app.grants.contains(&scope) {
        app.grants.push(scope.clone());
    }
    drop(org);
    Ok(paging::json(
        StatusCode::CREATED,
        &grant_json(&sim, &id, &scope),
    ))
}

async fn list_roles(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.read("okta.roles.read").or_else(|_| p.read(READ))?;
    let roles = sim
        .read()
        .apps
        .get(&id)
        .map(|a| a.roles.clone())
        .ok_or_else(|| ApiError::not_found(&id, "AppInstance"))?;
    let list: Vec<Value> = roles.iter().map(|r| json!({ "id": format!("ra1{}", r.to_lowercase()), "type": r, "status": "ACTIVE", "assignmentType": "CLIENT" })).collect();
    Ok(paging::json(StatusCode::OK, &list))
}

async fn assign_role(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let body = parse_body(&body)?;
    let role = body
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if Role::parse(&role).is_none() {
        return Err(ApiError::validation(
            "type",
            format!("type: Unsupported role '{role}'"),
        ));
    }
    let mut org = sim.write();
    let app = org
        .apps
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(&id, "AppInstance"))?;
    if !app.roles.contains(&role) {
        app.roles.push(role.clone());
    }
    drop(org);
    Ok(paging::json(
        StatusCode::CREATED,
        &json!({ "id": format!("ra1{}", role.to_lowercase()), "type": role, "status": "ACTIVE", "assignmentType": "CLIENT" }),
    ))
}
