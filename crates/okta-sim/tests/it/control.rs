use okta_sim::SimConfig;
use serde_json::{Value, json};

use crate::common::Org;

#[tokio::test]
async fn counts_mutate_stats_and_reset() {
    let org = Org::start(SimConfig {
        users: 120,
        groups: 8,
        apps: 2,
        ..Default::default()
    })
    .await;
    let counts = org.get_json("/sim/v1/counts").await;
    assert_eq!(counts["users"], 122, "generated people plus the two admins");
    assert_eq!(counts["groups"], 9);
    assert_eq!(
        counts["apps"], 3,
        "generated apps plus the built-in service app"
    );
    assert!(counts["memberships"].as_u64().unwrap() > 0);
    let report = org.post("/sim/v1/mutate", json!({ "users_changed": 5, "users_deactivated": 3, "users_created": 4, "memberships_changed": 6, "seed": 9 })).await;
    let report: Value = report.json().await.unwrap();
    assert_eq!(report["created"].as_array().unwrap().len(), 4);
    assert_eq!(report["changed"].as_array().unwrap().len(), 5);
    assert_eq!(report["deactivated"].as_array().unwrap().len(), 3);
    assert_eq!(report["memberships"].as_array().unwrap().len(), 6);
    assert_eq!(org.get_json("/sim/v1/counts").await["users"], 126);
    let log: Vec<Value> = org
        .get("/api/v1/logs?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    let count = |t: &str| log.iter().filter(|e| e["eventType"] == t).count();
    assert_eq!(count("user.lifecycle.create"), 4);
    assert_eq!(count("user.account.update_profile"), 5);
    assert_eq!(count("user.lifecycle.deactivate"), 3);
    assert_eq!(
        count("group.user_membership.add") + count("group.user_membership.remove"),
        6
    );
    let added: Value = org
        .post("/sim/v1/users", json!({ "count": 3, "seed": 1 }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(added["ids"].as_array().unwrap().len(), 3);
    let stats = org.get_json("/sim/v1/stats").await;
    assert_eq!(stats["api_calls"]["GET /api/v1/logs"], 1);
    assert!(
        stats["api_calls"].get("GET /sim/v1/counts").is_none(),
        "control calls are not counted"
    );
    assert_eq!(
        org.post("/sim/v1/stats/reset", json!(null)).await.status(),
        204
    );
    assert_eq!(org.get_json("/sim/v1/stats").await["api_calls"], json!({}));
    let reset = org.post("/sim/v1/reset", json!(null)).await;
    assert_eq!(reset.json::<Value>().await.unwrap()["users"], 122);
    let clock = org.get_json("/sim/v1/clock").await;
    let advanced = org
        .post("/sim/v1/clock/advance", json!({ "seconds": 10 }))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(advanced["epoch_ms"].as_i64().unwrap() >= clock["epoch_ms"].as_i64().unwrap() + 10_000);
}

#[tokio::test]
async fn generation_is_deterministic_per_seed() {
    let a = okta_sim::spawn(SimConfig {
        users: 80,
        groups: 6,
        seed: 42,
        ..Default::default()
    })
    .await
    .unwrap();
    let b = okta_sim::spawn(SimConfig {
        users: 80,
        groups: 6,
        seed: 42,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = okta_sim::spawn(SimConfig {
        users: 80,
        groups: 6,
        seed: 43,
        ..Default::default()
    })
    .await
    .unwrap();
    let ids = |h: &okta_sim::SimHandle| h.org().users.keys().cloned().collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_ne!(ids(&a), ids(&c));
    let logins = |h: &okta_sim::SimHandle| {
        h.org()
            .users
            .values()
            .map(|u| u.login().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(logins(&a), logins(&b));
    assert_eq!(a.admin_token(), b.admin_token());
    let org = a.org();
    let statuses: std::collections::HashSet<_> = org.users.values().map(|u| u.status).collect();
    assert!(statuses.len() >= 4, "statuses spread across the lifecycle");
    assert!(
        org.users
            .values()
            .any(|u| u.profile.contains_key("managerId"))
    );
    let mut sizes: Vec<usize> = org.groups.values().map(|g| g.members.len()).collect();
    sizes.sort_unstable();
    assert!(
        sizes.last().unwrap() > &(sizes[sizes.len() / 2] * 2),
        "group sizes are skewed"
    );
}

#[tokio::test]
async fn state_snapshot_round_trip() {
    let path = std::env::temp_dir().join(format!("okta-sim-state-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let config = SimConfig {
        users: 20,
        groups: 3,
        state_file: Some(path.clone()),
        ..Default::default()
    };
    let first = Org::start(config.clone()).await;
    let u = first.create_user("persisted@example.org", "", true).await;
    let token = first.sim.admin_token().to_owned();
    let pem = first.sim.oauth_private_key_pem().to_owned();
    first.sim.shutdown().await;
    let second = Org::start(config).await;
    assert_eq!(second.sim.admin_token(), token);
    assert_eq!(second.sim.oauth_private_key_pem(), pem);
    assert_eq!(
        second
            .get_json(&format!("/api/v1/users/{}", u["id"].as_str().unwrap()))
            .await["profile"]["login"],
        "persisted@example.org"
    );
    let log: Vec<Value> = second.get("/api/v1/logs").await.json().await.unwrap();
    assert!(!log.is_empty());
    let _ = std::fs::remove_file(&path);
}
