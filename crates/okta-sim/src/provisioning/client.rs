//! The SCIM requests Okta's provisioning engine sends: Okta's headers, the app's
//! authentication (with OAuth token refresh), Okta's 429 back-off, the 60-second
//! timeout, and one task-log record per attempt.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde::Serialize;
use serde_json::{Value, json};

use super::config::{ClientAuthStyle, ProvisioningConfig, ScimAuth};
use crate::clock::{Clock, Millis, format_ms};

/// Okta's SCIM client user agent (§7.1).
pub const USER_AGENT: &str = "Okta SCIM Client 1.0.0";
/// Okta drops a SCIM request after 60 s.
pub const TIMEOUT: Duration = Duration::from_secs(60);
const SCIM_JSON: &str = "application/scim+json; charset=utf-8";

/// One SCIM request and what the SCIM app answered (`/provisioning/tasks`).
#[derive(Debug, Clone, Serialize)]
pub struct TaskRecord {
    /// Increasing id across all apps.
    pub id: u64,
    /// The app.
    pub app_id: String,
    /// What Okta was doing: `lookup_user`, `create_user`, `get_user`, `update_user`,
    /// `deactivate_user`, `reactivate_user`, `push_password`, `lookup_group`,
    /// `create_group`, `push_memberships`, `rename_group`, `delete_group`, `oauth_token`.
    pub task: String,
    /// The Okta user or group concerned.
    pub okta_id: Option<String>,
    /// 1 for the first try; more after 429s.
    pub attempt: u32,
    /// `SUCCESS`, `RETRY` (429, retried) or `FAILURE`.
    pub outcome: &'static str,
    /// When it was sent.
    pub at: String,
    /// Method, URL, headers (credentials masked) and JSON body.
    pub request: Value,
    /// Status, headers that matter, and body (JSON, or text) — absent when no
    /// answer came.
    pub response: Option<Value>,
    /// Transport failure or the reason for `FAILURE`.
    pub error: Option<String>,
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status.
    pub status: u16,
    /// Parsed JSON body (`Null` when empty or not JSON).
    pub body: Value,
}

/// Why a request failed for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Failure(pub String);

/// What a request is for, for the task log.
#[derive(Debug, Clone, Copy)]
pub struct Task<'a> {
    /// Task name.
    pub name: &'static str,
    /// Okta user or group id.
    pub okta_id: Option<&'a str>,
}

/// Which app's SCIM connector a request goes through.
#[derive(Debug, Clone, Copy)]
pub struct Conn<'a> {
    /// The simulator's clock (timestamps, token expiry, 429 waits).
    pub clock: &'a Clock,
    /// The app.
    pub app_id: &'a str,
    /// Its provisioning configuration.
    pub config: &'a ProvisioningConfig,
}

/// One attempt, as recorded.
struct Attempt<'a> {
    task: Task<'a>,
    number: u32,
    at: String,
    request: Value,
}

/// Sends SCIM requests for the provisioning engine and records every attempt.
#[derive(Debug)]
pub struct ScimClient {
    http: reqwest::Client,
    tokens: Mutex<std::collections::HashMap<String, (String, Millis)>>,
    log: Mutex<Vec<TaskRecord>>,
}

impl Default for ScimClient {
    fn default() -> Self {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .unwrap_or_default();
        Self {
            http,
            tokens: Mutex::default(),
            log: Mutex::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ScimClient {
    /// The records of one app with an id above `after`.
    pub fn tasks(&self, app_id: &str, after: u64) -> Vec<TaskRecord> {
        lock(&self.log)
            .iter()
            .filter(|t| t.app_id == app_id && t.id > after)
            .cloned()
            .collect()
    }

    /// Forgets an app's cached OAuth token (its configuration changed).
    pub fn forget_token(&self, app_id: &str) {
        lock(&self.tokens).remove(app_id);
    }

    /// Sends one SCIM request to `{scim_base_url}{path}`, with Okta's retries.
    pub async fn send(
        &self,
        conn: &Conn<'_>,
        task: Task<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, Failure> {
        let Conn {
            clock,
            app_id,
            config,
        } = *conn;
        let url = format!("{}{path}", config.scim_base_url.trim_end_matches('/'));
        let mut wait_factor = 1u64;
        let mut refreshed = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let auth = self.authorization(clock, app_id, config).await?;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .header(header::ACCEPT, "application/scim+json")
                .header(header::AUTHORIZATION, &auth);
            if let Some(b) = body {
                req = req
                    .header(header::CONTENT_TYPE, SCIM_JSON)
                    .body(serde_json::to_vec(b).unwrap_or_default());
            }
            let request = json!({
                "method": method.as_str(),
                "url": url,
                "headers": {
                    "accept": "application/scim+json",
                    "content-type": body.map(|_| SCIM_JSON),
                    "user-agent": USER_AGENT,
                    "authorization": mask(&auth),
                },
                "body": body,
            });
            let attempt_rec = Attempt {
                task,
                number: attempt,
                at: format_ms(clock.now()),
                request,
            };
            let sent = req.send().await;
            let resp = match sent {
                Ok(r) => r,
                Err(e) => {
                    let error = format!("request failed: {e}");
                    self.record(app_id, &attempt_rec, "FAILURE", None, Some(&error));
                    return Err(Failure(error));
                }
            };
            let status = resp.status();
            let retry_after = resp
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let content_type = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = resp.text().await.unwrap_or_default();
            let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let shown = if parsed.is_null() && !text.is_empty() {
                json!(text)
            } else {
                parsed.clone()
            };
            let response = json!({
                "status": status.as_u16(),
                "headers": { "content-type": content_type, "retry-after": retry_after },
                "body": shown,
            });
            if status == StatusCode::TOO_MANY_REQUESTS && attempt < config.retry.max_attempts {
                self.record(app_id, &attempt_rec, "RETRY", Some(response), None);
                let base = retry_after.unwrap_or(config.retry.default_wait_seconds);
                pause(clock, base.saturating_mul(wait_factor)).await;
                wait_factor = wait_factor.saturating_mul(2);
                continue;
            }
            if status == StatusCode::UNAUTHORIZED
                && matches!(config.auth, ScimAuth::Oauth { .. })
                && !refreshed
            {
                self.record(app_id, &attempt_rec, "RETRY", Some(response), None);
                self.forget_token(app_id);
                refreshed = true;
                continue;
            }
            if status.is_success() {
                self.record(app_id, &attempt_rec, "SUCCESS", Some(response), None);
                return Ok(Answer {
                    status: status.as_u16(),
                    body: parsed,
                });
            }
            let detail = parsed
                .get("detail")
                .and_then(Value::as_str)
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let error = format!("the SCIM app answered {}{detail}", status.as_u16());
            self.record(
                app_id,
                &attempt_rec,
                "FAILURE",
                Some(response),
                Some(&error),
            );
            return Err(Failure(error));
        }
    }

    fn record(
        &self,
        app_id: &str,
        a: &Attempt<'_>,
        outcome: &'static str,
        response: Option<Value>,
        error: Option<&str>,
    ) {
        let mut log = lock(&self.log);
        let id = log.last().map_or(1, |t| t.id + 1);
        log.push(TaskRecord {
            id,
            app_id: app_id.to_owned(),
            task: a.task.name.to_owned(),
            okta_id: a.task.okta_id.map(str::to_owned),
            attempt: a.number,
            outcome,
            at: a.at.clone(),
            request: a.request.clone(),
            response,
            error: error.map(str::to_owned),
        });
    }

    /// The `Authorization` header value for the app's auth mode.
    async fn authorization(
        &self,
        clock: &Clock,
        app_id: &str,
        config: &ProvisioningConfig,
    ) -> Result<String, Failure> {
        use base64::Engine as _;
        match &config.auth {
            ScimAuth::Bearer { token } => Ok(format!("Bearer {token}")),
            ScimAuth::Header { token } => Ok(token.clone()),
            ScimAuth::Basic { username, password } => Ok(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            ScimAuth::Oauth {
                token_url,
                client_id,
                client_secret,
                client_auth,
            } => {
                let now = clock.now();
                if let Some((t, exp)) = lock(&self.tokens).get(app_id)
                    && *exp > now
                {
                    return Ok(format!("Bearer {t}"));
                }
                let (token, ttl) = self
                    .fetch_token(
                        clock,
                        app_id,
                        token_url,
                        client_id,
                        client_secret,
                        *client_auth,
                    )
                    .await?;
                lock(&self.tokens).insert(app_id.to_owned(), (token.clone(), now + ttl * 1000));
                Ok(format!("Bearer {token}"))
            }
        }
    }

    /// A client-credentials token request; returns the token and its lifetime (s).
    async fn fetch_token(
        &self,
        clock: &Clock,
        app_id: &str,
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        style: ClientAuthStyle,
    ) -> Result<(String, i64), Failure> {
        let mut form = vec![("grant_type", "client_credentials")];
        if style == ClientAuthStyle::Post {
            form.push(("client_id", client_id));
            form.push(("client_secret", client_secret));
        }
        let mut req = self.http.post(token_url).form(&form);
        if style == ClientAuthStyle::Basic {
            req = req.basic_auth(client_id, Some(client_secret));
        }
        let request = json!({ "method": "POST", "url": token_url,
            "headers": { "content-type": "application/x-www-form-urlencoded",
                         "authorization": if style == ClientAuthStyle::Basic { "Basic ********" } else { "" } },
            "body": { "grant_type": "client_credentials" } });
        let attempt = Attempt {
            task: Task {
                name: "oauth_token",
                okta_id: None,
            },
            number: 1,
            at: format_ms(clock.now()),
            request,
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let error = format!("token request failed: {e}");
                self.record(app_id, &attempt, "FAILURE", None, Some(&error));
                return Err(Failure(error));
            }
        };
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let response = json!({ "status": status.as_u16(), "body": mask_token(&body) });
        match token {
            Some(t) if status.is_success() => {
                self.record(app_id, &attempt, "SUCCESS", Some(response), None);
                let ttl = body
                    .get("expires_in")
                    .and_then(Value::as_i64)
                    .unwrap_or(3600);
                Ok((t, ttl))
            }
            _ => {
                let error = format!("the token endpoint answered {}", status.as_u16());
                self.record(app_id, &attempt, "FAILURE", Some(response), Some(&error));
                Err(Failure(error))
            }
        }
    }
}

/// `Bearer abcd…` keeps the scheme and four characters.
fn mask(auth: &str) -> String {
    let (scheme, secret) = match auth.split_once(' ') {
        Some((s, t)) => (format!("{s} "), t),
        None => (String::new(), auth),
    };
    let shown: String = secret.chars().take(4).collect();
    format!("{scheme}{shown}********")
}

fn mask_token(body: &Value) -> Value {
    let mut b = body.clone();
    if let Some(o) = b.as_object_mut()
        && o.contains_key("access_token")
    {
        o.insert("access_token".into(), json!("********"));
    }
    b
}

/// Waits `seconds`: on a simulated clock by moving it (tests never sleep), otherwise
/// for real.
async fn pause(clock: &Clock, seconds: u64) {
    let ms = seconds.saturating_mul(1000);
    if clock.is_simulated() {
        clock.advance(i64::try_from(ms).unwrap_or(i64::MAX));
    } else {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}
