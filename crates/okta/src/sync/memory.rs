//! An in-memory [`SyncSink`] for tests and examples: applies batches to maps, keeps the
//! checkpoint (round-tripped through its string form), counts writes, and can be told to
//! fail after N batches to simulate a crash.

use std::collections::{BTreeMap, BTreeSet};

use super::checkpoint::Checkpoint;
use super::progress::Progress;
use super::sink::{Change, SinkError, Sweep, SyncBatch, SyncSink};
use crate::models::{App, AppGroup, AppUser, Group, User};

/// How often rows were written, to detect duplicates and lost work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Rows that did not exist before.
    pub created: u64,
    /// Rows that existed with different content.
    pub updated: u64,
    /// Rows written again with identical content.
    pub unchanged: u64,
    /// Rows deleted (by a delete or a sweep).
    pub deleted: u64,
}

/// A sink holding everything in memory.
#[derive(Debug, Default)]
pub struct MemorySink {
    users: BTreeMap<String, (User, String)>,
    groups: BTreeMap<String, (Group, String)>,
    members: BTreeMap<String, BTreeMap<String, String>>,
    apps: BTreeMap<String, (App, String)>,
    app_users: BTreeMap<String, BTreeMap<String, (AppUser, String)>>,
    app_groups: BTreeMap<String, BTreeMap<String, (AppGroup, String)>>,
    checkpoint: Option<String>,
    /// User row writes.
    pub user_writes: WriteCounts,
    /// Membership row writes.
    pub member_writes: WriteCounts,
    /// Batches applied.
    pub batches: u64,
    /// The last progress reported.
    pub last_progress: Option<Progress>,
    fail_after: Option<u64>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// Makes `apply` fail (without applying) once `n` more batches have been applied,
    /// simulating a crash; `None` stops failing.
    pub fn fail_after(&mut self, n: Option<u64>) {
        self.fail_after = n.map(|n| self.batches + n);
    }

    /// All users.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values().map(|(u, _)| u)
    }

    /// One user.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id).map(|(u, _)| u)
    }

    /// All groups.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values().map(|(g, _)| g)
    }

    /// Member ids of a group.
    pub fn members(&self, group_id: &str) -> BTreeSet<String> {
        self.members
            .get(group_id)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Every (group, user) membership.
    pub fn memberships(&self) -> BTreeSet<(String, String)> {
        self.members
            .iter()
            .flat_map(|(g, m)| m.keys().map(move |u| (g.clone(), u.clone())))
            .collect()
    }

    /// All apps.
    pub fn apps(&self) -> impl Iterator<Item = &App> {
        self.apps.values().map(|(a, _)| a)
    }

    /// User ids assigned to an app.
    pub fn app_users(&self, app_id: &str) -> BTreeSet<String> {
        self.app_users
            .get(app_id)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Group ids assigned to an app.
    pub fn app_groups(&self, app_id: &str) -> BTreeSet<String> {
        self.app_groups
            .get(app_id)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The stored checkpoint.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        self.checkpoint
            .as_deref()
            .and_then(|c| Checkpoint::decode(c).ok())
    }

    fn delete_user(&mut self, id: &str) {
        if self.users.remove(id).is_some() {
            self.user_writes.deleted += 1;
        }
        for m in self.members.values_mut() {
            if m.remove(id).is_some() {
                self.member_writes.deleted += 1;
            }
        }
        for a in self.app_users.values_mut() {
            a.remove(id);
        }
    }

    fn delete_group(&mut self, id: &str) {
        self.groups.remove(id);
        if let Some(m) = self.members.remove(id) {
            self.member_writes.deleted += m.len() as u64;
        }
        for a in self.app_groups.values_mut() {
            a.remove(id);
        }
    }

    fn delete_app(&mut self, id: &str) {
        self.apps.remove(id);
        self.app_users.remove(id);
        self.app_groups.remove(id);
    }

    fn apply_change(&mut self, change: Change, run: &str) {
        let mark = run.to_owned();
        match change {
            Change::UpsertUser(u) => {
                let counts = &mut self.user_writes;
                match self.users.get(&u.id) {
                    None => counts.created += 1,
                    Some((old, _)) if *old == *u => counts.unchanged += 1,
                    Some(_) => counts.updated += 1,
                }
                self.users.insert(u.id.clone(), (*u, mark));
            }
            Change::DeleteUser(id) => self.delete_user(&id),
            Change::UpsertGroup(g) => {
                self.groups.insert(g.id.clone(), (*g, mark));
            }
            Change::DeleteGroup(id) => self.delete_group(&id),
            Change::AddMembers { group_id, user_ids } => {
                let m = self.members.entry(group_id).or_default();
                for u in user_ids {
                    if m.insert(u, mark.clone()).is_some() {
                        self.member_writes.unchanged += 1;
                    } else {
                        self.member_writes.created += 1;
                    }
                }
            }
            Change::RemoveMembers { group_id, user_ids } => {
                if let Some(m) = self.members.get_mut(&group_id) {
                    for u in user_ids {
                        if m.remove(&u).is_some() {
                            self.member_writes.deleted += 1;
                        }
                    }
                }
            }
            Change::UpsertApp(a) => {
                self.apps.insert(a.id.clone(), (*a, mark));
            }
            Change::DeleteApp(id) => self.delete_app(&id),
            Change::UpsertAppUsers {
                app_id,
                assignments,
            } => {
                let m = self.app_users.entry(app_id).or_default();
                for a in assignments {
                    m.insert(a.id.clone(), (a, mark.clone()));
                }
            }
            Change::RemoveAppUsers { app_id, user_ids } => {
                if let Some(m) = self.app_users.get_mut(&app_id) {
                    for u in user_ids {
                        m.remove(&u);
                    }
                }
            }
            Change::UpsertAppGroups {
                app_id,
                assignments,
            } => {
                let m = self.app_groups.entry(app_id).or_default();
                for a in assignments {
                    m.insert(a.id.clone(), (a, mark.clone()));
                }
            }
            Change::RemoveAppGroups { app_id, group_ids } => {
                if let Some(m) = self.app_groups.get_mut(&app_id) {
                    for g in group_ids {
                        m.remove(&g);
                    }
                }
            }
            Change::Sweep(scope) => self.sweep(scope, run),
        }
    }

    fn sweep(&mut self, scope: Sweep, run: &str) {
        match scope {
            Sweep::Users => {
                let stale: Vec<String> = self
                    .users
                    .iter()
                    .filter(|(_, (_, r))| r != run)
                    .map(|(k, _)| k.clone())
                    .collect();
                for id in stale {
                    self.delete_user(&id);
                }
            }
            Sweep::Groups => {
                let stale: Vec<String> = self
                    .groups
                    .iter()
                    .filter(|(_, (_, r))| r != run)
                    .map(|(k, _)| k.clone())
                    .collect();
                for id in stale {
                    self.delete_group(&id);
                }
            }
            Sweep::Apps => {
                let stale: Vec<String> = self
                    .apps
                    .iter()
                    .filter(|(_, (_, r))| r != run)
                    .map(|(k, _)| k.clone())
                    .collect();
                for id in stale {
                    self.delete_app(&id);
                }
            }
            Sweep::GroupMembers { group_id } => {
                if let Some(m) = self.members.get_mut(&group_id) {
                    let before = m.len();
                    m.retain(|_, r| r == run);
                    self.member_writes.deleted += (before - m.len()) as u64;
                }
            }
            Sweep::AppUsers { app_id } => {
                if let Some(m) = self.app_users.get_mut(&app_id) {
                    m.retain(|_, (_, r)| r == run);
                }
            }
            Sweep::AppGroups { app_id } => {
                if let Some(m) = self.app_groups.get_mut(&app_id) {
                    m.retain(|_, (_, r)| r == run);
                }
            }
        }
    }
}

/// The crash a [`MemorySink::fail_after`] simulates.
#[derive(Debug, thiserror::Error)]
#[error("simulated crash after {0} batches")]
pub struct SimulatedCrash(pub u64);

impl SyncSink for MemorySink {
    async fn load_checkpoint(&mut self) -> Result<Option<Checkpoint>, SinkError> {
        match &self.checkpoint {
            None => Ok(None),
            Some(text) => Ok(Some(Checkpoint::decode(text)?)),
        }
    }

    async fn apply(&mut self, batch: SyncBatch, checkpoint: &Checkpoint) -> Result<(), SinkError> {
        if self.fail_after.is_some_and(|n| self.batches >= n) {
            return Err(Box::new(SimulatedCrash(self.batches)));
        }
        for change in batch.changes {
            self.apply_change(change, &batch.run);
        }
        self.checkpoint = Some(checkpoint.encode());
        self.batches += 1;
        Ok(())
    }

    async fn progress(&mut self, progress: &Progress) -> Result<(), SinkError> {
        self.last_progress = Some(progress.clone());
        Ok(())
    }
}
