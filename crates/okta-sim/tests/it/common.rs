//! Shared fixtures: start a simulator, call it, walk `Link` pagination.

use okta_sim::{SimConfig, SimHandle};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{Value, json};

pub(crate) struct Org {
    pub(crate) sim: SimHandle,
    pub(crate) http: Client,
}

impl Org {
    pub(crate) async fn start(config: SimConfig) -> Self {
        let sim = okta_sim::spawn(config).await.expect("simulator starts");
        let http = Client::builder().build().unwrap();
        Self { sim, http }
    }

    pub(crate) async fn small() -> Self {
        Self::start(SimConfig {
            users: 40,
            groups: 6,
            apps: 3,
            ..Default::default()
        })
        .await
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url(), path)
    }

    pub(crate) fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.with_token(method, path, self.sim.admin_token())
    }

    pub(crate) fn with_token(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.url(path)
        };
        self.http
            .request(method, url)
            .header("Authorization", format!("SSWS {token}"))
            .header("Accept", "application/json")
    }

    pub(crate) async fn get(&self, path: &str) -> Response {
        self.req(Method::GET, path).send().await.unwrap()
    }

    pub(crate) async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Response {
        self.req(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn put(&self, path: &str, body: Value) -> Response {
        self.req(Method::PUT, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn delete(&self, path: &str) -> Response {
        self.req(Method::DELETE, path).send().await.unwrap()
    }

    /// POST without a body (lifecycle calls), with `Content-Length: 0`.
    pub(crate) async fn post_empty(&self, path: &str) -> Response {
        self.req(Method::POST, path)
            .header("Content-Length", "0")
            .send()
            .await
            .unwrap()
    }

    /// Creates a user and returns it.
    pub(crate) async fn create_user(&self, login: &str, query: &str, password: bool) -> Value {
        let mut body = json!({ "profile": { "firstName": "Test", "lastName": "User", "email": login, "login": login } });
        if password {
            body["credentials"] = json!({ "password": { "value": "Correct-h0rse-battery!" } });
        }
        let r = self.post(&format!("/api/v1/users{query}"), body).await;
        assert_eq!(r.status(), 200, "create {login}");
        r.json().await.unwrap()
    }

    /// Follows `rel="next"` from `path` until it is absent; returns every item.
    pub(crate) async fn walk(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next = Some(self.url(path));
        while let Some(url) = next {
            let r = self.get(&url).await;
            assert_eq!(r.status(), 200, "GET {url}");
            next = next_link(&r);
            let page: Vec<Value> = r.json().await.unwrap();
            out.extend(page);
        }
        out
    }
}

/// The `rel="next"` URL of a response, from any of its `Link` headers.
pub(crate) fn next_link(r: &Response) -> Option<String> {
    link(r, "next")
}

pub(crate) fn link(r: &Response, rel: &str) -> Option<String> {
    r.headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|l| {
            let (url, params) = l.split_once(';')?;
            params.contains(&format!("rel=\"{rel}\"")).then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
        })
}

pub(crate) async fn error_code(r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (
        status,
        body["errorCode"].as_str().unwrap_or_default().to_owned(),
    )
}

pub(crate) fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}
