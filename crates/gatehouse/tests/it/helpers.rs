//! A test application: a fresh store, the real router, a root token, and a small client.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use gatehouse::server::app;
use gatehouse::state::AppState;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use store::Backend;
use store::testing::{TestStore, fresh};
use tower::ServiceExt;

pub(crate) struct TestApp {
    pub(crate) db: Arc<TestStore>,
    pub(crate) router: Router,
    pub(crate) root_token: String,
    /// The state behind `router` (for starting background loops such as the sync runner).
    pub(crate) state: AppState,
}

/// The public URL the test servers are configured with.
pub(crate) const PUBLIC_URL: &str = "http://gatehouse.test";

pub(crate) struct TestResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl TestApp {
    pub(crate) async fn new(backend: Backend) -> Self {
        let db = fresh(backend).await;
        let minted = db.bootstrap_admin_token().await.unwrap().unwrap();
        let state = AppState::new(db.store.clone(), PUBLIC_URL);
        Self {
            db: Arc::new(db),
            router: app(state.clone()),
            root_token: minted.token.expose().to_owned(),
            state,
        }
    }

    /// A second server on the same database, with caches of its own (as another replica
    /// behind a load balancer has).
    pub(crate) fn replica(&self) -> Self {
        let state = AppState::new(self.db.store.clone(), PUBLIC_URL);
        Self {
            db: self.db.clone(),
            router: app(state.clone()),
            root_token: self.root_token.clone(),
            state,
        }
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            body,
            text,
        }
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    pub(crate) async fn get(&self, path: &str) -> TestResponse {
        self.call(Method::GET, path, Some(&self.root_token), None)
            .await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.call(Method::POST, path, Some(&self.root_token), Some(body))
            .await
    }

    pub(crate) async fn create_org(&self, name: &str) -> String {
        let res = self.post("/api/v1/orgs", json!({ "name": name })).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        res.body["id"].as_str().unwrap().to_owned()
    }

    /// Mints a token through the API (so the API path is exercised too).
    pub(crate) async fn token(&self, org: Option<&str>, role: &str) -> String {
        let res = self
            .post(
                "/api/v1/admin-tokens",
                json!({ "name": "t", "org_id": org, "role": role }),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        res.body["token"].as_str().unwrap().to_owned()
    }
}

/// Asserts the contract's error shape and returns the code.
pub(crate) fn error_code(res: &TestResponse) -> &str {
    let error = &res.body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {}",
        res.text
    );
    assert!(
        error["details"].is_array(),
        "no details array: {}",
        res.text
    );
    error["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not the error shape: {}", res.text))
}
