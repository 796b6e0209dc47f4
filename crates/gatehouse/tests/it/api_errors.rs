//! Every failure the admin API can produce comes in the contract's error shape with the right
//! status — never HTML, never an empty body.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use store::Backend;

use crate::helpers::{TestApp, error_code};

async fn authentication_failures_are_401(backend: Backend) {
    let app = TestApp::new(backend).await;
    for token in [None, Some("nope"), Some("gha_0123.abc"), Some("")] {
        let res = app.call(Method::GET, "/api/v1/orgs", token, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(error_code(&res), "unauthorized");
        assert!(res.headers.get("www-authenticate").is_some());
    }
    let basic = app
        .send(
            Request::get("/api/v1/orgs")
                .header("authorization", "Basic dXNlcjpwYXNz")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

async fn malformed_bodies_are_400_415_422(backend: Backend) {
    let app = TestApp::new(backend).await;
    let auth = format!("Bearer {}", app.root_token);
    let syntax = app
        .send(
            Request::post("/api/v1/orgs")
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .body(Body::from("{\"name\":"))
                .unwrap(),
        )
        .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&syntax), "invalid_json");

    let no_type = app
        .send(
            Request::post("/api/v1/orgs")
                .header("authorization", &auth)
                .body(Body::from("{\"name\":\"a\"}"))
                .unwrap(),
        )
        .await;
    assert_eq!(no_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(&no_type), "unsupported_media_type");

    let shape = app.post("/api/v1/orgs", json!("not an object")).await;
    assert_eq!(shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&shape), "validation_failed");

    let huge = "x".repeat(3 * 1024 * 1024);
    let too_big = app
        .send(
            Request::post("/api/v1/orgs")
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .body(Body::from(format!("{{\"name\":\"{huge}\"}}")))
                .unwrap(),
        )
        .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&too_big), "payload_too_large");
}

async fn unknown_routes_and_methods(backend: Backend) {
    let app = TestApp::new(backend).await;
    let missing = app.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&missing), "not_found");
    let wrong_method = app
        .call(Method::PUT, "/api/v1/orgs", Some(&app.root_token), None)
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&wrong_method), "method_not_allowed");
    let malformed_id = app.get("/api/v1/orgs/not-an-id").await;
    assert_eq!(malformed_id.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&malformed_id), "not_found");
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ok = app.get("/api/v1/orgs").await;
    let failed = app.get("/api/v1/missing").await;
    for res in [&ok, &failed] {
        let id = res.headers.get("x-request-id").unwrap().to_str().unwrap();
        assert_eq!(id.len(), 36, "a UUID: {id}");
    }
    assert_ne!(
        ok.headers.get("x-request-id"),
        failed.headers.get("x-request-id")
    );
    let given = app
        .send(
            Request::get("/healthz")
                .header("x-request-id", "trace-me-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(given.headers.get("x-request-id").unwrap(), "trace-me-123");
}

async fn audit_entries_carry_the_request_id(backend: Backend) {
    let app = TestApp::new(backend).await;
    let created = app.post("/api/v1/orgs", json!({ "name": "A" })).await;
    let request_id = created
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let audit = app.get("/api/v1/audit").await;
    let entry = audit.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "org.created")
        .unwrap()
        .clone();
    assert_eq!(entry["request_id"], request_id.as_str());
    assert_eq!(entry["actor"]["kind"], "admin_token");
    assert_eq!(entry["outcome"], "success");
}

store::both_backends!(
    authentication_failures_are_401,
    malformed_bodies_are_400_415_422,
    unknown_routes_and_methods,
    every_response_carries_a_request_id,
    audit_entries_carry_the_request_id,
);
