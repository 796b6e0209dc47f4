//! Directories: where an org's users and groups come from. A SCIM directory is pushed into by
//! Okta with a bearer token (`ghs_…`) or OAuth client credentials; an Okta API directory
//! (added by the connector) pulls. Both feed the same data model (`directory_users`,
//! `directory_groups`).
//!
//! A verified SCIM credential, or an admin's [`OrgScope`], becomes a [`DirectoryScope`]: the
//! only handle through which directory data is read or written.

use serde_json::json;
use time::OffsetDateTime;

use crate::Store;
use crate::audit::{Actor, AuditRecord};
use crate::clock::{from_ms, now_ms};
use crate::crypto::{IssuedSecret, secret_hash};
use crate::db::{on_reader, on_tx};
use crate::error::{Result, StoreError};
use crate::ids::{DirectoryId, OrgId};
use crate::okta_directories::{OktaConnection, parse_connection};
use crate::orgs::paginate;
use crate::page::{self, Page, PageRequest};
use crate::principal::{AdminPrincipal, OrgScope, Role};

/// Prefix of SCIM bearer tokens.
pub const SCIM_TOKEN_PREFIX: &str = "ghs_";
/// Prefix of OAuth client secrets of SCIM directories.
pub const SCIM_CLIENT_SECRET_PREFIX: &str = "ghss_";
/// Prefix of the short-lived access tokens `POST /oauth/token` issues.
pub const SCIM_ACCESS_TOKEN_PREFIX: &str = "ghsa_";
/// Prefix of OAuth client ids of SCIM directories (public, not a secret).
pub const SCIM_CLIENT_ID_PREFIX: &str = "ghc_";
/// Default grace period of deleted groups before they can be purged.
pub const DEFAULT_GROUP_GRACE_DAYS: u32 = 30;

/// Where a directory's data comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryKind {
    /// Okta pushes users and groups through SCIM 2.0.
    Scim,
    /// The connector pulls from Okta's Management API.
    OktaApi,
}

impl DirectoryKind {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            DirectoryKind::Scim => "scim",
            DirectoryKind::OktaApi => "okta_api",
        }
    }

    pub(crate) fn parse(raw: &str) -> Result<Self> {
        match raw {
            "scim" => Ok(DirectoryKind::Scim),
            "okta_api" => Ok(DirectoryKind::OktaApi),
            other => Err(StoreError::Invalid(format!(
                "unknown directory kind {other:?} in database"
            ))),
        }
    }
}

/// How a SCIM client authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScimAuthMode {
    /// A long-lived bearer token (`ghs_…`).
    Bearer,
    /// Client credentials exchanged at `POST /oauth/token` for short-lived tokens.
    OAuthClientCredentials,
}

impl ScimAuthMode {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimAuthMode::Bearer => "bearer",
            ScimAuthMode::OAuthClientCredentials => "oauth_client_credentials",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "bearer" => Some(ScimAuthMode::Bearer),
            "oauth_client_credentials" => Some(ScimAuthMode::OAuthClientCredentials),
            _ => None,
        }
    }
}

/// Per-directory behaviour an admin can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectorySettings {
    /// Days a deleted group stays restorable before it may be purged.
    pub group_grace_days: u32,
    /// Whether passwords the client sends are kept (as argon2id hashes). Okta sends a
    /// random placeholder password on every create even when "Sync Password" is off, so
    /// the default is off: hashing a placeholder costs CPU and protects nothing.
    pub password_sync: bool,
}

impl Default for DirectorySettings {
    fn default() -> Self {
        Self {
            group_grace_days: DEFAULT_GROUP_GRACE_DAYS,
            password_sync: false,
        }
    }
}

/// A directory as stored (never with its secrets).
#[derive(Clone, Debug)]
pub struct Directory {
    /// Its id.
    pub id: DirectoryId,
    /// The org it feeds.
    pub org_id: OrgId,
    /// Where its data comes from.
    pub kind: DirectoryKind,
    /// A label for people.
    pub name: String,
    /// SCIM only: how the client authenticates.
    pub scim_auth: Option<ScimAuthMode>,
    /// SCIM with OAuth only: the public client id.
    pub scim_client_id: Option<String>,
    /// Behaviour settings.
    pub settings: DirectorySettings,
    /// Users currently in the directory (deleted ones excluded).
    pub user_count: i64,
    /// Groups currently in the directory (deleted ones excluded).
    pub group_count: i64,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// Okta API directories only: the connection settings (never the credential).
    pub okta: Option<OktaConnection>,
}

/// Credentials minted for a SCIM directory, shown once.
#[derive(Debug)]
pub enum ScimCredentials {
    /// A bearer token for `Authorization: Bearer <token>`.
    Bearer {
        /// The token (`ghs_…`).
        token: IssuedSecret,
    },
    /// OAuth client credentials for `POST /oauth/token`.
    OAuthClient {
        /// The public client id (`ghc_…`).
        client_id: String,
        /// The client secret (`ghss_…`).
        client_secret: IssuedSecret,
    },
}

/// A freshly created SCIM directory and its credentials.
#[derive(Debug)]
pub struct CreatedDirectory {
    /// The directory.
    pub directory: Directory,
    /// Its credentials, shown once.
    pub credentials: ScimCredentials,
}

/// Changes to [`DirectorySettings`]; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct SettingsUpdate {
    /// New grace period in days (1–3650).
    pub group_grace_days: Option<u32>,
    /// Turn password sync on or off.
    pub password_sync: Option<bool>,
}

/// Permission to act on one directory: obtained from a verified SCIM credential
/// ([`Store::verify_scim_token`]) or from an admin principal ([`Store::directory_scope`]).
#[derive(Clone, Debug)]
pub struct DirectoryScope {
    pub(crate) id: DirectoryId,
    pub(crate) org: OrgScope,
    pub(crate) settings: DirectorySettings,
}

impl DirectoryScope {
    /// The directory.
    pub fn directory_id(&self) -> &DirectoryId {
        &self.id
    }

    /// The org the directory feeds.
    pub fn org_id(&self) -> &OrgId {
        self.org.org_id()
    }

    /// The org scope (with the caller's role).
    pub fn org_scope(&self) -> &OrgScope {
        &self.org
    }

    /// The directory's settings when the scope was obtained.
    pub fn settings(&self) -> DirectorySettings {
        self.settings
    }

    /// The audit actor for a SCIM client of this directory.
    pub fn scim_actor(&self, request_id: Option<String>) -> Actor {
        Actor {
            kind: "scim_directory",
            id: Some(self.id.to_string()),
            request_id,
        }
    }
}

/// A verified SCIM credential: the directory it reaches and, for OAuth access tokens, when
/// it expires (milliseconds since the epoch), so caches know how long to keep it.
#[derive(Clone, Debug)]
pub struct VerifiedScimToken {
    /// The directory the token reaches.
    pub scope: DirectoryScope,
    /// Expiry of an OAuth access token; `None` for bearer tokens.
    pub expires_at_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct DirectoryRow {
    id: String,
    org_id: String,
    kind: String,
    name: String,
    scim_auth: Option<String>,
    scim_client_id: Option<String>,
    group_grace_days: i64,
    password_sync: bool,
    user_count: i64,
    group_count: i64,
    created_at: i64,
    updated_at: i64,
    config: String,
}

const DIRECTORY_COLUMNS: &str = "id, org_id, kind, name, scim_auth, scim_client_id, \
     group_grace_days, password_sync, user_count, group_count, created_at, updated_at, config";

pub(crate) fn settings_of(grace: i64, password_sync: bool) -> DirectorySettings {
    DirectorySettings {
        group_grace_days: u32::try_from(grace).unwrap_or(DEFAULT_GROUP_GRACE_DAYS),
        password_sync,
    }
}

impl TryFrom<DirectoryRow> for Directory {
    type Error = StoreError;

    fn try_from(row: DirectoryRow) -> Result<Self> {
        let kind = DirectoryKind::parse(&row.kind)?;
        let okta = match kind {
            DirectoryKind::OktaApi => Some(parse_connection(&row.config)?),
            DirectoryKind::Scim => None,
        };
        Ok(Self {
            id: DirectoryId::from_db(row.id),
            org_id: OrgId::from_db(row.org_id),
            kind,
            okta,
            name: row.name,
            scim_auth: row.scim_auth.as_deref().and_then(ScimAuthMode::parse),
            scim_client_id: row.scim_client_id,
            settings: settings_of(row.group_grace_days, row.password_sync),
            user_count: row.user_count,
            group_count: row.group_count,
            created_at: from_ms(row.created_at),
            updated_at: from_ms(row.updated_at),
        })
    }
}

fn validate_directory_name(name: &str) -> Result<String> {
    crate::orgs::validate_org_name(name)
        .map_err(|why| StoreError::Invalid(why.replacen("name", "directory name", 1)))
}

/// Fresh credentials of `auth` mode, and the columns that store them.
fn mint_credentials(auth: ScimAuthMode) -> Result<(ScimCredentials, CredentialColumns)> {
    Ok(match auth {
        ScimAuthMode::Bearer => {
            let token = IssuedSecret::generate_with_prefix(SCIM_TOKEN_PREFIX)?;
            let columns = CredentialColumns {
                token_hash: Some(token.hash()),
                client_id: None,
                secret_hash: None,
            };
            (ScimCredentials::Bearer { token }, columns)
        }
        ScimAuthMode::OAuthClientCredentials => {
            let client_id = format!("{SCIM_CLIENT_ID_PREFIX}{}", uuid::Uuid::new_v4().simple());
            let client_secret = IssuedSecret::generate_with_prefix(SCIM_CLIENT_SECRET_PREFIX)?;
            let columns = CredentialColumns {
                token_hash: None,
                client_id: Some(client_id.clone()),
                secret_hash: Some(client_secret.hash()),
            };
            (
                ScimCredentials::OAuthClient {
                    client_id,
                    client_secret,
                },
                columns,
            )
        }
    })
}

struct CredentialColumns {
    token_hash: Option<Vec<u8>>,
    client_id: Option<String>,
    secret_hash: Option<Vec<u8>>,
}

impl Store {
    /// Creates a SCIM directory in the scope's org and mints its credentials. Needs the
    /// admin role.
    pub async fn create_scim_directory(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        name: &str,
        auth: ScimAuthMode,
    ) -> Result<CreatedDirectory> {
        scope.require(Role::Admin)?;
        let name = validate_directory_name(name)?;
        let id = DirectoryId::generate();
        let now = now_ms();
        let (credentials, columns) = mint_credentials(auth)?;
        let settings = DirectorySettings::default();
        let mut tx = self.begin().await?;
        let inserted = on_tx!(tx, |conn| {
            sqlx::query(
            "INSERT INTO directories (id, org_id, kind, name, created_at, updated_at, scim_auth, \
             scim_token_hash, scim_client_id, scim_secret_hash, group_grace_days, password_sync) \
             SELECT $1, id, 'scim', $2, $3, $3, $4, $5, $6, $7, $8, $9 FROM orgs WHERE id = $10"
        )
        .bind(id.as_str())
        .bind(&name)
        .bind(now)
        .bind(auth.as_str())
        .bind(columns.token_hash.as_deref())
        .bind(columns.client_id.as_deref())
        .bind(columns.secret_hash.as_deref())
        .bind(i64::from(settings.group_grace_days))
        .bind(settings.password_sync)
        .bind(scope.org_id().as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
        })?;
        if inserted == 0 {
            return Err(StoreError::NotFound { kind: "org" });
        }
        tx.audit(
            AuditRecord::success(
                Some(scope.org_id().clone()),
                actor,
                "directory.created",
                Some(("directory", id.to_string())),
            )
            .with_details(json!({ "name": name, "kind": "scim", "auth": auth.as_str() })),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedDirectory {
            directory: Directory {
                id,
                org_id: scope.org_id().clone(),
                kind: DirectoryKind::Scim,
                name,
                scim_auth: Some(auth),
                scim_client_id: columns.client_id,
                settings,
                user_count: 0,
                group_count: 0,
                created_at: from_ms(now),
                updated_at: from_ms(now),
                okta: None,
            },
            credentials,
        })
    }

    /// The directories of the scope's org, oldest first.
    pub async fn list_directories(
        &self,
        scope: &OrgScope,
        page: &PageRequest,
    ) -> Result<Page<Directory>> {
        let after = match page.cursor() {
            Some(cursor) => page::decode("dir", cursor)?,
            None => String::new(),
        };
        let limit = page.limit();
        let sql = format!(
            "SELECT {DIRECTORY_COLUMNS} FROM directories WHERE org_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3"
        );
        let rows: Vec<DirectoryRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(scope.org_id().as_str())
        .bind(&after)
        .bind(i64::from(limit) + 1)
        .fetch_all(pool)
        .await)?;
        let items = rows
            .into_iter()
            .map(Directory::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(items, limit, |d| {
            page::encode("dir", d.id.as_str())
        }))
    }

    /// The directory `scope` reaches.
    pub async fn get_directory(&self, scope: &DirectoryScope) -> Result<Directory> {
        let sql = format!("SELECT {DIRECTORY_COLUMNS} FROM directories WHERE id = $1");
        let row: Option<DirectoryRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(scope.id.as_str())
        .fetch_optional(pool)
        .await)?;
        row.ok_or(StoreError::NotFound { kind: "directory" })?
            .try_into()
    }

    /// The scope for an admin acting on directory `id`: a missing directory and one of an
    /// org the principal cannot see are both [`StoreError::NotFound`].
    pub async fn directory_scope(
        &self,
        principal: &AdminPrincipal,
        id: &DirectoryId,
    ) -> Result<DirectoryScope> {
        let row: Option<(String, i64, bool)> = on_reader!(&self.pools, |pool| sqlx::query_as(
            "SELECT org_id, group_grace_days, password_sync FROM directories WHERE id = $1"
        )
        .bind(id.as_str())
        .fetch_optional(pool)
        .await)?;
        let (org, grace, password_sync) = row.ok_or(StoreError::NotFound { kind: "directory" })?;
        let org = principal
            .org_scope(&OrgId::from_db(org))
            .ok_or(StoreError::NotFound { kind: "directory" })?;
        Ok(DirectoryScope {
            id: id.clone(),
            org,
            settings: settings_of(grace, password_sync),
        })
    }

    /// Deletes the directory with its users, groups and memberships of its groups. People
    /// it provisioned are detached from the org (kept, never destroyed). Needs the admin role.
    pub async fn delete_directory(&self, scope: &DirectoryScope, actor: &Actor) -> Result<()> {
        scope.org.require(Role::Admin)?;
        let mut tx = self.begin().await?;
        let people: Vec<String> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT DISTINCT person_id FROM scim_users WHERE directory_id = $1"
        )
        .bind(scope.id.as_str())
        .fetch_all(conn)
        .await)?;
        let deleted = on_tx!(tx, |conn| sqlx::query(
            "DELETE FROM directories WHERE id = $1"
        )
        .bind(scope.id.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        if deleted == 0 {
            return Err(StoreError::NotFound { kind: "directory" });
        }
        for person in &people {
            crate::people::settle_membership(&mut tx.conn(), scope.org_id(), person).await?;
        }
        tx.audit(
            AuditRecord::success(
                Some(scope.org_id().clone()),
                actor,
                "directory.deleted",
                Some(("directory", scope.id.to_string())),
            )
            .with_details(json!({ "people_detached_checked": people.len() })),
        )
        .await?;
        tx.commit().await
    }

    /// Replaces the directory's SCIM credentials: the old token or client secret (and every
    /// access token issued with it) stops working at commit. Needs the admin role.
    pub async fn rotate_scim_credentials(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
    ) -> Result<ScimCredentials> {
        scope.org.require(Role::Admin)?;
        let mut tx = self.begin().await?;
        let auth: Option<Option<String>> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT scim_auth FROM directories WHERE id = $1"
        )
        .bind(scope.id.as_str())
        .fetch_optional(conn)
        .await)?;
        let auth = auth
            .ok_or(StoreError::NotFound { kind: "directory" })?
            .as_deref()
            .and_then(ScimAuthMode::parse)
            .ok_or_else(|| {
                StoreError::Invalid("only SCIM directories have credentials to rotate".into())
            })?;
        let (credentials, columns) = mint_credentials(auth)?;
        on_tx!(tx, |conn| sqlx::query(
            "UPDATE directories SET scim_token_hash = $1, scim_client_id = $2, \
             scim_secret_hash = $3, updated_at = $4 WHERE id = $5"
        )
        .bind(columns.token_hash.as_deref())
        .bind(columns.client_id.as_deref())
        .bind(columns.secret_hash.as_deref())
        .bind(now_ms())
        .bind(scope.id.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        on_tx!(tx, |conn| sqlx::query(
            "DELETE FROM directory_access_tokens WHERE directory_id = $1"
        )
        .bind(scope.id.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        tx.audit(AuditRecord::success(
            Some(scope.org_id().clone()),
            actor,
            "directory.credentials_rotated",
            Some(("directory", scope.id.to_string())),
        ))
        .await?;
        tx.commit().await?;
        Ok(credentials)
    }

    /// Changes the directory's settings. Needs the admin role.
    pub async fn update_directory_settings(
        &self,
        scope: &DirectoryScope,
        actor: &Actor,
        update: &SettingsUpdate,
    ) -> Result<Directory> {
        scope.org.require(Role::Admin)?;
        if let Some(days) = update.group_grace_days
            && !(1..=3650).contains(&days)
        {
            return Err(StoreError::Invalid(
                "group_grace_days must be between 1 and 3650".into(),
            ));
        }
        let mut tx = self.begin().await?;
        let done = on_tx!(tx, |conn| sqlx::query(
            "UPDATE directories SET group_grace_days = COALESCE($1, group_grace_days), \
             password_sync = COALESCE($2, password_sync), updated_at = $3 WHERE id = $4"
        )
        .bind(update.group_grace_days.map(i64::from))
        .bind(update.password_sync)
        .bind(now_ms())
        .bind(scope.id.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound { kind: "directory" });
        }
        tx.audit(
            AuditRecord::success(
                Some(scope.org_id().clone()),
                actor,
                "directory.updated",
                Some(("directory", scope.id.to_string())),
            )
            .with_details(json!({
                "group_grace_days": update.group_grace_days,
                "password_sync": update.password_sync,
            })),
        )
        .await?;
        tx.commit().await?;
        self.get_directory(scope).await
    }

    /// The directory a presented SCIM credential reaches: a bearer token (`ghs_…`) or a live
    /// OAuth access token (`ghsa_…`). `None` for anything else.
    pub async fn verify_scim_token(&self, presented: &str) -> Result<Option<VerifiedScimToken>> {
        let hash = secret_hash(presented);
        let row: Option<(String, String, i64, bool, Option<i64>)> = if presented
            .starts_with(SCIM_ACCESS_TOKEN_PREFIX)
        {
            on_reader!(&self.pools, |pool| sqlx::query_as(
                "SELECT d.id, d.org_id, d.group_grace_days, d.password_sync, t.expires_at \
                     FROM directory_access_tokens t JOIN directories d ON d.id = t.directory_id \
                     WHERE t.token_hash = $1 AND t.expires_at > $2"
            )
            .bind(&hash)
            .bind(now_ms())
            .fetch_optional(pool)
            .await)?
        } else {
            on_reader!(&self.pools, |pool| {
                sqlx::query_as(
                    "SELECT id, org_id, group_grace_days, password_sync, CAST(NULL AS BIGINT) FROM directories \
                     WHERE scim_token_hash = $1"
                )
                .bind(&hash)
                .fetch_optional(pool)
                .await
            })?
        };
        Ok(row.map(
            |(id, org, grace, password_sync, expires)| VerifiedScimToken {
                scope: DirectoryScope {
                    id: DirectoryId::from_db(id),
                    org: OrgScope::internal(OrgId::from_db(org)),
                    settings: settings_of(grace, password_sync),
                },
                expires_at_ms: expires,
            },
        ))
    }

    /// OAuth client credentials grant: checks the client id and secret and issues an access
    /// token valid for `lifetime`. `None` when the credentials are wrong.
    pub async fn issue_scim_access_token(
        &self,
        client_id: &str,
        client_secret: &str,
        lifetime: time::Duration,
    ) -> Result<Option<(IssuedSecret, OffsetDateTime, DirectoryId)>> {
        let row: Option<(String, Option<Vec<u8>>)> = on_reader!(&self.pools, |pool| {
            sqlx::query_as("SELECT id, scim_secret_hash FROM directories WHERE scim_client_id = $1")
                .bind(client_id)
                .fetch_optional(pool)
                .await
        })?;
        let stored = row.as_ref().and_then(|(_, h)| h.as_deref());
        let valid = crate::crypto::secret_matches(client_secret, stored.unwrap_or(&[]));
        let (true, Some((directory, _))) = (valid && stored.is_some(), row) else {
            return Ok(None);
        };
        let token = IssuedSecret::generate_with_prefix(SCIM_ACCESS_TOKEN_PREFIX)?;
        let now = now_ms();
        let expires = now.saturating_add(i64::try_from(lifetime.whole_milliseconds()).unwrap_or(0));
        let mut tx = self.begin().await?;
        on_tx!(tx, |conn| sqlx::query(
            "DELETE FROM directory_access_tokens WHERE directory_id = $1 AND expires_at <= $2"
        )
        .bind(&directory)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO directory_access_tokens (token_hash, directory_id, expires_at) \
             VALUES ($1, $2, $3)"
        )
        .bind(token.hash())
        .bind(&directory)
        .bind(expires)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        tx.commit().await?;
        Ok(Some((
            token,
            from_ms(expires),
            DirectoryId::from_db(directory),
        )))
    }
}
