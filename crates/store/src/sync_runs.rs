//! Sync runs of Okta API directories and the lease that lets several replicas share one
//! database safely: a run is queued (by the API, the schedule or directory creation), then
//! claimed by whichever replica first takes the directory's lease, which it renews with
//! every batch. A replica that stops renewing loses the lease; its run goes back to the
//! queue and the next holder resumes it from the checkpoint.

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::Store;
use crate::audit::{self, Actor, AuditRecord};
use crate::clock::{from_ms, now_ms};
use crate::directories::DirectoryScope;
use crate::error::{Result, StoreError};
use crate::events;
use crate::ids::{DirectoryId, SyncRunId};
use crate::orgs::paginate;
use crate::page::{self, Page, PageRequest};
use crate::principal::Role;
use crate::sql::{Conn, query};

/// The life of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncStatus {
    /// Waiting for a replica to take the directory's lease.
    Queued,
    /// A replica is running it.
    Running,
    /// Finished.
    Succeeded,
    /// Stopped with an error; the checkpoint of its last batch stays valid.
    Failed,
}

impl SyncStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Queued => "queued",
            SyncStatus::Running => "running",
            SyncStatus::Succeeded => "succeeded",
            SyncStatus::Failed => "failed",
        }
    }

    fn parse(raw: &str) -> Result<Self> {
        Ok(match raw {
            "queued" => SyncStatus::Queued,
            "running" => SyncStatus::Running,
            "succeeded" => SyncStatus::Succeeded,
            "failed" => SyncStatus::Failed,
            other => {
                return Err(StoreError::Invalid(format!(
                    "unknown sync status {other:?} in database"
                )));
            }
        })
    }
}

/// What a run was asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncRunMode {
    /// Re-read everything.
    Full,
    /// Follow the System Log (the engine falls back to full when it must).
    Incremental,
}

impl SyncRunMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncRunMode::Full => "full",
            SyncRunMode::Incremental => "incremental",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "full" => Some(SyncRunMode::Full),
            "incremental" => Some(SyncRunMode::Incremental),
            _ => None,
        }
    }
}

/// A sync run as stored.
#[derive(Clone, Debug)]
pub struct SyncRun {
    /// Its id.
    pub id: SyncRunId,
    /// The directory it syncs.
    pub directory_id: DirectoryId,
    /// What was asked.
    pub mode: SyncRunMode,
    /// Why it was queued: `api`, `schedule`, `created`, `action`, `cli`.
    pub cause: String,
    /// Where it is.
    pub status: SyncStatus,
    /// The engine's phase, while running.
    pub phase: Option<String>,
    /// Percent done, when the engine knows the totals.
    pub percent: Option<f64>,
    /// Rows written so far, by kind.
    pub counts: Value,
    /// Okta API calls made.
    pub api_calls: i64,
    /// Times the run waited for a rate-limit window.
    pub rate_limit_waits: i64,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was queued.
    pub created_at: OffsetDateTime,
    /// When a replica started it.
    pub started_at: Option<OffsetDateTime>,
    /// When it finished.
    pub finished_at: Option<OffsetDateTime>,
}

/// Progress of a running sync, written after every batch.
#[derive(Clone, Debug, Default)]
pub struct SyncProgress {
    /// The engine's phase.
    pub phase: String,
    /// Percent done, if known.
    pub percent: Option<f64>,
    /// Rows written so far, by kind.
    pub counts: Value,
    /// Okta API calls made.
    pub api_calls: u64,
    /// Rate-limit waits.
    pub rate_limit_waits: u64,
}

/// A run this replica holds the lease for.
#[derive(Clone, Debug)]
pub struct ClaimedSync {
    /// The run.
    pub run: SyncRun,
    /// The directory, for Gatehouse's own machinery.
    pub scope: DirectoryScope,
    /// Who holds the lease (this replica).
    pub holder: String,
    /// How long each renewal keeps it.
    pub lease: Duration,
}

/// `id, directory_id, mode, cause, status, phase, progress_permille, counts, api_calls,
/// rate_limit_waits, error, created_at, started_at, finished_at`.
const RUN_COLUMNS: &str = "id, directory_id, mode, cause, status, phase, progress_permille, \
     counts, api_calls, rate_limit_waits, error, created_at, started_at, finished_at";

type RunRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    String,
    i64,
    i64,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);

fn to_run(row: RunRow) -> Result<SyncRun> {
    let (id, directory, mode, cause, status, phase, permille, counts, calls, waits, error, c, s, f) =
        row;
    Ok(SyncRun {
        id: SyncRunId::from_db(id),
        directory_id: DirectoryId::from_db(directory),
        mode: SyncRunMode::parse(&mode).unwrap_or(SyncRunMode::Incremental),
        cause,
        status: SyncStatus::parse(&status)?,
        phase,
        percent: permille.map(|p| p as f64 / 10.0),
        counts: serde_json::from_str(&counts).unwrap_or(Value::Null),
        api_calls: calls,
        rate_limit_waits: waits,
        error,
        created_at: from_ms(c),
        started_at: s.map(from_ms),
        finished_at: f.map(from_ms),
    })
}

fn lease_ms(lease: Duration) -> i64 {
    i64::try_from(lease.whole_milliseconds()).unwrap_or(i64::MAX)
}

/// Renews the lease of `holder` on the directory; false when another replica has it now.
pub(crate) async fn renew_lease(
    conn: &mut Conn<'_>,
    directory: &DirectoryId,
    holder: &str,
    lease: Duration,
) -> Result<bool> {
    let now = now_ms();
    let renewed = conn
        .execute(
            query(
                "UPDATE directory_sync_state SET lease_expires_at = $1 \
                 WHERE directory_id = $2 AND lease_holder = $3",
            )
            .bind(now.saturating_add(lease_ms(lease)))
            .bind(directory.as_str())
            .bind(holder),
        )
        .await?;
    Ok(renewed == 1)
}

/// Queues a run for every scheduled directory that is due and has none waiting or running,
/// moving its next run time forward (compare-and-set, so two replicas queue it once).
async fn queue_due(conn: &mut Conn<'_>, now: i64) -> Result<()> {
    let due: Vec<(String, i64, i64)> = conn
        .fetch_all(
            query(
                "SELECT s.directory_id, s.next_run_at, s.schedule_secs FROM directory_sync_state s \
                 WHERE s.next_run_at IS NOT NULL AND s.next_run_at <= $1 \
                 AND s.schedule_secs IS NOT NULL ORDER BY s.next_run_at LIMIT 20",
            )
            .bind(now),
        )
        .await?;
    for (directory, due_at, every) in due {
        let moved = conn
            .execute(
                query(
                    "UPDATE directory_sync_state SET next_run_at = $1 \
                     WHERE directory_id = $2 AND next_run_at = $3",
                )
                .bind(now.saturating_add(every.saturating_mul(1000)))
                .bind(&directory)
                .bind(due_at),
            )
            .await?;
        let (busy,): (bool,) = conn
            .fetch_one(
                query(
                    "SELECT EXISTS (SELECT 1 FROM directory_syncs WHERE directory_id = $1 \
                     AND status IN ('queued', 'running'))",
                )
                .bind(&directory),
            )
            .await?;
        if moved == 1 && !busy {
            insert_run(conn, &directory, SyncRunMode::Incremental, "schedule", now).await?;
        }
    }
    Ok(())
}

async fn insert_run(
    conn: &mut Conn<'_>,
    directory: &str,
    mode: SyncRunMode,
    cause: &str,
    now: i64,
) -> Result<SyncRunId> {
    let id = SyncRunId::generate();
    conn.execute(
        query(
            "INSERT INTO directory_syncs (id, directory_id, mode, cause, status, created_at) \
             VALUES ($1, $2, $3, $4, 'queued', $5)",
        )
        .bind(id.as_str())
        .bind(directory)
        .bind(mode.as_str())
        .bind(cause)
        .bind(now),
    )
    .await?;
    Ok(id)
}

/// Runs whose holder stopped renewing go back to the queue (the checkpoint resumes them).
async fn requeue_abandoned(conn: &mut Conn<'_>, now: i64) -> Result<()> {
    conn.execute(
        query(
            "UPDATE directory_syncs SET status = 'queued' WHERE status = 'running' \
             AND directory_id IN (SELECT directory_id FROM directory_sync_state \
             WHERE lease_holder IS NOT NULL AND lease_expires_at < $1)",
        )
        .bind(now),
    )
    .await?;
    conn.execute(
        query(
            "UPDATE directory_sync_state SET lease_holder = NULL, lease_expires_at = NULL \
             WHERE lease_holder IS NOT NULL AND lease_expires_at < $1",
        )
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Takes the lease of the oldest queued run's directory (or of run `only`'s) and marks
/// the run running.
async fn claim_one(
    conn: &mut Conn<'_>,
    holder: &str,
    lease: Duration,
    now: i64,
    only: Option<&str>,
) -> Result<Option<String>> {
    let candidate: Option<(String, String)> = conn
        .fetch_optional(
            query(
                "SELECT r.id, r.directory_id FROM directory_syncs r \
                 JOIN directory_sync_state s ON s.directory_id = r.directory_id \
                 WHERE r.status = 'queued' AND s.lease_holder IS NULL \
                 AND ($1 IS NULL OR r.id = $1) ORDER BY r.id LIMIT 1",
            )
            .bind(only),
        )
        .await?;
    let Some((run, directory)) = candidate else {
        return Ok(None);
    };
    let taken = conn
        .execute(
            query(
                "UPDATE directory_sync_state SET lease_holder = $1, lease_expires_at = $2 \
                 WHERE directory_id = $3 AND lease_holder IS NULL",
            )
            .bind(holder)
            .bind(now.saturating_add(lease_ms(lease)))
            .bind(&directory),
        )
        .await?;
    if taken != 1 {
        return Ok(None);
    }
    conn.execute(
        query(
            "UPDATE directory_syncs SET status = 'running', started_at = COALESCE(started_at, $1) \
             WHERE id = $2",
        )
        .bind(now)
        .bind(&run),
    )
    .await?;
    Ok(Some(run))
}

impl Store {
    /// Queues a sync of an Okta API directory (admin role). A run already waiting for the
    /// same directory and mode is returned instead of queueing another.
    pub async fn queue_sync(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        mode: SyncRunMode,
        cause: &'static str,
    ) -> Result<SyncRun> {
        scope.org.require(Role::Admin)?;
        let scope_for_tx = scope.clone();
        let actor = actor.clone();
        let id = self
            .write(move |mut conn| {
                Box::pin(async move {
                    let conn = &mut conn;
                    let (okta,): (bool,) = conn
                        .fetch_one(
                            query(
                                "SELECT EXISTS (SELECT 1 FROM directory_sync_state \
                                 WHERE directory_id = $1)",
                            )
                            .bind(scope_for_tx.id.as_str()),
                        )
                        .await?;
                    if !okta {
                        return Err(StoreError::Invalid(
                            "only okta_api directories sync; SCIM directories are pushed to".into(),
                        ));
                    }
                    let waiting: Option<(String,)> = conn
                        .fetch_optional(
                            query(
                                "SELECT id FROM directory_syncs WHERE directory_id = $1 \
                                 AND status = 'queued' AND mode = $2 ORDER BY id LIMIT 1",
                            )
                            .bind(scope_for_tx.id.as_str())
                            .bind(mode.as_str()),
                        )
                        .await?;
                    if let Some((id,)) = waiting {
                        return Ok(id);
                    }
                    let id =
                        insert_run(conn, scope_for_tx.id.as_str(), mode, cause, now_ms()).await?;
                    audit::append(
                        conn,
                        AuditRecord::success(
                            Some(scope_for_tx.org_id().clone()),
                            &actor,
                            "directory.sync_requested",
                            Some(("sync", id.to_string())),
                        )
                        .with_details(json!({
                            "directory_id": scope_for_tx.id.as_str(),
                            "mode": mode.as_str(),
                        })),
                    )
                    .await?;
                    Ok(id.to_string())
                })
            })
            .await?;
        self.get_sync(scope, &SyncRunId::from_db(id)).await
    }

    /// One run of the directory.
    pub async fn get_sync(&self, scope: &DirectoryScope, id: &SyncRunId) -> Result<SyncRun> {
        let row: Option<RunRow> = self
            .read_optional(
                query(format!(
                    "SELECT {RUN_COLUMNS} FROM directory_syncs WHERE id = $1 AND directory_id = $2"
                ))
                .bind(id.as_str())
                .bind(scope.id.as_str()),
            )
            .await?;
        to_run(row.ok_or(StoreError::NotFound { kind: "sync" })?)
    }

    /// The directory's runs, newest first.
    pub async fn list_syncs(
        &self,
        scope: &DirectoryScope,
        page: &PageRequest,
    ) -> Result<Page<SyncRun>> {
        let before = match page.cursor() {
            Some(cursor) => page::decode("syn", cursor)?,
            None => "~".to_owned(),
        };
        let limit = page.limit();
        let rows: Vec<RunRow> = self
            .read_all(
                query(format!(
                    "SELECT {RUN_COLUMNS} FROM directory_syncs WHERE directory_id = $1 \
                     AND id < $2 ORDER BY id DESC LIMIT $3"
                ))
                .bind(scope.id.as_str())
                .bind(before)
                .bind(i64::from(limit) + 1),
            )
            .await?;
        let runs = rows.into_iter().map(to_run).collect::<Result<Vec<_>>>()?;
        Ok(paginate(runs, limit, |r| {
            page::encode("syn", r.id.as_str())
        }))
    }

    /// For the runner: queues due scheduled runs, requeues abandoned ones, and claims the
    /// oldest queued run whose directory nobody holds. `None` when there is nothing to do.
    pub async fn claim_sync(&self, holder: &str, lease: Duration) -> Result<Option<ClaimedSync>> {
        self.claim(holder, lease, None).await
    }

    /// Claims run `id` if it is queued and its directory free (the CLI runs the run it
    /// queued itself). `None` when another replica has it.
    pub async fn claim_sync_run(
        &self,
        holder: &str,
        lease: Duration,
        id: &SyncRunId,
    ) -> Result<Option<ClaimedSync>> {
        self.claim(holder, lease, Some(id.to_string())).await
    }

    async fn claim(
        &self,
        holder: &str,
        lease: Duration,
        only: Option<String>,
    ) -> Result<Option<ClaimedSync>> {
        let holder_for_tx = holder.to_owned();
        let claimed = self
            .write(move |mut conn| {
                Box::pin(async move {
                    let conn = &mut conn;
                    let now = now_ms();
                    queue_due(conn, now).await?;
                    requeue_abandoned(conn, now).await?;
                    claim_one(conn, &holder_for_tx, lease, now, only.as_deref()).await
                })
            })
            .await?;
        let Some(run) = claimed else {
            return Ok(None);
        };
        let row: Option<RunRow> = self
            .read_optional(
                query(format!(
                    "SELECT {RUN_COLUMNS} FROM directory_syncs WHERE id = $1"
                ))
                .bind(run.as_str()),
            )
            .await?;
        let run = to_run(row.ok_or(StoreError::NotFound { kind: "sync" })?)?;
        let scope = self.internal_directory_scope(&run.directory_id).await?;
        Ok(Some(ClaimedSync {
            run,
            scope,
            holder: holder.to_owned(),
            lease,
        }))
    }

    /// Records progress and renews the lease; false when the lease was lost (stop then).
    pub async fn sync_progress(
        &self,
        claim: &ClaimedSync,
        progress: &SyncProgress,
    ) -> Result<bool> {
        let claim = claim.clone();
        let progress = progress.clone();
        self.write(move |mut conn| {
            Box::pin(async move {
                let conn = &mut conn;
                if !renew_lease(conn, &claim.run.directory_id, &claim.holder, claim.lease).await? {
                    return Ok(false);
                }
                conn.execute(
                    query(
                        "UPDATE directory_syncs SET phase = $1, progress_permille = $2, \
                         counts = $3, api_calls = $4, rate_limit_waits = $5 WHERE id = $6",
                    )
                    .bind(progress.phase.as_str())
                    .bind(progress.percent.map(|p| (p * 10.0).round() as i64))
                    .bind(progress.counts.to_string())
                    .bind(i64::try_from(progress.api_calls).unwrap_or(i64::MAX))
                    .bind(i64::try_from(progress.rate_limit_waits).unwrap_or(i64::MAX))
                    .bind(claim.run.id.as_str()),
                )
                .await?;
                Ok(true)
            })
        })
        .await
    }

    /// Ends a claimed run: records the outcome, emits `sync.succeeded`/`sync.failed`,
    /// schedules the next run and releases the lease — in one transaction. Does nothing
    /// when another replica has taken the run over (it will record the outcome).
    pub async fn finish_sync(
        &self,
        claim: &ClaimedSync,
        progress: &SyncProgress,
        error: Option<String>,
    ) -> Result<()> {
        let claim = claim.clone();
        let progress = progress.clone();
        self.write(move |mut conn| {
            Box::pin(async move {
                let conn = &mut conn;
                if !renew_lease(conn, &claim.run.directory_id, &claim.holder, claim.lease).await? {
                    // Another replica took the run over; it records the outcome.
                    return Ok(());
                }
                let now = now_ms();
                let status = if error.is_some() {
                    SyncStatus::Failed
                } else {
                    SyncStatus::Succeeded
                };
                conn.execute(
                    query(
                        "UPDATE directory_syncs SET status = $1, phase = $2, \
                         progress_permille = $3, counts = $4, api_calls = $5, \
                         rate_limit_waits = $6, error = $7, finished_at = $8 WHERE id = $9",
                    )
                    .bind(status.as_str())
                    .bind(progress.phase.as_str())
                    .bind(error.is_none().then_some(1000_i64))
                    .bind(progress.counts.to_string())
                    .bind(i64::try_from(progress.api_calls).unwrap_or(i64::MAX))
                    .bind(i64::try_from(progress.rate_limit_waits).unwrap_or(i64::MAX))
                    .bind(error.clone())
                    .bind(now)
                    .bind(claim.run.id.as_str()),
                )
                .await?;
                conn.execute(
                    query(
                        "UPDATE directory_sync_state SET lease_holder = NULL, \
                         lease_expires_at = NULL, next_run_at = CASE WHEN schedule_secs IS NULL \
                         THEN NULL ELSE $1 + schedule_secs * 1000 END \
                         WHERE directory_id = $2 AND lease_holder = $3",
                    )
                    .bind(now)
                    .bind(claim.run.directory_id.as_str())
                    .bind(claim.holder.as_str()),
                )
                .await?;
                let event_type = if error.is_some() {
                    "sync.failed"
                } else {
                    "sync.succeeded"
                };
                events::emit(
                    conn,
                    claim.scope.event(
                        event_type,
                        json!({
                            "sync_id": claim.run.id.as_str(),
                            "mode": claim.run.mode.as_str(),
                            "cause": claim.run.cause,
                            "counts": progress.counts,
                            "api_calls": progress.api_calls,
                            "rate_limit_waits": progress.rate_limit_waits,
                            "error": error,
                        }),
                    ),
                )
                .await?;
                audit::append(
                    conn,
                    AuditRecord::success(
                        Some(claim.scope.org_id().clone()),
                        &Actor::system("sync"),
                        "directory.sync_finished",
                        Some(("sync", claim.run.id.to_string())),
                    )
                    .with_details(json!({
                        "directory_id": claim.run.directory_id.as_str(),
                        "status": status.as_str(),
                        "error": error,
                    })),
                )
                .await?;
                Ok(())
            })
        })
        .await
    }
}
