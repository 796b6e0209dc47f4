//! The provisioning worker: drains the queue, decides what each configured app
//! should hold, and sends the SCIM requests that make it so, in Okta's shapes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::client::{Conn, Failure, Task};
use super::config::{AppType, Feature, ProvisioningConfig};
use super::mapping::{self, GROUP_SCHEMA, Values};
use super::{GroupPush, Msg, UserLink};
use crate::clock::Millis;
use crate::expr::Scope;
use crate::ids;
use crate::model::log::Actor;
use crate::model::user::UserStatus;
use crate::org::{Ctx, Org};
use crate::sim::Sim;

/// Runs until the queue closes (the simulator is gone).
pub(crate) async fn run(sim: Arc<Sim>, mut inbox: mpsc::UnboundedReceiver<Msg>) {
    while let Some(first) = inbox.recv().await {
        let mut dirty = Dirty::default();
        let mut waiting = Vec::new();
        dirty.note(first, &mut waiting);
        while let Ok(more) = inbox.try_recv() {
            dirty.note(more, &mut waiting);
        }
        reconcile(&sim, &dirty).await;
        for w in waiting {
            let _ = w.send(());
        }
    }
}

/// What may have changed since the last pass.
#[derive(Default)]
struct Dirty {
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    apps: BTreeSet<String>,
    retry: BTreeSet<String>,
}

/// Event types that can change what an app should hold.
const RELEVANT: &[&str] = &[
    "user.lifecycle.",
    "user.account.update_profile",
    "user.account.update_password",
    "user.account.reset_password",
    "group.",
    "application.user_membership.",
    "application.lifecycle.update",
];

impl Dirty {
    fn note(&mut self, msg: Msg, waiting: &mut Vec<tokio::sync::oneshot::Sender<()>>) {
        match msg {
            Msg::Event(e) => self.note_event(&e),
            Msg::Reconcile(app) => {
                self.apps.insert(app);
            }
            Msg::Retry(app) => {
                self.retry.insert(app);
            }
            Msg::Flush(w) => waiting.push(w),
        }
    }

    fn note_event(&mut self, e: &Value) {
        let kind = e
            .get("eventType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !RELEVANT.iter().any(|p| kind.starts_with(p)) {
            return;
        }
        let targets = e.get("target").and_then(Value::as_array);
        for t in targets.into_iter().flatten() {
            let id = t.get("id").and_then(Value::as_str).unwrap_or_default();
            match t.get("type").and_then(Value::as_str) {
                Some("User") => {
                    self.users.insert(id.to_owned());
                }
                // A membership change concerns only its user (the User target);
                // assigning or deleting a group concerns all its members.
                Some("UserGroup")
                    if kind.starts_with("group.application_assignment.")
                        || kind == "group.lifecycle.delete" =>
                {
                    self.groups.insert(id.to_owned());
                }
                Some("AppInstance") if kind == "application.lifecycle.update" => {
                    self.apps.insert(id.to_owned());
                }
                _ => {}
            }
        }
    }
}

async fn reconcile(sim: &Sim, dirty: &Dirty) {
    for app_id in sim.provisioning.configured() {
        let full = dirty.apps.contains(&app_id);
        let retry = dirty.retry.contains(&app_id);
        let users = users_to_check(sim, &app_id, dirty, full, retry);
        for user_id in users {
            reconcile_user(sim, &app_id, &user_id).await;
        }
        reconcile_groups(sim, &app_id, retry).await;
    }
}

/// Users whose state in this app may differ from what was pushed.
fn users_to_check(
    sim: &Sim,
    app_id: &str,
    dirty: &Dirty,
    full: bool,
    retry: bool,
) -> BTreeSet<String> {
    let Some(state) = sim.provisioning.app(app_id) else {
        return BTreeSet::new();
    };
    let org = sim.read();
    let mut users = dirty.users.clone();
    let mut everyone_linked = full;
    for g in &dirty.groups {
        match org.groups.get(g) {
            Some(group) => users.extend(group.members.iter().cloned()),
            None => everyone_linked = true,
        }
    }
    if full && let Some(app) = org.apps.get(app_id) {
        users.extend(app.users.keys().cloned());
        for g in app.groups.keys() {
            if let Some(group) = org.groups.get(g) {
                users.extend(group.members.iter().cloned());
            }
        }
    }
    if everyone_linked {
        users.extend(state.users.keys().cloned());
    }
    if retry {
        users.extend(state.failed_users.iter().cloned());
    } else {
        // A failed user waits for "Retry" unless something about it changed.
        users.retain(|u| !state.failed_users.contains(u) || dirty.users.contains(u));
    }
    users
}

/// What an app should hold for one user.
enum Want {
    /// Nothing to do (suspended or staged users, deleted users or apps).
    Skip,
    /// Not assigned, or deactivated in Okta.
    Inactive,
    /// Assigned and active, with these values.
    Active(Desired),
}

struct Desired {
    user_name: String,
    values: Values,
    password: Option<String>,
    password_stamp: Option<Millis>,
}

fn desired(org: &Org, app_id: &str, user_id: &str, config: &ProvisioningConfig) -> Want {
    let (Some(app), Some(user)) = (org.apps.get(app_id), org.user(user_id)) else {
        return Want::Skip;
    };
    match user.status {
        UserStatus::Staged | UserStatus::Suspended => return Want::Skip,
        UserStatus::Deprovisioned => return Want::Inactive,
        _ => {}
    }
    if !org.apps_of(user_id).contains(app_id) {
        return Want::Inactive;
    }
    let user_name = org.app_user_name(app, user);
    let scope = Scope {
        user_id,
        user_status: user.status.as_str(),
        profile: &user.profile,
        app_profile: app.users.get(user_id).map(|a| &a.profile),
        user_name: Some(&user_name),
    };
    Want::Active(Desired {
        values: mapping::values(&mapping::mappings(config), &scope),
        user_name,
        password: user.password.clone(),
        password_stamp: user.password_changed,
    })
}

/// The request context of one app for the duration of a reconcile step.
struct AppCtx<'a> {
    sim: &'a Sim,
    app_id: &'a str,
    config: ProvisioningConfig,
}

impl AppCtx<'_> {
    fn has(&self, f: Feature) -> bool {
        self.config.has(f)
    }

    fn aiw(&self) -> bool {
        self.config.app_type == AppType::Aiw
    }

    async fn send(
        &self,
        task: &'static str,
        okta_id: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let conn = Conn {
            clock: &self.sim.clock,
            app_id: self.app_id,
            config: &self.config,
        };
        let task = Task {
            name: task,
            okta_id: Some(okta_id),
        };
        self.sim
            .provisioning
            .client
            .send(&conn, task, method, path, body)
            .await
            .map(|a| a.body)
    }

    /// Writes a provisioning event to the System Log.
    fn log(&self, event: &str, target_id: &str, group: bool, result: Result<(), &Failure>) {
        let ctx = Ctx {
            actor: Actor::system(),
            now: self.sim.clock.now(),
        };
        let mut org = self.sim.write();
        let target = if group {
            org.group_target(target_id)
        } else {
            org.user_target(target_id)
        };
        let targets = vec![org.app_target(self.app_id), target];
        match result {
            Ok(()) => org.log_event(&ctx, event, targets),
            Err(f) => org.log_event_with(&ctx, event, targets, "FAILURE", Some(&f.0)),
        }
    }

    fn set_link(&self, user_id: &str, link: Option<UserLink>) {
        let scim_id = link.as_ref().map(|l| l.scim_id.clone());
        self.sim.provisioning.update(self.app_id, |p| {
            p.failed_users.remove(user_id);
            match link {
                Some(l) => p.users.insert(user_id.to_owned(), l),
                None => p.users.remove(user_id),
            };
        });
        // The app user's externalId is the SCIM id, as in Okta.
        if let Some(a) = self
            .sim
            .write()
            .apps
            .get_mut(self.app_id)
            .and_then(|a| a.users.get_mut(user_id))
        {
            a.external_id = scim_id;
        }
    }

    fn fail_user(&self, user_id: &str) {
        self.sim.provisioning.update(self.app_id, |p| {
            p.failed_users.insert(user_id.to_owned());
        });
    }
}

async fn reconcile_user(sim: &Sim, app_id: &str, user_id: &str) {
    let Some(state) = sim.provisioning.app(app_id) else {
        return;
    };
    let want = desired(&sim.read(), app_id, user_id, &state.config);
    let link = state.users.get(user_id).cloned();
    let cx = AppCtx {
        sim,
        app_id,
        config: state.config,
    };
    let result = match (want, link) {
        (Want::Skip, _) | (Want::Inactive, None) => Ok(()),
        (Want::Inactive, Some(link)) if link.active && cx.has(Feature::DeactivateUsers) => {
            set_active(&cx, user_id, link, false, None).await
        }
        (Want::Inactive, Some(_)) => Ok(()),
        (Want::Active(d), None) if cx.has(Feature::CreateUsers) => {
            create_or_link(&cx, user_id, d, None).await
        }
        (Want::Active(_), None) => Ok(()),
        (Want::Active(d), Some(link)) if !link.active => {
            if cx.has(Feature::CreateUsers) {
                create_or_link(&cx, user_id, d, Some(link)).await
            } else {
                Ok(())
            }
        }
        (Want::Active(d), Some(link)) => update_active(&cx, user_id, link, d).await,
    };
    if result.is_err() {
        cx.fail_user(user_id);
    }
}

fn user_path(scim_id: &str) -> String {
    format!("/Users/{scim_id}")
}

fn filter_query(attribute: &str, value: &str) -> String {
    let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
    let filter = format!("{attribute} eq \"{quoted}\"");
    let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("filter={encoded}&startIndex=1&count=100")
}

/// The first resource of a ListResponse.
fn first_resource(list: &Value) -> Option<&Value> {
    list.get("Resources")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
}

fn placeholder_password() -> String {
    ids::random_string(&mut rand::rng(), "", 12)
}

/// Assignment: `GET /Users?filter=userName eq "…"`, then link (and reactivate or
/// push the profile) or `POST /Users`. `previous` is the link of a re-assigned user:
/// when the search finds that same resource, what was pushed to it is known.
async fn create_or_link(
    cx: &AppCtx<'_>,
    user_id: &str,
    d: Desired,
    previous: Option<UserLink>,
) -> Result<(), Failure> {
    let path = format!("/Users?{}", filter_query("userName", &d.user_name));
    let found = cx
        .send("lookup_user", user_id, Method::GET, &path, None)
        .await?;
    let existing = first_resource(&found).and_then(|r| {
        let id = r.get("id").and_then(Value::as_str)?;
        let active = r.get("active").and_then(Value::as_bool).unwrap_or(true);
        Some((id.to_owned(), active))
    });
    let Some((scim_id, active)) = existing else {
        let password = match (&d.password, cx.has(Feature::SyncPassword)) {
            (Some(p), true) => p.clone(),
            _ => placeholder_password(),
        };
        let body = mapping::new_user(&d.values, user_id, &password);
        let created = cx
            .send("create_user", user_id, Method::POST, "/Users", Some(&body))
            .await;
        let scim_id = created
            .as_ref()
            .ok()
            .and_then(|c| c.get("id").and_then(Value::as_str))
            .map(str::to_owned);
        let result = match (&created, scim_id) {
            (Ok(_), Some(id)) => {
                cx.set_link(
                    user_id,
                    Some(UserLink {
                        scim_id: id,
                        active: true,
                        user_name: d.user_name.clone(),
                        values: d.values,
                        password_stamp: d.password_stamp,
                    }),
                );
                Ok(())
            }
            (Ok(_), None) => Err(Failure("Create new user returned empty user".to_owned())),
            (Err(e), _) => Err(e.clone()),
        };
        cx.log(
            "application.provision.user.push",
            user_id,
            false,
            result.as_ref().map(|_| ()),
        );
        return result;
    };
    // Found: link it (the app user's externalId), then reactivate or push the profile.
    let known = previous.filter(|p| p.scim_id == scim_id);
    let link = UserLink {
        user_name: d.user_name.clone(),
        values: known.as_ref().map(|p| p.values.clone()).unwrap_or_default(),
        password_stamp: known.and_then(|p| p.password_stamp).or(d.password_stamp),
        scim_id,
        active,
    };
    cx.set_link(user_id, Some(link.clone()));
    cx.log("application.provision.user.push", user_id, false, Ok(()));
    if !active {
        set_active(cx, user_id, link, true, Some(&d)).await
    } else if cx.has(Feature::UpdateAttributes) {
        push_profile(cx, user_id, link, &d).await
    } else {
        cx.set_link(
            user_id,
            Some(UserLink {
                values: d.values,
                ..link
            }),
        );
        Ok(())
    }
}

/// An assigned, active, linked user: push changed attributes and passwords.
async fn update_active(
    cx: &AppCtx<'_>,
    user_id: &str,
    link: UserLink,
    d: Desired,
) -> Result<(), Failure> {
    let mut link = link;
    if link.values != d.values && cx.has(Feature::UpdateAttributes) {
        push_profile(cx, user_id, link.clone(), &d).await?;
        link.values = d.values.clone();
        link.user_name = d.user_name.clone();
    }
    let changed_password = d.password_stamp.is_some() && d.password_stamp > link.password_stamp;
    if changed_password && cx.has(Feature::SyncPassword) {
        let password = d.password.clone().unwrap_or_else(placeholder_password);
        let result = if cx.aiw() {
            put_user(
                cx,
                user_id,
                &link,
                &link.values,
                &[("password", json!(password))],
                "push_password",
            )
            .await
        } else {
            let body = mapping::patch(vec![
                json!({ "op": "replace", "value": { "password": password } }),
            ]);
            cx.send(
                "push_password",
                user_id,
                Method::PATCH,
                &user_path(&link.scim_id),
                Some(&body),
            )
            .await
            .map(|_| ())
        };
        cx.log(
            "application.provision.user.push_password",
            user_id,
            false,
            result.as_ref().map(|_| ()),
        );
        result?;
        link.password_stamp = d.password_stamp;
        cx.set_link(user_id, Some(link));
    }
    Ok(())
}

/// `GET /Users/{id}` then `PUT` it back with the mapped values (and `extra`).
async fn put_user(
    cx: &AppCtx<'_>,
    user_id: &str,
    link: &UserLink,
    values: &Values,
    extra: &[(&str, Value)],
    task: &'static str,
) -> Result<(), Failure> {
    let path = user_path(&link.scim_id);
    let fetched = cx
        .send("get_user", user_id, Method::GET, &path, None)
        .await?;
    let body = mapping::overlay(&fetched, &link.values, values, extra);
    cx.send(task, user_id, Method::PUT, &path, Some(&body))
        .await
        .map(|_| ())
}

/// Pushes the mapped attributes: GET + PUT, or PATCH with "Support PATCH for User".
async fn push_profile(
    cx: &AppCtx<'_>,
    user_id: &str,
    link: UserLink,
    d: &Desired,
) -> Result<(), Failure> {
    let result = if cx.config.patch_user_updates && !cx.aiw() {
        let ops = mapping::patch_ops(&link.values, &d.values);
        if ops.is_empty() {
            Ok(())
        } else {
            let body = mapping::patch(ops);
            cx.send(
                "update_user",
                user_id,
                Method::PATCH,
                &user_path(&link.scim_id),
                Some(&body),
            )
            .await
            .map(|_| ())
        }
    } else {
        put_user(
            cx,
            user_id,
            &link,
            &d.values,
            &[("active", json!(link.active))],
            "update_user",
        )
        .await
    };
    cx.log(
        "application.provision.user.push_profile",
        user_id,
        false,
        result.as_ref().map(|_| ()),
    );
    result?;
    cx.set_link(
        user_id,
        Some(UserLink {
            values: d.values.clone(),
            user_name: d.user_name.clone(),
            ..link
        }),
    );
    Ok(())
}

/// Deactivation (`active: false`) or reactivation (`active: true`; with `d`, the
/// profile is brought up to date too).
async fn set_active(
    cx: &AppCtx<'_>,
    user_id: &str,
    link: UserLink,
    active: bool,
    d: Option<&Desired>,
) -> Result<(), Failure> {
    let (task, event) = if active {
        ("reactivate_user", "application.provision.user.reactivate")
    } else {
        ("deactivate_user", "application.provision.user.deactivate")
    };
    let values = d.map_or(&link.values, |d| &d.values);
    let result = if cx.aiw() {
        put_user(
            cx,
            user_id,
            &link,
            values,
            &[("active", json!(active))],
            task,
        )
        .await
    } else {
        let body = mapping::patch(vec![
            json!({ "op": "replace", "value": { "active": active } }),
        ]);
        cx.send(
            task,
            user_id,
            Method::PATCH,
            &user_path(&link.scim_id),
            Some(&body),
        )
        .await
        .map(|_| ())
    };
    cx.log(event, user_id, false, result.as_ref().map(|_| ()));
    result?;
    let mut link = UserLink { active, ..link };
    if cx.aiw()
        && let Some(d) = d
    {
        link.values = d.values.clone();
        link.user_name = d.user_name.clone();
    }
    cx.set_link(user_id, Some(link.clone()));
    match d {
        Some(d) if !cx.aiw() && link.values != d.values && cx.has(Feature::UpdateAttributes) => {
            push_profile(cx, user_id, link, d).await
        }
        _ => Ok(()),
    }
}

async fn reconcile_groups(sim: &Sim, app_id: &str, retry: bool) {
    let Some(state) = sim.provisioning.app(app_id) else {
        return;
    };
    let cx = AppCtx {
        sim,
        app_id,
        config: state.config.clone(),
    };
    for (group_id, push) in &state.groups {
        if state.failed_groups.contains(group_id) && !retry {
            continue;
        }
        let result = reconcile_group(&cx, &state.users, group_id, push).await;
        sim.provisioning.update(app_id, |p| {
            if result.is_ok() {
                p.failed_groups.remove(group_id);
            } else {
                p.failed_groups.insert(group_id.clone());
            }
        });
    }
}

fn group_path(scim_id: &str) -> String {
    format!("/Groups/{scim_id}")
}

/// The members an app should see in a pushed group: assigned, provisioned and
/// active users, as `(SCIM id, userName)`.
fn desired_members(
    org: &Org,
    app_id: &str,
    group_id: &str,
    links: &BTreeMap<String, UserLink>,
) -> Option<(String, BTreeMap<String, String>)> {
    let group = org.groups.get(group_id)?;
    let members = group
        .members
        .iter()
        .filter_map(|u| links.get(u).filter(|l| l.active).map(|l| (u, l)))
        .filter(|(u, _)| org.apps_of(u).contains(app_id))
        .map(|(_, l)| (l.scim_id.clone(), l.user_name.clone()))
        .collect();
    Some((group.name().to_owned(), members))
}

async fn reconcile_group(
    cx: &AppCtx<'_>,
    links: &BTreeMap<String, UserLink>,
    group_id: &str,
    push: &GroupPush,
) -> Result<(), Failure> {
    let wanted = desired_members(&cx.sim.read(), cx.app_id, group_id, links);
    let (name, members) = match (push.removal, wanted) {
        (Some(delete), _) => return remove_push(cx, group_id, push, delete).await,
        // Deleted in Okta: the group goes in the app too.
        (None, None) => return remove_push(cx, group_id, push, true).await,
        (None, Some(w)) => w,
    };
    let mut push = push.clone();
    if push.scim_id.is_none() {
        link_or_create_group(cx, group_id, &mut push, &name).await?;
    }
    let Some(scim_id) = push.scim_id.clone() else {
        return Ok(());
    };
    let adds: Vec<(String, String)> = members
        .iter()
        .filter(|(id, _)| !push.members.contains(*id))
        .map(|(id, d)| (id.clone(), d.clone()))
        .collect();
    let removes: Vec<String> = push
        .members
        .iter()
        .filter(|id| !members.contains_key(*id))
        .cloned()
        .collect();
    let renamed = push.display_name != name;
    if adds.is_empty() && removes.is_empty() && !renamed {
        return Ok(());
    }
    let result = if cx.aiw() {
        let list: Vec<Value> = members
            .iter()
            .map(|(id, display)| json!({ "value": id, "display": display }))
            .collect();
        let body = json!({ "schemas": [GROUP_SCHEMA], "id": scim_id, "displayName": name, "members": list });
        cx.send(
            "push_memberships",
            group_id,
            Method::PUT,
            &group_path(&scim_id),
            Some(&body),
        )
        .await
        .map(|_| {
            push.members = members.keys().cloned().collect();
            push.display_name = name.clone();
        })
    } else {
        patch_group(cx, group_id, &scim_id, &name, &adds, &removes, &mut push).await
    };
    cx.log(
        "application.provision.group_push.pushed",
        group_id,
        true,
        result.as_ref().map(|_| ()),
    );
    cx.sim.provisioning.update(cx.app_id, |p| {
        if let Some(g) = p.groups.get_mut(group_id) {
            g.scim_id = push.scim_id.clone();
            g.members = push.members.clone();
            g.display_name = push.display_name.clone();
        }
    });
    result
}

/// OIN Group Push: membership PATCHes in batches (filtered removes, one `add` with
/// the new members), each followed by Okta's rename op; a bare rename otherwise.
async fn patch_group(
    cx: &AppCtx<'_>,
    group_id: &str,
    scim_id: &str,
    name: &str,
    adds: &[(String, String)],
    removes: &[String],
    push: &mut GroupPush,
) -> Result<(), Failure> {
    let path = group_path(scim_id);
    let rename = mapping::patch(vec![
        json!({ "op": "replace", "value": { "id": scim_id, "displayName": name } }),
    ]);
    let batch = cx.config.group_push_batch_size;
    let mut pending_removes = removes.iter();
    let mut pending_adds = adds.iter();
    let mut sent_membership = false;
    loop {
        let mut ops = Vec::new();
        let mut removed = Vec::new();
        let mut added = Vec::new();
        while removed.len() + added.len() < batch {
            if let Some(id) = pending_removes.next() {
                ops.push(json!({ "op": "remove", "path": format!("members[value eq \"{id}\"]") }));
                removed.push(id.clone());
            } else if let Some((id, display)) = pending_adds.next() {
                added.push((id.clone(), display.clone()));
            } else {
                break;
            }
        }
        if ops.is_empty() && added.is_empty() {
            break;
        }
        if !added.is_empty() {
            let value: Vec<Value> = added
                .iter()
                .map(|(id, display)| json!({ "value": id, "display": display }))
                .collect();
            ops.push(json!({ "op": "add", "path": "members", "value": value }));
        }
        let body = mapping::patch(ops);
        cx.send(
            "push_memberships",
            group_id,
            Method::PATCH,
            &path,
            Some(&body),
        )
        .await?;
        for id in removed {
            push.members.remove(&id);
        }
        push.members.extend(added.into_iter().map(|(id, _)| id));
        sent_membership = true;
        cx.send(
            "rename_group",
            group_id,
            Method::PATCH,
            &path,
            Some(&rename),
        )
        .await?;
        push.display_name = name.to_owned();
    }
    if !sent_membership && push.display_name != name {
        cx.send(
            "rename_group",
            group_id,
            Method::PATCH,
            &path,
            Some(&rename),
        )
        .await?;
        push.display_name = name.to_owned();
    }
    Ok(())
}

/// A new push: link to a group of the same name, or `POST /Groups`.
async fn link_or_create_group(
    cx: &AppCtx<'_>,
    group_id: &str,
    push: &mut GroupPush,
    name: &str,
) -> Result<(), Failure> {
    let path = format!("/Groups?{}", filter_query("displayName", name));
    let found = cx
        .send("lookup_group", group_id, Method::GET, &path, None)
        .await?;
    if let Some(r) = first_resource(&found)
        && let Some(id) = r.get("id").and_then(Value::as_str)
    {
        push.scim_id = Some(id.to_owned());
        push.display_name = r
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_owned();
        push.members = r
            .get("members")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(|x| x.get("value").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        return Ok(());
    }
    let body = json!({ "schemas": [GROUP_SCHEMA], "displayName": name, "members": [] });
    let created = cx
        .send(
            "create_group",
            group_id,
            Method::POST,
            "/Groups",
            Some(&body),
        )
        .await?;
    let id = created
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure("Create new group returned no id".to_owned()))?;
    push.scim_id = Some(id.to_owned());
    push.display_name = name.to_owned();
    push.members.clear();
    Ok(())
}

/// Ends a push: `DELETE /Groups/{id}` when the group goes in the app too.
async fn remove_push(
    cx: &AppCtx<'_>,
    group_id: &str,
    push: &GroupPush,
    delete: bool,
) -> Result<(), Failure> {
    if delete && let Some(scim_id) = &push.scim_id {
        cx.send(
            "delete_group",
            group_id,
            Method::DELETE,
            &group_path(scim_id),
            None,
        )
        .await?;
    }
    cx.sim.provisioning.update(cx.app_id, |p| {
        p.groups.remove(group_id);
    });
    cx.log(
        "application.provision.group_push.mapping.deleted",
        group_id,
        true,
        Ok(()),
    );
    Ok(())
}
