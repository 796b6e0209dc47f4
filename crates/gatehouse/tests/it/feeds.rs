//! `/api/v1/events` and `/api/v1/audit` over HTTP.

use axum::http::StatusCode;
use serde_json::json;
use store::{Backend, EventRecord, OrgId};

use crate::helpers::{TestApp, error_code};

async fn events_page_and_poll(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("A").await;
    let org_id = OrgId::parse(&org).unwrap();
    for n in 0..3 {
        let mut tx = app.db.begin().await.unwrap();
        tx.emit(EventRecord {
            event_type: "user.created",
            org_id: org_id.clone(),
            directory_id: None,
            data: json!({ "n": n }),
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let first = app.get(&format!("/api/v1/events?org={org}&limit=2")).await;
    assert_eq!(first.status, StatusCode::OK);
    // An empty cursor (a client's "cursor so far" before the first page) starts over.
    let from_empty = app
        .get(&format!("/api/v1/events?org={org}&limit=2&after="))
        .await;
    assert_eq!(from_empty.status, StatusCode::OK, "{}", from_empty.text);
    assert_eq!(from_empty.body, first.body);
    let data = first.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["type"], "user.created");
    assert_eq!(data[0]["org_id"], org.as_str());
    assert!(data[0]["id"].as_str().unwrap().starts_with("evt_"));
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/events?org={org}&after={cursor}"))
        .await;
    assert_eq!(second.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(second.body["data"][0]["data"]["n"], 2);
    let cursor = second.body["next_cursor"].as_str().unwrap();
    let empty = app
        .get(&format!("/api/v1/events?org={org}&after={cursor}"))
        .await;
    assert!(empty.body["data"].as_array().unwrap().is_empty());
    assert_eq!(
        empty.body["next_cursor"].as_str(),
        Some(cursor),
        "polling keeps its place"
    );
    let bad = app.get("/api/v1/events?after=zzz").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad), "invalid_cursor");
}

async fn audit_records_admin_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("A").await;
    app.call(
        axum::http::Method::PATCH,
        &format!("/api/v1/orgs/{org}"),
        Some(&app.root_token),
        Some(json!({ "name": "B" })),
    )
    .await;
    let audit = app.get(&format!("/api/v1/audit?org={org}")).await;
    let actions: Vec<_> = audit.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, vec!["org.created", "org.updated"]);
    let update = &audit.body["data"][1];
    assert_eq!(update["details"]["before"]["name"], "A");
    assert_eq!(update["details"]["after"]["name"], "B");
    assert_eq!(update["target"]["kind"], "org");
}

store::both_backends!(events_page_and_poll, audit_records_admin_changes);
