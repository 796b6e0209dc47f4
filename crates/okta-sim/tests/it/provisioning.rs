//! Okta's provisioning engine against a SCIM app written in the tests: the request
//! sequences and shapes of okta-reference §7, driven by the org's own changes.

use okta_sim::SimConfig;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Org, error_code};
use crate::scim_app::{self, ScimApp, Seen};

struct Setup {
    org: Org,
    scim: ScimApp,
    app_id: String,
}

async fn setup(config: Value) -> Setup {
    setup_with(
        SimConfig {
            users: 20,
            groups: 3,
            apps: 3,
            ..Default::default()
        },
        config,
    )
    .await
}

async fn setup_with(sim: SimConfig, config: Value) -> Setup {
    let org = Org::start(sim).await;
    let scim = ScimApp::start().await;
    let app = org
        .sim
        .create_saml_app(
            "Better Stack",
            "http://betterstack.test/acs",
            "http://betterstack.test/sp",
        )
        .await
        .unwrap();
    let mut body = json!({ "scim_base_url": scim.base_url, "auth": { "type": "bearer", "token": scim_app::TOKEN } });
    if let (Some(b), Some(c)) = (body.as_object_mut(), config.as_object()) {
        for (k, v) in c {
            b.insert(k.clone(), v.clone());
        }
    }
    let r = org
        .put(&format!("/sim/v1/apps/{}/provisioning", app.id), body)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    Setup {
        org,
        scim,
        app_id: app.id,
    }
}

impl Setup {
    async fn flush(&self) {
        let r = self
            .org
            .post_empty(&format!("/sim/v1/apps/{}/provisioning/flush", self.app_id))
            .await;
        assert_eq!(r.status(), 200);
    }

    async fn user(&self, login: &str, first: &str) -> String {
        let body = json!({ "profile": { "firstName": first, "lastName": "Ng", "email": login, "login": login, "title": "Engineer" },
                           "credentials": { "password": { "value": "First-passw0rd!" } } });
        let r = self.org.post("/api/v1/users", body).await;
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn assign(&self, user_id: &str) {
        let r = self
            .org
            .post(
                &format!("/api/v1/apps/{}/users", self.app_id),
                json!({ "id": user_id }),
            )
            .await;
        assert_eq!(r.status(), 200);
    }

    async fn tasks(&self) -> Vec<Value> {
        self.org
            .get_json(&format!("/sim/v1/apps/{}/provisioning/tasks", self.app_id))
            .await
            .as_array()
            .unwrap()
            .clone()
    }

    async fn group(&self, name: &str) -> String {
        let r = self
            .org
            .post("/api/v1/groups", json!({ "profile": { "name": name } }))
            .await;
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn add_member(&self, gid: &str, uid: &str) {
        let r = self
            .org
            .put(&format!("/api/v1/groups/{gid}/users/{uid}"), json!(null))
            .await;
        assert_eq!(r.status(), 204);
    }
}

fn calls(seen: &[Seen]) -> Vec<String> {
    seen.iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect()
}

fn ops(s: &Seen) -> Value {
    s.body["Operations"].clone()
}

#[tokio::test]
async fn user_lifecycle_is_pushed_the_way_okta_does() {
    let s = setup(json!({})).await;
    let uid = s.user("dana.ng@example.com", "Dana").await;
    s.assign(&uid).await;
    s.flush().await;

    let seen = s.scim.seen();
    assert_eq!(calls(&seen), ["GET /Users", "POST /Users"]);
    assert_eq!(
        seen[0].query,
        "filter=userName%20eq%20%22dana.ng%40example.com%22&startIndex=1&count=100"
    );
    assert_eq!(seen[1].user_agent, "Okta SCIM Client 1.0.0");
    assert!(seen[1].content_type.starts_with("application/scim+json"));
    assert_eq!(seen[1].auth, format!("Bearer {}", scim_app::TOKEN));
    let post = &seen[1].body;
    assert_eq!(
        post["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:User"
    );
    assert_eq!(post["userName"], "dana.ng@example.com");
    assert_eq!(
        post["name"],
        json!({ "givenName": "Dana", "familyName": "Ng" })
    );
    assert_eq!(
        post["emails"],
        json!([{ "type": "work", "primary": true, "value": "dana.ng@example.com" }])
    );
    assert_eq!(post["externalId"], uid);
    assert_eq!(post["groups"], json!([]));
    assert_eq!(post["active"], true);
    assert_eq!(
        post["password"], "First-passw0rd!",
        "Sync Password sends the Okta password"
    );
    let created = s.scim.user("dana.ng@example.com").unwrap();
    let scim_id = created["id"].as_str().unwrap().to_owned();
    let app_user = s
        .org
        .get_json(&format!("/api/v1/apps/{}/users/{uid}", s.app_id))
        .await;
    assert_eq!(app_user["externalId"], scim_id, "Okta stores the SCIM id");

    let tasks = s.tasks().await;
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[1]["task"], "create_user");
    assert_eq!(tasks[1]["outcome"], "SUCCESS");
    assert_eq!(tasks[1]["response"]["status"], 201);
    assert_eq!(tasks[1]["response"]["body"]["id"], scim_id.as_str());
    assert_eq!(
        tasks[1]["request"]["headers"]["authorization"],
        "Bearer scim********"
    );

    // Profile change: GET then PUT of the fetched resource with the change.
    s.scim.clear_seen();
    s.org
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": { "firstName": "Dana-Lee" } }),
        )
        .await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(
        calls(&seen),
        [
            format!("GET /Users/{scim_id}"),
            format!("PUT /Users/{scim_id}")
        ]
    );
    assert_eq!(seen[1].body["name"]["givenName"], "Dana-Lee");
    assert_eq!(
        seen[1].body["meta"]["resourceType"], "User",
        "built from the GET answer"
    );
    assert_eq!(
        s.scim.user("dana.ng@example.com").unwrap()["name"]["givenName"],
        "Dana-Lee"
    );

    // Password change: PATCH with a pathless replace.
    s.scim.clear_seen();
    s.org
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "credentials": { "password": { "value": "Second-passw0rd!" } } }),
        )
        .await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(calls(&seen), [format!("PATCH /Users/{scim_id}")]);
    assert_eq!(
        ops(&seen[0]),
        json!([{ "op": "replace", "value": { "password": "Second-passw0rd!" } }])
    );

    // Unassign: PATCH active false, no path.
    s.scim.clear_seen();
    s.org
        .delete(&format!("/api/v1/apps/{}/users/{uid}", s.app_id))
        .await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(calls(&seen), [format!("PATCH /Users/{scim_id}")]);
    assert_eq!(
        seen[0].body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:PatchOp"])
    );
    assert_eq!(
        ops(&seen[0]),
        json!([{ "op": "replace", "value": { "active": false } }])
    );
    assert_eq!(s.scim.user("dana.ng@example.com").unwrap()["active"], false);

    // Re-assign: found by filter, reactivated, same id.
    s.scim.clear_seen();
    s.assign(&uid).await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(
        calls(&seen),
        ["GET /Users".to_owned(), format!("PATCH /Users/{scim_id}")]
    );
    assert_eq!(
        ops(&seen[1]),
        json!([{ "op": "replace", "value": { "active": true } }])
    );
    assert_eq!(s.scim.user("dana.ng@example.com").unwrap()["active"], true);

    // Suspending sends nothing; deactivating in Okta deactivates in the app.
    s.scim.clear_seen();
    s.org
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/suspend"))
        .await;
    s.flush().await;
    assert!(s.scim.seen().is_empty(), "suspend sends nothing");
    s.org
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/unsuspend"))
        .await;
    s.org
        .post_empty(&format!("/api/v1/users/{uid}/lifecycle/deactivate"))
        .await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(calls(&seen), [format!("PATCH /Users/{scim_id}")]);
    assert_eq!(ops(&seen[0])[0]["value"]["active"], false);

    let log = s
        .org
        .get_json("/api/v1/logs?filter=eventType%20sw%20%22application.provision.user%22")
        .await;
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"application.provision.user.push"));
    assert!(kinds.contains(&"application.provision.user.deactivate"));
    assert!(kinds.contains(&"application.provision.user.reactivate"));
    assert!(kinds.contains(&"application.provision.user.push_profile"));
    assert!(kinds.contains(&"application.provision.user.push_password"));
}

#[tokio::test]
async fn existing_app_users_are_linked_not_duplicated() {
    let s = setup(json!({ "features": ["create_users", "update_attributes", "deactivate_users"] }))
        .await;
    let existing = s.scim.insert_user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Old.Timer@Example.com",
        "name": { "givenName": "Old", "familyName": "Timer" }, "active": false }));
    let uid = s.user("old.timer@example.com", "Olde").await;
    s.assign(&uid).await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(calls(&seen)[0], "GET /Users");
    assert_eq!(
        calls(&seen)[1],
        format!("PATCH /Users/{existing}"),
        "inactive: reactivated"
    );
    assert!(!calls(&seen).contains(&"POST /Users".to_owned()));
    let linked = s.scim.user("old.timer@example.com").unwrap();
    assert_eq!(linked["active"], true);
    assert_eq!(
        linked["name"]["givenName"], "Olde",
        "and its profile pushed"
    );
    let status = s
        .org
        .get_json(&format!("/sim/v1/apps/{}/provisioning", s.app_id))
        .await;
    assert_eq!(status["users"][&uid]["scim_id"], existing);
    assert_eq!(status["config"]["auth"]["token"], "********");

    // Without Sync Password the POST carries a random placeholder.
    let uid = s.user("new.hire@example.com", "New").await;
    s.assign(&uid).await;
    s.flush().await;
    let post = s
        .scim
        .seen()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_ne!(post.body["password"], "First-passw0rd!");
    assert!(post.body["password"].is_string());
}

#[tokio::test]
async fn group_push_in_batches_with_okta_op_shapes() {
    let s = setup(json!({ "group_push_batch_size": 2 })).await;
    let gid = s.group("Field Sales").await;
    let mut uids = Vec::new();
    for (i, name) in ["ann", "bob", "cat"].iter().enumerate() {
        let uid = s
            .user(&format!("{name}@example.com"), &format!("N{i}"))
            .await;
        s.add_member(&gid, &uid).await;
        uids.push(uid);
    }
    let r = s
        .org
        .put(
            &format!("/api/v1/apps/{}/groups/{gid}", s.app_id),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    s.flush().await;
    assert_eq!(
        s.scim.seen().iter().filter(|r| r.method == "POST").count(),
        3,
        "group members are provisioned"
    );

    s.scim.clear_seen();
    let r = s
        .org
        .post(
            &format!("/sim/v1/apps/{}/group-push", s.app_id),
            json!({ "group_id": gid }),
        )
        .await;
    assert_eq!(r.status(), 200);
    s.flush().await;
    let seen = s.scim.seen();
    let group = s.scim.group("Field Sales").unwrap();
    let sid = group["id"].as_str().unwrap().to_owned();
    assert_eq!(
        calls(&seen),
        [
            "GET /Groups".to_owned(),
            "POST /Groups".to_owned(),
            format!("PATCH /Groups/{sid}"),
            format!("PATCH /Groups/{sid}"),
            format!("PATCH /Groups/{sid}"),
            format!("PATCH /Groups/{sid}"),
        ]
    );
    assert_eq!(
        seen[0].query,
        "filter=displayName%20eq%20%22Field%20Sales%22&startIndex=1&count=100"
    );
    assert_eq!(
        seen[1].body,
        json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Field Sales", "members": [] })
    );
    let first = ops(&seen[2]);
    assert_eq!(first[0]["op"], "add");
    assert_eq!(first[0]["path"], "members");
    assert_eq!(
        first[0]["value"].as_array().unwrap().len(),
        2,
        "batches of 2"
    );
    assert!(
        first[0]["value"][0]["display"]
            .as_str()
            .unwrap()
            .ends_with("@example.com")
    );
    assert_eq!(
        ops(&seen[3]),
        json!([{ "op": "replace", "value": { "id": sid, "displayName": "Field Sales" } }]),
        "rename after each membership update"
    );
    assert_eq!(ops(&seen[4])[0]["value"].as_array().unwrap().len(), 1);
    assert_eq!(group["members"].as_array().unwrap().len(), 3);

    // A member leaves the group: unassigned (deactivated) and removed from the group.
    s.scim.clear_seen();
    let r = s
        .org
        .delete(&format!("/api/v1/groups/{gid}/users/{}", uids[0]))
        .await;
    assert_eq!(r.status(), 204);
    s.flush().await;
    let seen = s.scim.seen();
    let ann = s.scim.user("ann@example.com").unwrap();
    assert_eq!(ann["active"], false);
    let membership = seen
        .iter()
        .find(|r| r.path == format!("/Groups/{sid}") && ops(r)[0]["op"] == "remove")
        .unwrap();
    assert_eq!(
        ops(membership),
        json!([{ "op": "remove", "path": format!("members[value eq \"{}\"]", ann["id"].as_str().unwrap()) }])
    );
    assert_eq!(
        s.scim.group("Field Sales").unwrap()["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Rename in Okta: a replace without path.
    s.scim.clear_seen();
    s.org
        .put(
            &format!("/api/v1/groups/{gid}"),
            json!({ "profile": { "name": "Field Sales EMEA" } }),
        )
        .await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(calls(&seen), [format!("PATCH /Groups/{sid}")]);
    assert_eq!(
        ops(&seen[0]),
        json!([{ "op": "replace", "value": { "id": sid, "displayName": "Field Sales EMEA" } }])
    );
    assert!(s.scim.group("Field Sales EMEA").is_some());

    // Removing the push deletes the group in the app.
    s.scim.clear_seen();
    let r = s
        .org
        .delete(&format!("/sim/v1/apps/{}/group-push/{gid}", s.app_id))
        .await;
    assert_eq!(r.status(), 204);
    s.flush().await;
    assert_eq!(calls(&s.scim.seen()), [format!("DELETE /Groups/{sid}")]);
    assert!(s.scim.group("Field Sales EMEA").is_none());
    let r = s
        .org
        .delete(&format!("/sim/v1/apps/{}/group-push/{gid}", s.app_id))
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn aiw_apps_put_everything() {
    let s = setup(json!({ "app_type": "aiw" })).await;
    let gid = s.group("Ops").await;
    let uid = s.user("ivy@example.com", "Ivy").await;
    s.add_member(&gid, &uid).await;
    s.assign(&uid).await;
    s.org
        .post(
            &format!("/sim/v1/apps/{}/group-push", s.app_id),
            json!({ "group_id": gid }),
        )
        .await;
    s.flush().await;
    let scim_id = s.scim.user("ivy@example.com").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sid = s.scim.group("Ops").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let put = s
        .scim
        .seen()
        .into_iter()
        .find(|r| r.method == "PUT" && r.path.starts_with("/Groups/"))
        .unwrap();
    assert_eq!(
        put.body["members"],
        json!([{ "value": scim_id, "display": "ivy@example.com" }])
    );
    assert_eq!(put.body["id"], sid);

    s.scim.clear_seen();
    s.org
        .delete(&format!("/api/v1/apps/{}/users/{uid}", s.app_id))
        .await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(
        calls(&seen)[..2],
        [
            format!("GET /Users/{scim_id}"),
            format!("PUT /Users/{scim_id}")
        ]
    );
    assert_eq!(
        seen[1].body["active"], false,
        "a PUT with active false is the deactivation"
    );
    assert!(
        seen.iter().all(|r| r.method != "PATCH"),
        "AIW apps never PATCH"
    );
}

#[tokio::test]
async fn patch_for_user_updates_uses_path_ops() {
    let s = setup(json!({ "patch_user_updates": true, "attribute_mappings": {
        "urn:ietf:params:scim:schemas:extension:byndid:2.0:User:byndidRegistered": "user.byndidRegistered",
        "locale": null } })).await;
    s.org
        .post(
            "/api/v1/meta/schemas/user/default",
            json!({ "definitions": { "custom": { "id": "#custom", "type": "object", "properties": {
            "byndidRegistered": { "title": "Registered", "type": "boolean" } } } } }),
        )
        .await;
    let uid = s.user("bea@example.com", "Bea").await;
    s.assign(&uid).await;
    s.flush().await;
    let scim_id = s.scim.user("bea@example.com").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.scim.clear_seen();
    s.org
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": { "title": "Lead", "byndidRegistered": true } }),
        )
        .await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(calls(&seen), [format!("PATCH /Users/{scim_id}")]);
    assert_eq!(
        ops(&seen[0]),
        json!([
            { "op": "replace", "path": "title", "value": "Lead" },
            { "op": "replace", "path": "urn:ietf:params:scim:schemas:extension:byndid:2.0:User:byndidRegistered", "value": true }
        ])
    );
}

#[tokio::test]
async fn rate_limits_are_retried_like_okta_and_failures_recorded() {
    let s = setup_with(
        SimConfig {
            users: 5,
            groups: 1,
            apps: 1,
            simulated_time: true,
            ..Default::default()
        },
        json!({}),
    )
    .await;
    let clock = |org: &Org| {
        let sim = org.sim.sim().clone();
        move || sim.clock.now()
    };
    let now = clock(&s.org);
    let start = now();
    s.scim.fail_next(429, Some(7));
    s.scim.fail_next(429, Some(7));
    s.scim.fail_next(429, None);
    let uid = s.user("rita@example.com", "Rita").await;
    s.assign(&uid).await;
    s.flush().await;
    let tasks = s.tasks().await;
    let outcomes: Vec<(&str, &str, u64)> = tasks
        .iter()
        .map(|t| {
            (
                t["task"].as_str().unwrap(),
                t["outcome"].as_str().unwrap(),
                t["attempt"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("lookup_user", "RETRY", 1),
            ("lookup_user", "RETRY", 2),
            ("lookup_user", "RETRY", 3),
            ("lookup_user", "SUCCESS", 4),
            ("create_user", "SUCCESS", 1)
        ]
    );
    assert_eq!(tasks[0]["response"]["status"], 429);
    assert_eq!(tasks[0]["response"]["headers"]["retry-after"], 7);
    // 7 s, then 7 s doubled, then Okta's default 5 minutes doubled twice: on the
    // simulated clock, so the test never sleeps.
    assert!(
        now() - start >= (7 + 14 + 1200) * 1000,
        "waited {} ms",
        now() - start
    );

    // A 500 fails the task; it waits for Retry.
    let uid = s.user("sam@example.com", "Sam").await;
    s.scim.fail_next(500, None);
    s.assign(&uid).await;
    s.flush().await;
    let last = s.tasks().await.pop().unwrap();
    assert_eq!(last["outcome"], "FAILURE");
    assert_eq!(last["response"]["status"], 500);
    assert!(last["error"].as_str().unwrap().contains("500"));
    let status = s
        .org
        .get_json(&format!("/sim/v1/apps/{}/provisioning", s.app_id))
        .await;
    assert_eq!(status["failed_users"], json!([uid]));
    assert!(s.scim.user("sam@example.com").is_none());
    let r = s
        .org
        .post_empty(&format!("/sim/v1/apps/{}/provisioning/retry", s.app_id))
        .await;
    assert_eq!(r.status(), 202);
    s.flush().await;
    assert!(s.scim.user("sam@example.com").is_some());
    let status = s
        .org
        .get_json(&format!("/sim/v1/apps/{}/provisioning", s.app_id))
        .await;
    assert_eq!(status["failed_users"], json!([]));
}

#[tokio::test]
async fn oauth_client_credentials_and_token_refresh() {
    let scim = ScimApp::start().await;
    let s = setup(json!({ "auth": { "type": "oauth", "token_url": scim.token_url, "client_id": scim_app::CLIENT_ID, "client_secret": scim_app::CLIENT_SECRET } })).await;
    // The setup's SCIM app is the one that checks tokens; point at it.
    let r = s
        .org
        .put(
            &format!("/sim/v1/apps/{}/provisioning", s.app_id),
            json!({ "scim_base_url": s.scim.base_url, "auth": { "type": "oauth", "token_url": s.scim.token_url,
                    "client_id": scim_app::CLIENT_ID, "client_secret": scim_app::CLIENT_SECRET } }),
        )
        .await;
    assert_eq!(r.status(), 200);
    drop(scim);
    let uid = s.user("otto@example.com", "Otto").await;
    s.assign(&uid).await;
    s.flush().await;
    let seen = s.scim.seen();
    assert!(
        seen.iter().all(|r| r.auth == "Bearer issued-1"),
        "{:?}",
        seen.iter().map(|r| &r.auth).collect::<Vec<_>>()
    );
    assert_eq!(s.tasks().await[0]["task"], "oauth_token");

    // The SCIM app forgets its tokens: Okta gets a new one and retries.
    s.scim
        .store
        .lock()
        .unwrap()
        .issued_tokens
        .retain(|t| t != "issued-1");
    s.scim.clear_seen();
    s.org
        .post(
            &format!("/api/v1/users/{uid}"),
            json!({ "profile": { "title": "CTO" } }),
        )
        .await;
    s.flush().await;
    let seen = s.scim.seen();
    assert_eq!(seen[0].auth, "Bearer issued-1");
    assert!(seen[1..].iter().all(|r| r.auth == "Bearer issued-2"));
    assert_eq!(s.scim.user("otto@example.com").unwrap()["title"], "CTO");
}

#[tokio::test]
async fn mutate_and_group_assignment_drive_pushes() {
    let s = setup_with(
        SimConfig {
            users: 30,
            groups: 2,
            apps: 1,
            seed: 9,
            ..Default::default()
        },
        json!({}),
    )
    .await;
    let everyone = s.org.get_json("/api/v1/groups?q=Everyone").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.org
        .put(
            &format!("/api/v1/apps/{}/groups/{everyone}", s.app_id),
            json!({}),
        )
        .await;
    s.flush().await;
    let active = s
        .org
        .walk("/api/v1/users?filter=status%20eq%20%22ACTIVE%22")
        .await
        .len();
    let created = s.scim.seen().iter().filter(|r| r.method == "POST").count();
    assert!(
        created >= active,
        "every active assignee is created ({created} < {active})"
    );
    s.scim.clear_seen();
    let report: Value = s
        .org
        .post(
            "/sim/v1/mutate",
            json!({ "users_changed": 4, "users_deactivated": 2, "seed": 5 }),
        )
        .await
        .json()
        .await
        .unwrap();
    s.flush().await;
    let seen = s.scim.seen();
    let deactivations = seen
        .iter()
        .filter(|r| r.method == "PATCH" && ops(r)[0]["value"]["active"] == false)
        .count();
    assert_eq!(
        deactivations,
        report["deactivated"].as_array().unwrap().len()
    );
    assert!(
        seen.iter().filter(|r| r.method == "PUT").count() >= 1,
        "profile changes are pushed"
    );
}

#[tokio::test]
async fn control_api_refusals() {
    let s = setup(json!({})).await;
    let path = format!("/sim/v1/apps/{}/provisioning", s.app_id);
    let bad = json!({ "scim_base_url": "http://scim.test/scim/v2/dir_123", "auth": { "type": "bearer", "token": "t" } });
    let r = s.org.put(&path, bad).await;
    let (status, code) = error_code(r).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "E0000001"),
        "Okta refuses '_' in the base URL"
    );
    let r = s
        .org
        .put(
            &path,
            json!({ "scim_base_url": "http://x.test", "auth": { "type": "magic" } }),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = s
        .org
        .put("/sim/v1/apps/0oaNope/provisioning", json!({}))
        .await;
    assert_eq!(r.status(), 404);
    let r = s
        .org
        .post(
            &format!("/sim/v1/apps/{}/group-push", s.app_id),
            json!({ "group_id": "00gNope" }),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = s
        .org
        .with_token(Method::PUT, &path, s.org.sim.readonly_token())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "the control API needs a super admin");
    s.org.put(&path, json!({ "scim_base_url": s.scim.base_url, "auth": { "type": "bearer", "token": "t" }, "features": ["create_users"] })).await;
    let gid = s.group("NoPush").await;
    let r = s
        .org
        .post(
            &format!("/sim/v1/apps/{}/group-push", s.app_id),
            json!({ "group_id": gid }),
        )
        .await;
    assert_eq!(r.status(), 400, "Group Push is not enabled");
    let r = s.org.delete(&path).await;
    assert_eq!(r.status(), 204);
    assert_eq!(s.org.get(&path).await.status(), 404);
}
