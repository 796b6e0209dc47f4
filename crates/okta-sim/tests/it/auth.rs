use reqwest::Method;
use serde_json::json;

use crate::common::{Org, error_code};

#[tokio::test]
async fn ssws_failures() {
    let org = Org::small().await;
    let none = org.http.get(org.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(error_code(none).await, (403, "E0000005".into()));
    let malformed = org
        .http
        .get(org.url("/api/v1/users"))
        .header("Authorization", org.sim.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(malformed).await, (403, "E0000005".into()));
    let bad = org
        .with_token(Method::GET, "/api/v1/users", "00notARealToken")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(bad).await, (401, "E0000011".into()));
    let bearer = org
        .http
        .get(org.url("/api/v1/users"))
        .header("Authorization", "Bearer not.a.jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
    assert!(
        bearer.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn read_only_admin_reads_but_cannot_write() {
    let org = Org::small().await;
    let ro = org.sim.readonly_token().to_owned();
    let r = org
        .with_token(Method::GET, "/api/v1/users?limit=1", &ro)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let w = org
        .with_token(Method::POST, "/api/v1/groups", &ro)
        .json(&json!({ "profile": { "name": "Nope" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(w).await, (403, "E0000006".into()));
    let sim = org
        .with_token(Method::GET, "/sim/v1/counts", &ro)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(sim).await, (403, "E0000006".into()));
    let me = org
        .with_token(Method::GET, "/api/v1/users/me", &ro)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap()["profile"]["login"],
        "readonly.admin@example.com"
    );
}

#[tokio::test]
async fn tokens_expire_after_thirty_idle_days_and_can_be_revoked() {
    let org = Org::small().await;
    let minted: serde_json::Value = org
        .post("/sim/v1/tokens", json!({ "role": "SUPER_ADMIN" }))
        .await
        .json()
        .await
        .unwrap();
    let token = minted["token"].as_str().unwrap().to_owned();
    let other: serde_json::Value = org
        .post("/sim/v1/tokens", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let other = other["token"].as_str().unwrap().to_owned();
    assert_eq!(
        org.with_token(Method::GET, "/api/v1/org", &token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    org.sim.advance_time(29 * 86_400_000);
    assert_eq!(
        org.with_token(Method::GET, "/api/v1/org", &token)
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "use slides the window"
    );
    org.sim.advance_time(29 * 86_400_000);
    assert_eq!(
        org.with_token(Method::GET, "/api/v1/org", &token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    org.sim.advance_time(31 * 86_400_000);
    let expired = org
        .with_token(Method::GET, "/api/v1/org", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(expired).await, (401, "E0000011".into()));
    assert_eq!(
        org.with_token(Method::DELETE, "/api/v1/api-tokens/current", &other)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let revoked = org
        .with_token(Method::GET, "/api/v1/org", &other)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(revoked).await, (401, "E0000011".into()));
}

#[tokio::test]
async fn responses_carry_request_ids_and_unknown_routes_404() {
    let org = Org::small().await;
    let r = org.get("/api/v1/users?limit=1").await;
    assert!(r.headers().contains_key("x-okta-request-id"));
    assert_eq!(error_code(org.get("/api/v1/nothing").await).await.0, 404);
    let wrong_method = org
        .req(Method::PATCH, "/api/v1/users")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(wrong_method).await, (405, "E0000022".into()));
}
