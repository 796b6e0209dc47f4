//! Okta API directories: the connection settings (org URL, how it authenticates, schedule,
//! what the permission probe found) and the sealed credential. The server tests the
//! credentials against the org before calling [`Store::create_okta_directory`]; the store
//! keeps the secret sealed with the master key and never returns it through a listing.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::Store;
use crate::audit::{Actor, AuditRecord};
use crate::clock::{from_ms, now_ms};
use crate::db::on_tx;
use crate::directories::{Directory, DirectoryKind, DirectoryScope, DirectorySettings};
use crate::error::{Result, StoreError};
use crate::ids::{DirectoryId, OrgId, SyncRunId};
use crate::principal::{OrgScope, Role};
use crate::sql::query;

/// The shortest schedule a directory may have: Okta's rate limits are shared with every
/// other integration of the org.
pub const MIN_SCHEDULE_SECS: u64 = 60;

/// How an Okta API directory authenticates (the part that is not secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OktaAuth {
    /// An SSWS API token (the secret is the token).
    ApiToken,
    /// An OAuth 2.0 service app with `private_key_jwt` (the secret is the private key PEM).
    OauthServiceApp {
        /// The app's client id.
        client_id: String,
        /// The `kid` of the registered public key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
        /// Scopes to request; `None` lets the client choose.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scopes: Option<Vec<String>>,
    },
}

/// The settings of an Okta API directory, stored as JSON in `directories.config`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OktaConnection {
    /// The normalised org URL (`https://acme.okta.com`).
    pub org_url: String,
    /// How the connector authenticates.
    pub auth: OktaAuth,
    /// Whether `http://127.0.0.1:…` is allowed (okta-sim only).
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// Seconds between scheduled incremental syncs; `None` syncs only on request.
    #[serde(default)]
    pub schedule_secs: Option<u64>,
    /// What the permission probe found when the directory was saved (shown to admins).
    #[serde(default)]
    pub capabilities: Value,
    /// The Okta profile attribute the registration endpoint sets (Registration Sync, e.g.
    /// `byndidRegistered`).
    #[serde(default)]
    pub registration_attribute: Option<String>,
}

/// An Okta API directory to create.
#[derive(Debug)]
pub struct NewOktaDirectory {
    /// A label for people.
    pub name: String,
    /// Its settings.
    pub connection: OktaConnection,
    /// The API token or the service app's private key PEM, sealed before it is stored.
    pub secret: Zeroizing<Vec<u8>>,
}

/// A created Okta API directory and its first (queued) full sync.
#[derive(Debug)]
pub struct CreatedOktaDirectory {
    /// The directory.
    pub directory: Directory,
    /// The sync run queued to fill it.
    pub first_sync: SyncRunId,
}

/// The name of the sealed credential of directory `id`.
fn secret_name(id: &DirectoryId) -> String {
    format!("directory/{id}/okta-credential")
}

fn schedule_ms(secs: Option<u64>) -> Option<i64> {
    secs.map(|s| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX))
}

/// Checks a schedule an admin asked for.
pub fn validate_schedule(secs: Option<u64>) -> Result<()> {
    match secs {
        Some(s) if s < MIN_SCHEDULE_SECS => Err(StoreError::Invalid(format!(
            "schedule must be at least {MIN_SCHEDULE_SECS} seconds"
        ))),
        Some(s) if s > 31 * 86_400 => Err(StoreError::Invalid(
            "schedule must be at most 31 days".into(),
        )),
        _ => Ok(()),
    }
}

impl Store {
    /// Creates an Okta API directory whose credentials the caller has already tested, seals
    /// the credential, and queues its first full sync — all in one transaction. Needs the
    /// admin role.
    pub async fn create_okta_directory(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        new: NewOktaDirectory,
    ) -> Result<CreatedOktaDirectory> {
        scope.require(Role::Admin)?;
        let name = crate::orgs::validate_org_name(&new.name)
            .map_err(|why| StoreError::Invalid(why.replacen("name", "directory name", 1)))?;
        validate_schedule(new.connection.schedule_secs)?;
        let config = serde_json::to_string(&new.connection)
            .map_err(|err| StoreError::Invalid(format!("bad connection settings: {err}")))?;
        let id = DirectoryId::generate();
        let first_sync = SyncRunId::generate();
        let now = now_ms();
        let settings = DirectorySettings::default();
        let mut tx = self.begin().await?;
        let inserted = on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO directories (id, org_id, kind, name, created_at, updated_at, \
             group_grace_days, password_sync, config) \
             SELECT $1, id, 'okta_api', $2, $3, $3, $4, FALSE, $5 FROM orgs WHERE id = $6"
        )
        .bind(id.as_str())
        .bind(&name)
        .bind(now)
        .bind(i64::from(settings.group_grace_days))
        .bind(&config)
        .bind(scope.org_id().as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        if inserted == 0 {
            return Err(StoreError::NotFound { kind: "org" });
        }
        tx.put_secret(scope, &secret_name(&id), &new.secret).await?;
        let schedule = schedule_ms(new.connection.schedule_secs);
        {
            let mut conn = tx.conn();
            conn.execute(
                query(
                    "INSERT INTO directory_sync_state (directory_id, schedule_secs, next_run_at) \
                 VALUES ($1, $2, $3)",
                )
                .bind(id.as_str())
                .bind(new.connection.schedule_secs.map(|s| s as i64))
                .bind(schedule.map(|ms| now.saturating_add(ms))),
            )
            .await?;
            conn.execute(
            query(
                "INSERT INTO directory_syncs (id, directory_id, mode, cause, status, created_at) \
                 VALUES ($1, $2, 'full', 'created', 'queued', $3)",
            )
            .bind(first_sync.as_str())
            .bind(id.as_str())
            .bind(now),
        )
        .await?;
        }
        tx.audit(
            AuditRecord::success(
                Some(scope.org_id().clone()),
                actor,
                "directory.created",
                Some(("directory", id.to_string())),
            )
            .with_details(json!({
                "name": name,
                "kind": "okta_api",
                "org_url": new.connection.org_url,
                "auth": new.connection.auth,
                "schedule_secs": new.connection.schedule_secs,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedOktaDirectory {
            directory: Directory {
                id,
                org_id: scope.org_id().clone(),
                kind: DirectoryKind::OktaApi,
                name,
                scim_auth: None,
                scim_client_id: None,
                settings,
                user_count: 0,
                group_count: 0,
                created_at: from_ms(now),
                updated_at: from_ms(now),
                okta: Some(new.connection),
            },
            first_sync,
        })
    }

    /// The settings and the unsealed credential of an Okta API directory, for the connector.
    pub async fn okta_connection(
        &self,
        scope: &DirectoryScope,
    ) -> Result<(OktaConnection, Zeroizing<Vec<u8>>)> {
        let row: Option<(String, String)> = self
            .read_optional(
                query("SELECT kind, config FROM directories WHERE id = $1").bind(scope.id.as_str()),
            )
            .await?;
        let (kind, config) = row.ok_or(StoreError::NotFound { kind: "directory" })?;
        if DirectoryKind::parse(&kind)? != DirectoryKind::OktaApi {
            return Err(StoreError::Invalid(
                "this action needs an okta_api directory".into(),
            ));
        }
        let connection = parse_connection(&config)?;
        let secret = self
            .get_secret(&scope.org, &secret_name(&scope.id))
            .await?
            .ok_or_else(|| StoreError::Invalid("the directory's credential is missing".into()))?;
        Ok((connection, secret))
    }

    /// The scope of directory `id` for Gatehouse's own machinery (the sync runner), which
    /// acts for the directory's org without an admin behind it.
    pub async fn internal_directory_scope(&self, id: &DirectoryId) -> Result<DirectoryScope> {
        let row: Option<(String, i64, bool)> = self
            .read_optional(
                query(
                    "SELECT org_id, group_grace_days, password_sync FROM directories \
                     WHERE id = $1",
                )
                .bind(id.as_str()),
            )
            .await?;
        let (org, grace, password_sync) = row.ok_or(StoreError::NotFound { kind: "directory" })?;
        Ok(DirectoryScope {
            id: id.clone(),
            org: OrgScope::internal(OrgId::from_db(org)),
            settings: crate::directories::settings_of(grace, password_sync),
        })
    }
}

/// Decodes `directories.config` of an Okta API directory.
pub(crate) fn parse_connection(config: &str) -> Result<OktaConnection> {
    serde_json::from_str(config)
        .map_err(|err| StoreError::Invalid(format!("stored Okta settings are unreadable: {err}")))
}
