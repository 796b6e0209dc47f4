//! Okta's provisioning engine (okta-sim's SCIM client, in Okta's OIN request shapes) driving a
//! running Gatehouse over HTTP: assignment creates users, profile changes update them,
//! unassignment deactivates (detaching their teams), re-assignment reactivates the same user,
//! Group Push makes a team and follows its members and name, and unpushing with "delete in
//! app" leaves a recoverable deleted group. Every task in the sim's log must have succeeded.

use okta_sim::{ProvisioningConfig, ScimAuth, SimConfig, SimHandle};
use reqwest::Method;
use serde_json::{Value, json};
use store::Backend;

use crate::helpers::TestApp;
use crate::scim::{Dir, events, scim_directory};

const DANA: &str = "dana.ng@example.com";
const EVE: &str = "eve.li@example.com";
const FINN: &str = "finn.unassigned@example.com";

/// An Okta admin: the sim, its app, and the Management API.
struct Admin {
    sim: SimHandle,
    app: String,
    http: reqwest::Client,
}

impl Admin {
    fn user_id(&self, login: &str) -> String {
        self.sim.org().find_user(login).unwrap().id.clone()
    }

    /// The Management API with the admin's SSWS token.
    async fn api(&self, method: Method, path: &str, body: Option<Value>) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .header("authorization", format!("SSWS {}", self.sim.admin_token()))
            .header("accept", "application/json");
        request = match body {
            Some(body) => request.json(&body),
            None => request.header("content-length", "0").body(""),
        };
        let res = request.send().await.unwrap();
        let status = res.status();
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            res.text().await.unwrap()
        );
    }
}

/// The directory's users or groups through the unified admin API.
async fn listed(app: &TestApp, dir: &Dir, what: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/directories/{}/{what}", dir.id))
        .await;
    assert!(res.status.is_success(), "{}", res.text);
    res.body["data"].as_array().unwrap().clone()
}

fn by_name<'a>(users: &'a [Value], user_name: &str) -> &'a Value {
    users
        .iter()
        .find(|u| u["user_name"] == user_name)
        .unwrap_or_else(|| panic!("{user_name} not provisioned: {users:?}"))
}

async fn member_names(app: &TestApp, dir: &Dir, group: &str) -> Vec<String> {
    let res = app
        .get(&format!(
            "/api/v1/directories/{}/groups/{group}/members",
            dir.id
        ))
        .await;
    assert!(res.status.is_success(), "{}", res.text);
    let mut names: Vec<String> = res.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn okta_provisions_users_and_pushes_groups(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    // Okta's client needs a socket: serve the same router on a loopback port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let sim = okta_sim::spawn(SimConfig {
        users: 0,
        groups: 0,
        apps: 0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for (login, first, last) in [
        (DANA, "Dana", "Ng"),
        (EVE, "Eve", "Li"),
        (FINN, "Finn", "O"),
    ] {
        sim.create_user(login, first, last).unwrap();
    }
    let okta_app = sim
        .create_saml_app("Gatehouse", "http://127.0.0.1/acs", "http://127.0.0.1/sp")
        .await
        .unwrap();
    let admin = Admin {
        sim,
        app: okta_app.id.clone(),
        http: reqwest::Client::new(),
    };
    let sim = &admin.sim;
    sim.configure_provisioning(
        &admin.app,
        ProvisioningConfig::new(
            format!("http://{addr}{}", dir.base),
            ScimAuth::Bearer {
                token: dir.token.clone(),
            },
        ),
    )
    .unwrap();

    // Assignment creates the users.
    sim.assign_user(&admin.app, DANA).unwrap();
    sim.assign_user(&admin.app, EVE).unwrap();
    sim.flush_provisioning().await;
    let users = listed(&app, &dir, "users").await;
    assert_eq!(users.len(), 2, "{users:?}");
    let dana = by_name(&users, DANA);
    assert_eq!(dana["active"], true);
    assert_eq!(dana["first_name"], "Dana");
    assert_eq!(dana["last_name"], "Ng");
    let eve_id = by_name(&users, EVE)["id"].as_str().unwrap().to_owned();

    // A profile change in Okta updates the user.
    let dana_okta = admin.user_id(DANA);
    admin
        .api(
            Method::POST,
            &format!("/api/v1/users/{dana_okta}"),
            Some(json!({ "profile": { "firstName": "Danielle" } })),
        )
        .await;
    sim.flush_provisioning().await;
    let users = listed(&app, &dir, "users").await;
    assert_eq!(by_name(&users, DANA)["first_name"], "Danielle");

    // Group Push: a team with the group's provisioned members (Finn is not assigned).
    let sales = sim.create_group("Sales").unwrap();
    sim.add_to_group(&sales, DANA).unwrap();
    sim.add_to_group(&sales, FINN).unwrap();
    sim.push_group(&admin.app, &sales).unwrap();
    sim.flush_provisioning().await;
    let groups = listed(&app, &dir, "groups").await;
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["name"], "Sales");
    let team = groups[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(member_names(&app, &dir, &team).await, [DANA]);

    // Members added and removed in Okta follow.
    let eve_okta = admin.user_id(EVE);
    admin
        .api(
            Method::PUT,
            &format!("/api/v1/groups/{sales}/users/{eve_okta}"),
            None,
        )
        .await;
    sim.flush_provisioning().await;
    assert_eq!(member_names(&app, &dir, &team).await, [DANA, EVE]);
    admin
        .api(
            Method::DELETE,
            &format!("/api/v1/groups/{sales}/users/{dana_okta}"),
            None,
        )
        .await;
    sim.flush_provisioning().await;
    assert_eq!(member_names(&app, &dir, &team).await, [EVE]);

    // A rename in Okta renames the team.
    admin
        .api(
            Method::PUT,
            &format!("/api/v1/groups/{sales}"),
            Some(json!({ "profile": { "name": "Sales EMEA", "description": null } })),
        )
        .await;
    sim.flush_provisioning().await;
    assert_eq!(listed(&app, &dir, "groups").await[0]["name"], "Sales EMEA");

    // Unassigning deactivates the user and detaches its teams.
    admin
        .api(
            Method::DELETE,
            &format!("/api/v1/apps/{}/users/{eve_okta}", admin.app),
            None,
        )
        .await;
    sim.flush_provisioning().await;
    let users = listed(&app, &dir, "users").await;
    assert_eq!(by_name(&users, EVE)["active"], false);
    let feed = events(&app, &dir.org).await;
    let deactivated = feed
        .iter()
        .find(|e| e["type"] == "user.deactivated")
        .expect("a user.deactivated event");
    assert_eq!(deactivated["data"]["user"]["id"], eve_id.as_str());
    assert_eq!(deactivated["data"]["teams_detached"], json!([team]));

    // Re-assigning reactivates the same user instead of creating another.
    sim.assign_user(&admin.app, EVE).unwrap();
    sim.flush_provisioning().await;
    let users = listed(&app, &dir, "users").await;
    assert_eq!(users.len(), 2, "not duplicated: {users:?}");
    assert_eq!(by_name(&users, EVE)["id"], eve_id.as_str());
    assert_eq!(by_name(&users, EVE)["active"], true);

    // Unpushing with "delete the group in the app" leaves a recoverable deleted group.
    sim.unpush_group(&admin.app, &sales, true).unwrap();
    sim.flush_provisioning().await;
    assert!(listed(&app, &dir, "groups").await.is_empty());
    let deleted = listed(&app, &dir, "deleted-groups").await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["id"], team.as_str());
    let restored = app
        .post(
            &format!("/api/v1/directories/{}/groups/{team}/restore", dir.id),
            json!({}),
        )
        .await;
    assert!(restored.status.is_success(), "{}", restored.text);
    assert_eq!(member_names(&app, &dir, &team).await, [EVE]);

    // Every request Okta sent was answered as Okta counts success.
    let tasks = sim.provisioning_tasks(&admin.app);
    let failed: Vec<&okta_sim::TaskRecord> =
        tasks.iter().filter(|t| t.outcome != "SUCCESS").collect();
    assert!(failed.is_empty(), "failed tasks: {failed:#?}");
    let kinds: Vec<&str> = tasks.iter().map(|t| t.task.as_str()).collect();
    for kind in [
        "create_user",
        "update_user",
        "deactivate_user",
        "reactivate_user",
        "create_group",
        "push_memberships",
        "rename_group",
        "delete_group",
    ] {
        assert!(kinds.contains(&kind), "no {kind} task in {kinds:?}");
    }
    server.abort();
    admin.sim.shutdown().await;
}

store::both_backends!(okta_provisions_users_and_pushes_groups);
