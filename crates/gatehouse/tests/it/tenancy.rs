//! No tenant can reach another's data: every org-scoped route in the OpenAPI document is tried
//! with tokens of another org (each role) and must answer 404 or 403 — never success, never
//! data. New routes are covered automatically; a route with a path parameter this test does
//! not know fails it until a fixture is added below.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use store::Backend;

use crate::helpers::{TestApp, error_code};

/// Substitutes each `{param}` of `template` from the victim org's fixtures.
fn fill(template: &str, victim_org: &str, victim_dir: &str) -> String {
    let mut path = template.to_owned();
    while let Some(start) = path.find('{') {
        let end = path[start..].find('}').unwrap() + start;
        let value = match &path[start + 1..end] {
            "org" => victim_org.to_owned(),
            "connection" => "conn_0190aaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_owned(),
            "dir" => victim_dir.to_owned(),
            "group" => "grp_0190000000000000000000000000000".to_owned(),
            "id" => "syn_0190000000000000000000000000000".to_owned(),
            other => {
                panic!("no tenancy fixture for path parameter {{{other}}} in {template}: add one")
            }
        };
        path.replace_range(start..=end, &value);
    }
    path
}

fn operations(openapi: &Value) -> Vec<(Method, String)> {
    let mut out = Vec::new();
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            out.push((method, path.clone()));
        }
    }
    out
}

async fn org_routes_refuse_other_orgs_tokens(backend: Backend) {
    let app = TestApp::new(backend).await;
    let attacker_org = app.create_org("attacker").await;
    let victim_org = app.create_org("victim").await;
    let victim_dir = crate::scim::scim_directory(&app, Some(&victim_org))
        .await
        .id;
    let openapi = app.get("/api/v1/openapi.json").await.body;
    let scoped: Vec<_> = operations(&openapi)
        .into_iter()
        .filter(|(_, p)| p.contains("{org}") || p.contains("{dir}"))
        .collect();
    assert!(scoped.len() >= 3, "the org routes are in the document");

    for role in ["owner", "admin", "viewer"] {
        let token = app.token(Some(&attacker_org), role).await;
        for (method, template) in &scoped {
            let path = fill(template, &victim_org, &victim_dir);
            let body =
                matches!(*method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
            let res = app.call(method.clone(), &path, Some(&token), body).await;
            assert!(
                matches!(res.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                "{role} token of another org got {} for {method} {path}: {}",
                res.status,
                res.text
            );
            error_code(&res);
        }
    }
    // The victim org is untouched.
    let victim = app.get(&format!("/api/v1/orgs/{victim_org}")).await;
    assert_eq!(victim.status, StatusCode::OK);
    assert_eq!(victim.body["name"], "victim");
}

async fn feeds_refuse_other_orgs(backend: Backend) {
    let app = TestApp::new(backend).await;
    let attacker_org = app.create_org("attacker").await;
    let victim_org = app.create_org("victim").await;
    let token = app.token(Some(&attacker_org), "owner").await;
    for feed in ["events", "audit"] {
        let res = app
            .call(
                Method::GET,
                &format!("/api/v1/{feed}?org={victim_org}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{feed}: {}", res.text);
        let own = app
            .call(Method::GET, &format!("/api/v1/{feed}"), Some(&token), None)
            .await;
        assert_eq!(own.status, StatusCode::OK);
        for entry in own.body["data"].as_array().unwrap() {
            assert_eq!(
                entry["org_id"],
                attacker_org.as_str(),
                "{feed} leaked {entry}"
            );
        }
    }
    let listed = app
        .call(Method::GET, "/api/v1/orgs", Some(&token), None)
        .await;
    let ids: Vec<_> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(attacker_org)]);
}

async fn org_tokens_cannot_mint_beyond_their_org(backend: Backend) {
    let app = TestApp::new(backend).await;
    let a = app.create_org("a").await;
    let b = app.create_org("b").await;
    let a_owner = app.token(Some(&a), "owner").await;
    let foreign = app
        .call(
            Method::POST,
            "/api/v1/admin-tokens",
            Some(&a_owner),
            Some(json!({ "name": "x", "org_id": b, "role": "owner" })),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let global = app
        .call(
            Method::POST,
            "/api/v1/admin-tokens",
            Some(&a_owner),
            Some(json!({ "name": "x", "role": "owner" })),
        )
        .await;
    assert_eq!(global.status, StatusCode::FORBIDDEN);
    error_code(&global);
}

store::both_backends!(
    org_routes_refuse_other_orgs_tokens,
    feeds_refuse_other_orgs,
    org_tokens_cannot_mint_beyond_their_org,
);
