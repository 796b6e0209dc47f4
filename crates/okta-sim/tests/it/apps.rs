use serde_json::{Value, json};

use crate::common::{Org, error_code, ids};

fn saml_app() -> Value {
    json!({
        "label": "Byndid SaaS",
        "signOnMode": "SAML_2_0",
        "visibility": { "autoSubmitToolbar": false, "hide": { "iOS": true, "web": false } },
        "settings": { "signOn": {
            "ssoAcsUrl": "https://sp.example.com/saml/acs",
            "audience": "https://sp.example.com/saml/metadata",
            "recipient": "https://sp.example.com/saml/acs",
            "destination": "https://sp.example.com/saml/acs",
            "defaultRelayState": "/dashboard",
            "subjectNameIdTemplate": "${user.email}",
            "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "responseSigned": true, "assertionSigned": true,
            "signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256",
            "attributeStatements": [ { "type": "EXPRESSION", "name": "email", "namespace": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified", "values": ["user.email"] } ],
            "customExtension": { "kept": [1, 2, 3] }
        } }
    })
}

#[tokio::test]
async fn apps_store_settings_faithfully() {
    let org = Org::small().await;
    let r = org.post("/api/v1/apps", saml_app()).await;
    assert_eq!(r.status(), 200);
    let app: Value = r.json().await.unwrap();
    let aid = app["id"].as_str().unwrap();
    assert!(aid.starts_with("0oa") && aid.len() == 20);
    assert_eq!(app["status"], "ACTIVE");
    assert_eq!(app["signOnMode"], "SAML_2_0");
    assert_eq!(
        app["settings"]["signOn"],
        saml_app()["settings"]["signOn"],
        "settings.signOn round-trips exactly"
    );
    assert_eq!(app["visibility"]["hide"]["iOS"], true);
    assert!(
        app["_links"]["metadata"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/sso/saml/metadata")
    );
    assert_eq!(
        org.get_json(&format!("/api/v1/apps/{aid}")).await["settings"],
        app["settings"]
    );
    let oidc: Value = org
        .post("/api/v1/apps", json!({ "label": "Portal", "signOnMode": "OPENID_CONNECT", "settings": { "oauthClient": { "redirect_uris": ["https://p.example/cb"], "response_types": ["code"], "grant_types": ["authorization_code"], "application_type": "web" } } }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(oidc["credentials"]["oauthClient"]["client_id"], oidc["id"]);
    assert!(oidc["credentials"]["oauthClient"]["client_secret"].is_string());
    assert_eq!(
        oidc["settings"]["oauthClient"]["redirect_uris"],
        json!(["https://p.example/cb"])
    );
    let bad = org
        .post(
            "/api/v1/apps",
            json!({ "label": "X", "signOnMode": "TELEPATHY" }),
        )
        .await;
    assert_eq!(error_code(bad).await, (400, "E0000001".into()));
    let all = org.walk("/api/v1/apps").await;
    assert!(ids(&all).contains(&aid.to_owned()));
    let by_q = org.get_json("/api/v1/apps?q=Byndid").await;
    assert_eq!(by_q.as_array().unwrap().len(), 1);
    let mut updated = saml_app();
    updated["label"] = json!("Renamed");
    updated["settings"]["signOn"]["defaultRelayState"] = json!("/home");
    let r = org.put(&format!("/api/v1/apps/{aid}"), updated).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["label"], "Renamed");
    assert_eq!(body["settings"]["signOn"]["defaultRelayState"], "/home");
}

#[tokio::test]
async fn assignments_and_their_events() {
    let org = Org::small().await;
    let app: Value = org
        .post("/api/v1/apps", saml_app())
        .await
        .json()
        .await
        .unwrap();
    let aid = app["id"].as_str().unwrap();
    let u = org.create_user("assignee@example.org", "", true).await;
    let uid = u["id"].as_str().unwrap();
    let r = org.post(&format!("/api/v1/apps/{aid}/users"), json!({ "id": uid, "scope": "USER", "credentials": { "userName": "assignee@example.org" }, "profile": { "role": "admin" } })).await;
    assert_eq!(r.status(), 200);
    let au: Value = r.json().await.unwrap();
    assert_eq!(au["id"], uid);
    assert_eq!(au["scope"], "USER");
    assert_eq!(au["credentials"]["userName"], "assignee@example.org");
    assert_eq!(au["profile"]["role"], "admin");
    let got = org
        .get_json(&format!("/api/v1/apps/{aid}/users/{uid}?expand=user"))
        .await;
    assert_eq!(got["id"], uid);
    let filtered = org
        .walk(&format!("/api/v1/apps?filter=user.id%20eq%20%22{uid}%22"))
        .await;
    assert_eq!(ids(&filtered), vec![aid.to_owned()]);
    let g: Value = org
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "App Users" } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let gid = g["id"].as_str().unwrap();
    let r = org
        .put(
            &format!("/api/v1/apps/{aid}/groups/{gid}"),
            json!({ "priority": 0 }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], gid);
    assert_eq!(
        ids(&org.walk(&format!("/api/v1/apps/{aid}/groups")).await),
        vec![gid.to_owned()]
    );
    assert_eq!(
        org.get_json(&format!("/api/v1/apps/{aid}/groups/{gid}"))
            .await["id"],
        gid
    );
    let via_group = org.create_user("viagroup@example.org", "", true).await;
    let vid = via_group["id"].as_str().unwrap();
    org.put(&format!("/api/v1/groups/{gid}/users/{vid}"), json!(null))
        .await;
    assert_eq!(
        org.get_json(&format!("/api/v1/apps/{aid}/users/{vid}"))
            .await["scope"],
        "GROUP"
    );
    assert_eq!(
        org.delete(&format!("/api/v1/apps/{aid}/users/{uid}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        error_code(org.get(&format!("/api/v1/apps/{aid}/users/{uid}")).await).await,
        (404, "E0000007".into())
    );
    assert_eq!(
        org.delete(&format!("/api/v1/apps/{aid}/groups/{gid}"))
            .await
            .status(),
        204
    );
    let log: Vec<Value> = org
        .get(&format!(
            "/api/v1/logs?filter=target.id%20eq%20%22{aid}%22&limit=1000"
        ))
        .await
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = log
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    for t in [
        "application.lifecycle.create",
        "application.user_membership.add",
        "application.user_membership.remove",
        "group.application_assignment.add",
        "group.application_assignment.remove",
    ] {
        assert!(types.contains(&t), "missing {t} in {types:?}");
    }
    let add = log
        .iter()
        .find(|e| e["eventType"] == "application.user_membership.add")
        .unwrap();
    let target_types: Vec<&str> = add["target"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_str().unwrap())
        .collect();
    assert_eq!(target_types, vec!["AppUser", "AppInstance", "User"]);
}

#[tokio::test]
async fn app_lifecycle_and_delete_rules() {
    let org = Org::small().await;
    let app: Value = org
        .post("/api/v1/apps?activate=false", saml_app())
        .await
        .json()
        .await
        .unwrap();
    let aid = app["id"].as_str().unwrap();
    assert_eq!(app["status"], "INACTIVE");
    assert_eq!(
        org.post_empty(&format!("/api/v1/apps/{aid}/lifecycle/activate"))
            .await
            .status(),
        200
    );
    assert_eq!(
        error_code(org.delete(&format!("/api/v1/apps/{aid}")).await).await,
        (400, "E0000056".into())
    );
    assert_eq!(
        org.post_empty(&format!("/api/v1/apps/{aid}/lifecycle/deactivate"))
            .await
            .status(),
        200
    );
    assert_eq!(
        org.delete(&format!("/api/v1/apps/{aid}")).await.status(),
        204
    );
    assert_eq!(
        error_code(org.get(&format!("/api/v1/apps/{aid}")).await).await,
        (404, "E0000007".into())
    );
}

#[tokio::test]
async fn deactivating_a_user_removes_direct_assignments() {
    let org = Org::small().await;
    let app: Value = org
        .post("/api/v1/apps", saml_app())
        .await
        .json()
        .await
        .unwrap();
    let aid = app["id"].as_str().unwrap();
    let u = org.create_user("leaver@example.org", "", true).await;
    let uid = u["id"].as_str().unwrap();
    org.post(&format!("/api/v1/apps/{aid}/users"), json!({ "id": uid }))
        .await;
    org.post_empty(&format!("/api/v1/users/{uid}/lifecycle/deactivate"))
        .await;
    assert_eq!(
        org.get(&format!("/api/v1/apps/{aid}/users/{uid}"))
            .await
            .status(),
        404
    );
}
