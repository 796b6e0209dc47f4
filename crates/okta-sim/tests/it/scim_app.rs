//! A minimal SCIM 2.0 service provider for provisioning tests: in-memory users and
//! groups, filters and PATCH from the `scim` crate (so Okta's request shapes are
//! checked by an independent SCIM implementation), an OAuth token endpoint, a log
//! of every request, and injectable failures.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use bytes::Bytes;
use scim::patch::{PatchRequest, apply_patch};
use scim::schema::{GROUP, USER};
use serde_json::{Value, json};

pub(crate) const TOKEN: &str = "scim-secret-token";
pub(crate) const CLIENT_ID: &str = "okta-client";
pub(crate) const CLIENT_SECRET: &str = "okta-secret";

/// One request as the SCIM app saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) auth: String,
    pub(crate) content_type: String,
    pub(crate) user_agent: String,
    pub(crate) body: Value,
}

#[derive(Default)]
pub(crate) struct Store {
    pub(crate) users: BTreeMap<String, Value>,
    pub(crate) groups: BTreeMap<String, Value>,
    pub(crate) seen: Vec<Seen>,
    /// Answers to give instead of handling the next requests: (status, Retry-After).
    pub(crate) faults: VecDeque<(u16, Option<u64>)>,
    pub(crate) issued_tokens: Vec<String>,
    tokens_issued: u64,
    next_id: u64,
}

type Shared = Arc<Mutex<Store>>;

pub(crate) struct ScimApp {
    pub(crate) base_url: String,
    pub(crate) token_url: String,
    pub(crate) store: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ScimApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScimApp {
    pub(crate) async fn start() -> Self {
        let store = Shared::default();
        let app = Router::new()
            .route("/oauth/token", post(token))
            .route("/scim/v2/{kind}", get(list).post(create))
            .route(
                "/scim/v2/{kind}/{id}",
                get(read).put(replace).patch(patch).delete(remove),
            )
            .with_state(store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base_url: format!("http://{addr}/scim/v2"),
            token_url: format!("http://{addr}/oauth/token"),
            store,
            task,
        }
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.store.lock().unwrap().seen.clone()
    }

    pub(crate) fn clear_seen(&self) {
        self.store.lock().unwrap().seen.clear();
    }

    /// The stored user with this userName.
    pub(crate) fn user(&self, user_name: &str) -> Option<Value> {
        self.store
            .lock()
            .unwrap()
            .users
            .values()
            .find(|u| {
                u["userName"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(user_name))
            })
            .cloned()
    }

    pub(crate) fn group(&self, name: &str) -> Option<Value> {
        self.store
            .lock()
            .unwrap()
            .groups
            .values()
            .find(|g| g["displayName"] == name)
            .cloned()
    }

    pub(crate) fn fail_next(&self, status: u16, retry_after: Option<u64>) {
        self.store
            .lock()
            .unwrap()
            .faults
            .push_back((status, retry_after));
    }

    pub(crate) fn insert_user(&self, user: Value) -> String {
        let mut s = self.store.lock().unwrap();
        s.next_id += 1;
        let id = format!("scim-user-{}", s.next_id);
        let mut user = user;
        user["id"] = json!(id);
        s.users.insert(id.clone(), user);
        id
    }
}

fn scim(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert("content-type", "application/scim+json".parse().unwrap());
    r
}

fn error(status: StatusCode, detail: &str) -> Response {
    scim(
        status,
        json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status.as_u16().to_string(), "detail": detail }),
    )
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Records the request, applies an injected fault or checks the credentials.
fn admit(
    store: &Shared,
    method: &str,
    path: String,
    query: Option<String>,
    h: &HeaderMap,
    body: &Bytes,
) -> Result<(), Box<Response>> {
    let mut s = store.lock().unwrap();
    let auth = header(h, "authorization");
    s.seen.push(Seen {
        method: method.to_owned(),
        path,
        query: query.unwrap_or_default(),
        auth: auth.clone(),
        content_type: header(h, "content-type"),
        user_agent: header(h, "user-agent"),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    });
    if let Some((status, retry_after)) = s.faults.pop_front() {
        let mut r = error(StatusCode::from_u16(status).unwrap(), "injected failure");
        if let Some(ra) = retry_after {
            r.headers_mut().insert("retry-after", ra.into());
        }
        return Err(Box::new(r));
    }
    let token = auth.strip_prefix("Bearer ").unwrap_or(&auth);
    if token != TOKEN && !s.issued_tokens.iter().any(|t| t == token) {
        return Err(Box::new(error(StatusCode::UNAUTHORIZED, "bad credentials")));
    }
    Ok(())
}

async fn token(State(store): State<Shared>, h: HeaderMap, _body: Bytes) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if header(&h, "authorization") != expected {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let mut s = store.lock().unwrap();
    s.tokens_issued += 1;
    let t = format!("issued-{}", s.tokens_issued);
    s.issued_tokens.push(t.clone());
    axum::Json(json!({ "access_token": t, "token_type": "Bearer", "expires_in": 3600 }))
        .into_response()
}

fn kind_of(kind: &str) -> Option<bool> {
    match kind {
        "Users" => Some(true),
        "Groups" => Some(false),
        _ => None,
    }
}

async fn list(
    State(store): State<Shared>,
    Path(kind): Path<String>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Response {
    if let Err(r) = admit(
        &store,
        "GET",
        format!("/{kind}"),
        q.clone(),
        &h,
        &Bytes::new(),
    ) {
        return *r;
    }
    let Some(users) = kind_of(&kind) else {
        return error(StatusCode::NOT_FOUND, "no such endpoint");
    };
    let params: BTreeMap<String, String> =
        url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let rt = if users { &USER } else { &GROUP };
    let filter = match params.get("filter").map(|f| f.parse::<scim::Filter>()) {
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
        None => None,
    };
    let s = store.lock().unwrap();
    let all = if users { &s.users } else { &s.groups };
    let found: Vec<Value> = all
        .values()
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(r, rt)))
        .cloned()
        .collect();
    scim(
        StatusCode::OK,
        json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": found.len(),
                "startIndex": 1, "itemsPerPage": found.len(), "Resources": found }),
    )
}

fn without_password(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("password");
    }
    v
}

async fn create(
    State(store): State<Shared>,
    Path(kind): Path<String>,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = admit(&store, "POST", format!("/{kind}"), None, &h, &body) {
        return *r;
    }
    let Some(users) = kind_of(&kind) else {
        return error(StatusCode::NOT_FOUND, "no such endpoint");
    };
    let mut v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut s = store.lock().unwrap();
    if users {
        let name = v["userName"].as_str().unwrap_or_default().to_lowercase();
        if s.users
            .values()
            .any(|u| u["userName"].as_str().unwrap_or_default().to_lowercase() == name)
        {
            return error(StatusCode::CONFLICT, "userName already exists");
        }
    }
    s.next_id += 1;
    let id = format!(
        "scim-{}-{}",
        if users { "user" } else { "group" },
        s.next_id
    );
    v["id"] = json!(id);
    v["meta"] = json!({ "resourceType": if users { "User" } else { "Group" } });
    let v = without_password(v);
    if users {
        s.users.insert(id, v.clone());
    } else {
        s.groups.insert(id, v.clone());
    }
    scim(StatusCode::CREATED, v)
}

async fn read(
    State(store): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    h: HeaderMap,
) -> Response {
    if let Err(r) = admit(
        &store,
        "GET",
        format!("/{kind}/{id}"),
        None,
        &h,
        &Bytes::new(),
    ) {
        return *r;
    }
    let s = store.lock().unwrap();
    let found = match kind_of(&kind) {
        Some(true) => s.users.get(&id),
        Some(false) => s.groups.get(&id),
        None => None,
    };
    match found {
        Some(v) => scim(StatusCode::OK, v.clone()),
        None => error(StatusCode::NOT_FOUND, "not found"),
    }
}

async fn replace(
    State(store): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = admit(&store, "PUT", format!("/{kind}/{id}"), None, &h, &body) {
        return *r;
    }
    let mut v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if v.get("id").is_some_and(|i| *i != json!(id)) {
        return error(StatusCode::BAD_REQUEST, "id mismatch");
    }
    v["id"] = json!(id);
    let v = without_password(v);
    let mut s = store.lock().unwrap();
    let map = if kind == "Users" {
        &mut s.users
    } else {
        &mut s.groups
    };
    if !map.contains_key(&id) {
        return error(StatusCode::NOT_FOUND, "not found");
    }
    map.insert(id, v.clone());
    scim(StatusCode::OK, v)
}

async fn patch(
    State(store): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = admit(&store, "PATCH", format!("/{kind}/{id}"), None, &h, &body) {
        return *r;
    }
    let request = match PatchRequest::parse(serde_json::from_slice(&body).unwrap_or(Value::Null)) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let mut s = store.lock().unwrap();
    let (map, rt) = if kind == "Users" {
        (&mut s.users, &USER)
    } else {
        (&mut s.groups, &GROUP)
    };
    let Some(resource) = map.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "not found");
    };
    match apply_patch(resource, &request, rt) {
        Ok(_) => scim(StatusCode::OK, resource.clone()),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

async fn remove(
    State(store): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    h: HeaderMap,
) -> Response {
    if let Err(r) = admit(
        &store,
        "DELETE",
        format!("/{kind}/{id}"),
        None,
        &h,
        &Bytes::new(),
    ) {
        return *r;
    }
    let mut s = store.lock().unwrap();
    let removed = if kind == "Users" {
        s.users.remove(&id)
    } else {
        s.groups.remove(&id)
    };
    match removed {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => error(StatusCode::NOT_FOUND, "not found"),
    }
}
