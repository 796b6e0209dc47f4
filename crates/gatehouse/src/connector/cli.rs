//! `gatehouse sync DIRECTORY [--full] [--follow]`: queues a run and, with `--follow`, runs
//! it in this process unless a server replica already has it, drawing a progress bar on
//! stderr until it ends.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use store::{ConnectOptions, DirectoryId, Store, SyncRun, SyncRunMode, SyncStatus};

use super::ConnectorRuntime;
use super::runner::{LEASE, run_claimed};
use crate::cli::SyncArgs;
use crate::config::{MASTER_KEY_VAR, resolve_master_key};
use crate::server::cli_actor;

const BAR_WIDTH: usize = 30;

/// One line describing a run: a bar, percent, phase, rows and API calls.
pub fn progress_line(run: &SyncRun) -> String {
    let percent = run.percent.unwrap_or(0.0).clamp(0.0, 100.0);
    let filled = ((percent / 100.0) * BAR_WIDTH as f64).round() as usize;
    let users = run.counts.get("users_upserted").and_then(|v| v.as_u64());
    format!(
        "{:<9} [{}{}] {:>5.1}%  {:<11} users {:<7} api calls {:<6} rate-limit waits {}",
        run.status.as_str(),
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled),
        percent,
        run.phase.as_deref().unwrap_or("-"),
        users.unwrap_or(0),
        run.api_calls,
        run.rate_limit_waits,
    )
}

/// Runs the command.
pub async fn sync(args: SyncArgs) -> anyhow::Result<()> {
    let id = DirectoryId::parse(&args.directory)
        .ok_or_else(|| anyhow!("{:?} is not a directory id (dir_…)", args.directory))?;
    let key = resolve_master_key(
        std::env::var(MASTER_KEY_VAR).ok().as_deref(),
        &args.database,
    )?;
    let store = Store::open(&ConnectOptions::new(args.database.clone()), key).await?;
    let outcome = queue_and_follow(&store, &id, &args).await;
    store.close().await;
    outcome
}

async fn queue_and_follow(store: &Store, id: &DirectoryId, args: &SyncArgs) -> anyhow::Result<()> {
    let scope = store
        .internal_directory_scope(id)
        .await
        .with_context(|| format!("directory {id}"))?;
    let mode = if args.full {
        SyncRunMode::Full
    } else {
        SyncRunMode::Incremental
    };
    let run = store.queue_sync(&scope, &cli_actor(), mode, "cli").await?;
    eprintln!("Queued {} sync {} of {id}.", mode.as_str(), run.id);
    if !args.follow {
        println!("{}", run.id);
        return Ok(());
    }
    let connector = Arc::new(ConnectorRuntime::default());
    let local = match store
        .claim_sync_run(&connector.holder, LEASE, &run.id)
        .await?
    {
        Some(claim) => {
            let store = store.clone();
            Some(tokio::spawn(async move {
                run_claimed(&store, &connector, claim).await;
            }))
        }
        None => {
            eprintln!("A server replica is running it; following its progress.");
            None
        }
    };
    let last = loop {
        let now = store.get_sync(&scope, &run.id).await?;
        eprint!("\r{}", progress_line(&now));
        let _ = std::io::stderr().flush();
        if matches!(now.status, SyncStatus::Succeeded | SyncStatus::Failed) {
            eprintln!();
            break now;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    if let Some(task) = local {
        task.await?;
    }
    println!(
        "{}",
        serde_json::json!({
            "id": last.id.as_str(),
            "status": last.status.as_str(),
            "counts": last.counts,
            "api_calls": last.api_calls,
            "rate_limit_waits": last.rate_limit_waits,
            "error": last.error,
        })
    );
    if last.status == SyncStatus::Failed {
        bail!(
            "sync {} failed: {}",
            last.id,
            last.error.as_deref().unwrap_or("unknown error")
        );
    }
    Ok(())
}
