//! Full and incremental sync against the simulator.

use okta::api::PageSizes;
use okta::sync::{self, FullReason, MemorySink, SyncMode, SyncOptions};
use okta_sim::MutateSpec;

use crate::{admin_client, assert_matches, client_with, small_org, start, sync_ok};

/// An admin client with small pages, so every list spans several pages.
fn paged_client(sim: &okta_sim::SimHandle) -> okta::client::Client {
    client_with(
        sim,
        okta::auth::Credentials::ApiToken(sim.admin_token().into()),
        |c| {
            c.page_sizes = small_pages();
        },
    )
}

/// Small page sizes.
fn small_pages() -> PageSizes {
    PageSizes {
        users: 37,
        groups: 4,
        group_members: 23,
        apps: 2,
        app_users: 5,
        app_groups: 2,
        logs: 50,
    }
}

#[tokio::test]
async fn full_sync_copies_the_org_exactly() {
    let sim = start(small_org(300, 14, 5)).await;
    let client = paged_client(&sim);
    let mut sink = MemorySink::new();
    let report = sync_ok(&client, &mut sink, SyncMode::Full).await;
    assert_eq!(report.full, Some(FullReason::Requested));
    assert_matches(&sink, &sim);
    // DEPROVISIONED users are included although a plain list omits them.
    assert!(
        sink.users()
            .any(|u| u.status == okta::models::UserStatus::Deprovisioned)
    );
    assert_eq!(report.stats.rate_limited, 0);
    assert_eq!(
        sink.user_writes.created,
        sim.org().users.len() as u64,
        "each user written once"
    );
    let progress = sink.last_progress.clone().unwrap();
    assert!(!progress.full, "the last progress is the log catch-up");
}

#[tokio::test]
async fn first_incremental_request_runs_a_full_sync_then_follows_the_log() {
    let sim = start(small_org(120, 8, 3)).await;
    let client = admin_client(&sim);
    let mut sink = MemorySink::new();
    let report = sync_ok(&client, &mut sink, SyncMode::Incremental).await;
    assert_eq!(report.full, Some(FullReason::NoCheckpoint));
    assert!(report.followed_log);
    assert!(!sink.checkpoint().unwrap().full_sync_in_progress());

    let changes = sim.mutate(&MutateSpec {
        users_changed: 15,
        users_deactivated: 4,
        users_created: 6,
        memberships_changed: 20,
        seed: Some(3),
    });
    let report = sync_ok(&client, &mut sink, SyncMode::Incremental).await;
    assert_eq!(report.full, None);
    assert_matches(&sink, &sim);
    // O(changes): a few log pages, one delta listing and a handful of GETs, not a full walk.
    let touched = changes.created.len() + changes.changed.len() + changes.deactivated.len();
    assert!(
        report.stats.api_calls <= 10,
        "{} calls for {touched} changed users",
        report.stats.api_calls
    );
    assert!(report.counts.events_read > 0);

    // Nothing changed: one or two log reads.
    let report = sync_ok(&client, &mut sink, SyncMode::Incremental).await;
    assert!(report.stats.api_calls <= 2, "{:?}", report.stats);
    assert_eq!(report.counts.users_upserted, 0);
}

#[tokio::test]
async fn deletions_in_okta_become_deletes_in_the_sink() {
    let sim = start(small_org(60, 5, 2)).await;
    let client = admin_client(&sim);
    let mut sink = MemorySink::new();
    sync_ok(&client, &mut sink, SyncMode::Full).await;
    let victim = sink
        .users()
        .find(|u| u.status == okta::models::UserStatus::Active)
        .unwrap()
        .id
        .clone();
    client.delete_user(&victim).await.unwrap();
    let group = sink
        .groups()
        .find(|g| g.group_type == okta::models::GroupType::OktaGroup)
        .unwrap()
        .id
        .clone();
    let member = sink
        .users()
        .find(|u| u.id != victim && !sink.members(&group).contains(&u.id))
        .unwrap()
        .id
        .clone();
    client.add_group_member(&group, &member).await.unwrap();

    // Incremental: from the log.
    let report = sync_ok(&client, &mut sink, SyncMode::Incremental).await;
    assert_eq!(report.full, None);
    assert!(sink.user(&victim).is_none());
    assert!(sink.members(&group).contains(&member));
    assert_matches(&sink, &sim);

    // Full: from the sweeps (the log is not consulted for the delete).
    let other = sink
        .users()
        .find(|u| u.status == okta::models::UserStatus::Suspended)
        .map(|u| u.id.clone());
    if let Some(other) = other {
        client.delete_user(&other).await.unwrap();
        let opts = SyncOptions {
            catch_up_after_full: false,
            ..SyncOptions::default()
        };
        sync::run(&client, &mut sink, SyncMode::Full, &opts)
            .await
            .unwrap();
        assert!(sink.user(&other).is_none());
        assert_matches(&sink, &sim);
    }
}

#[tokio::test]
async fn crash_at_any_batch_resumes_without_duplicates_or_losses() {
    let sim = start(small_org(150, 9, 3)).await;
    let client = paged_client(&sim);
    let options = SyncOptions {
        batch_rows: 30,
        ..SyncOptions::default()
    };
    // How many batches does an uninterrupted sync take?
    let mut reference = MemorySink::new();
    sync::run(&client, &mut reference, SyncMode::Full, &options)
        .await
        .unwrap();
    let total = reference.batches;
    assert!(total > 10, "{total} batches");
    let users = sim.org().users.len() as u64;
    for crash_after in [0, 1, 2, total / 3, total / 2, total - 2, total - 1] {
        let mut sink = MemorySink::new();
        sink.fail_after(Some(crash_after));
        let err = sync::run(&client, &mut sink, SyncMode::Full, &options)
            .await
            .unwrap_err();
        assert!(matches!(err, sync::SyncError::Sink(_)), "{err}");
        // Crash again in the resumed run, then let it finish.
        sink.fail_after(Some(2));
        let _ = sync::run(&client, &mut sink, SyncMode::Incremental, &options).await;
        sink.fail_after(None);
        let report = sync::run(&client, &mut sink, SyncMode::Incremental, &options)
            .await
            .unwrap();
        assert_eq!(
            report.full,
            if crash_after + 2 >= total {
                None
            } else {
                Some(FullReason::Resumed)
            },
            "crash after {crash_after}"
        );
        assert_matches(&sink, &sim);
        assert_eq!(
            sink.user_writes.created, users,
            "crash after {crash_after}: no duplicate user rows"
        );
        assert_eq!(sink.user_writes.deleted, 0);
    }
}

#[tokio::test]
async fn sync_while_the_org_changes_converges() {
    let sim = std::sync::Arc::new(start(small_org(400, 12, 3)).await);
    let client = paged_client(&sim);
    let mutator = {
        let sim = sim.clone();
        tokio::spawn(async move {
            for seed in 0..20 {
                sim.mutate(&MutateSpec {
                    users_changed: 5,
                    users_deactivated: 1,
                    users_created: 2,
                    memberships_changed: 6,
                    seed: Some(seed),
                });
                tokio::time::sleep(std::time::Duration::from_millis(15)).await;
            }
        })
    };
    let mut sink = MemorySink::new();
    sync_ok(&client, &mut sink, SyncMode::Full).await;
    mutator.await.unwrap();
    // The catch-up covered changes during the walk; one more pass covers the rest.
    sync_ok(&client, &mut sink, SyncMode::Incremental).await;
    assert_matches(&sink, &sim);
}

#[tokio::test]
async fn stale_checkpoint_falls_back_to_full_sync() {
    let sim = start(small_org(40, 4, 1)).await;
    let client = admin_client(&sim);
    let mut sink = MemorySink::new();
    sync_ok(&client, &mut sink, SyncMode::Full).await;
    // A checkpoint older than the log retention cannot be trusted.
    let strict = SyncOptions {
        log_retention: time::Duration::seconds(-1),
        ..SyncOptions::default()
    };
    let report = sync::run(&client, &mut sink, SyncMode::Incremental, &strict)
        .await
        .unwrap();
    assert_eq!(report.full, Some(FullReason::LogRetention));
    let reconcile = SyncOptions {
        full_resync_after: Some(time::Duration::seconds(-1)),
        ..SyncOptions::default()
    };
    let report = sync::run(&client, &mut sink, SyncMode::Incremental, &reconcile)
        .await
        .unwrap();
    assert_eq!(report.full, Some(FullReason::Reconcile));
    assert_matches(&sink, &sim);
}

#[tokio::test]
async fn sync_and_actions_run_in_spawned_tasks() {
    // The server runs syncs and actions on tokio tasks: their futures must be Send.
    let sim = start(small_org(10, 2, 1)).await;
    let client = admin_client(&sim);
    let for_sync = client.clone();
    let synced = tokio::spawn(async move {
        let mut sink = MemorySink::new();
        sync::run(
            &for_sync,
            &mut sink,
            SyncMode::Full,
            &SyncOptions::default(),
        )
        .await
        .map(|r| r.counts.users_upserted)
    });
    assert!(synced.await.unwrap().unwrap() >= 10);
    let probed = tokio::spawn(async move { client.probe().await.map(|c| c.can_sync()) });
    assert!(probed.await.unwrap().unwrap());
}

#[tokio::test]
async fn incremental_follows_group_and_app_changes() {
    let sim = start(small_org(80, 6, 3)).await;
    let client = admin_client(&sim);
    let mut sink = MemorySink::new();
    sync_ok(&client, &mut sink, SyncMode::Full).await;

    let http = reqwest::Client::new();
    let base = sim.base_url().to_owned();
    let auth = format!("SSWS {}", sim.admin_token());
    // Writes the client does not offer, straight to the simulator's Okta API.
    let call = async |method: reqwest::Method, path: String, body: serde_json::Value| {
        let r = http
            .request(method, format!("{base}{path}"))
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(if body.is_null() {
                String::new()
            } else {
                body.to_string()
            })
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json::<serde_json::Value>().await.unwrap_or_default()
    };
    let (app, user, gone_group, assigned_user) = {
        let org = sim.org();
        let app = org.apps.values().next().unwrap();
        let user = org
            .users
            .values()
            .find(|u| u.status.as_str() == "ACTIVE" && !app.users.contains_key(&u.id))
            .unwrap()
            .id
            .clone();
        let gone = org
            .groups
            .values()
            .find(|g| {
                g.kind.as_str() == "OKTA_GROUP"
                    && org.apps.values().all(|a| !a.groups.contains_key(&g.id))
            })
            .unwrap()
            .id
            .clone();
        let assigned = app.users.keys().next().unwrap().clone();
        (app.id.clone(), user, gone, assigned)
    };
    use reqwest::Method;
    let created = call(
        Method::POST,
        "/api/v1/groups".into(),
        serde_json::json!({"profile": {"name": "Incident Response", "description": "new"}}),
    )
    .await;
    let new_group = created["id"].as_str().unwrap().to_owned();
    client.add_group_member(&new_group, &user).await.unwrap();
    call(
        Method::PUT,
        format!("/api/v1/apps/{app}/groups/{new_group}"),
        serde_json::json!({}),
    )
    .await;
    call(
        Method::POST,
        format!("/api/v1/apps/{app}/users"),
        serde_json::json!({"id": user, "scope": "USER"}),
    )
    .await;
    call(
        Method::DELETE,
        format!("/api/v1/apps/{app}/users/{assigned_user}"),
        serde_json::Value::Null,
    )
    .await;
    call(
        Method::DELETE,
        format!("/api/v1/groups/{gone_group}"),
        serde_json::Value::Null,
    )
    .await;

    let report = sync_ok(&client, &mut sink, SyncMode::Incremental).await;
    assert_eq!(report.full, None);
    assert!(sink.groups().any(|g| g.id == new_group));
    assert!(sink.groups().all(|g| g.id != gone_group));
    assert!(sink.app_groups(&app).contains(&new_group));
    assert!(sink.app_users(&app).contains(&user));
    assert!(!sink.app_users(&app).contains(&assigned_user));
    assert_matches(&sink, &sim);
}
