//! The Okta sync engine writing into the store: a full and an incremental sync of an
//! okta-sim org land exactly the org's users, groups, memberships and apps with the
//! contract's events; runs are queued, claimed under a lease and finished; a replica that
//! lost its lease cannot write.

use std::collections::BTreeSet;

use okta::auth::Credentials;
use okta::client::{Client, ClientConfig};
use okta::domain::{DomainOptions, OrgUrl};
use okta::models::UserStatus;
use okta::sync::{SyncMode, SyncOptions};
use okta_sim::{MutateSpec, SimConfig, SimHandle};
use serde_json::json;
use store::testing::{fresh, instance_owner};
use store::{
    Actor, Backend, ClaimedSync, DirectoryScope, DirectorySink, FeedView, NewOktaDirectory,
    OktaAuth, OktaConnection, PageRequest, Store, SyncRunMode, SyncStatus, okta_status_is_active,
};
use time::Duration;
use zeroize::Zeroizing;

fn actor() -> Actor {
    Actor::system("test")
}

const LEASE: Duration = Duration::minutes(5);

async fn sim(users: usize) -> SimHandle {
    okta_sim::spawn(SimConfig {
        users,
        groups: 6,
        apps: 2,
        seed: 21,
        rate_limit_per_min: Some(100_000),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn client(sim: &SimHandle) -> Client {
    Client::new(ClientConfig::new(org_url(sim), token(sim))).unwrap()
}

fn org_url(sim: &SimHandle) -> OrgUrl {
    OrgUrl::parse(
        sim.base_url(),
        DomainOptions {
            allow_insecure_http: true,
        },
    )
    .unwrap()
}

fn token(sim: &SimHandle) -> Credentials {
    Credentials::ApiToken(sim.admin_token().into())
}

/// An org with an Okta API directory for `sim`; its first run is queued.
async fn okta_directory(db: &Store, sim: &SimHandle) -> DirectoryScope {
    let owner = instance_owner();
    let org = db.create_org(&owner, &actor(), "Acme").await.unwrap();
    let scope = owner.org_scope(&org.id).unwrap();
    let created = db
        .create_okta_directory(
            &scope,
            &actor(),
            NewOktaDirectory {
                name: "Okta".into(),
                connection: OktaConnection {
                    org_url: sim.base_url().to_owned(),
                    auth: OktaAuth::ApiToken,
                    allow_insecure_http: true,
                    schedule_secs: None,
                    capabilities: json!({}),
                    registration_attribute: None,
                },
                secret: Zeroizing::new(sim.admin_token().as_bytes().to_vec()),
            },
        )
        .await
        .unwrap();
    db.directory_scope(&owner, &created.directory.id)
        .await
        .unwrap()
}

async fn run_claimed(db: &Store, sim: &SimHandle, claim: &ClaimedSync, mode: SyncMode) {
    let mut sink = DirectorySink::new(db.clone(), claim.clone());
    let outcome = okta::sync::run(&client(sim), &mut sink, mode, &SyncOptions::default()).await;
    let error = outcome.as_ref().err().map(ToString::to_string);
    db.finish_sync(claim, sink.progress(), error.clone())
        .await
        .unwrap();
    assert_eq!(error, None, "sync failed");
}

/// Asserts the directory holds exactly the sim's users (with their active state), groups
/// and memberships (Everyone's implicit ones excluded) and apps.
async fn assert_mirrors(db: &Store, scope: &DirectoryScope, sim: &SimHandle) {
    let mut users = BTreeSet::new();
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    loop {
        let got = db.list_directory_users(scope, &page, None).await.unwrap();
        for u in got.items {
            users.insert((u.external_id.unwrap(), u.active, u.user_name));
        }
        match got.next_cursor {
            Some(c) => page.after = Some(c),
            None => break,
        }
    }
    let mut groups = BTreeSet::new();
    let mut members = BTreeSet::new();
    let all = PageRequest {
        after: None,
        limit: Some(500),
    };
    for g in db
        .list_directory_groups(scope, &all, None)
        .await
        .unwrap()
        .items
    {
        let okta_group = g.external_id.clone().unwrap();
        groups.insert(okta_group.clone());
        let mut page = all.clone();
        loop {
            let got = db.list_group_members(scope, &g.id, &page).await.unwrap();
            for u in got.items {
                members.insert((okta_group.clone(), u.external_id.unwrap()));
            }
            match got.next_cursor {
                Some(c) => page.after = Some(c),
                None => break,
            }
        }
    }
    let apps: BTreeSet<(String, BTreeSet<String>)> = db
        .list_directory_apps(scope, &all)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| (a.okta_id, a.assigned_users.into_iter().collect()))
        .collect();
    let directory = db.get_directory(scope).await.unwrap();
    let org = sim.org();
    let sim_users: BTreeSet<(String, bool, String)> = org
        .users
        .values()
        .map(|u| {
            let status = UserStatus::from(u.status.as_str().to_owned());
            let login = u.profile["login"].as_str().unwrap().to_owned();
            (u.id.clone(), okta_status_is_active(&status), login)
        })
        .collect();
    assert_eq!(users.len(), sim_users.len(), "user count");
    assert_eq!(users, sim_users, "users");
    let sim_groups: BTreeSet<String> = org.groups.keys().cloned().collect();
    assert_eq!(groups, sim_groups, "groups");
    let sim_members: BTreeSet<(String, String)> = org
        .groups
        .values()
        .filter(|g| g.id != org.everyone_id)
        .flat_map(|g| g.members.iter().map(move |m| (g.id.clone(), m.clone())))
        .collect();
    assert_eq!(members, sim_members, "memberships");
    let sim_apps: BTreeSet<(String, BTreeSet<String>)> = org
        .apps
        .values()
        .map(|a| (a.id.clone(), a.users.keys().cloned().collect()))
        .collect();
    assert_eq!(apps, sim_apps, "apps and direct assignments");
    assert_eq!(directory.user_count as usize, sim_users.len(), "user_count");
    assert_eq!(
        directory.group_count as usize,
        sim_groups.len(),
        "group_count"
    );
}

async fn event_types(db: &Store, scope: &DirectoryScope) -> Vec<String> {
    let mut types = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: Some(500),
    };
    loop {
        let got = db
            .list_events(FeedView::Org(scope.org_scope()), &page)
            .await
            .unwrap();
        if got.items.is_empty() {
            break;
        }
        types.extend(got.items.into_iter().map(|e| e.event_type));
        page.after = got.next_cursor;
    }
    types
}

fn count(types: &[String], wanted: &str) -> usize {
    types.iter().filter(|t| *t == wanted).count()
}

async fn full_and_incremental_syncs_mirror_the_org(backend: Backend) {
    let sim = sim(150).await;
    let db = fresh(backend).await;
    let scope = okta_directory(&db, &sim).await;

    let claim = db.claim_sync("replica-a", LEASE).await.unwrap().unwrap();
    assert_eq!(claim.run.cause, "created");
    assert_eq!(claim.run.mode, SyncRunMode::Full);
    assert_eq!(claim.run.status, SyncStatus::Running);
    assert!(
        db.claim_sync("replica-b", LEASE).await.unwrap().is_none(),
        "one run per directory at a time"
    );
    run_claimed(&db, &sim, &claim, SyncMode::Full).await;
    assert_mirrors(&db, &scope, &sim).await;
    let run = db.get_sync(&scope, &claim.run.id).await.unwrap();
    assert_eq!(run.status, SyncStatus::Succeeded);
    assert!(run.api_calls > 0);
    // The catch-up after a full sync may read a user twice; rows are what count.
    assert!(run.counts["users_upserted"].as_u64().unwrap() >= sim.counts().users as u64);
    let types = event_types(&db, &scope).await;
    let users = sim.counts().users;
    assert_eq!(count(&types, "user.created"), users);
    assert_eq!(count(&types, "sync.succeeded"), 1);
    let memberships = sim.counts().memberships;
    assert_eq!(count(&types, "group.member_added"), memberships);

    // Okta changes; an incremental run picks up exactly that.
    let report = sim.mutate(&MutateSpec {
        users_changed: 4,
        users_deactivated: 3,
        users_created: 2,
        memberships_changed: 5,
        seed: Some(5),
    });
    let doomed = report.deactivated[0].clone();
    client(&sim).delete_user(&doomed).await.unwrap();
    let queued = db
        .queue_sync(&scope, &actor(), SyncRunMode::Incremental, "api")
        .await
        .unwrap();
    assert_eq!(queued.status, SyncStatus::Queued);
    let again = db
        .queue_sync(&scope, &actor(), SyncRunMode::Incremental, "api")
        .await
        .unwrap();
    assert_eq!(again.id, queued.id, "a waiting run is reused");
    let claim = db.claim_sync("replica-b", LEASE).await.unwrap().unwrap();
    assert_eq!(claim.run.id, queued.id);
    run_claimed(&db, &sim, &claim, SyncMode::Incremental).await;
    assert_mirrors(&db, &scope, &sim).await;
    let after = event_types(&db, &scope).await;
    let new = &after[types.len()..];
    assert_eq!(count(new, "user.created"), 2, "{new:?}");
    assert_eq!(count(new, "user.deleted"), 1, "{new:?}");
    assert!(count(new, "user.deactivated") >= 2, "{new:?}");
    assert!(count(new, "user.updated") >= 4, "{new:?}");
    assert_eq!(count(new, "sync.succeeded"), 1);

    // A second full run over an unchanged org writes no change events.
    let rerun = db
        .queue_sync(&scope, &actor(), SyncRunMode::Full, "api")
        .await
        .unwrap();
    let claim = db.claim_sync("replica-a", LEASE).await.unwrap().unwrap();
    assert_eq!(claim.run.id, rerun.id);
    run_claimed(&db, &sim, &claim, SyncMode::Full).await;
    let last = event_types(&db, &scope).await;
    assert_eq!(&last[after.len()..], ["sync.succeeded"]);
    assert_mirrors(&db, &scope, &sim).await;
}

async fn a_replica_that_lost_its_lease_writes_nothing(backend: Backend) {
    let sim = sim(40).await;
    let db = fresh(backend).await;
    let scope = okta_directory(&db, &sim).await;
    let stale = db
        .claim_sync("replica-a", Duration::ZERO)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    // The lease lapsed: another replica takes the run over.
    let taken = db.claim_sync("replica-b", LEASE).await.unwrap().unwrap();
    assert_eq!(taken.run.id, stale.run.id);

    let mut sink = DirectorySink::new(db.clone(), stale.clone());
    let err = okta::sync::run(
        &client(&sim),
        &mut sink,
        SyncMode::Full,
        &SyncOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("sync lease"), "{err}");
    assert_eq!(db.get_directory(&scope).await.unwrap().user_count, 0);
    db.finish_sync(&stale, sink.progress(), Some(err.to_string()))
        .await
        .unwrap();
    assert_eq!(
        db.get_sync(&scope, &stale.run.id).await.unwrap().status,
        SyncStatus::Running,
        "the run the other replica holds is left alone"
    );

    run_claimed(&db, &sim, &taken, SyncMode::Full).await;
    assert_mirrors(&db, &scope, &sim).await;
}

async fn a_sync_cut_off_by_faults_resumes_without_loss(backend: Backend) {
    use okta_sim::faults::{FaultKind, FaultSpec};

    let sim = sim(200).await;
    let db = fresh(backend).await;
    let scope = okta_directory(&db, &sim).await;
    // Okta keeps failing the membership listings: the run fails after its retries, with
    // groups and users already applied and checkpointed.
    sim.sim().faults.add(FaultSpec {
        path_prefix: "/api/v1/groups/".into(),
        kind: FaultKind::Status,
        status: Some(500),
        count: Some(10_000),
        ms: None,
        method: None,
    });
    let claim = db.claim_sync("replica-a", LEASE).await.unwrap().unwrap();
    let mut sink = DirectorySink::new(db.clone(), claim.clone());
    let mut config = ClientConfig::new(org_url(&sim), token(&sim));
    config.max_retries = 0;
    let impatient = Client::new(config).unwrap();
    let err = okta::sync::run(
        &impatient,
        &mut sink,
        SyncMode::Full,
        &SyncOptions::default(),
    )
    .await
    .unwrap_err();
    db.finish_sync(&claim, sink.progress(), Some(err.to_string()))
        .await
        .unwrap();
    let failed = db.get_sync(&scope, &claim.run.id).await.unwrap();
    assert_eq!(failed.status, SyncStatus::Failed);
    assert!(failed.error.unwrap().contains("500"), "the reason is kept");
    let partial = db.get_directory(&scope).await.unwrap();
    assert_eq!(
        partial.user_count as usize,
        sim.counts().users,
        "users were applied"
    );
    let before = event_types(&db, &scope).await;
    assert_eq!(count(&before, "sync.failed"), 1);

    // Okta recovers; the next run resumes at the checkpoint instead of starting over.
    sim.sim().faults.clear();
    db.queue_sync(&scope, &actor(), SyncRunMode::Incremental, "api")
        .await
        .unwrap();
    let claim = db.claim_sync("replica-b", LEASE).await.unwrap().unwrap();
    run_claimed(&db, &sim, &claim, SyncMode::Incremental).await;
    assert_mirrors(&db, &scope, &sim).await;
    let after = event_types(&db, &scope).await;
    assert_eq!(
        count(&after, "user.created"),
        sim.counts().users,
        "no user was written twice"
    );
    let resumed = db.get_sync(&scope, &claim.run.id).await.unwrap();
    assert_eq!(
        resumed.counts["users_upserted"],
        json!(0),
        "users were not re-read"
    );
}

async fn scheduled_syncs_are_queued_once_when_due(backend: Backend) {
    let sim = sim(20).await;
    let db = fresh(backend).await;
    let owner = instance_owner();
    let org = db.create_org(&owner, &actor(), "Acme").await.unwrap();
    let scope = owner.org_scope(&org.id).unwrap();
    let connection = |schedule_secs| OktaConnection {
        org_url: sim.base_url().to_owned(),
        auth: OktaAuth::ApiToken,
        allow_insecure_http: true,
        schedule_secs,
        capabilities: json!({}),
        registration_attribute: None,
    };
    let new = |schedule_secs| NewOktaDirectory {
        name: "Okta".into(),
        connection: connection(schedule_secs),
        secret: Zeroizing::new(sim.admin_token().as_bytes().to_vec()),
    };
    let too_often = db
        .create_okta_directory(&scope, &actor(), new(Some(5)))
        .await
        .unwrap_err();
    assert!(too_often.to_string().contains("at least"), "{too_often}");
    let scheduled = db
        .create_okta_directory(&scope, &actor(), new(Some(900)))
        .await
        .unwrap();
    let dir = db
        .directory_scope(&owner, &scheduled.directory.id)
        .await
        .unwrap();
    let first = db.claim_sync("a", LEASE).await.unwrap().unwrap();
    run_claimed(&db, &sim, &first, SyncMode::Full).await;
    assert!(
        db.claim_sync("a", LEASE).await.unwrap().is_none(),
        "nothing is due yet"
    );
    store::testing::make_syncs_due(&db).await;
    let due = db.claim_sync("a", LEASE).await.unwrap().unwrap();
    assert_eq!(due.run.cause, "schedule");
    assert_eq!(due.run.mode, SyncRunMode::Incremental);
    assert_eq!(due.run.directory_id, dir.directory_id().clone());
    store::testing::make_syncs_due(&db).await;
    assert!(
        db.claim_sync("b", LEASE).await.unwrap().is_none(),
        "a directory with a run in progress gets no second one"
    );
    run_claimed(&db, &sim, &due, SyncMode::Incremental).await;
    let runs = db
        .list_syncs(&dir, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(runs.len(), 2, "{runs:?}");
}

async fn only_okta_directories_sync(backend: Backend) {
    let db = fresh(backend).await;
    let owner = instance_owner();
    let org = db.create_org(&owner, &actor(), "Acme").await.unwrap();
    let scope = owner.org_scope(&org.id).unwrap();
    let created = db
        .create_scim_directory(&scope, &actor(), "SCIM", store::ScimAuthMode::Bearer)
        .await
        .unwrap();
    let dir = db
        .directory_scope(&owner, &created.directory.id)
        .await
        .unwrap();
    let err = db
        .queue_sync(&dir, &actor(), SyncRunMode::Full, "api")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("okta_api"), "{err}");
    assert!(db.okta_connection(&dir).await.is_err());
}

store::both_backends!(
    full_and_incremental_syncs_mirror_the_org,
    a_replica_that_lost_its_lease_writes_nothing,
    a_sync_cut_off_by_faults_resumes_without_loss,
    scheduled_syncs_are_queued_once_when_due,
    only_okta_directories_sync,
);
