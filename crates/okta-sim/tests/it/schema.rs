use serde_json::{Value, json};

use crate::common::{Org, error_code};

#[tokio::test]
async fn custom_attribute_lifecycle() {
    let org = Org::small().await;
    let schema = org.get_json("/api/v1/meta/schemas/user/default").await;
    assert_eq!(
        schema["definitions"]["base"]["properties"]["login"]["required"],
        true
    );
    assert_eq!(schema["definitions"]["custom"]["properties"], json!({}));
    let u = org.create_user("custom@example.org", "", true).await;
    let uid = u["id"].as_str().unwrap();
    let before = org
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": { "byndidRegistered": true } }),
        )
        .await;
    assert_eq!(error_code(before).await, (400, "E0000001".into()));
    let add = json!({ "definitions": { "custom": { "id": "#custom", "type": "object", "properties": {
        "byndidRegistered": { "title": "BYND ID registered", "description": "Set by the connector", "type": "boolean", "required": false,
                              "permissions": [ { "principal": "SELF", "action": "READ_ONLY" } ] } }, "required": [] } } });
    let r = org.post("/api/v1/meta/schemas/user/default", add).await;
    assert_eq!(r.status(), 200);
    let schema: Value = r.json().await.unwrap();
    assert_eq!(
        schema["definitions"]["custom"]["properties"]["byndidRegistered"]["type"],
        "boolean"
    );
    let by_id = schema["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        org.get_json(&format!("/api/v1/meta/schemas/user/{by_id}"))
            .await["definitions"],
        schema["definitions"]
    );
    let r = org
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": { "byndidRegistered": true } }),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["profile"]["byndidRegistered"],
        true
    );
    let wrong = org
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": { "byndidRegistered": "yes" } }),
        )
        .await;
    assert_eq!(error_code(wrong).await, (400, "E0000001".into()));
    let found = org
        .walk("/api/v1/users?search=profile.byndidRegistered%20eq%20true")
        .await;
    assert_eq!(found.len(), 1);
    let not_in_filter = org
        .get("/api/v1/users?filter=profile.byndidRegistered%20eq%20true")
        .await;
    assert_eq!(error_code(not_in_filter).await, (400, "E0000031".into()));
    let bad_type = org.post("/api/v1/meta/schemas/user/default", json!({ "definitions": { "custom": { "properties": { "x": { "title": "X", "type": "blob" } } } } })).await;
    assert_eq!(error_code(bad_type).await, (400, "E0000001".into()));
    let remove = org
        .post(
            "/api/v1/meta/schemas/user/default",
            json!({ "definitions": { "custom": { "properties": { "byndidRegistered": null } } } }),
        )
        .await;
    assert_eq!(
        remove.json::<Value>().await.unwrap()["definitions"]["custom"]["properties"],
        json!({})
    );
    assert_eq!(
        error_code(org.get("/api/v1/meta/schemas/user/oscnope").await).await,
        (404, "E0000007".into())
    );
    let types = org.get_json("/api/v1/meta/types/user").await;
    assert_eq!(types[0]["default"], true);
}

#[tokio::test]
async fn org_and_well_known() {
    let org = Org::small().await;
    let wk: Value = org
        .http
        .get(org.url("/.well-known/okta-organization"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(wk["id"].as_str().unwrap().starts_with("00o"));
    assert_eq!(wk["pipeline"], "idx");
    assert_eq!(wk["_links"]["organization"]["href"], org.sim.base_url());
    let o = org.get_json("/api/v1/org").await;
    assert_eq!(o["id"], wk["id"]);
    assert_eq!(o["subdomain"], "acme");
}
