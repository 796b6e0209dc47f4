//! `/api/v1/users…`: list (plain, `filter`, `search`, `q`), CRUD, lifecycle, a
//! user's groups and app links.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use serde_json::{Value, json};

use super::paging::{self, Params};
use super::views::{UserView, group_json};
use super::{AppState, Principal, parse_body};
use crate::clock::format_ms;
use crate::error::{ApiError, ApiResult};
use crate::filter::{Field, Op, Record};
use crate::ids;
use crate::model::user::{Lifecycle, User, UserStatus};
use crate::org::{CreateUserOptions, Org};

const READ: &str = "okta.users.read";
const MANAGE: &str = "okta.users.manage";

/// The users routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list).post(create))
        .route(
            "/api/v1/users/{user_id}",
            get(get_one)
                .post(update_partial)
                .put(update_full)
                .delete(delete),
        )
        .route("/api/v1/users/{user_id}/groups", get(groups))
        .route("/api/v1/users/{user_id}/appLinks", get(app_links))
        .route("/api/v1/users/{user_id}/lifecycle/{op}", post(lifecycle))
}

/// Filter evaluation over a stored user.
pub(super) struct UserRecord<'a>(pub &'a User);

impl Record for UserRecord<'_> {
    fn field(&self, path: &str) -> Field<'_> {
        let u = self.0;
        let time = |t: Option<i64>| t.map_or(Field::Missing, Field::Time);
        match path {
            "id" => Field::Str(&u.id),
            "status" => Field::Str(u.status.as_str()),
            "created" => Field::Time(u.created),
            "activated" => time(u.activated),
            "statusChanged" => time(u.status_changed),
            "lastUpdated" => Field::Time(u.last_updated),
            "lastLogin" => time(u.last_login),
            "passwordChanged" => time(u.password_changed),
            "type.id" => Field::Str(&u.type_id),
            p => match p.strip_prefix("profile.").and_then(|k| u.profile.get(k)) {
                Some(v) => Field::Json(v),
                None => Field::Missing,
            },
        }
    }
}

const FILTER_ATTRS: &[&str] = &[
    "status",
    "lastUpdated",
    "id",
    "profile.login",
    "profile.email",
    "profile.firstName",
    "profile.lastName",
];
const SEARCH_TOP: &[&str] = &[
    "id",
    "status",
    "created",
    "activated",
    "statusChanged",
    "lastUpdated",
    "lastLogin",
    "passwordChanged",
    "type.id",
];
const CO_ATTRS: &[&str] = &[
    "profile.firstName",
    "profile.lastName",
    "profile.email",
    "profile.login",
];

fn filter_rule(attr: &str, op: Op) -> Result<(), String> {
    if !FILTER_ATTRS.contains(&attr) {
        return Err(format!(
            "Invalid filter attribute: {attr}. Use search for other attributes."
        ));
    }
    if op == Op::Eq || (attr == "lastUpdated" && op.is_ordering()) {
        Ok(())
    } else {
        Err(format!(
            "Operator {op:?} is not supported for {attr} in filter"
        ))
    }
}

fn search_rule(org: &Org, attr: &str, op: Op) -> Result<(), String> {
    let known = SEARCH_TOP.contains(&attr)
        || attr.strip_prefix("profile.").is_some_and(|p| {
            crate::model::schema::UserSchema::is_base(p) || org.schema.custom.contains_key(p)
        });
    if !known {
        return Err(format!("Invalid search attribute: {attr}"));
    }
    match op {
        Op::Ne => Err("The 'ne' operator is not supported in search".to_owned()),
        Op::Co if !CO_ATTRS.contains(&attr) => {
            Err(format!("The 'co' operator is not supported for {attr}"))
        }
        _ => Ok(()),
    }
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
    if let Some(q) = params.get("q") {
        let limit = params.limit(10, 200)?;
        let q = q.to_lowercase();
        let starts = |u: &User, k: &str| {
            u.profile
                .get(k)
                .and_then(Value::as_str)
                .is_some_and(|v| v.to_lowercase().starts_with(&q))
        };
        let users: Vec<UserView<'_>> = org
            .users
            .values()
            .filter(|u| u.status != UserStatus::Deprovisioned)
            .filter(|u| starts(u, "firstName") || starts(u, "lastName") || starts(u, "email"))
            .take(limit)
            .map(|user| UserView {
                user,
                base,
                full: false,
            })
            .collect();
        return Ok(paging::page(
            &users,
            paging::links(base, "/api/v1/users", &params, None, &[]),
        ));
    }
    let limit = params.limit(200, 200)?;
    let search_rule = |a: &str, o: Op| search_rule(&org, a, o);
    let criteria = paging::criteria(&params, &filter_rule, &search_rule)?;
    let search = params.get("search");
    let (expr, fold) = match criteria {
        Some((e, fold)) => (Some(e), fold),
        None => (None, false),
    };
    let keep = |u: &User| match &expr {
        Some(e) => e.matches(&UserRecord(u), fold),
        None => u.status != UserStatus::Deprovisioned,
    };
    if let (Some(_), Some(sort_by)) = (search, params.get("sortBy")) {
        let descending = params
            .get("sortOrder")
            .is_some_and(|o| o.eq_ignore_ascii_case("desc"));
        return sorted_search(&org, &params, sort_by, descending, limit, &keep, base);
    }
    let range = paging::entries_after(&org.users, params.after());
    let (items, next) = paging::take_page(range.map(|(_, u)| u).filter(|u| keep(u)), limit, |u| {
        u.id.clone()
    });
    let views: Vec<UserView<'_>> = items
        .into_iter()
        .map(|user| UserView {
            user,
            base,
            full: false,
        })
        .collect();
    Ok(paging::page(
        &views,
        paging::links(base, "/api/v1/users", &params, next.as_deref(), &[]),
    ))
}

/// A sortable text form of a field (timestamps sort chronologically as ISO strings).
fn sort_key(u: &User, attr: &str) -> String {
    match UserRecord(u).field(attr) {
        Field::Missing => String::new(),
        Field::Time(t) => format_ms(t),
        Field::Str(s) => s.to_lowercase(),
        Field::Json(Value::String(s)) => s.to_lowercase(),
        Field::Json(v) => v.to_string(),
        Field::Many(v) => v.first().map(|x| x.to_string()).unwrap_or_default(),
    }
}

fn sorted_search(
    org: &Org,
    params: &Params,
    sort_by: &str,
    descending: bool,
    limit: usize,
    keep: &dyn Fn(&User) -> bool,
    base: &str,
) -> ApiResult<Response> {
    let mut all: Vec<(String, &User)> = org
        .users
        .values()
        .filter(|u| keep(u))
        .map(|u| (sort_key(u, sort_by), u))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    if descending {
        all.reverse();
    }
    let start = match params.after() {
        None => 0,
        Some(cursor) => {
            let (key, id) = decode_sort_cursor(cursor)
                .ok_or_else(|| ApiError::invalid_paging("after: invalid cursor"))?;
            let pos = (key, id);
            all.iter()
                .position(|(k, u)| {
                    let o = (k.as_str(), u.id.as_str()).cmp(&(pos.0.as_str(), pos.1.as_str()));
                    if descending { o.is_lt() } else { o.is_gt() }
                })
                .unwrap_or(all.len())
        }
    };
    let (items, next) = paging::take_page(all.iter().skip(start), limit, |(k, u)| {
        encode_sort_cursor(k, &u.id)
    });
    let views: Vec<UserView<'_>> = items
        .iter()
        .map(|(_, u)| UserView {
            user: u,
            base,
            full: false,
        })
        .collect();
    Ok(paging::page(
        &views,
        paging::links(base, "/api/v1/users", params, next.as_deref(), &[]),
    ))
}

fn encode_sort_cursor(key: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!([key, id]).to_string())
}

fn decode_sort_cursor(cursor: &str) -> Option<(String, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let v: Vec<String> = serde_json::from_slice(&bytes).ok()?;
    match v.as_slice() {
        [k, id] => Some((k.clone(), id.clone())),
        _ => None,
    }
}

fn resolve_me(p: &Principal, id: &str) -> String {
    if id == "me" {
        p.user_id.clone().unwrap_or_else(|| "me".to_owned())
    } else {
        id.to_owned()
    }
}

fn user_response(sim: &AppState, id: &str) -> ApiResult<Response> {
    let org = sim.read();
    let user = org
        .user(id)
        .ok_or_else(|| ApiError::not_found(id, "User"))?;
    let mut resp = paging::json(
        StatusCode::OK,
        &UserView {
            user,
            base: &sim.base_url,
            full: true,
        },
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("W/\"{}\"", user.last_updated)) {
        resp.headers_mut().insert(header::ETAG, etag);
    }
    Ok(resp)
}

async fn get_one(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.read(READ)?;
    let id = resolve_me(&p, &id);
    let found = sim.read().find_user(&id).map(|u| u.id.clone());
    let found = found.ok_or_else(|| ApiError::not_found(&id, "User"))?;
    user_response(&sim, &found)
}

async fn create(
    State(sim): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let params = Params::parse(raw.as_deref());
    let body = parse_body(&body)?;
    let opts = CreateUserOptions {
        activate: params.flag("activate", true),
        provider: params.flag("provider", false),
        change_password: params.get("nextLogin") == Some("changePassword"),
    };
    let id = sim
        .write()
        .create_user(&p.ctx(sim.clock.now()), &body, opts)?;
    user_response(&sim, &id)
}

async fn update_partial(
    s: State<AppState>,
    p: Principal,
    id: Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    update(s, p, id, body, false)
}

async fn update_full(
    s: State<AppState>,
    p: Principal,
    id: Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    update(s, p, id, body, true)
}

fn update(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
    replace: bool,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let id = resolve_me(&p, &id);
    let body = parse_body(&body)?;
    let id = sim
        .read()
        .find_user(&id)
        .map(|u| u.id.clone())
        .ok_or_else(|| ApiError::not_found(&id, "User"))?;
    sim.write()
        .update_user(&p.ctx(sim.clock.now()), &id, &body, replace)?;
    user_response(&sim, &id)
}

async fn delete(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.write(MANAGE)?;
    let id = sim
        .read()
        .find_user(&id)
        .map(|u| u.id.clone())
        .ok_or_else(|| ApiError::not_found(&id, "User"))?;
    sim.write().delete_user(&p.ctx(sim.clock.now()), &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn lifecycle(
    State(sim): State<AppState>,
    p: Principal,
    Path((id, op)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let Some(action) = Lifecycle::from_path(&op) else {
        return Err(ApiError::path_not_found(&format!(
            "/api/v1/users/{id}/lifecycle/{op}"
        )));
    };
    p.write(MANAGE)?;
    let params = Params::parse(raw.as_deref());
    if action == Lifecycle::ResetPassword && params.get("sendEmail").is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E0000028",
            "The request is missing a required parameter.",
        )
        .with_cause("sendEmail: The parameter is required"));
    }
    let id = sim
        .read()
        .find_user(&id)
        .map(|u| u.id.clone())
        .ok_or_else(|| ApiError::not_found(&id, "User"))?;
    sim.write()
        .lifecycle(&p.ctx(sim.clock.now()), &id, action)?;
    let token = || ids::random_string(&mut rand::rng(), "", 20);
    let base = &sim.base_url;
    let body = match action {
        Lifecycle::Activate if !params.flag("sendEmail", true) => {
            let t = token();
            json!({ "activationUrl": format!("{base}/welcome/{t}"), "activationToken": t })
        }
        Lifecycle::Reactivate if !params.flag("sendEmail", false) => {
            let t = token();
            json!({ "activationUrl": format!("{base}/welcome/{t}"), "activationToken": t })
        }
        Lifecycle::ResetPassword if !params.flag("sendEmail", true) => {
            json!({ "summary": "Reset password without sending email", "resetPasswordUrl": format!("{base}/reset_password/{}", token()) })
        }
        Lifecycle::ExpirePassword => return user_response(&sim, &id),
        Lifecycle::ExpirePasswordWithTemp => json!({ "tempPassword": format!("Tmp-{}", token()) }),
        Lifecycle::Activate | Lifecycle::Reactivate | Lifecycle::ResetPassword => json!({}),
        _ => return Ok(StatusCode::OK.into_response()),
    };
    Ok(paging::json(StatusCode::OK, &body))
}

async fn groups(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    p.read(READ)?;
    let params = Params::parse(raw.as_deref());
    let org = sim.read();
    let user = org
        .find_user(&resolve_me(&p, &id))
        .ok_or_else(|| ApiError::not_found(&id, "User"))?;
    let list: Vec<Value> = org
        .groups_of(&user.id)
        .map(|g| group_json(g, &sim.base_url, None))
        .collect();
    let path = format!("/api/v1/users/{}/groups", user.id);
    Ok(paging::page(
        &list,
        paging::links(&sim.base_url, &path, &params, None, &[]),
    ))
}

async fn app_links(
    State(sim): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    p.read(READ)?;
    let org = sim.read();
    let user = org
        .find_user(&resolve_me(&p, &id))
        .ok_or_else(|| ApiError::not_found(&id, "User"))?;
    let base = &sim.base_url;
    let links: Vec<Value> = org
        .apps_of(&user.id)
        .into_iter()
        .filter_map(|a| org.apps.get(a))
        .filter(|a| a.active)
        .enumerate()
        .map(|(i, a)| {
            json!({
                "id": format!("{}{}", a.id, user.id),
                "label": a.label,
                "linkUrl": format!("{base}/home/{}/{}", a.name, a.id),
                "logoUrl": "https://ok12static.oktacdn.com/assets/img/logos/default.png",
                "appName": a.name,
                "appInstanceId": a.id,
                "appAssignmentId": a.users.get(&user.id).map(|x| x.assignment_id.clone()),
                "credentialsSetup": false,
                "hidden": false,
                "sortOrder": i,
            })
        })
        .collect();
    Ok(paging::json(StatusCode::OK, &links))
}
