//! The Okta API connector through the admin API, against okta-sim in-process: connecting
//! (domain normalisation, credential test, permission probe), the runner syncing into the
//! unified read API with events, write-back actions with Okta's errors surfaced, the
//! Registration Sync endpoint, and role checks.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use gatehouse::connector::runner;
use okta_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};
use store::Backend;

use crate::helpers::{TestApp, error_code};

async fn sim() -> SimHandle {
    okta_sim::spawn(SimConfig {
        users: 60,
        groups: 5,
        apps: 2,
        seed: 3,
        rate_limit_per_min: Some(100_000),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn okta_body(sim: &SimHandle, token: &str) -> Value {
    json!({
        "kind": "okta_api",
        "name": "Okta",
        "domain": sim.base_url(),
        "allow_insecure_http": true,
        "auth": { "type": "api_token", "token": token },
        "registration_attribute": "byndidRegistered",
    })
}

/// Starts the sync runner of `app` (tests drive the router without `serve`).
fn start_runner(app: &TestApp) -> tokio::task::JoinHandle<()> {
    runner::spawn(app.state.store.clone(), app.state.connector.clone())
}

/// Waits until the run finishes and returns it.
async fn finished(app: &TestApp, dir: &str, run: &str) -> Value {
    for _ in 0..400 {
        let res = app
            .get(&format!("/api/v1/directories/{dir}/syncs/{run}"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        if matches!(res.body["status"].as_str(), Some("succeeded" | "failed")) {
            return res.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("sync {run} did not finish");
}

async fn all_users(app: &TestApp, dir: &str) -> Vec<Value> {
    let mut users = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/directories/{dir}/users?limit=500&cursor={c}"),
            None => format!("/api/v1/directories/{dir}/users?limit=500"),
        };
        let res = app.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        users.extend(res.body["data"].as_array().unwrap().iter().cloned());
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return users,
        }
    }
}

async fn event_types(app: &TestApp, org: &str) -> Vec<String> {
    let mut types = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/api/v1/events?org={org}&limit=500&after={a}"),
            None => format!("/api/v1/events?org={org}&limit=500"),
        };
        let res = app.get(&path).await;
        let page = res.body["data"].as_array().unwrap().clone();
        if page.is_empty() {
            return types;
        }
        types.extend(page.iter().map(|e| e["type"].as_str().unwrap().to_owned()));
        after = res.body["next_cursor"].as_str().map(str::to_owned);
    }
}

/// Connects the sim with `token` and waits for the first sync. Returns (org, dir).
async fn connected(app: &TestApp, sim: &SimHandle, token: &str) -> (String, String) {
    let org = app.create_org("acme").await;
    let res = app
        .post(
            &format!("/api/v1/orgs/{org}/directories"),
            okta_body(sim, token),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert!(
        !res.text.contains(token),
        "the credential is never returned"
    );
    let dir = res.body["id"].as_str().unwrap().to_owned();
    let first = res.body["first_sync_id"].as_str().unwrap().to_owned();
    let run = finished(app, &dir, &first).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    (org, dir)
}

async fn connecting_syncs_the_org_into_the_unified_api(backend: Backend) {
    let sim = sim().await;
    let app = TestApp::new(backend).await;
    let _runner = start_runner(&app);
    let (org, dir) = connected(&app, &sim, sim.admin_token()).await;

    let directory = app.get(&format!("/api/v1/directories/{dir}")).await;
    assert_eq!(directory.body["kind"], "okta_api");
    let okta = &directory.body["okta"];
    assert_eq!(okta["org_url"], sim.base_url());
    assert_eq!(okta["auth"]["type"], "api_token");
    assert_eq!(okta["capabilities"]["manage_users"]["allowed"], true);
    assert!(!directory.text.contains(sim.admin_token()));

    let users = all_users(&app, &dir).await;
    let counts = sim.counts();
    assert_eq!(users.len(), counts.users);
    assert_eq!(directory.body["user_count"], counts.users);
    let okta_ids: Vec<&str> = users
        .iter()
        .map(|u| u["external_id"].as_str().unwrap())
        .collect();
    assert!(
        okta_ids.iter().all(|id| id.starts_with("00u")),
        "{okta_ids:?}"
    );
    let filtered = app
        .get(&format!(
            "/api/v1/directories/{dir}/users?filter=userName%20eq%20%22{}%22",
            users[0]["user_name"].as_str().unwrap()
        ))
        .await;
    assert_eq!(filtered.body["data"].as_array().unwrap().len(), 1);

    let groups = app
        .get(&format!("/api/v1/directories/{dir}/groups?limit=500"))
        .await;
    assert_eq!(groups.body["data"].as_array().unwrap().len(), counts.groups);
    let apps = app.get(&format!("/api/v1/directories/{dir}/apps")).await;
    assert_eq!(apps.status, StatusCode::OK, "{}", apps.text);
    assert_eq!(apps.body["data"].as_array().unwrap().len(), counts.apps);

    let types = event_types(&app, &org).await;
    assert_eq!(
        types.iter().filter(|t| *t == "user.created").count(),
        counts.users
    );
    assert!(types.contains(&"sync.succeeded".to_owned()));

    // A manual incremental run after a change in Okta.
    sim.mutate(&okta_sim::MutateSpec {
        users_created: 3,
        seed: Some(9),
        ..Default::default()
    });
    let queued = app
        .post(
            &format!("/api/v1/directories/{dir}/syncs"),
            json!({ "mode": "incremental" }),
        )
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
    let run = finished(&app, &dir, queued.body["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert!(run["api_calls"].as_i64().unwrap() > 0);
    assert_eq!(all_users(&app, &dir).await.len(), counts.users + 3);
    let listed = app.get(&format!("/api/v1/directories/{dir}/syncs")).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        listed.body["data"][0]["id"], queued.body["id"],
        "newest first"
    );

    let bad_mode = app
        .post(
            &format!("/api/v1/directories/{dir}/syncs"),
            json!({ "mode": "sometimes" }),
        )
        .await;
    assert_eq!(bad_mode.status, StatusCode::UNPROCESSABLE_ENTITY);
    error_code(&bad_mode);
}

async fn connecting_refuses_bad_domains_and_credentials(backend: Backend) {
    let sim = sim().await;
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let path = format!("/api/v1/orgs/{org}/directories");
    let mut cases = Vec::new();
    let mut body = okta_body(&sim, sim.admin_token());
    body["domain"] = json!("not a domain!");
    cases.push((body, "invalid_okta_domain"));
    let mut body = okta_body(&sim, sim.admin_token());
    body["allow_insecure_http"] = json!(false);
    cases.push((body, "invalid_okta_domain"));
    cases.push((okta_body(&sim, "00wrongtoken"), "okta_credentials_rejected"));
    let mut body = okta_body(&sim, sim.admin_token());
    body["domain"] = json!("http://127.0.0.1:9");
    cases.push((body, "okta_unreachable"));
    let mut body = okta_body(&sim, sim.admin_token());
    body["auth"] = json!({ "type": "password", "token": "x" });
    cases.push((body, "validation_failed"));
    let mut body = okta_body(&sim, sim.admin_token());
    body["schedule"] = json!("every day");
    cases.push((body, "validation_failed"));
    let mut body = okta_body(&sim, sim.admin_token());
    body["auth"] = json!({
        "type": "oauth_service_app",
        "client_id": sim.oauth_client_id(),
        "private_key_pem": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
    });
    cases.push((body, "okta_private_key_invalid"));
    for (body, code) in cases {
        let res = app.post(&path, body.clone()).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            res.text
        );
        assert_eq!(error_code(&res), code, "{body}: {}", res.text);
    }
    let listed = app.get(&path).await;
    assert_eq!(
        listed.body["data"].as_array().unwrap().len(),
        0,
        "nothing saved"
    );

    // The admin-console paste is normalised; an OAuth service app connects too.
    let mut body = okta_body(&sim, sim.admin_token());
    body["domain"] = json!(format!("{}/admin/dashboard", sim.base_url()));
    body["auth"] = json!({
        "type": "oauth_service_app",
        "client_id": sim.oauth_client_id(),
        "private_key_pem": sim.oauth_private_key_pem(),
        "key_id": sim.oauth_key_id(),
    });
    body["schedule"] = json!("1h");
    let res = app.post(&path, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.body["okta"]["org_url"], sim.base_url());
    assert_eq!(res.body["okta"]["schedule_secs"], 3600);
    assert!(!res.text.contains("PRIVATE KEY"));
}

async fn a_read_only_token_syncs_but_cannot_act(backend: Backend) {
    let sim = sim().await;
    let app = TestApp::new(backend).await;
    let _runner = start_runner(&app);
    let (org, dir) = connected(&app, &sim, sim.readonly_token()).await;
    let directory = app.get(&format!("/api/v1/directories/{dir}")).await;
    let capabilities = &directory.body["okta"]["capabilities"];
    assert_eq!(capabilities["manage_users"]["allowed"], false);
    assert!(
        capabilities["denied_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("delete_user")),
        "{capabilities}"
    );
    let user = all_users(&app, &dir).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &format!("/api/v1/directories/{dir}/actions"),
            json!({ "action": "deactivate_user", "user_id": user }),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    assert_eq!(error_code(&res), "okta_forbidden");
    assert_eq!(res.body["error"]["details"][0]["okta_code"], "E0000006");
    let audit = app.get(&format!("/api/v1/audit?org={org}&limit=500")).await;
    let failed = audit.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "directory.action")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(failed["outcome"], "failure", "{}", audit.text);
}

async fn actions_write_back_and_the_directory_catches_up(backend: Backend) {
    let sim = sim().await;
    let app = TestApp::new(backend).await;
    let _runner = start_runner(&app);
    add_custom_attribute(&sim, "byndidRegistered").await;
    let (org, dir) = connected(&app, &sim, sim.admin_token()).await;
    let actions = format!("/api/v1/directories/{dir}/actions");
    let users = all_users(&app, &dir).await;
    let target = users
        .iter()
        .find(|u| u["active"] == true && !u["user_name"].as_str().unwrap().starts_with("admin"))
        .unwrap();
    let user = target["id"].as_str().unwrap().to_owned();
    let okta_id = target["external_id"].as_str().unwrap().to_owned();

    let res = app
        .post(
            &actions,
            json!({ "action": "suspend_user", "user_id": user }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(sim.org().users[&okta_id].status.as_str(), "SUSPENDED");
    let again = app
        .post(
            &actions,
            json!({ "action": "suspend_user", "user_id": okta_id }),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text
    );
    assert_eq!(again.body["error"]["details"][0]["okta_code"], "E0000001");
    let res = app
        .post(
            &actions,
            json!({ "action": "unsuspend_user", "user_id": user }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);

    // Registration Sync: the host app reports a bound passkey.
    let res = app
        .post(
            &format!("/api/v1/directories/{dir}/registration"),
            json!({ "user_id": user, "registered": true }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["result"]["value"], true);
    assert_eq!(
        sim.org().users[&okta_id].profile["byndidRegistered"],
        json!(true)
    );
    let res = app
        .post(
            &actions,
            json!({ "action": "set_profile_attribute", "user_id": user,
                    "attribute": "noSuchAttribute", "value": 1 }),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);

    // Group membership, by the directory's ids.
    let groups = app
        .get(&format!("/api/v1/directories/{dir}/groups?limit=500"))
        .await;
    let group = groups.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["display_name"] != "Everyone")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for action in ["add_group_member", "remove_group_member"] {
        let res = app
            .post(
                &actions,
                json!({ "action": action, "user_id": user, "group_id": group }),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{action}: {}", res.text);
    }
    let missing_group = app
        .post(
            &actions,
            json!({ "action": "add_group_member", "user_id": user }),
        )
        .await;
    assert_eq!(missing_group.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Deactivation reaches the directory through the sync the action queued.
    let res = app
        .post(
            &actions,
            json!({ "action": "deactivate_user", "user_id": user }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let unconfirmed = app
        .post(
            &actions,
            json!({ "action": "delete_user", "user_id": user }),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = app
        .post(
            &actions,
            json!({ "action": "delete_user", "user_id": user, "confirm": true }),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert!(!sim.org().users.contains_key(&okta_id));
    let mut gone = false;
    for _ in 0..200 {
        let users = all_users(&app, &dir).await;
        if users.iter().all(|u| u["id"] != user.as_str()) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the deleted user left the directory");
    let types = event_types(&app, &org).await;
    assert!(
        types.iter().filter(|t| *t == "action.executed").count() >= 7,
        "{types:?}"
    );
    assert!(types.contains(&"user.deleted".to_owned()));

    let unknown = app
        .post(&actions, json!({ "action": "explode", "user_id": user }))
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    error_code(&unknown);
}

async fn viewers_cannot_sync_or_act(backend: Backend) {
    let sim = sim().await;
    let app = TestApp::new(backend).await;
    let (org, dir) = {
        let _runner = start_runner(&app);
        connected(&app, &sim, sim.admin_token()).await
    };
    let viewer = app.token(Some(&org), "viewer").await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/directories/{dir}/syncs"),
            Some(&viewer),
            Some(json!({})),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    let user = all_users(&app, &dir).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/directories/{dir}/actions"),
            Some(&viewer),
            Some(json!({ "action": "suspend_user", "user_id": user })),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    let seen = app
        .call(
            Method::GET,
            &format!("/api/v1/directories/{dir}/syncs"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "viewers may read runs");
}

/// Adds a boolean custom attribute to the sim's user schema through Okta's Schemas API.
async fn add_custom_attribute(sim: &SimHandle, name: &str) {
    let res = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/meta/schemas/user/default",
            sim.base_url()
        ))
        .header("authorization", format!("SSWS {}", sim.admin_token()))
        .json(&json!({
            "definitions": { "custom": {
                "id": "#custom",
                "type": "object",
                "properties": { name: { "title": name, "type": "boolean" } },
                "required": []
            } }
        }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

store::both_backends!(
    connecting_syncs_the_org_into_the_unified_api,
    connecting_refuses_bad_domains_and_credentials,
    a_read_only_token_syncs_but_cannot_act,
    actions_write_back_and_the_directory_catches_up,
    viewers_cannot_sync_or_act,
);
