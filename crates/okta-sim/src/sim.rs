//! [`Sim`]: the shared state behind every request — the org, the clock, the
//! authorization server, rate limits, faults and statistics — and how an org is
//! built (generated or loaded) and saved.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, broadcast};

use crate::SimError;
use crate::clock::{Clock, Millis};
use crate::config::SimConfig;
use crate::faults::Faults;
use crate::generator::{self, GenSpec};
use crate::keys::{KeySet, RsaKey};
use crate::model::log::Actor;
use crate::model::user::{User, UserStatus};
use crate::oauth::AuthServer;
use crate::org::{ApiToken, Ctx, Org, Role};
use crate::provisioning::Provisioning;
use crate::ratelimit::RateLimiter;
use crate::session::Sessions;
use crate::{ids, ids::prefix};

/// Every Okta API scope the built-in service app is granted.
pub const ALL_SCOPES: &[&str] = &[
    "okta.users.read",
    "okta.users.manage",
    "okta.groups.read",
    "okta.groups.manage",
    "okta.apps.read",
    "okta.apps.manage",
    "okta.logs.read",
    "okta.schemas.read",
    "okta.schemas.manage",
    "okta.orgs.read",
    "okta.userTypes.read",
    "okta.apiTokens.read",
    "okta.apiTokens.manage",
];

const AS_KID: &str = "okta-sim-org-as";
const CLIENT_KID: &str = "okta-sim-client";

/// What `okta-sim serve` prints and what tests need to call the org.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Credentials {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// SSWS token of a super admin.
    pub admin_token: String,
    /// SSWS token of a read-only admin.
    pub readonly_token: String,
    /// Client id of the built-in OAuth service app.
    pub oauth_client_id: String,
    /// PKCS#8 PEM private key registered with that app.
    pub oauth_private_key_pem: String,
    /// The `kid` of that key.
    pub oauth_key_id: String,
}

/// API call statistics for `/sim/v1/stats`.
#[derive(Debug, Default)]
pub struct Stats {
    calls: Mutex<BTreeMap<String, u64>>,
    rate_limited: AtomicU64,
}

impl Stats {
    /// Counts one call of `"<METHOD> <route>"`.
    pub fn count(&self, key: String) {
        *self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_default() += 1;
    }

    /// Counts one 429.
    pub fn count_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// The `/sim/v1/stats` document.
    pub fn to_json(&self) -> Value {
        let calls = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        json!({ "api_calls": calls, "rate_limited": self.rate_limited.load(Ordering::Relaxed) })
    }

    /// Total calls counted.
    pub fn total(&self) -> u64 {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .sum()
    }

    /// Zeroes everything.
    pub fn reset(&self) {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        self.rate_limited.store(0, Ordering::Relaxed);
    }
}

/// The shared state of one simulated org.
#[derive(Debug)]
pub struct Sim {
    /// The configuration it was built from.
    pub config: SimConfig,
    /// The advertised base URL (no trailing slash).
    pub base_url: String,
    /// The clock.
    pub clock: Clock,
    /// The org data.
    org: RwLock<Org>,
    /// Rate-limit windows.
    pub limiter: RateLimiter,
    /// Fault rules.
    pub faults: Faults,
    /// Call statistics.
    pub stats: Stats,
    /// In-flight request permits.
    pub concurrency: Arc<Semaphore>,
    /// The org authorization server.
    pub auth: AuthServer,
    /// Browser sign-in sessions and parked SAML requests.
    pub sessions: Sessions,
    /// OIDC authorization codes, refresh tokens and custom servers' keys.
    pub oidc: crate::oidc::Provider,
    /// Okta's SCIM provisioning engine.
    pub provisioning: Provisioning,
    /// System Log events as they are written.
    pub events: broadcast::Sender<Arc<Value>>,
}

impl Sim {
    /// Builds the state: loads the snapshot if configured and present, otherwise
    /// generates an org from the config.
    pub fn new(config: SimConfig, base_url: String) -> Result<Self, SimError> {
        let clock = Clock::new(config.simulated_time);
        let (events, _) = broadcast::channel(4096);
        let loaded = match &config.state_file {
            Some(path) if path.exists() => Some(crate::snapshot::load(path)?),
            _ => None,
        };
        let mut org = match loaded {
            Some(org) => org,
            None => build_org(&config, clock.now(), None)?,
        };
        org.set_event_sink(events.clone());
        let provisioning = Provisioning::default();
        org.set_event_feed(provisioning.feed());
        let org_keys = Arc::new(stored_key_set(&org, ORG_SERVER, AS_KID)?);
        let auth = AuthServer::new(&base_url, org_keys);
        Ok(Self {
            limiter: RateLimiter::new(config.rate_limit_per_min, config.token_share_percent),
            concurrency: Arc::new(Semaphore::new(config.concurrency_limit.max(1))),
            config,
            base_url,
            clock,
            org: RwLock::new(org),
            faults: Faults::default(),
            stats: Stats::default(),
            auth,
            sessions: Sessions::default(),
            oidc: crate::oidc::Provider::default(),
            provisioning,
            events,
        })
    }

    /// Read access to the org.
    pub fn read(&self) -> RwLockReadGuard<'_, Org> {
        self.org
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Write access to the org.
    pub fn write(&self) -> RwLockWriteGuard<'_, Org> {
        self.org
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A mutation context for the simulator itself.
    pub fn system_ctx(&self) -> Ctx {
        Ctx {
            actor: Actor::system(),
            now: self.clock.now(),
        }
    }

    /// Replaces the org with a freshly generated one (same config and keys).
    pub fn reset(&self) -> Result<(), SimError> {
        let (keys, key_sets) = {
            let org = self.read();
            (org.private_keys.clone(), org.key_sets.clone())
        };
        let mut org = build_org(&self.config, self.clock.now(), Some(keys))?;
        org.key_sets = key_sets;
        org.set_event_sink(self.events.clone());
        org.set_event_feed(self.provisioning.feed());
        *self.write() = org;
        self.limiter.reset();
        self.stats.reset();
        self.faults.clear();
        self.provisioning.clear();
        Ok(())
    }

    /// Saves the org to the configured snapshot file, if any.
    pub fn save(&self) -> Result<bool, SimError> {
        match &self.config.state_file {
            Some(path) => {
                crate::snapshot::save(path, &self.read())?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The credentials of the built-in accounts.
    pub fn credentials(&self) -> Credentials {
        let org = self.read();
        let token = |role| {
            org.tokens
                .iter()
                .find(|(_, t)| t.role == role && t.name.starts_with("okta-sim"))
                .map(|(s, _)| s.clone())
                .unwrap_or_default()
        };
        let client = org
            .apps
            .values()
            .find(|a| a.label == SERVICE_APP_LABEL)
            .map(|a| a.id.clone())
            .unwrap_or_default();
        Credentials {
            base_url: self.base_url.clone(),
            admin_token: token(Role::SuperAdmin),
            readonly_token: token(Role::ReadOnlyAdmin),
            oauth_client_id: client,
            oauth_private_key_pem: org
                .private_keys
                .get(CLIENT_KID)
                .cloned()
                .unwrap_or_default(),
            oauth_key_id: CLIENT_KID.to_owned(),
        }
    }

    /// Creates an OAuth service app with its own key pair; returns (client id, PEM, kid).
    pub fn create_service_app(
        &self,
        scopes: &[String],
        dpop: bool,
        role: Role,
    ) -> Result<(String, String, String), SimError> {
        let kid = format!("sim-{}", ids::random_string(&mut rand::rng(), "", 12));
        let key = RsaKey::generate(&kid)?;
        let ctx = self.system_ctx();
        let mut org = self.write();
        let id = add_service_app(&mut org, &ctx, "Service app", &key, scopes, dpop, role)?;
        Ok((id, key.private_pem, kid))
    }

    /// Creates an SSWS token for a user with a role; returns the secret.
    pub fn create_token(&self, user_id: &str, role: Role, name: &str) -> String {
        let now = self.clock.now();
        let mut org = self.write();
        mint_token(&mut org, user_id, role, name, now)
    }
}

const SERVICE_APP_LABEL: &str = "okta-sim service app";

/// The key-set name of the org authorization server.
pub const ORG_SERVER: &str = "org";

/// The key set stored for an authorization server (the snapshot's rotation order),
/// or just `default_kid` when none was recorded.
fn stored_key_set(org: &Org, server: &str, default_kid: &str) -> Result<KeySet, SimError> {
    let kids = org
        .key_sets
        .get(server)
        .cloned()
        .unwrap_or_else(|| vec![default_kid.to_owned()]);
    let keys = kids
        .iter()
        .map(|kid| {
            let pem = org
                .private_keys
                .get(kid)
                .ok_or(SimError::Crypto("missing authorization server key"))?;
            RsaKey::from_pem(pem, kid)
        })
        .collect::<Result<Vec<_>, _>>()?;
    KeySet::new(keys)
}

/// Generates the org described by `config`: admins and their tokens, the built-in
/// service app, then the generated people, groups and apps.
fn build_org(
    config: &SimConfig,
    now: Millis,
    keys: Option<BTreeMap<String, String>>,
) -> Result<Org, SimError> {
    let mut org = Org::new(
        config.seed,
        &format!("{} Inc.", capitalise(&config.subdomain)),
        &config.subdomain,
        "example.com",
        now,
    );
    let keys = match keys {
        Some(k) => k,
        None => {
            let mut k = BTreeMap::new();
            k.insert(AS_KID.to_owned(), RsaKey::generate(AS_KID)?.private_pem);
            k.insert(
                CLIENT_KID.to_owned(),
                RsaKey::generate(CLIENT_KID)?.private_pem,
            );
            k
        }
    };
    let ctx = Ctx {
        actor: Actor::system(),
        now,
    };
    let admin = add_admin(&mut org, "admin", "Ada", "Admin", now);
    let readonly = add_admin(&mut org, "readonly.admin", "Reid", "Only", now);
    mint_token(&mut org, &admin, Role::SuperAdmin, "okta-sim admin", now);
    mint_token(
        &mut org,
        &readonly,
        Role::ReadOnlyAdmin,
        "okta-sim read-only",
        now,
    );
    let client_pem = keys
        .get(CLIENT_KID)
        .ok_or(SimError::Crypto("missing client key"))?;
    let client_key = RsaKey::from_pem(client_pem, CLIENT_KID)?;
    let scopes: Vec<String> = ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    add_service_app(
        &mut org,
        &ctx,
        SERVICE_APP_LABEL,
        &client_key,
        &scopes,
        config.oauth_dpop,
        Role::SuperAdmin,
    )?;
    org.private_keys = keys;
    org.log.clear();
    generator::populate(
        &mut org,
        &GenSpec {
            users: config.users,
            groups: config.groups,
            apps: config.apps,
            seed: config.seed,
        },
        now,
    );
    Ok(org)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn add_admin(org: &mut Org, local: &str, first: &str, last: &str, now: Millis) -> String {
    let id = org.new_id(prefix::USER);
    let login = format!("{local}@{}", org.email_domain);
    let mut profile = serde_json::Map::new();
    profile.insert("firstName".into(), json!(first));
    profile.insert("lastName".into(), json!(last));
    profile.insert("email".into(), json!(login));
    profile.insert("login".into(), json!(login));
    profile.insert("title".into(), json!("Okta Administrator"));
    profile.insert("department".into(), json!("IT"));
    org.insert_user(User {
        id: id.clone(),
        status: UserStatus::Active,
        created: now,
        activated: Some(now),
        status_changed: Some(now),
        last_login: Some(now),
        last_updated: now,
        password_changed: Some(now),
        profile,
        password: Some("Admin-Passw0rd!".to_owned()),
        recovery_question: None,
        provider: "OKTA".to_owned(),
        type_id: org.user_type_id.clone(),
    });
    id
}

fn mint_token(org: &mut Org, user_id: &str, role: Role, name: &str, now: Millis) -> String {
    let secret = ids::random_string(org.rng(), "00", 42);
    let id = org.new_id(prefix::API_TOKEN);
    org.tokens.insert(
        secret.clone(),
        ApiToken {
            id,
            name: name.to_owned(),
            user_id: user_id.to_owned(),
            role,
            created: now,
            last_used: now,
        },
    );
    secret
}

fn add_service_app(
    org: &mut Org,
    ctx: &Ctx,
    label: &str,
    key: &RsaKey,
    scopes: &[String],
    dpop: bool,
    role: Role,
) -> Result<String, SimError> {
    let body = json!({
        "label": label,
        "signOnMode": "OPENID_CONNECT",
        "credentials": { "oauthClient": { "token_endpoint_auth_method": "private_key_jwt" } },
        "settings": { "oauthClient": {
            "application_type": "service",
            "grant_types": ["client_credentials"],
            "response_types": ["token"],
            "dpop_bound_access_tokens": dpop,
            "jwks": { "keys": [ key.public_jwk ] }
        } }
    });
    let id = org
        .create_app(ctx, &body, true)
        .map_err(|e| SimError::Setup(e.summary))?;
    if let Some(app) = org.apps.get_mut(&id) {
        app.grants = scopes.to_vec();
        app.roles = match role {
            Role::SuperAdmin => vec!["SUPER_ADMIN".to_owned()],
            Role::ReadOnlyAdmin => vec!["READ_ONLY_ADMIN".to_owned()],
            Role::None => Vec::new(),
        };
    }
    Ok(id)
}
