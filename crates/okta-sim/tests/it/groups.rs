use serde_json::{Value, json};

use crate::common::{Org, error_code, ids};

#[tokio::test]
async fn group_crud_and_membership() {
    let org = Org::small().await;
    let r = org
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "Sales EMEA", "description": "Deals" } }),
        )
        .await;
    assert_eq!(r.status(), 200, "create answers 200, not 201");
    let g: Value = r.json().await.unwrap();
    let gid = g["id"].as_str().unwrap().to_owned();
    assert!(gid.starts_with("00g") && gid.len() == 20);
    assert_eq!(g["type"], "OKTA_GROUP");
    assert_eq!(g["objectClass"], json!(["okta:user_group"]));
    let dup = org
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "sales emea" } }),
        )
        .await;
    assert_eq!(error_code(dup).await, (400, "E0000001".into()));
    let nameless = org
        .post(
            "/api/v1/groups",
            json!({ "profile": { "description": "x" } }),
        )
        .await;
    assert_eq!(error_code(nameless).await, (400, "E0000001".into()));
    let u = org.create_user("member@example.org", "", true).await;
    let uid = u["id"].as_str().unwrap();
    assert_eq!(
        org.put(&format!("/api/v1/groups/{gid}/users/{uid}"), json!(null))
            .await
            .status(),
        204
    );
    assert_eq!(
        org.put(&format!("/api/v1/groups/{gid}/users/{uid}"), json!(null))
            .await
            .status(),
        204,
        "idempotent"
    );
    let members = org.walk(&format!("/api/v1/groups/{gid}/users")).await;
    assert_eq!(ids(&members), vec![uid.to_owned()]);
    let after_add = org.get_json(&format!("/api/v1/groups/{gid}")).await;
    assert!(
        after_add["lastMembershipUpdated"].as_str().unwrap()
            >= g["lastMembershipUpdated"].as_str().unwrap()
    );
    let stats = org
        .get_json(&format!("/api/v1/groups/{gid}?expand=stats"))
        .await;
    assert_eq!(stats["_embedded"]["stats"]["usersCount"], 1);
    assert_eq!(
        org.delete(&format!("/api/v1/groups/{gid}/users/{uid}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        org.delete(&format!("/api/v1/groups/{gid}/users/{uid}"))
            .await
            .status(),
        204,
        "removing a non-member succeeds"
    );
    let missing_user = org
        .put(
            &format!("/api/v1/groups/{gid}/users/00unothere0000000000"),
            json!(null),
        )
        .await;
    assert_eq!(error_code(missing_user).await, (404, "E0000007".into()));
    let r = org
        .put(
            &format!("/api/v1/groups/{gid}"),
            json!({ "profile": { "name": "Sales Europe" } }),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["profile"],
        json!({ "name": "Sales Europe" })
    );
    assert_eq!(
        org.delete(&format!("/api/v1/groups/{gid}")).await.status(),
        204
    );
    assert_eq!(
        error_code(org.get(&format!("/api/v1/groups/{gid}")).await).await,
        (404, "E0000007".into())
    );
}

#[tokio::test]
async fn everyone_and_app_groups_are_protected() {
    let org = Org::start(okta_sim::SimConfig {
        users: 30,
        groups: 20,
        ..Default::default()
    })
    .await;
    let everyone = org.walk("/api/v1/groups?q=Everyone").await;
    assert_eq!(everyone[0]["type"], "BUILT_IN");
    let eid = everyone[0]["id"].as_str().unwrap();
    let u = org.create_user("prot@example.org", "", true).await;
    let uid = u["id"].as_str().unwrap();
    assert_eq!(
        error_code(
            org.put(&format!("/api/v1/groups/{eid}/users/{uid}"), json!(null))
                .await
        )
        .await,
        (400, "E0000001".into())
    );
    assert_eq!(
        error_code(
            org.put(
                &format!("/api/v1/groups/{eid}"),
                json!({ "profile": { "name": "All" } })
            )
            .await
        )
        .await,
        (403, "E0000006".into())
    );
    assert_eq!(
        error_code(org.delete(&format!("/api/v1/groups/{eid}")).await).await,
        (403, "E0000006".into())
    );
    let app_groups = org
        .walk("/api/v1/groups?filter=type%20eq%20%22APP_GROUP%22")
        .await;
    assert!(!app_groups.is_empty());
    let agid = app_groups[0]["id"].as_str().unwrap();
    assert_eq!(
        error_code(
            org.put(&format!("/api/v1/groups/{agid}/users/{uid}"), json!(null))
                .await
        )
        .await,
        (400, "E0000001".into())
    );
}

#[tokio::test]
async fn group_filters_search_q_and_apps() {
    let org = Org::start(okta_sim::SimConfig {
        users: 60,
        groups: 12,
        apps: 4,
        ..Default::default()
    })
    .await;
    let okta = org
        .walk("/api/v1/groups?filter=type%20eq%20%22OKTA_GROUP%22")
        .await;
    assert!(okta.iter().all(|g| g["type"] == "OKTA_GROUP"));
    let eng = org
        .walk("/api/v1/groups?search=profile.name%20sw%20%22eng%22")
        .await;
    assert_eq!(eng[0]["profile"]["name"], "Engineering");
    let q = org.get_json("/api/v1/groups?q=Team").await;
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .all(|g| g["profile"]["name"].as_str().unwrap().starts_with("Team"))
    );
    let bad = org
        .get("/api/v1/groups?filter=profile.name%20eq%20%22x%22")
        .await;
    assert_eq!(error_code(bad).await, (400, "E0000031".into()));
    let since = org
        .walk("/api/v1/groups?filter=lastMembershipUpdated%20gt%20%222000-01-01T00:00:00.000Z%22")
        .await;
    assert_eq!(since.len(), org.sim.counts().groups);
    let gid = {
        let o = org.sim.org();
        o.apps
            .values()
            .flat_map(|a| a.groups.keys())
            .next()
            .unwrap()
            .clone()
    };
    let apps = org.walk(&format!("/api/v1/groups/{gid}/apps")).await;
    assert!(!apps.is_empty());
}
