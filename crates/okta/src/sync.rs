//! The sync engine: copies an Okta org into a [`SyncSink`], page by page.
//!
//! **Full sync** walks, in order: groups (with `expand=stats`, which also gives the
//! totals for percent-done), users of every status, then — concurrently, since they draw
//! on different rate-limit buckets — each group's members and the apps with their user
//! and group assignments. Each page becomes a batch; each batch is applied
//! together with the checkpoint that follows it, so a crash resumes exactly there. Every
//! row is marked with the run id, and when a listing completes a [`Sweep`] tells the sink
//! to delete what was not seen — that is how deletions in Okta reach the sink without
//! ever holding all ids in memory. Memory stays at one page (plus one pending batch).
//!
//! **Incremental sync** follows the System Log from the checkpoint's cursor, planning
//! each page of events ([`events`]) into fetches of the objects that changed — one
//! `filter=lastUpdated gt` listing instead of per-user GETs when several users changed —
//! plus membership and assignment changes taken straight from the events. It costs
//! O(changes) calls. It falls back to a full sync when there is no checkpoint, when the
//! checkpoint is older than the log's retention, or when the last full sync is older than
//! [`SyncOptions::full_resync_after`]. A full sync ends with an incremental catch-up
//! from its own start, so changes made while it ran are not missed.

mod checkpoint;
pub mod events;
mod full;
mod incremental;
mod memory;
mod progress;
mod sink;

use std::collections::HashSet;

use time::Duration;

pub use checkpoint::{Checkpoint, CheckpointError, SyncPhase};
pub use memory::{MemorySink, SimulatedCrash, WriteCounts};
pub use progress::{Progress, SyncCounts};
pub use sink::{Change, SinkError, Sweep, SyncBatch, SyncSink};

use crate::client::{Client, ClientStats};
use crate::error::Error;
use checkpoint::{FullState, FullStep, IncrementalState, State};

/// What the caller asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// Re-read everything (an unfinished full sync is resumed rather than restarted).
    Full,
    /// Follow the System Log; falls back to a full sync when it must.
    Incremental,
}

/// Why an incremental request ran a full sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FullReason {
    /// Requested.
    Requested,
    /// No checkpoint yet (first sync).
    NoCheckpoint,
    /// The checkpoint belongs to another org URL.
    OrgChanged,
    /// The log cursor is older than the System Log's retention.
    LogRetention,
    /// The last full sync is older than `full_resync_after`.
    Reconcile,
    /// A full sync was interrupted; it was resumed.
    Resumed,
}

/// Tuning.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Rows per sink transaction (a page is never split).
    pub batch_rows: usize,
    /// List the members of BUILT_IN groups (Everyone = every user). Off by default: the
    /// membership is implicit and Okta's own counts leave it out.
    pub include_builtin_members: bool,
    /// Skip the member listing of groups whose `expand=stats` count is 0.
    pub trust_member_counts: bool,
    /// How long the System Log keeps events (90 days) minus a safety day.
    pub log_retention: Duration,
    /// Run a full sync when the last one is older than this, to reconcile what the log
    /// cannot tell (e.g. app assignments Okta removes silently on deactivation).
    pub full_resync_after: Option<Duration>,
    /// How far before a full sync's start its catch-up reads the log.
    pub log_overlap: Duration,
    /// Most System Log pages per incremental run (the next run continues).
    pub max_log_pages: usize,
    /// After a full sync, follow the log from its start right away.
    pub catch_up_after_full: bool,
    /// Changed users in one log page from which one `lastUpdated gt` listing replaces
    /// per-user GETs.
    pub delta_list_threshold: usize,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            batch_rows: 1000,
            include_builtin_members: false,
            trust_member_counts: true,
            log_retention: Duration::days(89),
            full_resync_after: Some(Duration::days(7)),
            log_overlap: Duration::minutes(2),
            max_log_pages: 1000,
            catch_up_after_full: true,
            delta_list_threshold: 2,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncReport {
    /// Whether a full sync ran, and why.
    pub full: Option<FullReason>,
    /// Whether the System Log was followed (incremental, or a full sync's catch-up).
    pub followed_log: bool,
    /// Rows written.
    pub counts: SyncCounts,
    /// API calls, rate-limit waits and 429s of this run.
    pub stats: ClientStats,
}

/// Why a run failed. The checkpoint of the last applied batch stays valid: run again to
/// resume.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Okta (or the network) failed after retries.
    #[error("Okta: {0}")]
    Okta(#[from] Error),
    /// The sink failed.
    #[error("sink: {0}")]
    Sink(SinkError),
}

/// Runs one sync of `client`'s org into `sink` (see the module docs).
pub async fn run<S: SyncSink>(
    client: &Client,
    sink: &mut S,
    mode: SyncMode,
    options: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    let checkpoint = sink.load_checkpoint().await.map_err(SyncError::Sink)?;
    let mut engine = Engine::new(client, sink, options);
    let org = client.org().as_str();
    let now = client.now();
    let (state, reason) = match checkpoint {
        Some(cp) if cp.org != org => (None, FullReason::OrgChanged),
        None => (
            None,
            if mode == SyncMode::Full {
                FullReason::Requested
            } else {
                FullReason::NoCheckpoint
            },
        ),
        Some(Checkpoint {
            state: State::Full(f),
            ..
        }) => (Some(State::Full(f)), FullReason::Resumed),
        Some(_) if mode == SyncMode::Full => (None, FullReason::Requested),
        Some(Checkpoint {
            state: State::Incremental(i),
            ..
        }) => {
            if now - i.seen_through > options.log_retention {
                (None, FullReason::LogRetention)
            } else if options
                .full_resync_after
                .is_some_and(|d| now - i.full_sync_started > d)
            {
                (None, FullReason::Reconcile)
            } else {
                (Some(State::Incremental(i)), FullReason::Requested)
            }
        }
    };
    let mut report_full = None;
    let incremental_state = match state {
        Some(State::Incremental(i)) => i,
        Some(State::Full(f)) => {
            report_full = Some(FullReason::Resumed);
            engine.full(f).await?
        }
        None => {
            report_full = Some(reason);
            engine.full(FullState::start(now)).await?
        }
    };
    let follow = report_full.is_none() || options.catch_up_after_full;
    if follow && !engine.incremental(incremental_state).await? {
        // The log refused the cursor: only a full sync can be trusted now.
        report_full = Some(FullReason::LogRetention);
        let state = engine.full(FullState::start(client.now())).await?;
        if options.catch_up_after_full {
            engine.incremental(state).await?;
        }
    }
    Ok(SyncReport {
        full: report_full,
        followed_log: follow,
        counts: engine.counts,
        stats: engine.stats(),
    })
}

impl FullState {
    fn start(now: time::OffsetDateTime) -> FullState {
        FullState {
            run: uuid::Uuid::new_v4().to_string(),
            started_at: now,
            step: FullStep::Groups { next: None },
            builtin_groups: Vec::new(),
            totals: Default::default(),
            done: Default::default(),
        }
    }
}

/// Accumulates changes into batches and applies them with their checkpoints.
pub(crate) struct Engine<'a, S: SyncSink> {
    client: &'a Client,
    sink: &'a mut S,
    options: &'a SyncOptions,
    run: String,
    pending: Vec<sink::Change>,
    pending_rows: usize,
    pending_checkpoint: Option<Checkpoint>,
    counts: SyncCounts,
    stats_at_start: ClientStats,
    progress: Option<(bool, SyncPhase, Option<f32>)>,
}

impl<'a, S: SyncSink> Engine<'a, S> {
    fn new(client: &'a Client, sink: &'a mut S, options: &'a SyncOptions) -> Engine<'a, S> {
        Engine {
            client,
            sink,
            options,
            run: uuid::Uuid::new_v4().to_string(),
            pending: Vec::new(),
            pending_rows: 0,
            pending_checkpoint: None,
            counts: SyncCounts::default(),
            stats_at_start: client.stats(),
            progress: None,
        }
    }

    fn stats(&self) -> ClientStats {
        self.client.stats().since(&self.stats_at_start)
    }

    fn checkpoint(&self, state: State) -> Checkpoint {
        Checkpoint::new(self.client.org().as_str(), state)
    }

    /// Queues `changes`, which bring the sink to `checkpoint`; applies the queue once it
    /// holds `batch_rows` rows.
    async fn push(
        &mut self,
        changes: Vec<sink::Change>,
        checkpoint: Checkpoint,
    ) -> Result<(), SyncError> {
        self.pending_rows += changes.iter().map(sink::Change::rows).sum::<usize>();
        self.pending.extend(changes);
        self.pending_checkpoint = Some(checkpoint);
        if self.pending_rows >= self.options.batch_rows {
            self.flush().await?;
        }
        Ok(())
    }

    /// Applies whatever is queued.
    async fn flush(&mut self) -> Result<(), SyncError> {
        let Some(checkpoint) = self.pending_checkpoint.take() else {
            return Ok(());
        };
        let changes = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        for c in &changes {
            self.counts.add(c);
        }
        self.counts.batches += 1;
        let batch = SyncBatch {
            run: self.run.clone(),
            changes,
        };
        self.sink
            .apply(batch, &checkpoint)
            .await
            .map_err(SyncError::Sink)?;
        if let Some((full, phase, percent)) = self.progress {
            let progress = Progress {
                full,
                phase,
                counts: self.counts,
                stats: self.stats(),
                percent,
            };
            self.sink
                .progress(&progress)
                .await
                .map_err(SyncError::Sink)?;
        }
        Ok(())
    }

    fn set_progress(&mut self, full: bool, phase: SyncPhase, percent: Option<f32>) {
        self.progress = Some((full, phase, percent));
    }

    fn implicit_groups(&self, ids: &[String]) -> HashSet<String> {
        if self.options.include_builtin_members {
            HashSet::new()
        } else {
            ids.iter().cloned().collect()
        }
    }
}

impl IncrementalState {
    fn after_full(full: &FullState, overlap: Duration) -> IncrementalState {
        IncrementalState {
            log_next: None,
            since: full.started_at - overlap,
            seen_through: full.started_at - overlap,
            full_sync_started: full.started_at,
            builtin_groups: full.builtin_groups.clone(),
        }
    }
}
