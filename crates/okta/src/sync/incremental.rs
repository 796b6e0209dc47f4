//! The incremental sync: follow the System Log, fetch only what changed.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use super::checkpoint::{IncrementalState, State};
use super::events::{Intent, Plan, plan, watched_filter};
use super::sink::{Change, SyncSink};
use super::{Engine, SyncError, SyncPhase};
use crate::error::Error;
use crate::models::{AppUser, LogEvent, User};

/// Users already fetched by a `lastUpdated gt` listing in this run: any change published
/// in `[from, to]` is reflected in what that listing returned.
#[derive(Clone, Copy)]
struct Covered {
    from: OffsetDateTime,
    to: OffsetDateTime,
}

impl<S: SyncSink> Engine<'_, S> {
    /// Follows the log from `state` until caught up (or `max_log_pages`), applying each
    /// page with the cursor after it.
    ///
    /// Returns false when Okta refuses the cursor (400: `since` beyond what the log
    /// accepts), in which case the caller runs a full sync.
    pub(crate) async fn incremental(
        &mut self,
        mut state: IncrementalState,
    ) -> Result<bool, SyncError> {
        self.run = uuid::Uuid::new_v4().to_string();
        self.set_progress(false, SyncPhase::SystemLog, None);
        let implicit = self.implicit_groups(&state.builtin_groups);
        let mut path = state
            .log_next
            .clone()
            .unwrap_or_else(|| self.client.logs_path(state.since, Some(&watched_filter())));
        let mut covered: Option<Covered> = None;
        let mut newest_seen: Option<OffsetDateTime> = None;
        let mut previous_empty = false;
        let started = self.client.now();
        for _ in 0..self.options.max_log_pages {
            let page = match self.client.fetch_page::<LogEvent>(&path).await {
                Ok(p) => p,
                Err(Error::Okta(e)) if e.status == 400 => {
                    tracing::warn!(error = %e, "System Log refused the sync cursor; a full sync is needed");
                    return Ok(false);
                }
                Err(e) => return Err(e.into()),
            };
            self.counts.events_read += page.items.len() as u64;
            let plan = plan(&page.items, &implicit);
            if let Some(n) = plan.newest {
                newest_seen = Some(newest_seen.map_or(n, |m| m.max(n)));
            }
            let before = self.checkpoint(State::Incremental(state.clone()));
            let changes = self
                .execute(plan, &mut covered, newest_seen, &before)
                .await?;
            let empty = page.items.is_empty();
            let next = page.next.clone().unwrap_or_else(|| path.clone());
            // Polling pages always carry `next`; an empty page whose `next` is where we
            // already are (or two empty pages in a row) means we are caught up.
            let caught_up = page.next.is_none() || (empty && (next == path || previous_empty));
            if let Some(n) = newest_seen {
                state.seen_through = state.seen_through.max(n);
            }
            if caught_up {
                state.seen_through = state.seen_through.max(started);
            }
            state.log_next = Some(next.clone());
            let cp = self.checkpoint(State::Incremental(state.clone()));
            self.push(changes, cp).await?;
            self.flush().await?;
            if caught_up {
                break;
            }
            previous_empty = empty;
            path = next;
        }
        Ok(true)
    }

    /// Fetches what the plan needs and returns the changes, in a safe order: upserts,
    /// then membership and assignment changes, then deletions.
    async fn execute(
        &mut self,
        plan: Plan,
        covered: &mut Option<Covered>,
        newest_seen: Option<OffsetDateTime>,
        before: &super::Checkpoint,
    ) -> Result<Vec<Change>, SyncError> {
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();

        // Users.
        let mut to_fetch: BTreeMap<String, OffsetDateTime> = BTreeMap::new();
        for (id, intent) in &plan.users {
            match intent {
                Intent::Delete => deletes.push(Change::DeleteUser(id.clone())),
                Intent::Refresh { since } => {
                    let is_covered = covered.is_some_and(|c| c.from <= *since && *since <= c.to);
                    if !is_covered {
                        to_fetch.insert(id.clone(), *since);
                    }
                }
            }
        }
        if to_fetch.len() >= self.options.delta_list_threshold.max(1)
            && let (Some(from), Some(to)) = (to_fetch.values().min().copied(), newest_seen)
        {
            let from = from - self.options.log_overlap;
            let mut pager = crate::api::Pager::<User>::resume(
                self.client,
                self.client.users_updated_since_path(from),
            );
            // Streamed: each page is queued as it arrives (with the checkpoint from before
            // this log page, so a crash re-reads the log page), keeping memory flat.
            while let Some(page) = pager.next_page().await? {
                for user in &page.items {
                    to_fetch.remove(&user.id);
                }
                let changes = page
                    .items
                    .into_iter()
                    .map(|x| Change::UpsertUser(Box::new(x)))
                    .collect();
                self.push(changes, before.clone()).await?;
            }
            *covered = Some(Covered { from, to });
        }
        let client = self.client;
        for id in to_fetch.keys() {
            match found(client.get_user(id).await)? {
                Some(user) => upserts.push(Change::UpsertUser(Box::new(user))),
                None => deletes.push(Change::DeleteUser(id.clone())),
            }
        }

        // Groups and apps: their current state, or gone. (Plain loops: async closures
        // over borrowed ids would make the sync future lose `Send`.)
        for (id, intent) in &plan.groups {
            let current = match intent {
                Intent::Delete => None,
                Intent::Refresh { .. } => found(client.get_group(id).await)?,
            };
            match current {
                Some(g) => upserts.push(Change::UpsertGroup(Box::new(g))),
                None => deletes.push(Change::DeleteGroup(id.clone())),
            }
        }
        for (id, intent) in &plan.apps {
            let current = match intent {
                Intent::Delete => None,
                Intent::Refresh { .. } => found(client.get_app(id).await)?,
            };
            match current {
                Some(a) => upserts.push(Change::UpsertApp(Box::new(a))),
                None => deletes.push(Change::DeleteApp(id.clone())),
            }
        }

        // Memberships, straight from the events.
        let mut links = Vec::new();
        let mut added: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut removed: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ((group, user), member) in plan.members {
            let side = if member { &mut added } else { &mut removed };
            side.entry(group).or_default().push(user);
        }
        links.extend(
            added
                .into_iter()
                .map(|(group_id, user_ids)| Change::AddMembers { group_id, user_ids }),
        );
        links.extend(
            removed
                .into_iter()
                .map(|(group_id, user_ids)| Change::RemoveMembers { group_id, user_ids }),
        );

        // App assignments: the current state of each changed pair. A user who now has the
        // app only through a group has no direct assignment any more.
        let mut app_users = Vec::new();
        for ((app, user), intent) in &plan.app_users {
            let current = match intent {
                Intent::Delete => None,
                Intent::Refresh { .. } => {
                    found(client.get_app_user(app, user).await)?.filter(AppUser::is_direct)
                }
            };
            app_users.push(((app.clone(), user.clone()), current));
        }
        links.extend(pair_changes(
            app_users,
            |app_id, assignments| Change::UpsertAppUsers {
                app_id,
                assignments,
            },
            |app_id, user_ids| Change::RemoveAppUsers { app_id, user_ids },
        ));
        let mut app_groups = Vec::new();
        for ((app, group), intent) in &plan.app_groups {
            let current = match intent {
                Intent::Delete => None,
                Intent::Refresh { .. } => found(client.get_app_group(app, group).await)?,
            };
            app_groups.push(((app.clone(), group.clone()), current));
        }
        links.extend(pair_changes(
            app_groups,
            |app_id, assignments| Change::UpsertAppGroups {
                app_id,
                assignments,
            },
            |app_id, group_ids| Change::RemoveAppGroups { app_id, group_ids },
        ));

        let mut out = upserts;
        out.extend(links);
        out.extend(deletes);
        Ok(out)
    }
}

/// A fetch result with Okta's 404 turned into `None` (the object is gone).
fn found<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(Error::Okta(e)) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Upserts for the assignments that exist, and one removal per app for the rest.
fn pair_changes<T>(
    pairs: Vec<((String, String), Option<T>)>,
    upsert: impl Fn(String, Vec<T>) -> Change,
    remove: impl Fn(String, Vec<String>) -> Change,
) -> Vec<Change> {
    let mut out = Vec::new();
    let mut gone: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for ((app, member), current) in pairs {
        match current {
            Some(a) => out.push(upsert(app, vec![a])),
            None => {
                gone.entry(app).or_default().insert(member);
            }
        }
    }
    out.extend(
        gone.into_iter()
            .map(|(app, ids)| remove(app, ids.into_iter().collect())),
    );
    out
}
