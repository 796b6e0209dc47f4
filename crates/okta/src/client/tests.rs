use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Value, json};

use super::*;
use crate::auth::{DpopMode, ServiceApp};
use crate::domain::{DomainOptions, OrgUrl};
use crate::models::User;
use crate::secret::Secret;
use crate::transport::{HttpRequest, HttpResponse, MemoryTransport, TransportError};

fn org() -> OrgUrl {
    OrgUrl::parse("acme.okta.com", DomainOptions::default()).unwrap()
}

fn ssws_client(
    handler: impl Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync + 'static,
) -> (Client, MemoryTransport) {
    let transport = MemoryTransport::new(handler);
    let config = ClientConfig::new(org(), Credentials::ApiToken(Secret::new("00tok")));
    (
        Client::with_transport(config, Arc::new(transport.clone())).unwrap(),
        transport,
    )
}

fn user(id: &str) -> Value {
    json!({"id": id, "status": "ACTIVE", "profile": {"login": format!("{id}@example.com")}})
}

fn path_of(r: &HttpRequest) -> String {
    match r.url.query() {
        Some(q) => format!("{}?{q}", r.url.path()),
        None => r.url.path().to_owned(),
    }
}

fn okta_error(status: u16, code: &str, summary: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({"errorCode": code, "errorSummary": summary, "errorId": "oae1", "errorCauses": []}),
    )
}

#[tokio::test(start_paused = true)]
async fn pager_follows_only_link_next() {
    let (client, transport) = ssws_client(|r| {
        let link = |after: &str| {
            format!("<https://acme.okta.com/api/v1/users?after={after}&limit=2>; rel=\"next\"")
        };
        Ok(match r.url.query().unwrap_or_default() {
            "limit=2" => HttpResponse::json(200, &json!([user("00u1"), user("00u2")]))
                .with_header(
                    "link",
                    "<https://acme.okta.com/api/v1/users?limit=2>; rel=\"self\"",
                )
                .with_header("link", &link("opaqueA")),
            "after=opaqueA&limit=2" => HttpResponse::json(200, &json!([user("00u3")]))
                .with_header("link", &link("opaqueB")),
            // A short (even empty) page is not the end; only a missing `next` is.
            "after=opaqueB&limit=2" => HttpResponse::json(200, &json!([])),
            other => panic!("unexpected query {other}"),
        })
    });
    let mut pager = crate::api::Pager::<User>::resume(&client, "/api/v1/users?limit=2");
    let mut ids = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        ids.extend(page.items.into_iter().map(|u| u.id));
    }
    assert_eq!(ids, ["00u1", "00u2", "00u3"]);
    let paths: Vec<String> = transport.requests().iter().map(path_of).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/users?limit=2",
            "/api/v1/users?after=opaqueA&limit=2",
            "/api/v1/users?after=opaqueB&limit=2"
        ]
    );
    let auth = transport.requests()[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(auth, "SSWS 00tok");
    assert_eq!(client.stats().api_calls, 3);
}

#[tokio::test(start_paused = true)]
async fn rate_limited_call_waits_for_reset_and_succeeds() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (client, _) = ssws_client(move |_| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        let headers = |r: HttpResponse, remaining: &str| {
            r.with_header("x-rate-limit-limit", "600")
                .with_header("x-rate-limit-remaining", remaining)
                .with_header("x-rate-limit-reset", &(start + 20).to_string())
        };
        Ok(if n == 0 {
            headers(
                okta_error(
                    429,
                    "E0000047",
                    "API call exceeded rate limit due to too many requests.",
                ),
                "0",
            )
        } else {
            headers(HttpResponse::json(200, &user("00u1")), "599")
        })
    });
    let u = client.get_user("00u1").await.unwrap();
    assert_eq!(u.id, "00u1");
    let s = client.stats();
    assert_eq!((s.api_calls, s.rate_limited), (2, 1));
    assert!(s.rate_limit_waits >= 1 && s.rate_limit_wait_ms > 0, "{s:?}");
}

#[tokio::test(start_paused = true)]
async fn a_storm_of_429s_is_waited_out() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let (client, _) = ssws_client(move |_| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 60;
        Ok(if n < 6 {
            okta_error(429, "E0000047", "rate limited")
                .with_header("x-rate-limit-limit", "1")
                .with_header("x-rate-limit-remaining", "0")
                .with_header("x-rate-limit-reset", &reset.to_string())
        } else {
            HttpResponse::json(200, &user("00u1"))
        })
    });
    assert!(client.get_user("00u1").await.is_ok());
    let s = client.stats();
    assert_eq!((s.rate_limited, s.api_calls), (6, 7));
    assert!(s.rate_limit_waits >= 6);
}

#[tokio::test(start_paused = true)]
async fn persistent_429_gives_up_with_oktas_error() {
    let (client, transport) = ssws_client(|_| Ok(okta_error(429, "E0000047", "rate limited")));
    let err = client.get_user("00u1").await.unwrap_err();
    assert_eq!(err.okta().unwrap().error_code, "E0000047");
    assert_eq!(
        transport.requests().len(),
        11,
        "one try and ten rate-limit retries"
    );
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_for_reads_only() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let (client, transport) = ssws_client(move |r| {
        if r.method == Method::GET {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            return Ok(if n < 2 {
                HttpResponse::empty(503)
            } else {
                HttpResponse::json(200, &user("00u1"))
            });
        }
        Ok(okta_error(500, "E0000009", "Internal Server Error"))
    });
    assert!(client.get_user("00u1").await.is_ok());
    assert_eq!(client.stats().retries, 2);
    // A lifecycle POST that may have been processed is not repeated.
    let err = client.suspend_user("00u1").await.unwrap_err();
    assert_eq!(err.okta().unwrap().error_code, "E0000009");
    let posts = transport
        .requests()
        .iter()
        .filter(|r| r.method == Method::POST)
        .count();
    assert_eq!(posts, 1);
}

#[tokio::test(start_paused = true)]
async fn dropped_connections_retry_idempotent_calls_and_refused_connections_retry_all() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let (client, transport) = ssws_client(move |r| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        match (r.method.as_str(), n) {
            ("GET", 0) => Err(TransportError::Dropped {
                reason: "connection reset".into(),
            }),
            ("GET", _) => Ok(HttpResponse::json(200, &user("00u1"))),
            ("POST", n) if r.url.path().ends_with("/suspend") && n < 3 => {
                Err(TransportError::Dropped {
                    reason: "eof".into(),
                })
            }
            ("POST", _) if r.url.path().ends_with("/unsuspend") && n < 5 => {
                Err(TransportError::Connect {
                    host: "acme.okta.com".into(),
                    reason: "refused".into(),
                })
            }
            _ => Ok(HttpResponse::json(200, &json!({}))),
        }
    });
    assert!(client.get_user("00u1").await.is_ok());
    assert!(matches!(
        client.suspend_user("00u1").await,
        Err(Error::Transport(TransportError::Dropped { .. }))
    ));
    assert!(
        client.unsuspend_user("00u1").await.is_ok(),
        "a refused connection never reached Okta"
    );
    let unsuspends = transport
        .requests()
        .iter()
        .filter(|r| r.url.path().ends_with("/unsuspend"))
        .count();
    assert!(unsuspends >= 2);
}

#[tokio::test(start_paused = true)]
async fn corrupted_page_is_fetched_again() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let (client, _) = ssws_client(move |_| {
        Ok(if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            HttpResponse {
                status: http::StatusCode::OK,
                headers: HeaderMap::new(),
                body: b"[{\"id\": \"00u1\", \"sta".to_vec(),
            }
        } else {
            HttpResponse::json(200, &json!([user("00u1")]))
        })
    });
    let page = client
        .fetch_page::<User>("/api/v1/users?limit=200")
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_page_that_keeps_timing_out_is_asked_for_smaller() {
    let (client, transport) = ssws_client(|r| {
        let q = r.url.query().unwrap_or_default();
        Ok(if q.contains("limit=1000") || q.contains("limit=500") {
            okta_error(500, "E0000009", "Internal Server Error: query timed out")
        } else {
            HttpResponse::json(200, &json!([user("00u1")])).with_header(
                "link",
                "<https://acme.okta.com/api/v1/logs?after=c1&limit=250>; rel=\"next\"",
            )
        })
    });
    let page = client
        .fetch_page::<User>("/api/v1/logs?since=x&limit=1000")
        .await
        .unwrap();
    assert_eq!(
        page.next.as_deref(),
        Some("/api/v1/logs?after=c1&limit=250")
    );
    let last = transport.requests().last().map(path_of).unwrap();
    assert_eq!(last, "/api/v1/logs?since=x&limit=250");
    // Already at the floor: the error is returned.
    let (client, _) = ssws_client(|_| Ok(okta_error(500, "E0000009", "timeout")));
    assert!(
        client
            .fetch_page::<User>("/api/v1/users?limit=200")
            .await
            .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn actions_surface_oktas_error_code() {
    let (client, transport) = ssws_client(|r| {
        Ok(match (r.method.as_str(), r.url.path()) {
            ("POST", p) if p.ends_with("/lifecycle/suspend") => okta_error(
                400,
                "E0000001",
                "Api validation failed: Cannot suspend a user that is not active",
            ),
            ("POST", "/api/v1/groups/00gA/users") => HttpResponse::empty(404),
            ("PUT", _) => okta_error(
                403,
                "E0000006",
                "You do not have permission to perform the requested action",
            ),
            ("POST", "/api/v1/users/00u1") => HttpResponse::json(
                200,
                &json!({
                "id": "00u1", "status": "ACTIVE", "profile": {"login": "a@b.c", "byndidRegistered": true}}),
            ),
            _ => HttpResponse::empty(500),
        })
    });
    let e = client.suspend_user("00u1").await.unwrap_err();
    assert_eq!(e.code(), "okta_E0000001");
    assert_eq!(e.suggested_status(), 422);
    let e = client.add_group_member("00gA", "00u1").await.unwrap_err();
    assert_eq!((e.okta().unwrap().status, e.suggested_status()), (403, 403));
    let u = client
        .set_profile_attribute("00u1", "byndidRegistered", json!(true))
        .await
        .unwrap();
    assert_eq!(u.profile.extra["byndidRegistered"], json!(true));
    let post = transport
        .requests()
        .into_iter()
        .find(|r| r.url.path() == "/api/v1/users/00u1")
        .unwrap();
    let body: Value = serde_json::from_slice(post.body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"profile": {"byndidRegistered": true}}));
    // Bodiless lifecycle POSTs still send a (zero-length) body for Content-Length.
    let suspend = transport
        .requests()
        .into_iter()
        .find(|r| r.url.path().ends_with("/suspend"))
        .unwrap();
    assert_eq!(suspend.body.as_deref(), Some(&[][..]));
}

#[tokio::test(start_paused = true)]
async fn delete_deactivates_first_then_deletes() {
    let (client, transport) = ssws_client(|r| {
        Ok(match r.method.as_str() {
            "GET" => HttpResponse::json(200, &user("00u1")),
            "POST" => HttpResponse::json(200, &json!({})),
            _ => HttpResponse::empty(204),
        })
    });
    client.delete_user("00u1").await.unwrap();
    let calls: Vec<String> = transport
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, path_of(r)))
        .collect();
    assert_eq!(
        calls,
        [
            "GET /api/v1/users/00u1",
            "POST /api/v1/users/00u1/lifecycle/deactivate?sendEmail=false",
            "DELETE /api/v1/users/00u1?sendEmail=false",
        ]
    );
}

// ----- OAuth service app -----

struct TokenServer {
    dpop_required: bool,
    nonce: &'static str,
    issued: usize,
    expires_in: i64,
    reject_next_resource_with_401: bool,
}

fn jwt_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

fn service_client(server: Arc<Mutex<TokenServer>>, dpop: DpopMode) -> (Client, MemoryTransport) {
    let transport = MemoryTransport::new(move |r| {
        let mut s = server.lock().unwrap();
        if r.url.path() == "/oauth2/v1/token" {
            let form: Vec<(String, String)> =
                url::form_urlencoded::parse(r.body.as_deref().unwrap())
                    .into_owned()
                    .collect();
            let field = |k: &str| {
                form.iter()
                    .find(|(f, _)| f == k)
                    .map(|(_, v)| v.clone())
                    .unwrap()
            };
            assert_eq!(field("grant_type"), "client_credentials");
            let assertion = jwt_claims(&field("client_assertion"));
            assert_eq!(assertion["aud"], "https://acme.okta.com/oauth2/v1/token");
            let proof = r
                .headers
                .get("dpop")
                .map(|v| jwt_claims(v.to_str().unwrap()));
            if s.dpop_required {
                let Some(proof) = proof else {
                    return Ok(HttpResponse::json(
                        400,
                        &json!({"error": "invalid_dpop_proof", "error_description": "The DPoP proof JWT header is missing."}),
                    ));
                };
                assert_eq!(
                    (proof["htm"].as_str(), proof["htu"].as_str()),
                    (Some("POST"), Some("https://acme.okta.com/oauth2/v1/token"))
                );
                if proof.get("nonce").and_then(Value::as_str) != Some(s.nonce) {
                    return Ok(HttpResponse::json(400, &json!({"error": "use_dpop_nonce", "error_description": "Authorization server requires nonce in DPoP proof."}))
                        .with_header("dpop-nonce", s.nonce));
                }
            }
            s.issued += 1;
            let kind = if s.dpop_required { "DPoP" } else { "Bearer" };
            return Ok(HttpResponse::json(
                200,
                &json!({
                "token_type": kind, "expires_in": s.expires_in, "access_token": format!("at-{}", s.issued),
                "scope": field("scope")}),
            ));
        }
        if s.reject_next_resource_with_401 {
            s.reject_next_resource_with_401 = false;
            return Ok(HttpResponse::empty(401).with_header(
                "www-authenticate",
                "Bearer error=\"invalid_token\", error_description=\"The token is expired\"",
            ));
        }
        let auth = r.headers.get("authorization").unwrap().to_str().unwrap();
        if s.dpop_required {
            let token = auth.strip_prefix("DPoP ").expect("DPoP scheme");
            let proof = jwt_claims(r.headers.get("dpop").unwrap().to_str().unwrap());
            assert_eq!(proof["ath"], crate::auth::jwt::ath(token));
            assert_eq!(proof["htm"], r.method.as_str());
            assert_eq!(
                proof["htu"],
                format!("https://acme.okta.com{}", r.url.path())
            );
        } else {
            assert!(auth.starts_with("Bearer at-"));
        }
        Ok(HttpResponse::json(200, &user("00u1")))
    });
    let app = ServiceApp {
        client_id: "0oaSvc".into(),
        private_key_pem: Secret::new(
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/testdata/ec_pkcs8.pem"
            ))
            .unwrap(),
        ),
        key_id: Some("k1".into()),
        scopes: None,
        dpop,
    };
    let config = ClientConfig::new(org(), Credentials::ServiceApp(app));
    (
        Client::with_transport(config, Arc::new(transport.clone())).unwrap(),
        transport,
    )
}

#[tokio::test(start_paused = true)]
async fn access_token_is_cached_and_refreshed_before_expiry() {
    let server = Arc::new(Mutex::new(TokenServer {
        dpop_required: false,
        nonce: "",
        issued: 0,
        expires_in: 3600,
        reject_next_resource_with_401: false,
    }));
    let (client, _) = service_client(server.clone(), DpopMode::Auto);
    client.get_user("00u1").await.unwrap();
    client.get_user("00u1").await.unwrap();
    assert_eq!(server.lock().unwrap().issued, 1, "cached");
    tokio::time::advance(std::time::Duration::from_secs(50 * 60)).await;
    client.get_user("00u1").await.unwrap();
    assert_eq!(
        server.lock().unwrap().issued,
        1,
        "still fresh at 50 minutes"
    );
    tokio::time::advance(std::time::Duration::from_secs(6 * 60)).await;
    client.get_user("00u1").await.unwrap();
    assert_eq!(
        server.lock().unwrap().issued,
        2,
        "refreshed within five minutes of expiry"
    );
    // A token Okta stopped accepting early is replaced once.
    server.lock().unwrap().reject_next_resource_with_401 = true;
    client.get_user("00u1").await.unwrap();
    assert_eq!(server.lock().unwrap().issued, 3);
}

#[tokio::test(start_paused = true)]
async fn dpop_is_detected_and_the_nonce_round_trip_handled() {
    let server = Arc::new(Mutex::new(TokenServer {
        dpop_required: true,
        nonce: "srv-nonce-1",
        issued: 0,
        expires_in: 3600,
        reject_next_resource_with_401: false,
    }));
    let (client, transport) = service_client(server.clone(), DpopMode::Auto);
    client.get_user("00u1").await.unwrap();
    let token_calls: Vec<bool> = transport
        .requests()
        .iter()
        .filter(|r| r.url.path() == "/oauth2/v1/token")
        .map(|r| r.headers.contains_key("dpop"))
        .collect();
    // Plain try → invalid_dpop_proof; DPoP without nonce → use_dpop_nonce; with nonce → token.
    assert_eq!(token_calls, [false, true, true]);
    assert_eq!(server.lock().unwrap().issued, 1);
    // Later calls reuse the token with fresh proofs.
    client.get_user("00u1").await.unwrap();
    let proofs: Vec<String> = transport
        .requests()
        .iter()
        .filter(|r| r.url.path() == "/api/v1/users/00u1")
        .map(|r| {
            jwt_claims(r.headers.get("dpop").unwrap().to_str().unwrap())["jti"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(proofs.len(), 2);
    assert_ne!(proofs[0], proofs[1], "a fresh jti per request");
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_errors_are_surfaced() {
    let transport = MemoryTransport::new(|_| {
        Ok(HttpResponse::json(
            401,
            &json!({"error": "invalid_client", "error_description": "The client_assertion signature is invalid."}),
        ))
    });
    let app = ServiceApp {
        client_id: "0oaSvc".into(),
        private_key_pem: Secret::new(
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/testdata/rsa_pkcs1.pem"
            ))
            .unwrap(),
        ),
        key_id: None,
        scopes: Some(vec!["okta.users.read".into()]),
        dpop: DpopMode::Never,
    };
    let client = Client::with_transport(
        ClientConfig::new(org(), Credentials::ServiceApp(app)),
        Arc::new(transport),
    )
    .unwrap();
    let err = client.get_user("00u1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Token(e) if e.error_code == "invalid_client"),
        "{err}"
    );
    assert_eq!(err.suggested_status(), 502);
}

#[tokio::test(start_paused = true)]
async fn bad_private_key_fails_at_construction() {
    let app = ServiceApp {
        client_id: "0oaSvc".into(),
        private_key_pem: Secret::new("not a key"),
        key_id: None,
        scopes: None,
        dpop: DpopMode::Auto,
    };
    let transport = MemoryTransport::new(|_| Ok(HttpResponse::empty(500)));
    let err = Client::with_transport(
        ClientConfig::new(org(), Credentials::ServiceApp(app)),
        Arc::new(transport),
    )
    .unwrap_err();
    assert_eq!(err.code(), "okta_private_key_invalid");
}
