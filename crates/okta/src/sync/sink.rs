//! Where a sync writes: the [`SyncSink`] trait and the changes it receives.

use std::future::Future;

use crate::models::{App, AppGroup, AppUser, Group, User};

use super::checkpoint::Checkpoint;
use super::progress::Progress;

/// A sink's own error (a database error, usually).
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// One batch of changes, all marked with the run that produced them.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncBatch {
    /// Identifies the sync run. Every row a change upserts must be marked with it: a
    /// [`Change::Sweep`] deletes the rows of its scope whose mark differs.
    pub run: String,
    /// The changes, in the order they must be applied.
    pub changes: Vec<Change>,
}

/// One change to the directory's copy of the org.
///
/// Upserts are keyed by Okta id and idempotent: applying a batch twice (after a crash
/// before its checkpoint was saved) leaves the same state. Rows may reference users or
/// groups the sink does not have yet (created in Okta while the sync ran); a sink that
/// enforces references may skip such rows — the System Log catch-up that follows every
/// full sync re-adds them once their user exists.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Insert or replace a user.
    UpsertUser(Box<User>),
    /// The user no longer exists in Okta.
    DeleteUser(String),
    /// Insert or replace a group.
    UpsertGroup(Box<Group>),
    /// The group no longer exists in Okta (its memberships and app assignments go too).
    DeleteGroup(String),
    /// These users are members of the group (upsert; existing rows are re-marked).
    AddMembers {
        /// Okta group id.
        group_id: String,
        /// Okta user ids.
        user_ids: Vec<String>,
    },
    /// These users are no longer members of the group.
    RemoveMembers {
        /// Okta group id.
        group_id: String,
        /// Okta user ids.
        user_ids: Vec<String>,
    },
    /// Insert or replace an app.
    UpsertApp(Box<App>),
    /// The app no longer exists (its assignments go too).
    DeleteApp(String),
    /// Insert or replace direct (`scope: USER`) user assignments of an app. Access
    /// through a group is not repeated per user: it is the app's group assignments
    /// joined with those groups' memberships, which stays right as memberships change.
    UpsertAppUsers {
        /// Okta app id.
        app_id: String,
        /// The assignments (`id` is the user id).
        assignments: Vec<AppUser>,
    },
    /// These users are no longer assigned to the app.
    RemoveAppUsers {
        /// Okta app id.
        app_id: String,
        /// Okta user ids.
        user_ids: Vec<String>,
    },
    /// Insert or replace group assignments of an app.
    UpsertAppGroups {
        /// Okta app id.
        app_id: String,
        /// The assignments (`id` is the group id).
        assignments: Vec<AppGroup>,
    },
    /// These groups are no longer assigned to the app.
    RemoveAppGroups {
        /// Okta app id.
        app_id: String,
        /// Okta group ids.
        group_ids: Vec<String>,
    },
    /// A full listing of this scope has finished: delete (as deletions, with events)
    /// every row in the scope not marked with this batch's `run`.
    Sweep(Sweep),
}

/// The scope of a [`Change::Sweep`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sweep {
    /// All users.
    Users,
    /// All groups.
    Groups,
    /// The memberships of one group.
    GroupMembers {
        /// Okta group id.
        group_id: String,
    },
    /// All apps.
    Apps,
    /// The user assignments of one app.
    AppUsers {
        /// Okta app id.
        app_id: String,
    },
    /// The group assignments of one app.
    AppGroups {
        /// Okta app id.
        app_id: String,
    },
}

impl Change {
    /// How many rows the change touches (for batch sizing).
    pub fn rows(&self) -> usize {
        match self {
            Change::AddMembers { user_ids, .. } | Change::RemoveMembers { user_ids, .. } => {
                user_ids.len()
            }
            Change::UpsertAppUsers { assignments, .. } => assignments.len(),
            Change::RemoveAppUsers { user_ids, .. } => user_ids.len(),
            Change::UpsertAppGroups { assignments, .. } => assignments.len(),
            Change::RemoveAppGroups { group_ids, .. } => group_ids.len(),
            _ => 1,
        }
    }
}

/// The destination of a sync: the store, in production; [`super::MemorySink`] in tests.
///
/// Contract: [`SyncSink::apply`] applies the batch **and** saves the checkpoint in one
/// transaction, so after a crash the next run resumes exactly after the last applied
/// batch — no lost rows, and re-applied rows are idempotent upserts.
pub trait SyncSink: Send {
    /// The checkpoint saved by the last successful `apply`, if any.
    fn load_checkpoint(
        &mut self,
    ) -> impl Future<Output = Result<Option<Checkpoint>, SinkError>> + Send;

    /// Applies `batch` in order and stores `checkpoint`, atomically.
    fn apply(
        &mut self,
        batch: SyncBatch,
        checkpoint: &Checkpoint,
    ) -> impl Future<Output = Result<(), SinkError>> + Send;

    /// Progress after each batch (counts, API calls, rate-limit waits, percent). The
    /// default ignores it.
    fn progress(
        &mut self,
        progress: &Progress,
    ) -> impl Future<Output = Result<(), SinkError>> + Send {
        let _ = progress;
        async { Ok(()) }
    }
}
