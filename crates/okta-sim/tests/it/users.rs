use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Org, error_code};

#[tokio::test]
async fn create_returns_200_and_status_depends_on_activation_and_password() {
    let org = Org::small().await;
    let staged = org
        .create_user("staged@example.org", "?activate=false", false)
        .await;
    assert_eq!(staged["status"], "STAGED");
    assert_eq!(staged["activated"], Value::Null);
    let provisioned = org.create_user("prov@example.org", "", false).await;
    assert_eq!(provisioned["status"], "PROVISIONED");
    let active = org
        .create_user("active@example.org", "?activate=true", true)
        .await;
    assert_eq!(active["status"], "ACTIVE");
    assert_eq!(active["credentials"]["password"], json!({}));
    assert_eq!(active["credentials"]["provider"]["type"], "OKTA");
    assert!(
        active["_links"]["suspend"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/lifecycle/suspend")
    );
    assert_eq!(active["id"].as_str().unwrap().len(), 20);
    assert!(active["id"].as_str().unwrap().starts_with("00u"));
    let expired = org
        .create_user("exp@example.org", "?nextLogin=changePassword", true)
        .await;
    assert_eq!(expired["status"], "PASSWORD_EXPIRED");
}

#[tokio::test]
async fn create_validation_errors() {
    let org = Org::small().await;
    org.create_user("dup@example.org", "", true).await;
    let dup = org.post("/api/v1/users", json!({ "profile": { "firstName": "A", "lastName": "B", "email": "x@y.z", "login": "DUP@example.org" } })).await;
    assert_eq!(error_code(dup).await, (400, "E0000001".into()));
    let missing = org
        .post(
            "/api/v1/users",
            json!({ "profile": { "firstName": "A", "email": "m@y.z", "login": "m@y.z" } }),
        )
        .await;
    assert_eq!(error_code(missing).await, (400, "E0000001".into()));
    let not_email = org.post("/api/v1/users", json!({ "profile": { "firstName": "A", "lastName": "B", "email": "m@y.z", "login": "plainname" } })).await;
    assert_eq!(error_code(not_email).await, (400, "E0000001".into()));
    let emoji = org.post("/api/v1/users", json!({ "profile": { "firstName": "A😀", "lastName": "B", "email": "e@y.z", "login": "e@y.z" } })).await;
    assert_eq!(error_code(emoji).await, (400, "E0000001".into()));
    let unknown = org.post("/api/v1/users", json!({ "profile": { "firstName": "A", "lastName": "B", "email": "u@y.z", "login": "u@y.z", "shoeSize": 9 } })).await;
    assert_eq!(error_code(unknown).await, (400, "E0000001".into()));
    let bad_json = org
        .req(Method::POST, "/api/v1/users")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(bad_json).await, (400, "E0000003".into()));
    let bad_group = org.post("/api/v1/users", json!({ "profile": { "firstName": "A", "lastName": "B", "email": "g@y.z", "login": "g@y.z" }, "groupIds": ["00gnope"] })).await;
    assert_eq!(error_code(bad_group).await, (400, "E0000001".into()));
    let pw_without_activate = org.req(Method::POST, "/api/v1/users?activate=false&nextLogin=changePassword")
        .json(&json!({ "profile": { "firstName": "A", "lastName": "B", "email": "p@y.z", "login": "p@y.z" }, "credentials": { "password": { "value": "Xx-123456789!" } } }))
        .send().await.unwrap();
    assert_eq!(
        error_code(pw_without_activate).await,
        (400, "E0000125".into())
    );
}

#[tokio::test]
async fn create_with_group_ids_adds_memberships() {
    let org = Org::small().await;
    let g: Value = org
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "New Hires" } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let gid = g["id"].as_str().unwrap();
    let r = org.post("/api/v1/users", json!({ "profile": { "firstName": "A", "lastName": "B", "email": "gi@y.z", "login": "gi@y.z" }, "groupIds": [gid] })).await;
    assert_eq!(r.status(), 200);
    let uid = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let groups: Vec<Value> = org
        .get_json(&format!("/api/v1/users/{uid}/groups"))
        .await
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g["profile"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"New Hires") && names.contains(&"Everyone"));
}

#[tokio::test]
async fn get_by_id_login_short_name_and_me() {
    let org = Org::small().await;
    let u = org.create_user("lee.park@example.org", "", true).await;
    let id = u["id"].as_str().unwrap();
    let r = org.get(&format!("/api/v1/users/{id}")).await;
    assert!(r.headers().get("etag").is_some());
    assert_eq!(r.json::<Value>().await.unwrap()["id"], u["id"]);
    assert_eq!(
        org.get_json("/api/v1/users/lee.park%40example.org").await["id"],
        u["id"]
    );
    assert_eq!(
        org.get_json("/api/v1/users/LEE.PARK%40example.org").await["id"],
        u["id"]
    );
    assert_eq!(org.get_json("/api/v1/users/lee.park").await["id"], u["id"]);
    let me = org.get_json("/api/v1/users/me").await;
    assert_eq!(me["profile"]["login"], "admin@example.com");
    let missing = org.get("/api/v1/users/00unothere0000000000").await;
    assert_eq!(error_code(missing).await, (404, "E0000007".into()));
}

#[tokio::test]
async fn partial_update_merges_and_put_replaces() {
    let org = Org::small().await;
    let u = org.create_user("upd@example.org", "", true).await;
    let id = u["id"].as_str().unwrap();
    let r = org
        .post(
            &format!("/api/v1/users/{id}"),
            json!({ "profile": { "department": "Finance", "title": "Analyst" } }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let after: Value = r.json().await.unwrap();
    assert_eq!(after["profile"]["department"], "Finance");
    assert_eq!(after["profile"]["firstName"], "Test");
    assert!(after["lastUpdated"].as_str().unwrap() >= u["lastUpdated"].as_str().unwrap());
    let r = org.put(&format!("/api/v1/users/{id}"), json!({ "profile": { "firstName": "New", "lastName": "Name", "email": "upd@example.org", "login": "upd@example.org" } })).await;
    let replaced: Value = r.json().await.unwrap();
    assert_eq!(replaced["profile"]["firstName"], "New");
    assert!(
        replaced["profile"].get("department").is_none(),
        "PUT deletes attributes not sent"
    );
    let incomplete = org
        .put(
            &format!("/api/v1/users/{id}"),
            json!({ "profile": { "firstName": "Only" } }),
        )
        .await;
    assert_eq!(error_code(incomplete).await, (400, "E0000001".into()));
    let clash = org.create_user("other@example.org", "", true).await;
    let r = org
        .post(
            &format!("/api/v1/users/{}", clash["id"].as_str().unwrap()),
            json!({ "profile": { "login": "upd@example.org" } }),
        )
        .await;
    assert_eq!(error_code(r).await, (400, "E0000001".into()));
    let pw = org
        .post(
            &format!("/api/v1/users/{id}"),
            json!({ "credentials": { "password": { "value": "Another-Passw0rd!" } } }),
        )
        .await;
    assert_eq!(pw.status(), 200);
}

#[tokio::test]
async fn filter_search_and_q() {
    let org = Org::small().await;
    let u = org.create_user("findme.zz@example.org", "", true).await;
    let by_login = org
        .walk("/api/v1/users?filter=profile.login%20eq%20%22findme.zz%40example.org%22")
        .await;
    assert_eq!(by_login.len(), 1);
    let case = org
        .walk("/api/v1/users?filter=profile.login%20eq%20%22FINDME.ZZ%40example.org%22")
        .await;
    assert!(case.is_empty(), "filter values are case-sensitive");
    let since = u["lastUpdated"].as_str().unwrap();
    let recent = org
        .walk(&format!(
            "/api/v1/users?filter=lastUpdated%20ge%20%22{since}%22"
        ))
        .await;
    assert!(recent.iter().any(|x| x["id"] == u["id"]));
    let deprov = org
        .walk("/api/v1/users?filter=status%20eq%20%22DEPROVISIONED%22")
        .await;
    assert!(!deprov.is_empty() && deprov.iter().all(|x| x["status"] == "DEPROVISIONED"));
    let plain = org.walk("/api/v1/users").await;
    assert!(
        plain.iter().all(|x| x["status"] != "DEPROVISIONED"),
        "plain list hides DEPROVISIONED"
    );
    let bad_attr = org
        .get("/api/v1/users?filter=profile.department%20eq%20%22Sales%22")
        .await;
    assert_eq!(error_code(bad_attr).await, (400, "E0000031".into()));
    let bad_op = org
        .get("/api/v1/users?filter=status%20sw%20%22ACT%22")
        .await;
    assert_eq!(error_code(bad_op).await, (400, "E0000031".into()));
    let both = org
        .get("/api/v1/users?filter=status%20eq%20%22ACTIVE%22&search=status%20eq%20%22ACTIVE%22")
        .await;
    assert_eq!(error_code(both).await, (400, "E0000033".into()));
    let search = org
        .walk("/api/v1/users?search=profile.login%20co%20%22FINDME%22")
        .await;
    assert_eq!(
        search.len(),
        1,
        "search is case-insensitive and supports co on login"
    );
    let dept = org.walk("/api/v1/users?search=profile.department%20eq%20%22engineering%22%20and%20status%20eq%20%22ACTIVE%22").await;
    assert!(
        dept.iter()
            .all(|x| x["profile"]["department"] == "Engineering" && x["status"] == "ACTIVE")
    );
    let ne = org
        .get("/api/v1/users?search=status%20ne%20%22ACTIVE%22")
        .await;
    assert_eq!(error_code(ne).await, (400, "E0000031".into()));
    let sorted = org.walk("/api/v1/users?search=status%20eq%20%22ACTIVE%22&sortBy=profile.lastName&sortOrder=asc&limit=5").await;
    let names: Vec<String> = sorted
        .iter()
        .map(|x| x["profile"]["lastName"].as_str().unwrap().to_lowercase())
        .collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names, expected);
    let q = org.get("/api/v1/users?q=findme").await;
    assert!(crate::common::next_link(&q).is_none(), "q is not paged");
    let qs: Vec<Value> = q.json().await.unwrap();
    assert_eq!(qs.len(), 1);
}

#[tokio::test]
async fn delete_twice_deactivates_then_deletes() {
    let org = Org::small().await;
    let u = org.create_user("gone@example.org", "", true).await;
    let path = format!("/api/v1/users/{}", u["id"].as_str().unwrap());
    assert_eq!(org.delete(&path).await.status(), 204);
    assert_eq!(org.get_json(&path).await["status"], "DEPROVISIONED");
    assert_eq!(org.delete(&path).await.status(), 204);
    assert_eq!(
        error_code(org.get(&path).await).await,
        (404, "E0000007".into())
    );
    assert_eq!(
        error_code(org.delete(&path).await).await,
        (404, "E0000007".into())
    );
}

#[tokio::test]
async fn app_links_list_assigned_apps() {
    let org = Org::small().await;
    let u = org.create_user("links@example.org", "", true).await;
    let uid = u["id"].as_str().unwrap();
    let app: Value = org.post("/api/v1/apps", json!({ "label": "Docs", "signOnMode": "BOOKMARK", "settings": { "app": { "url": "https://docs.example" } } })).await.json().await.unwrap();
    let aid = app["id"].as_str().unwrap();
    assert_eq!(
        org.post(&format!("/api/v1/apps/{aid}/users"), json!({ "id": uid }))
            .await
            .status(),
        200
    );
    let links = org.get_json(&format!("/api/v1/users/{uid}/appLinks")).await;
    assert_eq!(links[0]["appInstanceId"], aid);
    assert_eq!(links[0]["label"], "Docs");
}
