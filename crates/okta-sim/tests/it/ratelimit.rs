use okta_sim::SimConfig;
use serde_json::{Value, json};

use crate::common::{Org, error_code};

fn header(r: &reqwest::Response, name: &str) -> i64 {
    r.headers()[name].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn buckets_count_down_refuse_with_e0000047_and_reset_in_simulated_time() {
    let org = Org::start(SimConfig {
        users: 10,
        groups: 2,
        rate_limit_per_min: Some(5),
        simulated_time: true,
        ..Default::default()
    })
    .await;
    let mut remaining = Vec::new();
    for _ in 0..5 {
        let r = org.get("/api/v1/users?limit=1").await;
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "x-rate-limit-limit"), 5);
        remaining.push(header(&r, "x-rate-limit-remaining"));
    }
    assert_eq!(remaining, vec![4, 3, 2, 1, 0]);
    let limited = org.get("/api/v1/users?limit=1").await;
    let reset = header(&limited, "x-rate-limit-reset");
    assert_eq!(header(&limited, "x-rate-limit-remaining"), 0);
    assert!(reset > org.sim.sim().clock.now() / 1000);
    assert_eq!(error_code(limited).await, (429, "E0000047".into()));
    // Another bucket is unaffected.
    assert_eq!(org.get("/api/v1/groups").await.status(), 200);
    org.sim.advance_time(60_000);
    assert_eq!(
        org.get("/api/v1/users?limit=1").await.status(),
        200,
        "a new window after Reset"
    );
    let stats = org.get_json("/sim/v1/stats").await;
    assert_eq!(stats["rate_limited"], 1);
    assert_eq!(stats["api_calls"]["GET /api/v1/users"], 7);
    let log: Vec<Value> = org
        .get("/api/v1/logs?filter=eventType%20sw%20%22system.org.rate_limit%22")
        .await
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = log
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"system.org.rate_limit.warning")
            && types.contains(&"system.org.rate_limit.violation"),
        "{types:?}"
    );
}

#[tokio::test]
async fn per_token_share_caps_a_single_caller() {
    let org = Org::start(SimConfig {
        users: 5,
        groups: 1,
        rate_limit_per_min: Some(4),
        token_share_percent: 50,
        simulated_time: true,
        ..Default::default()
    })
    .await;
    assert_eq!(org.get("/api/v1/logs").await.status(), 200);
    assert_eq!(org.get("/api/v1/logs").await.status(), 200);
    assert_eq!(org.get("/api/v1/logs").await.status(), 429);
    let ro = org
        .with_token(
            reqwest::Method::GET,
            "/api/v1/logs",
            org.sim.readonly_token(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ro.status(), 200, "another token has its own share");
}

#[tokio::test]
async fn concurrency_limit_answers_429_with_zero_limit() {
    let org = Org::start(SimConfig {
        users: 5,
        groups: 1,
        concurrency_limit: 1,
        ..Default::default()
    })
    .await;
    org.post(
        "/sim/v1/faults",
        json!({ "path_prefix": "/api/v1/groups", "kind": "latency", "ms": 400, "count": 1 }),
    )
    .await;
    let slow = {
        let req = org.req(reqwest::Method::GET, "/api/v1/groups");
        tokio::spawn(async move { req.send().await.unwrap().status() })
    };
    // Wait until the slow request holds the only permit.
    while org.sim.sim().concurrency.available_permits() == 1 {
        tokio::task::yield_now().await;
        if slow.is_finished() {
            break;
        }
    }
    let r = org.get("/api/v1/users?limit=1").await;
    if r.status() == 429 {
        assert_eq!(header(&r, "x-rate-limit-limit"), 0);
        assert_eq!(error_code(r).await, (429, "E0000047".into()));
    } else {
        panic!(
            "expected 429 while the only permit is held, got {}",
            r.status()
        );
    }
    assert_eq!(slow.await.unwrap(), 200);
}
