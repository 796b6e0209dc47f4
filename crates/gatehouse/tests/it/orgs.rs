//! `/api/v1/orgs` end to end.

use axum::http::{Method, StatusCode};
use serde_json::json;
use store::Backend;

use crate::helpers::{TestApp, error_code};

async fn org_crud(backend: Backend) {
    let app = TestApp::new(backend).await;
    let created = app.post("/api/v1/orgs", json!({ "name": "Acme" })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("org_"));
    assert_eq!(created.body["name"], "Acme");
    assert!(created.body["created_at"].as_str().unwrap().ends_with('Z'));

    let got = app.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["id"], id.as_str());

    let list = app.get("/api/v1/orgs").await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    assert!(list.body["next_cursor"].is_null());

    let renamed = app
        .call(
            Method::PATCH,
            &format!("/api/v1/orgs/{id}"),
            Some(&app.root_token),
            Some(json!({ "name": "Acme Inc" })),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["name"], "Acme Inc");

    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/v1/orgs/{id}"),
            Some(&app.root_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = app.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&gone), "not_found");
}

async fn org_list_pages_with_a_cursor(backend: Backend) {
    let app = TestApp::new(backend).await;
    for i in 0..5 {
        app.create_org(&format!("o{i}")).await;
    }
    let first = app.get("/api/v1/orgs?limit=2").await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/orgs?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second.body["data"].as_array().unwrap().len(), 2);
    assert_ne!(first.body["data"][0]["id"], second.body["data"][0]["id"]);
    let bad = app.get("/api/v1/orgs?cursor=nope").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad), "invalid_cursor");
    let bad_limit = app.get("/api/v1/orgs?limit=lots").await;
    assert_eq!(bad_limit.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad_limit), "invalid_query");
}

async fn org_names_are_validated(backend: Backend) {
    let app = TestApp::new(backend).await;
    for body in [
        json!({ "name": "" }),
        json!({ "name": "   " }),
        json!({ "name": "x".repeat(201) }),
    ] {
        let res = app.post("/api/v1/orgs", body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_code(&res), "validation_failed");
    }
    let wrong_type = app.post("/api/v1/orgs", json!({ "name": 42 })).await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_field = app
        .post("/api/v1/orgs", json!({ "name": "a", "plan": "gold" }))
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.get("/api/v1/orgs").await.body["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn viewers_read_but_cannot_change(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("A").await;
    let viewer = app.token(Some(&org), "viewer").await;
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/orgs/{org}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let rename = app
        .call(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}"),
            Some(&viewer),
            Some(json!({ "name": "B" })),
        )
        .await;
    assert_eq!(rename.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&rename), "forbidden");
    let delete = app
        .call(
            Method::DELETE,
            &format!("/api/v1/orgs/{org}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    let create = app
        .call(
            Method::POST,
            "/api/v1/orgs",
            Some(&viewer),
            Some(json!({ "name": "C" })),
        )
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/api/v1/orgs/{org}")).await.body["name"],
        "A"
    );
}

async fn revoked_tokens_get_401(backend: Backend) {
    let app = TestApp::new(backend).await;
    let created = app
        .post(
            "/api/v1/admin-tokens",
            json!({ "name": "ci", "role": "admin" }),
        )
        .await;
    let token = created.body["token"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call(Method::GET, "/api/v1/orgs", Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    let revoked = app
        .call(
            Method::DELETE,
            &format!("/api/v1/admin-tokens/{id}"),
            Some(&app.root_token),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let after = app
        .call(Method::GET, "/api/v1/orgs", Some(&token), None)
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&after), "unauthorized");
}

store::both_backends!(
    org_crud,
    org_list_pages_with_a_cursor,
    org_names_are_validated,
    viewers_read_but_cannot_change,
    revoked_tokens_get_401,
);
