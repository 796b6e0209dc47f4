//! Fault injection: 500s, 429 storms, dropped connections, corrupted pages, latency.

use okta::sync::{self, MemorySink, SyncMode, SyncOptions};
use okta_sim::faults::{FaultKind, FaultSpec};

use crate::{admin_client, assert_matches, small_org, start, sync_ok};

fn fault(path_prefix: &str, kind: FaultKind, count: u32) -> FaultSpec {
    FaultSpec {
        path_prefix: path_prefix.to_owned(),
        kind,
        status: None,
        count: Some(count),
        ms: None,
        method: None,
    }
}

#[tokio::test]
async fn sync_survives_server_errors_drops_and_corrupted_pages() {
    let sim = start(small_org(250, 8, 3)).await;
    let faults = &sim.sim().faults;
    faults.add(FaultSpec {
        status: Some(500),
        ..fault("/api/v1/users", FaultKind::Status, 3)
    });
    faults.add(FaultSpec {
        status: Some(503),
        ..fault("/api/v1/apps", FaultKind::Status, 2)
    });
    faults.add(fault("/api/v1/groups", FaultKind::Drop, 2));
    faults.add(fault("/api/v1/users", FaultKind::Corrupt, 1));
    faults.add(FaultSpec {
        ms: Some(300),
        ..fault("/api/v1/groups/", FaultKind::Latency, 3)
    });
    let client = admin_client(&sim);
    let mut sink = MemorySink::new();
    let report = sync_ok(&client, &mut sink, SyncMode::Full).await;
    assert_matches(&sink, &sim);
    assert!(report.stats.retries >= 8, "{:?}", report.stats);
}

#[tokio::test]
async fn injected_429_is_waited_out_until_reset() {
    // The simulator's injected 429 says the window resets in 60 s, so this test waits
    // about a minute; longer storms are covered with paused time in the unit tests.
    let sim = start(small_org(80, 4, 1)).await;
    sim.sim()
        .faults
        .add(fault("/api/v1/users", FaultKind::RateLimit, 1));
    let client = admin_client(&sim);
    let mut sink = MemorySink::new();
    let report = sync_ok(&client, &mut sink, SyncMode::Full).await;
    assert_matches(&sink, &sim);
    assert_eq!(report.stats.rate_limited, 1);
    assert!(report.stats.rate_limit_waits >= 1);
}

#[tokio::test]
async fn persistent_failure_surfaces_and_the_next_run_resumes() {
    let sim = start(small_org(60, 4, 1)).await;
    let client = admin_client(&sim);
    sim.sim().faults.add(FaultSpec {
        status: Some(500),
        ..fault("/api/v1/users", FaultKind::Status, 1000)
    });
    let mut sink = MemorySink::new();
    let err = sync::run(&client, &mut sink, SyncMode::Full, &SyncOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("500"), "{err}");
    let cp = sink.checkpoint().unwrap();
    assert!(cp.full_sync_in_progress());
    assert_eq!(
        cp.phase(),
        okta::sync::SyncPhase::Users,
        "groups were done before the failure"
    );
    sim.sim().faults.clear();
    let report = sync_ok(&client, &mut sink, SyncMode::Incremental).await;
    assert_eq!(report.full, Some(okta::sync::FullReason::Resumed));
    assert_matches(&sink, &sim);
}
