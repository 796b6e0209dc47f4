//! The opaque, serialisable sync position (okta-reference §3.7, §4.5).
//!
//! A checkpoint says which phase a sync is in and where inside it: the path of the next
//! page to read (always a `Link` the server sent, or a first-page path this crate built),
//! which parent (group or app) is being walked, or — once a full sync has finished — the
//! System Log cursor that incremental syncs follow. Sinks store it next to the data it
//! describes, in the same transaction, and hand it back on the next run.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a sync stands. Store it with [`Checkpoint::encode`]; restore it with
/// [`Checkpoint::decode`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub(crate) v: u32,
    /// The org the cursors belong to (`https://acme.okta.com`).
    pub(crate) org: String,
    pub(crate) state: State,
}

/// Why a stored checkpoint could not be read.
#[derive(Debug, thiserror::Error)]
#[error("unreadable sync checkpoint: {0}")]
pub struct CheckpointError(String);

const VERSION: u32 = 1;

/// The phase a checkpoint is in, for status displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncPhase {
    /// Full sync: listing groups.
    Groups,
    /// Full sync: listing users.
    Users,
    /// Full sync: listing each group's members (and, at the same time, apps).
    Memberships,
    /// Full sync: listing apps and their assignments (members are done).
    Apps,
    /// Incremental: following the System Log.
    SystemLog,
}

impl SyncPhase {
    /// snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            SyncPhase::Groups => "groups",
            SyncPhase::Users => "users",
            SyncPhase::Memberships => "memberships",
            SyncPhase::Apps => "apps",
            SyncPhase::SystemLog => "system_log",
        }
    }
}

impl Checkpoint {
    /// Serialises to a compact JSON string.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses what [`Checkpoint::encode`] produced.
    pub fn decode(text: &str) -> Result<Checkpoint, CheckpointError> {
        let cp: Checkpoint =
            serde_json::from_str(text).map_err(|e| CheckpointError(e.to_string()))?;
        if cp.v != VERSION {
            return Err(CheckpointError(format!(
                "version {} is not supported",
                cp.v
            )));
        }
        Ok(cp)
    }

    /// The phase it is in.
    pub fn phase(&self) -> SyncPhase {
        match &self.state {
            State::Full(f) => match f.step {
                FullStep::Groups { .. } => SyncPhase::Groups,
                FullStep::Users { .. } => SyncPhase::Users,
                FullStep::Links {
                    memberships: Some(_),
                    ..
                } => SyncPhase::Memberships,
                FullStep::Links { .. } => SyncPhase::Apps,
            },
            State::Incremental(_) => SyncPhase::SystemLog,
        }
    }

    /// True while a full sync is unfinished (the next run resumes it).
    pub fn full_sync_in_progress(&self) -> bool {
        matches!(self.state, State::Full(_))
    }

    /// When the last full sync started (for an incremental checkpoint).
    pub fn last_full_sync(&self) -> Option<OffsetDateTime> {
        match &self.state {
            State::Incremental(i) => Some(i.full_sync_started),
            State::Full(_) => None,
        }
    }

    pub(crate) fn new(org: &str, state: State) -> Checkpoint {
        Checkpoint {
            v: VERSION,
            org: org.to_owned(),
            state,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub(crate) enum State {
    Full(FullState),
    Incremental(IncrementalState),
}

/// A full sync in progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FullState {
    /// Marks every row this sync wrote, so the sweeps can delete the rest.
    pub(crate) run: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) started_at: OffsetDateTime,
    pub(crate) step: FullStep,
    /// Ids of BUILT_IN groups (Everyone), whose members are implicit.
    #[serde(default)]
    pub(crate) builtin_groups: Vec<String>,
    #[serde(default)]
    pub(crate) totals: Totals,
    #[serde(default)]
    pub(crate) done: Done,
}

/// Expected sizes, from the group list's `expand=stats`, for percent-done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Totals {
    pub(crate) groups: u64,
    pub(crate) users: Option<u64>,
    pub(crate) memberships: Option<u64>,
}

/// Rows written so far in this full sync, carried across resumes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Done {
    pub(crate) groups: u64,
    pub(crate) users: u64,
    pub(crate) memberships: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub(crate) enum FullStep {
    Groups {
        next: Option<String>,
    },
    Users {
        next: Option<String>,
    },
    /// The memberships and apps walks, run concurrently; `None` = that walk is done.
    Links {
        memberships: Option<ParentCursor>,
        apps: Option<ParentCursor>,
    },
}

/// Position in a walk over parents (groups, apps) and their child lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ParentCursor {
    /// The parent page being walked; `None` = the first page.
    pub(crate) page: Option<String>,
    /// The parent being walked on that page; `None` = the page is not started.
    pub(crate) parent: Option<String>,
    /// Which of the parent's child lists.
    pub(crate) child: usize,
    /// The next page of that child list; `None` = its first page.
    pub(crate) child_next: Option<String>,
}

/// Following the System Log after a full sync.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct IncrementalState {
    /// The next log page (the last `next` link); `None` = start from `since`.
    pub(crate) log_next: Option<String>,
    /// Where polling starts when there is no cursor yet.
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) since: OffsetDateTime,
    /// Everything up to here has been applied: the later of the newest event applied and
    /// the last time the log was read to its end. Older than the log's retention → the
    /// cursor may have lost events, so a full sync is needed.
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) seen_through: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) full_sync_started: OffsetDateTime,
    #[serde(default)]
    pub(crate) builtin_groups: Vec<String>,
}
