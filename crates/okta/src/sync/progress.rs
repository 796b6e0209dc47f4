//! Sync progress and counters.

use crate::client::ClientStats;

use super::checkpoint::SyncPhase;

/// Rows written by a sync, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncCounts {
    /// Users upserted.
    pub users_upserted: u64,
    /// Users deleted (events and sweeps are counted as the sweeps' scopes, not rows).
    pub users_deleted: u64,
    /// Groups upserted.
    pub groups_upserted: u64,
    /// Groups deleted.
    pub groups_deleted: u64,
    /// Membership rows upserted.
    pub memberships_added: u64,
    /// Membership rows removed.
    pub memberships_removed: u64,
    /// Apps upserted.
    pub apps_upserted: u64,
    /// Apps deleted.
    pub apps_deleted: u64,
    /// App assignment rows (user and group) upserted.
    pub assignments_upserted: u64,
    /// App assignment rows removed.
    pub assignments_removed: u64,
    /// Sweeps issued.
    pub sweeps: u64,
    /// System Log events read.
    pub events_read: u64,
    /// Batches applied.
    pub batches: u64,
}

impl SyncCounts {
    pub(crate) fn add(&mut self, change: &super::Change) {
        use super::Change as C;
        let n = change.rows() as u64;
        match change {
            C::UpsertUser(_) => self.users_upserted += 1,
            C::DeleteUser(_) => self.users_deleted += 1,
            C::UpsertGroup(_) => self.groups_upserted += 1,
            C::DeleteGroup(_) => self.groups_deleted += 1,
            C::AddMembers { .. } => self.memberships_added += n,
            C::RemoveMembers { .. } => self.memberships_removed += n,
            C::UpsertApp(_) => self.apps_upserted += 1,
            C::DeleteApp(_) => self.apps_deleted += 1,
            C::UpsertAppUsers { .. } | C::UpsertAppGroups { .. } => self.assignments_upserted += n,
            C::RemoveAppUsers { .. } | C::RemoveAppGroups { .. } => self.assignments_removed += n,
            C::Sweep(_) => self.sweeps += 1,
        }
    }
}

/// A snapshot of a running sync, for the status API and the CLI's progress bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// Full or incremental.
    pub full: bool,
    /// The current phase.
    pub phase: SyncPhase,
    /// Rows written so far in this run.
    pub counts: SyncCounts,
    /// API calls, waits and 429s of this run.
    pub stats: ClientStats,
    /// Percent done (0–100) when totals are known (full syncs; from group statistics).
    pub percent: Option<f32>,
}
