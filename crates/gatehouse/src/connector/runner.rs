//! The background loop that runs queued syncs. Each replica runs one; the store's lease
//! decides which replica runs which directory, so several replicas on one database never
//! sync the same directory at once, and a run whose replica died is resumed by another
//! from its checkpoint.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use okta::sync::{SyncMode, SyncOptions, SyncReport};
use store::{ClaimedSync, DirectorySink, Store, SyncProgress, SyncRunMode, counts_json};
use time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::ConnectorRuntime;

/// How long a claim lasts without renewal (every batch renews it). Longer than the
/// longest rate-limit wait Okta imposes (a one-minute window).
pub const LEASE: Duration = Duration::minutes(5);
/// How often the loop looks for due scheduled runs when nothing wakes it.
const TICK: StdDuration = StdDuration::from_secs(15);
/// Syncs one replica runs at once (each paced by its own org's rate limits).
const PARALLEL: usize = 2;

/// Starts the loop.
pub fn spawn(store: Store, connector: Arc<ConnectorRuntime>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(PARALLEL));
        loop {
            claim_all(&store, &connector, &slots).await;
            tokio::select! {
                () = connector.woken() => {}
                () = tokio::time::sleep(TICK) => {}
            }
        }
    })
}

/// Claims runs while there are free slots and queued runs.
async fn claim_all(store: &Store, connector: &Arc<ConnectorRuntime>, slots: &Arc<Semaphore>) {
    loop {
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            return;
        };
        match store.claim_sync(&connector.holder, LEASE).await {
            Ok(Some(claim)) => {
                let store = store.clone();
                let connector = connector.clone();
                tokio::spawn(async move {
                    run_claimed(&store, &connector, claim).await;
                    drop(slot);
                    // A slot is free again: look for more work.
                    connector.wake();
                });
            }
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(error = %err, "cannot claim sync runs");
                return;
            }
        }
    }
}

/// The final progress record of a finished run.
fn final_progress(report: &SyncReport) -> SyncProgress {
    SyncProgress {
        phase: "done".to_owned(),
        percent: Some(100.0),
        counts: counts_json(&report.counts),
        api_calls: report.stats.api_calls,
        rate_limit_waits: report.stats.rate_limit_waits,
    }
}

/// Runs a claimed sync to the end and records the outcome (errors included).
pub async fn run_claimed(store: &Store, connector: &ConnectorRuntime, claim: ClaimedSync) {
    let directory = claim.run.directory_id.clone();
    let run = claim.run.id.clone();
    tracing::info!(%directory, %run, mode = claim.run.mode.as_str(), "sync started");
    let (progress, error) = match connector.client(store, &claim.scope).await {
        Err(err) => (SyncProgress::default(), Some(err)),
        Ok(client) => {
            let mode = match claim.run.mode {
                SyncRunMode::Full => SyncMode::Full,
                SyncRunMode::Incremental => SyncMode::Incremental,
            };
            let mut sink = DirectorySink::new(store.clone(), claim.clone());
            match okta::sync::run(&client, &mut sink, mode, &SyncOptions::default()).await {
                Ok(report) => (final_progress(&report), None),
                Err(err) => (sink.progress().clone(), Some(err.to_string())),
            }
        }
    };
    match &error {
        None => tracing::info!(%directory, %run, "sync succeeded"),
        Some(why) => tracing::warn!(%directory, %run, error = %why, "sync failed"),
    }
    if let Err(err) = store.finish_sync(&claim, &progress, error).await {
        tracing::error!(%directory, %run, error = %err, "cannot record the end of a sync");
    }
}
