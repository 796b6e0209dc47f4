//! Integration tests against okta-sim running in-process on a random port.

mod actions;
mod auth;
mod faults;
mod sync;

use std::collections::BTreeSet;

use okta::auth::Credentials;
use okta::client::{Client, ClientConfig};
use okta::domain::{DomainOptions, OrgUrl};
use okta::sync::MemorySink;
use okta_sim::{SimConfig, SimHandle};

/// Starts a simulator.
pub async fn start(config: SimConfig) -> SimHandle {
    okta_sim::spawn(config).await.expect("okta-sim starts")
}

/// A small org with generous rate limits.
pub fn small_org(users: usize, groups: usize, apps: usize) -> SimConfig {
    SimConfig {
        users,
        groups,
        apps,
        seed: 7,
        rate_limit_per_min: Some(100_000),
        ..SimConfig::default()
    }
}

/// The sim's base URL as an org URL (plain HTTP allowed for the simulator).
pub fn org_url(sim: &SimHandle) -> OrgUrl {
    OrgUrl::parse(
        sim.base_url(),
        DomainOptions {
            allow_insecure_http: true,
        },
    )
    .unwrap()
}

/// A client for the sim with the given credentials.
pub fn client_with(
    sim: &SimHandle,
    credentials: Credentials,
    tweak: impl FnOnce(&mut ClientConfig),
) -> Client {
    let mut config = ClientConfig::new(org_url(sim), credentials);
    tweak(&mut config);
    Client::new(config).unwrap()
}

/// Runs one sync with default options and expects it to succeed.
pub async fn sync_ok(
    client: &Client,
    sink: &mut MemorySink,
    mode: okta::sync::SyncMode,
) -> okta::sync::SyncReport {
    okta::sync::run(client, sink, mode, &okta::sync::SyncOptions::default())
        .await
        .expect("sync succeeds")
}

/// An SSWS client using the super admin's token.
pub fn admin_client(sim: &SimHandle) -> Client {
    client_with(sim, Credentials::ApiToken(sim.admin_token().into()), |_| {})
}

/// Asserts that the sink holds exactly the sim's users, groups, memberships (Everyone's
/// implicit ones excluded), apps and assignments.
pub fn assert_matches(sink: &MemorySink, sim: &SimHandle) {
    let org = sim.org();
    let sim_users: BTreeSet<(String, String)> = org
        .users
        .values()
        .map(|u| (u.id.clone(), u.status.as_str().to_owned()))
        .collect();
    let sink_users: BTreeSet<(String, String)> = sink
        .users()
        .map(|u| (u.id.clone(), u.status.as_str().to_owned()))
        .collect();
    assert_eq!(sink_users.len(), sim_users.len(), "user count");
    assert_eq!(sink_users, sim_users, "users and statuses");
    for u in sink.users() {
        let s = &org.users[&u.id];
        assert_eq!(
            Some(&serde_json::json!(u.profile.login)),
            s.profile.get("login")
        );
        assert_eq!(
            u.profile.department.as_ref().map(|d| serde_json::json!(d)),
            s.profile.get("department").cloned()
        );
    }
    let sim_groups: BTreeSet<(String, String)> = org
        .groups
        .values()
        .map(|g| (g.id.clone(), g.name().to_owned()))
        .collect();
    let sink_groups: BTreeSet<(String, String)> = sink
        .groups()
        .map(|g| (g.id.clone(), g.profile.name.clone()))
        .collect();
    assert_eq!(sink_groups, sim_groups, "groups");
    let sim_members: BTreeSet<(String, String)> = org
        .groups
        .values()
        .filter(|g| g.id != org.everyone_id)
        .flat_map(|g| g.members.iter().map(move |m| (g.id.clone(), m.clone())))
        .collect();
    let sink_members = sink.memberships();
    assert_eq!(sink_members.len(), sim_members.len(), "membership count");
    assert_eq!(sink_members, sim_members, "memberships");
    let sim_apps: BTreeSet<String> = org.apps.keys().cloned().collect();
    let sink_apps: BTreeSet<String> = sink.apps().map(|a| a.id.clone()).collect();
    assert_eq!(sink_apps, sim_apps, "apps");
    for app in org.apps.values() {
        let users: BTreeSet<String> = app.users.keys().cloned().collect();
        assert_eq!(sink.app_users(&app.id), users, "users of app {}", app.id);
        let groups: BTreeSet<String> = app.groups.keys().cloned().collect();
        assert_eq!(sink.app_groups(&app.id), groups, "groups of app {}", app.id);
    }
}
