use serde_json::{Value, json};

use crate::common::{Org, error_code, next_link};

#[tokio::test]
async fn polling_always_has_next_and_picks_up_new_events() {
    let org = Org::small().await;
    let r = org.get("/api/v1/logs?sortOrder=ASCENDING&limit=1000").await;
    let mut next = next_link(&r).expect("polling always has next");
    assert!(!next.contains("since="));
    let first: Vec<Value> = r.json().await.unwrap();
    assert!(first.is_empty(), "a generated org starts with an empty log");
    let empty = org.get(&next).await;
    let again = next_link(&empty).unwrap();
    assert_eq!(empty.json::<Vec<Value>>().await.unwrap().len(), 0);
    assert_eq!(again, next, "an empty page returns the same cursor");
    let u = org.create_user("logged@example.org", "", true).await;
    let uid = u["id"].as_str().unwrap();
    org.post(
        &format!("/api/v1/users/{uid}"),
        json!({ "profile": { "title": "CTO" } }),
    )
    .await;
    let r = org.get(&next).await;
    next = next_link(&r).unwrap();
    let events: Vec<Value> = r.json().await.unwrap();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "user.lifecycle.create",
            "user.lifecycle.activate",
            "user.account.update_profile"
        ]
    );
    let e = &events[2];
    assert_eq!(e["target"][0]["type"], "User");
    assert_eq!(e["target"][0]["id"], uid);
    assert_eq!(e["actor"]["alternateId"], "admin@example.com");
    assert!(
        e["transaction"]["detail"]["requestApiTokenId"]
            .as_str()
            .unwrap()
            .starts_with("00T")
    );
    assert_eq!(e["uuid"].as_str().unwrap().len(), 36);
    assert!(
        org.get(&next)
            .await
            .json::<Vec<Value>>()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn small_pages_walk_the_log_in_persistence_order() {
    let org = Org::small().await;
    for i in 0..5 {
        org.post(
            "/api/v1/groups",
            json!({ "profile": { "name": format!("G{i}") } }),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut url = org.url("/api/v1/logs?limit=2");
    loop {
        let r = org.get(&url).await;
        url = next_link(&r).unwrap();
        let page: Vec<Value> = r.json().await.unwrap();
        if page.is_empty() {
            break;
        }
        seen.extend(
            page.into_iter()
                .map(|e| e["target"][0]["displayName"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(seen, vec!["G0", "G1", "G2", "G3", "G4"]);
}

#[tokio::test]
async fn filters_bounded_queries_and_errors() {
    let org = Org::small().await;
    let u = org.create_user("f@example.org", "", true).await;
    let uid = u["id"].as_str().unwrap();
    org.post_empty(&format!("/api/v1/users/{uid}/lifecycle/suspend"))
        .await;
    let r = org
        .get("/api/v1/logs?filter=eventType%20eq%20%22user.lifecycle.suspend%22")
        .await;
    let events: Vec<Value> = r.json().await.unwrap();
    assert_eq!(events.len(), 1);
    let sw = org.get("/api/v1/logs?filter=eventType%20sw%20%22user.lifecycle.%22%20and%20outcome.result%20eq%20%22SUCCESS%22").await;
    assert_eq!(sw.json::<Vec<Value>>().await.unwrap().len(), 3);
    let q = org.get("/api/v1/logs?q=suspend").await;
    assert_eq!(q.json::<Vec<Value>>().await.unwrap().len(), 1);
    let until = "2999-01-01T00:00:00.000Z";
    let since = "2000-01-01T00:00:00.000Z";
    let bounded = org
        .get(&format!(
            "/api/v1/logs?since={}&until={until}&limit=2",
            okta_sim::clock::format_ms(org.sim.sim().clock.now() - 3_600_000)
        ))
        .await;
    assert!(next_link(&bounded).is_some(), "three events, pages of two");
    let next = next_link(&bounded).unwrap();
    let last = org.get(&next).await;
    assert!(next_link(&last).is_none(), "bounded queries end");
    let too_old = org.get(&format!("/api/v1/logs?since={since}")).await;
    assert_eq!(error_code(too_old).await, (400, "E0000053".into()));
    let bad_date = org.get("/api/v1/logs?since=yesterday").await;
    assert_eq!(error_code(bad_date).await, (400, "E0000001".into()));
    let published = org
        .get("/api/v1/logs?filter=published%20gt%20%222026-01-01T00:00:00Z%22")
        .await;
    assert_eq!(error_code(published).await, (400, "E0000053".into()));
    let broken = org.get("/api/v1/logs?filter=eventType%20eq").await;
    assert_eq!(error_code(broken).await, (400, "E0000053".into()));
    let desc = org.get("/api/v1/logs?sortOrder=DESCENDING").await;
    let d: Vec<Value> = desc.json().await.unwrap();
    assert_eq!(d[0]["eventType"], "user.lifecycle.suspend");
}
