//! Gatehouse persistence: one store API over SQLite (embedded, the default) and PostgreSQL
//! (shared state for several stateless replicas).
//!
//! This crate is the only one that knows SQL. It knows nothing of HTTP, SCIM wire formats or
//! SAML: callers hand it validated domain values and get domain values back.
//!
//! Central types:
//! * [`Store`] — a cloneable handle on the pools; reads go straight to it.
//! * [`Tx`] — a write transaction. A change, its audit entry ([`Tx::audit`]) and its events
//!   ([`Tx::emit`]) are written through the same `Tx`, so none exists without the others.
//! * [`AdminPrincipal`] and [`OrgScope`] — who is asking. Org data is only reachable through
//!   an `OrgScope`, which only a principal allowed into that org can produce.
//! * [`MasterKey`] — seals secrets at rest ([`Store::put_secret`], [`Store::get_secret`]).
//!
//! Every SQL text is written once in the dialect both engines share and compiled against both
//! (see the `db` module); migrations live in `migrations/sqlite` and `migrations/postgres`
//! and run on [`Store::open`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), store::StoreError> {
//! use store::{ConnectOptions, MasterKey, Store};
//! let store = Store::open(&ConnectOptions::new("sqlite::memory:"), MasterKey::generate()?).await?;
//! if let Some(minted) = store.bootstrap_admin_token().await? {
//!     println!("admin token: {}", minted.token.expose());
//! }
//! # Ok(()) }
//! ```

mod admin_tokens;
mod audit;
mod clock;
mod crypto;
mod db;
mod direct;
mod directories;
mod directory_apps;
mod directory_groups;
mod directory_users;
mod directory_view;
mod error;
mod events;
mod ids;
mod okta_actions;
mod okta_directories;
mod okta_sync;
mod org_domains;
mod orgs;
mod page;
mod people;
mod principal;
mod scim_query;
mod secrets;
mod sql;
mod sso_connections;
mod sso_logins;
mod sync_runs;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

pub use admin_tokens::{ADMIN_TOKEN_PREFIX, AdminTokenInfo, MintedAdminToken, NewAdminToken};
pub use audit::{Actor, AuditEntry, AuditRecord, FeedView, Outcome};
pub use crypto::{IssuedSecret, MasterKey, secret_hash, secret_matches};
pub use db::{Backend, ConnectOptions, Tx, backend_of, redact_url};
pub use directories::{
    CreatedDirectory, DEFAULT_GROUP_GRACE_DAYS, Directory, DirectoryKind, DirectoryScope,
    DirectorySettings, SCIM_ACCESS_TOKEN_PREFIX, SCIM_CLIENT_ID_PREFIX, SCIM_CLIENT_SECRET_PREFIX,
    SCIM_TOKEN_PREFIX, ScimAuthMode, ScimCredentials, SettingsUpdate, VerifiedScimToken,
};
pub use directory_apps::DirectoryApp;
pub use directory_groups::{
    GroupChange, GroupMember, GroupWrite, MemberChange, PurgeSummary, UserGroup, UsersOf,
};
pub use directory_users::{USER_NAME_TAKEN, VERSION_CHANGED};
pub use directory_view::{DirectoryGroup, DirectoryUser};
pub use error::{Result, StoreError};
pub use events::{Event, EventRecord};
pub use ids::{
    AdminTokenId, AuditId, DirectoryAppId, DirectoryGroupId, DirectoryId, DirectoryUserId, EventId,
    OrgId, PersonId, SsoConnectionId, SyncRunId,
};
pub use okta_actions::ActionRecord;
pub use okta_directories::{
    CreatedOktaDirectory, MIN_SCHEDULE_SECS, NewOktaDirectory, OktaAuth, OktaConnection,
    validate_schedule,
};
pub use okta_sync::{
    DirectorySink, OKTA_GROUP_SCHEMA, OKTA_USER_SCHEMA, counts_json, group_resource,
    okta_status_is_active, user_resource,
};
pub use org_domains::{MAX_ORG_DOMAINS, normalize_domain};
pub use orgs::{MAX_ORG_NAME, Org, validate_org_name};
pub use page::{DEFAULT_PAGE, MAX_PAGE, Page, PageRequest};
pub use principal::{AdminPrincipal, OrgScope, Role};
pub use scim_query::{MAX_IN_MEMORY, ScimListSpec, ScimPage, ScimRecord};
pub use sso_connections::{
    NewSsoConnection, OidcConfig, SamlConfig, SsoConnection, SsoProtocol, SsoSecrets,
    TrustedCertificate, sso_actor,
};
pub use sso_logins::{
    FlowLookup, LoginCompletion, NewSsoFlow, SSO_CODE_LIFETIME, SSO_CODE_PREFIX, SsoFailure,
    SsoFlow, SsoLogin, SsoProfile,
};
pub use sync_runs::{ClaimedSync, SyncProgress, SyncRun, SyncRunMode, SyncStatus};

/// A handle on the database. Cheap to clone; all clones share the pools.
#[derive(Clone)]
pub struct Store {
    pools: db::Pools,
    master_key: Arc<MasterKey>,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects, creating the SQLite file (and its folder) if needed, and applies migrations.
    pub async fn open(options: &ConnectOptions, master_key: MasterKey) -> Result<Self> {
        let backend = options.backend()?;
        let mut pools = db::connect(options).await?;
        db::migrate(&pools).await?;
        db::attach_direct(&mut pools, options)?;
        Ok(Self {
            pools,
            master_key: Arc::new(master_key),
            backend,
        })
    }

    /// Which engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Tx::begin(&self.pools, self.master_key.clone()).await
    }

    /// Checks the database answers (for readiness probes).
    pub async fn ping(&self) -> Result<()> {
        let one: i32 = db::on_reader!(&self.pools, |pool| sqlx::query_scalar("SELECT 1")
            .fetch_one(pool)
            .await)?;
        debug_assert_eq!(one, 1);
        Ok(())
    }

    /// Closes every connection, waiting for checked-out ones to come back.
    pub async fn close(&self) {
        match &self.pools {
            db::Pools::Sqlite {
                writer,
                reader,
                direct,
            } => {
                if let Some(direct) = direct {
                    direct.close().await;
                }
                reader.close().await;
                writer.close().await;
            }
            db::Pools::Postgres(pool) => pool.close().await,
        }
    }
}
