use std::collections::{HashMap, HashSet};

use okta_sim::{MutateSpec, SimConfig};
use serde_json::{Value, json};

use crate::common::{Org, ids, link, next_link};

#[tokio::test]
async fn user_walk_sees_every_user_once_and_links_repeat_the_query() {
    let org = Org::start(SimConfig {
        users: 230,
        groups: 4,
        ..Default::default()
    })
    .await;
    let r = org
        .get("/api/v1/users?limit=7&filter=status%20eq%20%22ACTIVE%22")
        .await;
    let next = next_link(&r).unwrap();
    assert!(
        next.contains("filter=status%20eq%20%22ACTIVE%22")
            && next.contains("limit=7")
            && next.contains("after=")
    );
    assert!(
        link(&r, "self")
            .unwrap()
            .ends_with("/api/v1/users?limit=7&filter=status%20eq%20%22ACTIVE%22")
    );
    let all = org.walk("/api/v1/users?limit=7").await;
    let unique: HashSet<_> = ids(&all).into_iter().collect();
    assert_eq!(unique.len(), all.len(), "no duplicates");
    let expected = org
        .sim
        .org()
        .users
        .values()
        .filter(|u| u.status.as_str() != "DEPROVISIONED")
        .count();
    assert_eq!(all.len(), expected);
    let big = org.get("/api/v1/users?limit=5000").await;
    let page: Vec<Value> = big.json().await.unwrap();
    assert_eq!(page.len(), 200, "users limit is capped at 200");
}

#[tokio::test]
async fn walk_during_concurrent_mutation_sees_stable_records_exactly_once() {
    let org = Org::start(SimConfig {
        users: 600,
        groups: 8,
        ..Default::default()
    })
    .await;
    let before: HashSet<String> = org
        .sim
        .org()
        .users
        .values()
        .filter(|u| u.status.as_str() == "ACTIVE")
        .map(|u| u.id.clone())
        .collect();
    let sim = org.sim.sim().clone();
    let mutator = tokio::spawn(async move {
        let mut touched = HashSet::new();
        for round in 0..30u64 {
            let ctx = sim.system_ctx();
            let report = okta_sim::mutate::mutate(
                &mut sim.write(),
                &ctx,
                &MutateSpec {
                    users_changed: 5,
                    users_deactivated: 2,
                    users_created: 3,
                    memberships_changed: 5,
                    seed: Some(round),
                },
            );
            touched.extend(report.deactivated);
            tokio::task::yield_now().await;
        }
        touched
    });
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut next = Some(org.url("/api/v1/users?limit=13&filter=status%20eq%20%22ACTIVE%22"));
    while let Some(url) = next {
        let r = org.get(&url).await;
        next = next_link(&r);
        for u in r.json::<Vec<Value>>().await.unwrap() {
            *seen
                .entry(u["id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        tokio::task::yield_now().await;
    }
    let deactivated = mutator.await.unwrap();
    assert!(seen.values().all(|n| *n == 1), "every record at most once");
    for id in before.difference(&deactivated) {
        assert_eq!(
            seen.get(id),
            Some(&1),
            "user {id} active throughout the walk must be seen exactly once"
        );
    }
}

#[tokio::test]
async fn group_members_and_app_users_paginate_without_gaps() {
    let org = Org::start(SimConfig {
        users: 300,
        groups: 3,
        apps: 1,
        ..Default::default()
    })
    .await;
    let (gid, size) = {
        let o = org.sim.org();
        let g = o
            .groups
            .values()
            .filter(|g| g.kind.as_str() == "OKTA_GROUP")
            .max_by_key(|g| g.members.len())
            .unwrap();
        (g.id.clone(), g.members.len())
    };
    let members = org
        .walk(&format!("/api/v1/groups/{gid}/users?limit=9"))
        .await;
    assert_eq!(members.len(), size);
    assert_eq!(
        ids(&members).into_iter().collect::<HashSet<_>>().len(),
        size
    );
    // An app assigned to a group and to a few users directly lists the union once.
    let app: Value = org.post("/api/v1/apps", json!({ "label": "Union", "signOnMode": "BOOKMARK", "settings": { "app": { "url": "https://u.example" } } })).await.json().await.unwrap();
    let aid = app["id"].as_str().unwrap();
    assert_eq!(
        org.put(&format!("/api/v1/apps/{aid}/groups/{gid}"), json!({}))
            .await
            .status(),
        200
    );
    let direct: Vec<String> = ids(&members).into_iter().take(3).collect();
    let outsider = org.create_user("outsider@example.org", "", true).await;
    for uid in direct
        .iter()
        .chain([outsider["id"].as_str().unwrap().to_owned()].iter())
    {
        assert_eq!(
            org.post(&format!("/api/v1/apps/{aid}/users"), json!({ "id": uid }))
                .await
                .status(),
            200
        );
    }
    let app_users = org
        .walk(&format!("/api/v1/apps/{aid}/users?limit=11"))
        .await;
    assert_eq!(app_users.len(), size + 1);
    assert_eq!(
        ids(&app_users).into_iter().collect::<HashSet<_>>().len(),
        size + 1
    );
    let scopes: HashMap<String, String> = app_users
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_owned(),
                a["scope"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(scopes[&direct[0]], "USER");
    assert_eq!(scopes.values().filter(|s| *s == "GROUP").count(), size - 3);
}

#[tokio::test]
async fn groups_and_apps_lists_page_by_cursor() {
    let org = Org::start(SimConfig {
        users: 50,
        groups: 25,
        apps: 7,
        ..Default::default()
    })
    .await;
    let groups = org.walk("/api/v1/groups?limit=4").await;
    assert_eq!(groups.len(), org.sim.counts().groups);
    let apps = org.walk("/api/v1/apps?limit=2").await;
    assert_eq!(apps.len(), org.sim.counts().apps);
    let r = org.get("/api/v1/users?limit=abc").await;
    assert_eq!(crate::common::error_code(r).await, (400, "E0000029".into()));
}
