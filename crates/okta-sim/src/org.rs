//! The org: every stored object, the indexes that keep lookups fast, and the System
//! Log. Mutations live in `org/*.rs` by resource; each one checks Okta's rules,
//! changes state and appends the System Log event Okta would write.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::clock::{Millis, format_ms};
use crate::ids::{self, prefix};
use crate::model::app::App;
use crate::model::group::{Group, GroupType};
use crate::model::log::{Actor, LogEntry, describe};
use crate::model::schema::UserSchema;
use crate::model::user::{User, fold_login};

mod apps;
mod groups;
mod users;

pub use users::CreateUserOptions;

/// Admin roles the simulator distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Everything.
    SuperAdmin,
    /// Reads only; writes answer 403 E0000006.
    ReadOnlyAdmin,
    /// No admin role: every admin call answers 403 E0000006.
    None,
}

impl Role {
    /// Parses Okta's role type names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "SUPER_ADMIN" | "ORG_ADMIN" => Some(Self::SuperAdmin),
            "READ_ONLY_ADMIN" => Some(Self::ReadOnlyAdmin),
            "NONE" => Some(Self::None),
            _ => None,
        }
    }
}

/// An SSWS API token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiToken {
    /// Token id (`00T…`), reported in System Log `requestApiTokenId`.
    pub id: String,
    /// Token name.
    pub name: String,
    /// The user whose roles the token carries.
    pub user_id: String,
    /// That user's admin role.
    pub role: Role,
    /// Creation time.
    pub created: Millis,
    /// Last use; the 30-day expiry window slides from here.
    pub last_used: Millis,
}

/// Per-request context for mutations: who acts, and when.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The actor written into System Log events.
    pub actor: Actor,
    /// The current (possibly simulated) time.
    pub now: Millis,
}

/// Counts reported by `/sim/v1/counts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Users (all statuses).
    pub users: usize,
    /// Groups (including Everyone).
    pub groups: usize,
    /// Group memberships (excluding Everyone's implicit ones).
    pub memberships: usize,
    /// Apps.
    pub apps: usize,
}

/// The whole org. Lock it (it sits behind an `RwLock` in the server), read or mutate,
/// release: no method blocks or awaits.
#[derive(Debug, Serialize, Deserialize)]
pub struct Org {
    /// `00o…`
    pub id: String,
    /// Company name.
    pub company_name: String,
    /// Subdomain (`acme` in `acme.okta.com`).
    pub subdomain: String,
    /// E-mail domain of generated people.
    pub email_domain: String,
    /// Creation time.
    pub created: Millis,
    /// The default user type id (`oty…`).
    pub user_type_id: String,
    /// The `Everyone` group id.
    pub everyone_id: String,
    /// Users by id (id order is the cursor order).
    pub users: BTreeMap<String, User>,
    /// Groups by id.
    pub groups: BTreeMap<String, Group>,
    /// Apps by id.
    pub apps: BTreeMap<String, App>,
    /// The user schema.
    pub schema: UserSchema,
    /// The System Log in persistence order.
    pub log: Vec<LogEntry>,
    /// SSWS tokens by secret.
    pub tokens: BTreeMap<String, ApiToken>,
    /// The seed used for ids of objects created at run time.
    pub seed: u64,
    /// PEM private keys by `kid` (the org AS signing key, the built-in client's key),
    /// kept here so a snapshot restores working credentials.
    pub private_keys: BTreeMap<String, String>,
    /// Authorization server key sets (`org`, `default`) as `kid`s, the signing key
    /// first, kept so rotations survive a snapshot.
    #[serde(default)]
    pub key_sets: BTreeMap<String, Vec<String>>,
    #[serde(skip)]
    logins: HashMap<String, String>,
    #[serde(skip, default = "default_rng")]
    rng: ChaCha8Rng,
    #[serde(skip)]
    events: Option<broadcast::Sender<Arc<Value>>>,
    #[serde(skip)]
    feed: Option<EventFeed>,
}

/// A callback handed every new System Log event as it is written (the provisioning
/// engine's inbox). Unlike the broadcast stream it never drops events.
#[derive(Clone)]
pub struct EventFeed(pub Arc<FeedFn>);

/// The callback behind an [`EventFeed`].
pub type FeedFn = dyn Fn(&Arc<Value>) + Send + Sync;

impl std::fmt::Debug for EventFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventFeed")
    }
}

fn default_rng() -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(0)
}

impl Org {
    /// An empty org with the Everyone group and the default schema.
    pub fn new(
        seed: u64,
        company_name: &str,
        subdomain: &str,
        email_domain: &str,
        now: Millis,
    ) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6f6b_7461);
        let id = ids::new_id(&mut rng, prefix::ORG);
        let user_type_id = ids::new_id(&mut rng, prefix::USER_TYPE);
        let schema_id = ids::new_id(&mut rng, prefix::SCHEMA);
        let everyone_id = ids::new_id(&mut rng, prefix::GROUP);
        let mut profile = Map::new();
        profile.insert("name".into(), json!("Everyone"));
        profile.insert(
            "description".into(),
            json!("All users in your organization"),
        );
        let everyone = Group {
            id: everyone_id.clone(),
            kind: GroupType::BuiltIn,
            created: now,
            last_updated: now,
            last_membership_updated: now,
            profile,
            members: BTreeSet::new(),
            source_app: None,
        };
        let mut groups = BTreeMap::new();
        groups.insert(everyone_id.clone(), everyone);
        Self {
            id,
            company_name: company_name.to_owned(),
            subdomain: subdomain.to_owned(),
            email_domain: email_domain.to_owned(),
            created: now,
            user_type_id,
            everyone_id,
            users: BTreeMap::new(),
            groups,
            apps: BTreeMap::new(),
            schema: UserSchema {
                id: schema_id,
                custom: Map::new(),
                last_updated: now,
            },
            log: Vec::new(),
            tokens: BTreeMap::new(),
            seed,
            private_keys: BTreeMap::new(),
            key_sets: BTreeMap::new(),
            logins: HashMap::new(),
            rng,
            events: None,
            feed: None,
        }
    }

    /// Rebuilds the indexes after loading a snapshot and reseeds the id RNG.
    pub fn rebuild_indexes(&mut self) {
        self.logins = self
            .users
            .values()
            .map(|u| (fold_login(u.login()), u.id.clone()))
            .collect();
        self.rng = ChaCha8Rng::seed_from_u64(self.seed ^ (self.log.len() as u64) ^ 0x5eed);
    }

    /// Sends every new System Log event to this channel too (for subscribers such as
    /// a provisioning engine).
    pub fn set_event_sink(&mut self, sender: broadcast::Sender<Arc<Value>>) {
        self.events = Some(sender);
    }

    /// Hands every new System Log event to `feed` as well.
    pub fn set_event_feed(&mut self, feed: EventFeed) {
        self.feed = Some(feed);
    }

    /// The id RNG, for callers that create objects (generator, mutations).
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    /// A user by id, login, or unambiguous login short name (the part before `@`).
    pub fn find_user(&self, id_or_login: &str) -> Option<&User> {
        if let Some(u) = self.users.get(id_or_login) {
            return Some(u);
        }
        if let Some(id) = self.logins.get(&fold_login(id_or_login)) {
            return self.users.get(id);
        }
        if id_or_login.contains('@') {
            return None;
        }
        let short = fold_login(id_or_login);
        let mut found = self
            .users
            .values()
            .filter(|u| fold_login(u.login()).split('@').next() == Some(short.as_str()));
        match (found.next(), found.next()) {
            (Some(u), None) => Some(u),
            _ => None,
        }
    }

    /// Whether `login` (folded) is taken by a user other than `except`.
    pub fn login_taken(&self, login: &str, except: Option<&str>) -> bool {
        self.logins
            .get(&fold_login(login))
            .is_some_and(|id| Some(id.as_str()) != except)
    }

    /// The groups a user belongs to, in id order. (A scan of the groups' member
    /// sets: orgs have few groups and many users, so a reverse index would cost more
    /// memory than it saves time.)
    pub fn groups_of<'a>(&'a self, user_id: &'a str) -> impl Iterator<Item = &'a Group> {
        self.groups
            .values()
            .filter(move |g| g.members.contains(user_id))
    }

    /// Ids of apps a user is assigned to, directly or through a group.
    pub fn apps_of(&self, user_id: &str) -> BTreeSet<&str> {
        self.apps
            .values()
            .filter(|a| {
                a.users.contains_key(user_id)
                    || a.groups.keys().any(|g| {
                        self.groups
                            .get(g)
                            .is_some_and(|g| g.members.contains(user_id))
                    })
            })
            .map(|a| a.id.as_str())
            .collect()
    }

    /// Object counts.
    pub fn counts(&self) -> Counts {
        let memberships = self
            .groups
            .values()
            .filter(|g| g.kind != GroupType::BuiltIn)
            .map(|g| g.members.len())
            .sum();
        Counts {
            users: self.users.len(),
            groups: self.groups.len(),
            memberships,
            apps: self.apps.len(),
        }
    }

    /// Inserts a user without checks or events (generator and snapshot use).
    pub fn insert_user(&mut self, user: User) {
        self.logins
            .insert(fold_login(user.login()), user.id.clone());
        let id = user.id.clone();
        self.users.insert(id.clone(), user);
        let everyone = self.everyone_id.clone();
        self.add_member_raw(&everyone, &id, None);
    }

    /// Inserts a group without checks or events.
    pub fn insert_group(&mut self, group: Group) {
        self.groups.insert(group.id.clone(), group);
    }

    /// Adds a membership without checks or events; returns whether it is new.
    /// `now` bumps `lastMembershipUpdated` when given.
    pub fn add_member_raw(&mut self, group_id: &str, user_id: &str, now: Option<Millis>) -> bool {
        let Some(g) = self.groups.get_mut(group_id) else {
            return false;
        };
        let added = g.members.insert(user_id.to_owned());
        if added && let Some(now) = now {
            g.last_membership_updated = now;
        }
        added
    }

    /// Removes a membership without checks or events; returns whether it existed.
    pub fn remove_member_raw(&mut self, group_id: &str, user_id: &str, now: Millis) -> bool {
        let Some(g) = self.groups.get_mut(group_id) else {
            return false;
        };
        let removed = g.members.remove(user_id);
        if removed {
            g.last_membership_updated = now;
        }
        removed
    }

    /// Inserts an app without checks or events.
    pub fn insert_app(&mut self, app: App) {
        self.apps.insert(app.id.clone(), app);
    }

    /// A new id with the given prefix from the org's RNG.
    pub fn new_id(&mut self, prefix: &str) -> String {
        ids::new_id(&mut self.rng, prefix)
    }

    /// Appends a System Log event with Okta's `LogEvent` shape.
    pub fn log_event(&mut self, ctx: &Ctx, event_type: &str, targets: Vec<Value>) {
        self.log_event_with(ctx, event_type, targets, "SUCCESS", None);
    }

    /// Appends a System Log event with an explicit outcome and optional reason.
    pub fn log_event_with(
        &mut self,
        ctx: &Ctx,
        event_type: &str,
        targets: Vec<Value>,
        result: &str,
        reason: Option<&str>,
    ) {
        let seq = self.log.last().map_or(1, |e| e.seq + 1);
        let (display, legacy) = describe(event_type);
        let a = &ctx.actor;
        let uuid = ids::uuid(&mut self.rng);
        let transaction = ids::random_string(&mut self.rng, "", 20);
        let severity = if result == "SUCCESS" { "INFO" } else { "WARN" };
        let event = json!({
            "actor": { "id": a.id, "type": a.kind, "alternateId": a.alternate_id,
                       "displayName": a.display_name, "detailEntry": null },
            "client": { "userAgent": { "rawUserAgent": a.user_agent, "os": "Unknown", "browser": "UNKNOWN" },
                        "zone": "null", "device": "Unknown", "id": null, "ipAddress": "127.0.0.1",
                        "geographicalContext": null },
            "device": null,
            "authenticationContext": { "authenticationProvider": null, "credentialProvider": null,
                "credentialType": null, "issuer": null, "interface": null, "authenticationStep": 0,
                "externalSessionId": "trs-okta-sim" },
            "displayMessage": display,
            "eventType": event_type,
            "outcome": { "result": result, "reason": reason },
            "published": format_ms(ctx.now),
            "securityContext": { "asNumber": null, "asOrg": null, "isp": null, "domain": null, "isProxy": null },
            "severity": severity,
            "debugContext": { "debugData": { "requestUri": a.request_uri } },
            "legacyEventType": legacy,
            "transaction": { "type": "WEB", "id": transaction,
                             "detail": { "requestApiTokenId": a.token_id } },
            "uuid": uuid,
            "version": "0",
            "request": { "ipChain": [ { "ip": "127.0.0.1", "geographicalContext": null, "version": "V4", "source": null } ] },
            "target": targets,
        });
        if self.events.is_some() || self.feed.is_some() {
            let shared = Arc::new(event.clone());
            if let Some(feed) = &self.feed {
                (feed.0)(&shared);
            }
            if let Some(tx) = &self.events {
                // Nobody listening is fine: the log itself is the record.
                let _ = tx.send(shared);
            }
        }
        self.log.push(LogEntry {
            seq,
            published: ctx.now,
            event,
        });
    }

    /// The `User` System Log target for a user.
    pub fn user_target(&self, user_id: &str) -> Value {
        match self.users.get(user_id) {
            Some(u) => crate::model::log::target(&u.id, "User", u.login(), &u.display_name()),
            None => crate::model::log::target(user_id, "User", "unknown", "unknown"),
        }
    }

    /// The `UserGroup` System Log target for a group.
    pub fn group_target(&self, group_id: &str) -> Value {
        let name = self
            .groups
            .get(group_id)
            .map(|g| g.name().to_owned())
            .unwrap_or_default();
        crate::model::log::target(group_id, "UserGroup", "unknown", &name)
    }

    /// The `AppInstance` System Log target for an app.
    pub fn app_target(&self, app_id: &str) -> Value {
        let (name, label) = self
            .apps
            .get(app_id)
            .map(|a| (a.name.clone(), a.label.clone()))
            .unwrap_or_default();
        crate::model::log::target(app_id, "AppInstance", &name, &label)
    }
}

#[cfg(test)]
#[path = "org_tests.rs"]
mod tests;
