//! The audit log and the event feed: transactional, ordered, paginated, scoped, append-only.

use serde_json::json;
use store::testing::{fresh, instance_owner, principal};
use store::{
    Actor, AuditRecord, Backend, EventRecord, FeedView, OrgId, PageRequest, Role, StoreError,
};

fn event(org: &OrgId, n: usize) -> EventRecord {
    EventRecord {
        event_type: "user.created",
        org_id: org.clone(),
        directory_id: Some("dir_1".into()),
        data: json!({ "n": n }),
    }
}

async fn audit_and_event_commit_or_vanish_together(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let org = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let scope = owner.org_scope(&org.id).unwrap();
    let events_before = db
        .list_events(FeedView::Org(&scope), &PageRequest::default())
        .await
        .unwrap();
    let audit_before = db
        .list_audit(FeedView::Org(&scope), &PageRequest::default())
        .await
        .unwrap();

    let mut tx = db.begin().await.unwrap();
    tx.audit(AuditRecord::success(
        Some(org.id.clone()),
        &Actor::system("test"),
        "user.created",
        None,
    ))
    .await
    .unwrap();
    tx.emit(event(&org.id, 1)).await.unwrap();
    drop(tx); // rolled back

    let events = db
        .list_events(FeedView::Org(&scope), &PageRequest::default())
        .await
        .unwrap();
    let audit = db
        .list_audit(FeedView::Org(&scope), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(events.items.len(), events_before.items.len());
    assert_eq!(audit.items.len(), audit_before.items.len());

    let mut tx = db.begin().await.unwrap();
    tx.audit(AuditRecord::success(
        Some(org.id.clone()),
        &Actor::system("test"),
        "user.created",
        None,
    ))
    .await
    .unwrap();
    tx.emit(event(&org.id, 2)).await.unwrap();
    tx.commit().await.unwrap();
    let events = db
        .list_events(FeedView::Org(&scope), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(events.items.len(), events_before.items.len() + 1);
    let last = events.items.last().unwrap();
    assert_eq!(last.event_type, "user.created");
    assert_eq!(last.data, json!({ "n": 2 }));
    assert_eq!(last.directory_id.as_deref(), Some("dir_1"));
}

async fn event_cursor_walks_in_order_and_polls(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let org = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let scope = owner.org_scope(&org.id).unwrap();
    for n in 0..10 {
        let mut tx = db.begin().await.unwrap();
        tx.emit(event(&org.id, n)).await.unwrap();
        tx.commit().await.unwrap();
    }
    let mut seen = Vec::new();
    let mut request = PageRequest {
        after: None,
        limit: Some(4),
    };
    loop {
        let page = db
            .list_events(FeedView::Org(&scope), &request)
            .await
            .unwrap();
        let done = page.items.is_empty();
        seen.extend(page.items.iter().map(|e| e.data["n"].as_u64().unwrap()));
        request.after = page.next_cursor;
        if done {
            break;
        }
    }
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
    // The final cursor keeps working: a new event shows up on the next poll.
    let mut tx = db.begin().await.unwrap();
    tx.emit(event(&org.id, 99)).await.unwrap();
    tx.commit().await.unwrap();
    let page = db
        .list_events(FeedView::Org(&scope), &request)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].data["n"], 99);
}

async fn feeds_are_scoped_to_the_org(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let a = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let b = db
        .create_org(&owner, &Actor::system("test"), "B")
        .await
        .unwrap();
    for org in [&a.id, &b.id] {
        let mut tx = db.begin().await.unwrap();
        tx.emit(event(org, 0)).await.unwrap();
        tx.commit().await.unwrap();
    }
    let a_viewer = principal(Some(a.id.clone()), Role::Viewer);
    let scope = a_viewer.org_scope(&a.id).unwrap();
    let events = db
        .list_events(FeedView::Org(&scope), &PageRequest::default())
        .await
        .unwrap();
    assert!(events.items.iter().all(|e| e.org_id == a.id.as_str()));
    assert_eq!(events.items.len(), 1);
    let audit = db
        .list_audit(FeedView::Org(&scope), &PageRequest::default())
        .await
        .unwrap();
    assert!(
        audit
            .items
            .iter()
            .all(|e| e.org_id.as_deref() == Some(a.id.as_str()))
    );
    assert!(audit.items.iter().any(|e| e.action == "org.created"));
    assert!(matches!(
        db.list_events(FeedView::All(&a_viewer), &PageRequest::default())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let all = db
        .list_events(FeedView::All(&owner), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);
}

async fn failures_are_audited_with_their_reason(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let org = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let mut record = AuditRecord::success(
        Some(org.id.clone()),
        &Actor::system("sso"),
        "sso.login_failed",
        Some(("sso_connection", "conn_1".into())),
    );
    record.outcome = store::Outcome::Failure;
    record.reason = Some("audience_mismatch".into());
    db.record_audit(record).await.unwrap();
    let scope = owner.org_scope(&org.id).unwrap();
    let audit = db
        .list_audit(FeedView::Org(&scope), &PageRequest::default())
        .await
        .unwrap();
    let entry = audit
        .items
        .iter()
        .find(|e| e.action == "sso.login_failed")
        .unwrap();
    assert_eq!(entry.outcome, "failure");
    assert_eq!(entry.reason.as_deref(), Some("audience_mismatch"));
    assert_eq!(entry.target_id.as_deref(), Some("conn_1"));
}

async fn feeds_are_append_only(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let org = db
        .create_org(&owner, &Actor::system("test"), "A")
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.emit(event(&org.id, 0)).await.unwrap();
    tx.commit().await.unwrap();
    // The store exposes no way to change history; prove the schema refuses it too.
    let raw = db.connect_options();
    let statements = [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "UPDATE events SET type = 'x'",
        "DELETE FROM events",
    ];
    for statement in statements {
        let refused = match backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&raw.url).await.unwrap();
                sqlx::query(statement).execute(&pool).await.is_err()
            }
            Backend::Postgres => {
                let schema = raw.pg_schema.clone().unwrap();
                let options = raw
                    .url
                    .parse::<sqlx::postgres::PgConnectOptions>()
                    .unwrap()
                    .options([("search_path", schema.as_str())]);
                let pool = sqlx::PgPool::connect_with(options).await.unwrap();
                sqlx::query(statement).execute(&pool).await.is_err()
            }
        };
        assert!(refused, "{statement} was allowed");
    }
}

store::both_backends!(
    audit_and_event_commit_or_vanish_together,
    event_cursor_walks_in_order_and_polls,
    feeds_are_scoped_to_the_org,
    failures_are_audited_with_their_reason,
    feeds_are_append_only,
);
