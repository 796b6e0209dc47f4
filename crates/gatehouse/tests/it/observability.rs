//! Health, readiness, metrics and the OpenAPI document.

use axum::http::StatusCode;
use store::Backend;

use crate::helpers::TestApp;

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::new(backend).await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.db.close().await;
    let down = app.get("/readyz").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.body["error"]["code"], "database_unavailable");
}

async fn metrics_count_requests_by_route_template(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("A").await;
    app.get(&format!("/api/v1/orgs/{org}")).await;
    app.get("/api/v1/orgs/org_doesnotexist").await;
    let metrics = app.get("/metrics").await.text;
    assert!(
        metrics.contains(r#"gatehouse_http_requests_total{method="GET",route="/api/v1/orgs/{org}",status="200"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"route="/api/v1/orgs/{org}",status="404"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("gatehouse_http_request_duration_seconds_bucket"));
    assert!(!metrics.contains(&org), "ids never become labels");
}

async fn openapi_documents_the_admin_api(backend: Backend) {
    let app = TestApp::new(backend).await;
    let doc = app.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc.body["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/orgs", &["get", "post"][..]),
        ("/api/v1/orgs/{org}", &["get", "patch", "delete"][..]),
        ("/api/v1/events", &["get"][..]),
        ("/api/v1/audit", &["get"][..]),
    ] {
        for method in methods {
            assert!(
                paths[path].get(*method).is_some(),
                "{method} {path} missing"
            );
        }
    }
    assert!(doc.body["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc.body["components"]["securitySchemes"]["admin_token"].is_object());
}

store::both_backends!(
    health_and_readiness,
    metrics_count_requests_by_route_template,
    openapi_documents_the_admin_api,
);
