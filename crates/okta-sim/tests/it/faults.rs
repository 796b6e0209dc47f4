use serde_json::{Value, json};

use crate::common::{Org, error_code};

#[tokio::test]
async fn status_faults_fire_count_times() {
    let org = Org::small().await;
    let r = org
        .post(
            "/sim/v1/faults",
            json!({ "path_prefix": "/api/v1/users", "kind": "status", "status": 503, "count": 2 }),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        error_code(org.get("/api/v1/users").await).await,
        (503, "E0000010".into())
    );
    assert_eq!(
        org.get("/api/v1/groups").await.status(),
        200,
        "other paths unaffected"
    );
    assert_eq!(org.get("/api/v1/users").await.status(), 503);
    assert_eq!(org.get("/api/v1/users").await.status(), 200);
    org.post(
        "/sim/v1/faults",
        json!({ "path_prefix": "/api/v1/groups", "kind": "status", "method": "POST" }),
    )
    .await;
    assert_eq!(
        org.get("/api/v1/groups").await.status(),
        200,
        "method filter"
    );
    assert_eq!(
        org.post("/api/v1/groups", json!({ "profile": { "name": "F" } }))
            .await
            .status(),
        500
    );
    assert_eq!(
        org.get_json("/sim/v1/faults")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(org.delete("/sim/v1/faults").await.status(), 204);
    assert_eq!(
        org.post("/api/v1/groups", json!({ "profile": { "name": "F" } }))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn rate_limit_storm_drop_and_corrupt_page() {
    let org = Org::small().await;
    org.post(
        "/sim/v1/faults",
        json!({ "path_prefix": "/api/v1/users", "kind": "rate_limit", "count": 3 }),
    )
    .await;
    for _ in 0..3 {
        let r = org.get("/api/v1/users").await;
        assert!(r.headers().contains_key("x-rate-limit-reset"));
        assert_eq!(error_code(r).await, (429, "E0000047".into()));
    }
    assert_eq!(org.get("/api/v1/users").await.status(), 200);
    org.post(
        "/sim/v1/faults",
        json!({ "path_prefix": "/api/v1/users", "kind": "drop", "count": 1 }),
    )
    .await;
    let dropped = org.req(reqwest::Method::GET, "/api/v1/users").send().await;
    let failed = match dropped {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(failed, "a dropped connection is an error for the client");
    assert_eq!(org.get("/api/v1/users").await.status(), 200);
    org.post(
        "/sim/v1/faults",
        json!({ "path_prefix": "/api/v1/users", "kind": "corrupt", "count": 1 }),
    )
    .await;
    let r = org.get("/api/v1/users?limit=5").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "the page is not valid JSON"
    );
    org.post(
        "/sim/v1/faults",
        json!({ "path_prefix": "/api/v1/org", "kind": "latency", "ms": 20, "count": 1 }),
    )
    .await;
    assert_eq!(org.get("/api/v1/org").await.status(), 200);
    let bad = org
        .post(
            "/sim/v1/faults",
            json!({ "path_prefix": "/x", "kind": "meteor" }),
        )
        .await;
    assert_eq!(bad.status(), 400);
}
