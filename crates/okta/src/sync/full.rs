//! The full sync: groups, users, then memberships and app assignments, page by page.
//!
//! Groups and users are plain lists. Memberships (groups → members) and apps (apps →
//! user and group assignments) are *walks* over parents and their child lists; the two
//! walks use different rate-limit buckets, so they run concurrently, each producing
//! [`WalkStep`]s that one writer applies in arrival order with a checkpoint holding both
//! walks' positions.

use serde::Deserialize;
use tokio::sync::mpsc;

use super::checkpoint::{FullState, FullStep, IncrementalState, ParentCursor, State};
use super::sink::{Change, Sweep, SyncSink};
use super::{Engine, SyncError, SyncOptions, SyncPhase};
use crate::client::Client;
use crate::models::{App, AppGroup, AppUser, Group, GroupType, User};

/// A group member as listed by `/groups/{id}/users`: only the id is needed.
#[derive(Deserialize)]
struct MemberRef {
    id: String,
}

/// The two plain lists of a full sync.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flat {
    Groups,
    Users,
}

/// The two parent walks of a full sync.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parents {
    /// Groups → members (groups themselves were upserted in the groups phase).
    Groups,
    /// Apps → user assignments, group assignments.
    Apps,
}

/// One parent on a page, and whether its child lists need fetching.
struct Entry {
    id: String,
    /// `false`: nothing to list (empty or implicit membership): sweep its children.
    list: bool,
}

struct ParentPage {
    entries: Vec<Entry>,
    upserts: Vec<Change>,
    next: Option<String>,
}

impl Parents {
    fn children(self) -> usize {
        match self {
            Parents::Groups => 1,
            Parents::Apps => 2,
        }
    }

    fn sweep(self, id: &str, child: usize) -> Change {
        let id = id.to_owned();
        Change::Sweep(match (self, child) {
            (Parents::Groups, _) => Sweep::GroupMembers { group_id: id },
            (Parents::Apps, 0) => Sweep::AppUsers { app_id: id },
            (Parents::Apps, _) => Sweep::AppGroups { app_id: id },
        })
    }
}

impl<S: SyncSink> Engine<'_, S> {
    /// Runs (or resumes) a full sync to its end; returns the incremental state that
    /// follows it (already saved by the last batch).
    pub(crate) async fn full(
        &mut self,
        mut state: FullState,
    ) -> Result<IncrementalState, SyncError> {
        self.run = state.run.clone();
        loop {
            match state.step.clone() {
                FullStep::Groups { next } => {
                    self.flat_phase(&mut state, Flat::Groups, next).await?
                }
                FullStep::Users { next } => self.flat_phase(&mut state, Flat::Users, next).await?,
                FullStep::Links { memberships, apps } => {
                    // Ends by saving the incremental checkpoint that follows.
                    self.links_phase(&mut state, memberships, apps).await?;
                    return Ok(IncrementalState::after_full(
                        &state,
                        self.options.log_overlap,
                    ));
                }
            }
        }
    }

    fn full_checkpoint(&self, state: &FullState) -> super::Checkpoint {
        self.checkpoint(State::Full(state.clone()))
    }

    fn percent(&mut self, state: &FullState, phase: SyncPhase) {
        let t = state.totals;
        let d = state.done;
        let total = t.groups + t.users.unwrap_or(0) + t.memberships.unwrap_or(0);
        let percent = match (phase, t.users, t.memberships) {
            (SyncPhase::Groups, _, _) => None,
            (_, Some(_), Some(_)) if total > 0 => {
                let done = d.groups + d.users + d.memberships;
                Some((done as f32 * 100.0 / total as f32).min(99.0))
            }
            _ => None,
        };
        self.set_progress(true, phase, percent);
    }

    /// Reads one page of the groups or users list into changes (and totals).
    async fn flat_page(
        &self,
        kind: Flat,
        path: &str,
        state: &mut FullState,
    ) -> Result<(Vec<Change>, Option<String>), SyncError> {
        Ok(match kind {
            Flat::Groups => {
                let page = self.client.fetch_page::<Group>(path).await?;
                for g in &page.items {
                    state.totals.groups += 1;
                    state.done.groups += 1;
                    if g.group_type == GroupType::BuiltIn {
                        state.builtin_groups.push(g.id.clone());
                        let everyone = g.users_count().unwrap_or(0);
                        state.totals.users = Some(state.totals.users.unwrap_or(0) + everyone);
                    } else if let Some(n) = g.users_count() {
                        state.totals.memberships = Some(state.totals.memberships.unwrap_or(0) + n);
                    }
                }
                let changes = page
                    .items
                    .into_iter()
                    .map(|g| Change::UpsertGroup(Box::new(g)));
                (changes.collect(), page.next)
            }
            Flat::Users => {
                let page = self.client.fetch_page::<User>(path).await?;
                state.done.users += page.items.len() as u64;
                let changes = page
                    .items
                    .into_iter()
                    .map(|u| Change::UpsertUser(Box::new(u)));
                (changes.collect(), page.next)
            }
        })
    }

    /// Walks the groups or users list from `next` to its end; the last page also sweeps
    /// what was not seen and moves the checkpoint to the next phase.
    async fn flat_phase(
        &mut self,
        state: &mut FullState,
        kind: Flat,
        next: Option<String>,
    ) -> Result<(), SyncError> {
        let (phase, first) = match kind {
            Flat::Groups => (SyncPhase::Groups, self.client.groups_path()),
            Flat::Users => (SyncPhase::Users, self.client.users_path()),
        };
        let mut path = next.unwrap_or(first);
        loop {
            self.percent(state, phase);
            let (mut changes, next) = self.flat_page(kind, &path, state).await?;
            match next {
                Some(n) => {
                    state.step = match kind {
                        Flat::Groups => FullStep::Groups {
                            next: Some(n.clone()),
                        },
                        Flat::Users => FullStep::Users {
                            next: Some(n.clone()),
                        },
                    };
                    let cp = self.full_checkpoint(state);
                    self.push(changes, cp).await?;
                    path = n;
                }
                None => {
                    let (sweep, step) = match kind {
                        Flat::Groups => (Sweep::Groups, FullStep::Users { next: None }),
                        Flat::Users => (
                            Sweep::Users,
                            FullStep::Links {
                                memberships: Some(ParentCursor::default()),
                                apps: Some(ParentCursor::default()),
                            },
                        ),
                    };
                    changes.push(Change::Sweep(sweep));
                    state.step = step;
                    let cp = self.full_checkpoint(state);
                    self.push(changes, cp).await?;
                    return self.flush().await;
                }
            }
        }
    }

    /// Runs the memberships and apps walks (those not finished yet) concurrently and
    /// applies their steps in arrival order; the batch of the very last step carries the
    /// incremental checkpoint.
    async fn links_phase(
        &mut self,
        state: &mut FullState,
        memberships: Option<ParentCursor>,
        apps: Option<ParentCursor>,
    ) -> Result<(), SyncError> {
        let (tx, rx) = mpsc::channel::<WalkStep>(4);
        let walker = Walker {
            client: self.client,
            options: self.options,
            builtin: state.builtin_groups.clone(),
        };
        let mut positions = (memberships.clone(), apps.clone());
        let walker = &walker;
        let (tx_members, tx_apps) = (tx.clone(), tx);
        let walk_members = async move {
            match memberships {
                Some(c) => walker.walk(Parents::Groups, c, tx_members).await,
                None => Ok(()),
            }
        };
        let walk_apps = async move {
            match apps {
                Some(c) => walker.walk(Parents::Apps, c, tx_apps).await,
                None => Ok(()),
            }
        };
        let write = async {
            // Owned here, so a failing writer drops the receiver and the walks stop.
            let mut rx = rx;
            // The walks hold the senders; the channel closes when both are done.
            while let Some(step) = rx.recv().await {
                match step.kind {
                    Parents::Groups => positions.0 = step.at,
                    Parents::Apps => positions.1 = step.at,
                }
                state.done.memberships += step.members_listed;
                let cp = match &positions {
                    (None, None) => self.checkpoint(State::Incremental(
                        IncrementalState::after_full(state, self.options.log_overlap),
                    )),
                    (m, a) => {
                        state.step = FullStep::Links {
                            memberships: m.clone(),
                            apps: a.clone(),
                        };
                        self.full_checkpoint(state)
                    }
                };
                let phase = if positions.0.is_some() {
                    SyncPhase::Memberships
                } else {
                    SyncPhase::Apps
                };
                self.percent(state, phase);
                self.push(step.changes, cp).await?;
            }
            self.flush().await
        };
        let (members, apps, written) = tokio::join!(walk_members, walk_apps, write);
        written?;
        members?;
        apps
    }
}

/// What a walk hands the writer: changes that bring the walk to `at` (`None`: finished).
struct WalkStep {
    kind: Parents,
    changes: Vec<Change>,
    at: Option<ParentCursor>,
    members_listed: u64,
}

/// The read side of the parent walks; shared by both walks, never touches the sink.
struct Walker<'a> {
    client: &'a Client,
    options: &'a SyncOptions,
    builtin: Vec<String>,
}

impl Walker<'_> {
    async fn parent_page(&self, kind: Parents, path: &str) -> Result<ParentPage, SyncError> {
        Ok(match kind {
            Parents::Groups => {
                let page = self.client.fetch_page::<Group>(path).await?;
                let entries = page
                    .items
                    .iter()
                    .map(|g| {
                        let implicit =
                            g.group_type == GroupType::BuiltIn || self.builtin.contains(&g.id);
                        let empty = self.options.trust_member_counts && g.users_count() == Some(0);
                        Entry {
                            id: g.id.clone(),
                            list: !(empty || implicit && !self.options.include_builtin_members),
                        }
                    })
                    .collect();
                ParentPage {
                    entries,
                    upserts: Vec::new(),
                    next: page.next,
                }
            }
            Parents::Apps => {
                let page = self.client.fetch_page::<App>(path).await?;
                let entries = page
                    .items
                    .iter()
                    .map(|a| Entry {
                        id: a.id.clone(),
                        list: true,
                    })
                    .collect();
                let upserts = page
                    .items
                    .into_iter()
                    .map(|a| Change::UpsertApp(Box::new(a)))
                    .collect();
                ParentPage {
                    entries,
                    upserts,
                    next: page.next,
                }
            }
        })
    }

    /// One page of a child list: its changes, the next page, and how many rows it listed.
    async fn child_page(
        &self,
        kind: Parents,
        parent: &str,
        child: usize,
        path: &str,
    ) -> Result<(Vec<Change>, Option<String>, usize), SyncError> {
        let id = parent.to_owned();
        Ok(match (kind, child) {
            (Parents::Groups, _) => {
                let page = self.client.fetch_page::<MemberRef>(path).await?;
                let n = page.items.len();
                let user_ids = page.items.into_iter().map(|m| m.id).collect();
                (
                    vec![Change::AddMembers {
                        group_id: id,
                        user_ids,
                    }],
                    page.next,
                    n,
                )
            }
            (Parents::Apps, 0) => {
                let page = self.client.fetch_page::<AppUser>(path).await?;
                let n = page.items.len();
                let assignments = page.items.into_iter().filter(AppUser::is_direct).collect();
                (
                    vec![Change::UpsertAppUsers {
                        app_id: id,
                        assignments,
                    }],
                    page.next,
                    n,
                )
            }
            (Parents::Apps, _) => {
                let page = self.client.fetch_page::<AppGroup>(path).await?;
                let n = page.items.len();
                (
                    vec![Change::UpsertAppGroups {
                        app_id: id,
                        assignments: page.items,
                    }],
                    page.next,
                    n,
                )
            }
        })
    }

    fn child_path(&self, kind: Parents, parent: &str, child: usize) -> String {
        match (kind, child) {
            (Parents::Groups, _) => self.client.group_members_path(parent),
            (Parents::Apps, 0) => self.client.app_users_path(parent),
            (Parents::Apps, _) => self.client.app_groups_path(parent),
        }
    }

    /// Walks parents and their child lists from `cursor` to the end, sending each page's
    /// changes with the position after it. Returns early if the writer has stopped.
    async fn walk(
        &self,
        kind: Parents,
        mut cursor: ParentCursor,
        tx: mpsc::Sender<WalkStep>,
    ) -> Result<(), SyncError> {
        let first = match kind {
            Parents::Groups => self.client.groups_path(),
            Parents::Apps => self.client.apps_path(),
        };
        let send = async |changes: Vec<Change>, at: Option<ParentCursor>, members_listed: u64| {
            tx.send(WalkStep {
                kind,
                changes,
                at,
                members_listed,
            })
            .await
            .is_ok()
        };
        loop {
            let page_path = cursor.page.clone().unwrap_or_else(|| first.clone());
            let mut page = self.parent_page(kind, &page_path).await?;
            let upserts = std::mem::take(&mut page.upserts);
            let start = match &cursor.parent {
                // A parent that vanished since the checkpoint: redo the page (idempotent).
                Some(id) => page.entries.iter().position(|e| &e.id == id).unwrap_or(0),
                None => 0,
            };
            if cursor.parent.is_none()
                && !upserts.is_empty()
                && let Some(first_entry) = page.entries.first()
            {
                let at = ParentCursor {
                    parent: Some(first_entry.id.clone()),
                    ..cursor.clone()
                };
                if !send(upserts, Some(at), 0).await {
                    return Ok(());
                }
            }
            let entries = page.entries.get(start..).unwrap_or_default();
            for (offset, entry) in entries.iter().enumerate() {
                let index = start + offset;
                let resume_here =
                    offset == 0 && cursor.parent.as_deref() == Some(entry.id.as_str());
                let first_child = if resume_here { cursor.child } else { 0 };
                for child in first_child..kind.children() {
                    let mut child_next = if resume_here && child == cursor.child {
                        cursor.child_next.clone()
                    } else {
                        None
                    };
                    loop {
                        let (mut changes, next, listed) = if entry.list {
                            let path = child_next
                                .clone()
                                .unwrap_or_else(|| self.child_path(kind, &entry.id, child));
                            self.child_page(kind, &entry.id, child, &path).await?
                        } else {
                            (Vec::new(), None, 0)
                        };
                        let members = if kind == Parents::Groups {
                            listed as u64
                        } else {
                            0
                        };
                        let at = match &next {
                            Some(n) => Some(ParentCursor {
                                page: Some(page_path.clone()),
                                parent: Some(entry.id.clone()),
                                child,
                                child_next: Some(n.clone()),
                            }),
                            None => {
                                changes.push(kind.sweep(&entry.id, child));
                                match after(kind, &page_path, &page, index, child) {
                                    Some(at) => Some(at),
                                    None => {
                                        // The walk's last list: its end sweeps the parents.
                                        if kind == Parents::Apps {
                                            changes.push(Change::Sweep(Sweep::Apps));
                                        }
                                        None
                                    }
                                }
                            }
                        };
                        if !send(changes, at, members).await {
                            return Ok(());
                        }
                        match next {
                            Some(n) => child_next = Some(n),
                            None => break,
                        }
                    }
                }
            }
            if page.entries.is_empty() {
                // An empty page: move on, or end the walk.
                let at = page.next.clone().map(|n| ParentCursor {
                    page: Some(n),
                    ..ParentCursor::default()
                });
                let changes = if at.is_none() && kind == Parents::Apps {
                    vec![Change::Sweep(Sweep::Apps)]
                } else {
                    Vec::new()
                };
                if !send(changes, at, 0).await {
                    return Ok(());
                }
            }
            match page.next {
                Some(next) => {
                    cursor = ParentCursor {
                        page: Some(next),
                        ..ParentCursor::default()
                    }
                }
                None => return Ok(()),
            }
        }
    }
}

/// The position after child list `child` of the entry at `index`: the parent's next
/// list, the next parent, the next page — or `None` at the end of the walk.
fn after(
    kind: Parents,
    page_path: &str,
    page: &ParentPage,
    index: usize,
    child: usize,
) -> Option<ParentCursor> {
    let here = |id: &str, child: usize| ParentCursor {
        page: Some(page_path.to_owned()),
        parent: Some(id.to_owned()),
        child,
        child_next: None,
    };
    if child + 1 < kind.children() {
        return page.entries.get(index).map(|e| here(&e.id, child + 1));
    }
    if let Some(e) = page.entries.get(index + 1) {
        return Some(here(&e.id, 0));
    }
    page.next.clone().map(|n| ParentCursor {
        page: Some(n),
        ..ParentCursor::default()
    })
}
