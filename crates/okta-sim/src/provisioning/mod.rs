//! Okta's provisioning engine: for each app with provisioning configured, it turns
//! the org's own changes (assignments, lifecycle calls, profile and password
//! updates, group membership, `/sim/v1/mutate`) into the SCIM requests Okta sends
//! (okta-reference §7), and keeps a task log of every request with the answer.
//!
//! How it works: every System Log event is handed to an in-order queue
//! ([`crate::org::EventFeed`]); one worker task drains it, works out which users and
//! groups may have changed, compares what each app *should* hold (assigned, active
//! users with their mapped attributes; pushed groups with their provisioned
//! members) with what it last pushed, and sends the difference. [`Provisioning::flush`]
//! waits until everything queued so far is pushed, which makes tests deterministic.
//!
//! Failures are recorded and left for [`Provisioning::retry_failed`] (Okta's "Retry"
//! in Tasks); 429s are retried as Okta does (see [`config::RetryPolicy`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::clock::Millis;
use crate::org::EventFeed;

pub mod client;
pub mod config;
mod engine;
pub mod mapping;

pub use client::TaskRecord;
pub use config::{AppType, Feature, ProvisioningConfig, RetryPolicy, ScimAuth};
pub(crate) use engine::run;

/// The worker's inbox.
pub(crate) enum Msg {
    /// A System Log event.
    Event(Arc<Value>),
    /// Reconcile every assigned and linked user and every pushed group of an app.
    Reconcile(String),
    /// Reconcile an app's failed users and groups again.
    Retry(String),
    /// Answer once everything queued before is done.
    Flush(oneshot::Sender<()>),
}

/// What Okta knows about a user in the SCIM app (the app user's `externalId` and
/// the attributes last pushed).
#[derive(Debug, Clone, Serialize)]
pub struct UserLink {
    /// The SCIM resource `id`.
    pub scim_id: String,
    /// Whether Okta last left it active.
    pub active: bool,
    /// The `userName` last pushed.
    pub user_name: String,
    /// Mapped values last pushed, by SCIM path.
    #[serde(skip)]
    pub values: mapping::Values,
    /// `passwordChanged` of the password last pushed.
    #[serde(skip)]
    pub password_stamp: Option<Millis>,
}

/// A Group Push mapping.
#[derive(Debug, Clone, Serialize)]
pub struct GroupPush {
    /// The SCIM group `id`, once created or linked.
    pub scim_id: Option<String>,
    /// The `displayName` last pushed.
    pub display_name: String,
    /// SCIM user ids last pushed as members.
    pub members: BTreeSet<String>,
    /// Set when the push was removed: `Some(true)` deletes the group in the app.
    #[serde(skip)]
    pub removal: Option<bool>,
}

/// One app's provisioning: configuration and what was pushed.
#[derive(Debug, Clone)]
pub struct AppProvisioning {
    /// The Provisioning tab.
    pub config: ProvisioningConfig,
    /// Linked users by Okta user id.
    pub users: BTreeMap<String, UserLink>,
    /// Group Push mappings by Okta group id.
    pub groups: BTreeMap<String, GroupPush>,
    /// Users whose last push failed.
    pub failed_users: BTreeSet<String>,
    /// Groups whose last push failed.
    pub failed_groups: BTreeSet<String>,
}

/// Why a provisioning control call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisioningError {
    /// The configuration is invalid.
    #[error("{0}")]
    Invalid(String),
    /// The app has no provisioning configured.
    #[error("provisioning is not configured for app {0}")]
    NotConfigured(String),
    /// Group Push is not among the enabled features.
    #[error("Group Push is not enabled for app {0}")]
    GroupPushDisabled(String),
    /// No push mapping for that group.
    #[error("group {0} is not pushed")]
    NotPushed(String),
}

/// The engine's shared state and queue (one per simulator).
#[derive(Debug)]
pub struct Provisioning {
    apps: Mutex<BTreeMap<String, AppProvisioning>>,
    client: client::ScimClient,
    queue: mpsc::UnboundedSender<Msg>,
    inbox: Mutex<Option<mpsc::UnboundedReceiver<Msg>>>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Event(_) => "Event",
            Self::Reconcile(_) => "Reconcile",
            Self::Retry(_) => "Retry",
            Self::Flush(_) => "Flush",
        })
    }
}

impl Default for Provisioning {
    fn default() -> Self {
        let (queue, inbox) = mpsc::unbounded_channel();
        Self {
            apps: Mutex::default(),
            client: client::ScimClient::default(),
            queue,
            inbox: Mutex::new(Some(inbox)),
        }
    }
}

impl Provisioning {
    fn apps(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, AppProvisioning>> {
        self.apps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The org's event feed into this engine's queue.
    pub fn feed(&self) -> EventFeed {
        let queue = self.queue.clone();
        EventFeed(Arc::new(move |e: &Arc<Value>| {
            // A closed queue means the simulator is shutting down.
            let _ = queue.send(Msg::Event(e.clone()));
        }))
    }

    /// The worker's inbox, once (taken when the simulator starts).
    pub(crate) fn take_inbox(&self) -> Option<mpsc::UnboundedReceiver<Msg>> {
        self.inbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Saves an app's Provisioning tab and reconciles the app: users already
    /// assigned are pushed (links survive a reconfiguration).
    pub fn configure(
        &self,
        app_id: &str,
        config: ProvisioningConfig,
    ) -> Result<(), ProvisioningError> {
        config.validate().map_err(ProvisioningError::Invalid)?;
        self.client.forget_token(app_id);
        let mut apps = self.apps();
        match apps.get_mut(app_id) {
            Some(p) => p.config = config,
            None => {
                apps.insert(
                    app_id.to_owned(),
                    AppProvisioning {
                        config,
                        users: BTreeMap::new(),
                        groups: BTreeMap::new(),
                        failed_users: BTreeSet::new(),
                        failed_groups: BTreeSet::new(),
                    },
                );
            }
        }
        drop(apps);
        let _ = self.queue.send(Msg::Reconcile(app_id.to_owned()));
        Ok(())
    }

    /// Turns provisioning off for an app and forgets what was pushed.
    pub fn disable(&self, app_id: &str) -> bool {
        self.client.forget_token(app_id);
        self.apps().remove(app_id).is_some()
    }

    /// Turns provisioning off everywhere (the org was regenerated).
    pub fn clear(&self) {
        let apps: Vec<String> = std::mem::take(&mut *self.apps()).into_keys().collect();
        for app in apps {
            self.client.forget_token(&app);
        }
    }

    /// Starts pushing an Okta group to the app (Push Groups → "Create/Link group").
    pub fn push_group(
        &self,
        app_id: &str,
        group_id: &str,
        group_name: &str,
    ) -> Result<(), ProvisioningError> {
        let mut apps = self.apps();
        let p = apps
            .get_mut(app_id)
            .ok_or_else(|| ProvisioningError::NotConfigured(app_id.to_owned()))?;
        if !p.config.has(Feature::GroupPush) {
            return Err(ProvisioningError::GroupPushDisabled(app_id.to_owned()));
        }
        let push = p
            .groups
            .entry(group_id.to_owned())
            .or_insert_with(|| GroupPush {
                scim_id: None,
                display_name: group_name.to_owned(),
                members: BTreeSet::new(),
                removal: None,
            });
        push.removal = None;
        p.failed_groups.remove(group_id);
        drop(apps);
        let _ = self.queue.send(Msg::Reconcile(app_id.to_owned()));
        Ok(())
    }

    /// Stops pushing a group; `delete_in_app` deletes it in the SCIM app ("Delete
    /// the group in the target app"), otherwise it is left there ("Leave the group").
    pub fn unpush_group(
        &self,
        app_id: &str,
        group_id: &str,
        delete_in_app: bool,
    ) -> Result<(), ProvisioningError> {
        let mut apps = self.apps();
        let p = apps
            .get_mut(app_id)
            .ok_or_else(|| ProvisioningError::NotConfigured(app_id.to_owned()))?;
        let push = p
            .groups
            .get_mut(group_id)
            .ok_or_else(|| ProvisioningError::NotPushed(group_id.to_owned()))?;
        push.removal = Some(delete_in_app);
        drop(apps);
        let _ = self.queue.send(Msg::Reconcile(app_id.to_owned()));
        Ok(())
    }

    /// Pushes the app's failed users and groups again.
    pub fn retry_failed(&self, app_id: &str) -> Result<(), ProvisioningError> {
        if !self.apps().contains_key(app_id) {
            return Err(ProvisioningError::NotConfigured(app_id.to_owned()));
        }
        let _ = self.queue.send(Msg::Retry(app_id.to_owned()));
        Ok(())
    }

    /// Waits until every change queued before this call has been pushed.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.queue.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// The task log of an app: every SCIM request with id above `after`.
    pub fn tasks(&self, app_id: &str, after: u64) -> Vec<TaskRecord> {
        self.client.tasks(app_id, after)
    }

    /// The configuration (secrets masked) and what was pushed, for the control API.
    pub fn status(&self, app_id: &str) -> Option<Value> {
        let apps = self.apps();
        let p = apps.get(app_id)?;
        let groups: BTreeMap<&String, &GroupPush> = p
            .groups
            .iter()
            .filter(|(_, g)| g.removal.is_none())
            .collect();
        Some(json!({
            "config": p.config.redacted(),
            "users": p.users,
            "groups": groups,
            "failed_users": p.failed_users,
            "failed_groups": p.failed_groups,
        }))
    }

    /// A copy of an app's provisioning state.
    pub fn app(&self, app_id: &str) -> Option<AppProvisioning> {
        self.apps().get(app_id).cloned()
    }

    fn configured(&self) -> Vec<String> {
        self.apps().keys().cloned().collect()
    }

    fn update<T>(&self, app_id: &str, f: impl FnOnce(&mut AppProvisioning) -> T) -> Option<T> {
        self.apps().get_mut(app_id).map(f)
    }
}
