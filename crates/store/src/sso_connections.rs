//! SSO connections: one per IdP app an org signs in with (SAML or OIDC).
//!
//! The store keeps what a connection trusts and how it behaves; it does not parse
//! certificates or metadata (the server does, with the `saml` crate, and hands over the
//! results). Secrets — the SP private key of a SAML connection, the client secret of an OIDC
//! one — are sealed with the master key in the same transaction as the connection and are
//! never part of [`SsoConnection`].
//!
//! Changes are read-modify-write under a `revision` check, so an admin edit and a scheduled
//! metadata refresh on another replica never overwrite each other: the loser re-reads and
//! re-applies its change.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use crate::Store;
use crate::audit::{Actor, AuditRecord};
use crate::clock::{from_ms, now_ms, to_ms};
use crate::db::{on_reader, on_tx};
use crate::error::{Result, StoreError};
use crate::ids::{OrgId, SsoConnectionId};
use crate::orgs::paginate;
use crate::page::{self, Page, PageRequest};
use crate::principal::{OrgScope, Role};

/// How many times a change is re-applied when a concurrent change wins the revision race.
const MODIFY_ATTEMPTS: usize = 5;

/// An SSO connection as stored.
#[derive(Clone, Debug)]
pub struct SsoConnection {
    /// Its id (`conn_…`); also the integration identifier admins paste into Okta.
    pub id: SsoConnectionId,
    /// The org it signs users in to.
    pub org_id: OrgId,
    /// A label for admins.
    pub name: String,
    /// Where the host application may be sent back to; nothing else is ever a redirect target.
    pub redirect_uris: Vec<String>,
    /// The protocol and its settings.
    pub protocol: SsoProtocol,
    /// When the IdP metadata is next fetched (set only for SAML connections with a metadata
    /// URL). Callers that change the metadata URL set it; the store only persists it.
    pub next_refresh_at: Option<OffsetDateTime>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    revision: i64,
}

/// The protocol of a connection with its non-secret settings. Serialized only as the
/// storage encoding of the `config` column.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "protocol", rename_all = "lowercase")]
pub enum SsoProtocol {
    /// SAML 2.0: Gatehouse is the service provider.
    Saml(SamlConfig),
    /// OpenID Connect: Gatehouse is the relying party.
    Oidc(OidcConfig),
}

impl SsoConnection {
    /// The stored revision: it changes with every update of the connection (settings,
    /// certificates, secrets), so caches of what is derived from it can be keyed by it.
    pub fn revision(&self) -> i64 {
        self.revision
    }
}

impl SsoProtocol {
    /// `saml` or `oidc`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SsoProtocol::Saml(_) => "saml",
            SsoProtocol::Oidc(_) => "oidc",
        }
    }
}

/// A SAML connection's settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SamlConfig {
    /// Our SP entity ID (the Audience the IdP must use). Fixed at creation so a change of
    /// public URL does not break configured IdPs.
    pub sp_entity_id: String,
    /// Our ACS URL (Destination and Recipient), fixed at creation like the entity ID.
    pub acs_url: String,
    /// Our SP certificate (PEM): signs AuthnRequests, receives encrypted assertions. Its key
    /// is a sealed secret.
    pub sp_certificate_pem: String,
    /// The IdP entity ID (the only accepted Issuer).
    pub idp_entity_id: String,
    /// The IdP single sign-on URL (HTTP-Redirect binding).
    pub idp_sso_url: String,
    /// Where the IdP metadata is fetched from, when the connection was made from a URL.
    pub idp_metadata_url: Option<String>,
    /// The IdP signing certificates, current and recently retired.
    pub idp_certificates: Vec<TrustedCertificate>,
    /// Accept unsolicited (IdP-initiated) responses. Off by default.
    pub allow_idp_initiated: bool,
    /// Accept SHA-1 digests and signatures. Off by default.
    pub allow_sha1: bool,
    /// Tolerance on assertion validity windows, in seconds.
    pub clock_skew_seconds: u32,
    /// Require the assertion itself to be signed (not only the response).
    pub require_signed_assertion: bool,
    /// Sign AuthnRequests with the SP key.
    pub sign_authn_requests: bool,
    /// When the metadata was last fetched successfully.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub metadata_refreshed_at: Option<OffsetDateTime>,
    /// Why the last metadata fetch failed, if it did (cleared by the next success).
    #[serde(default)]
    pub metadata_error: Option<String>,
}

impl SamlConfig {
    /// The certificates that may verify a response at `now`: current ones, and retired ones
    /// during `grace` after their retirement (responses in flight, replicas that have not
    /// seen the change).
    pub fn trusted_at(&self, now: OffsetDateTime, grace: Duration) -> Vec<&TrustedCertificate> {
        self.idp_certificates
            .iter()
            .filter(|c| c.retired_at.is_none_or(|at| at + grace > now))
            .collect()
    }

    /// Replaces the current certificate set by `current` (e.g. freshly fetched metadata):
    /// certificates that left the set are kept as retired from `now`, those retired longer
    /// than `grace` are dropped, and a retired certificate that comes back is current again.
    /// Returns true when the current set changed.
    pub fn rotate_certificates(
        &mut self,
        current: Vec<TrustedCertificate>,
        now: OffsetDateTime,
        grace: Duration,
    ) -> bool {
        let before: Vec<&str> = self
            .idp_certificates
            .iter()
            .filter(|c| c.retired_at.is_none())
            .map(|c| c.der_base64.as_str())
            .collect();
        let changed = before.len() != current.len()
            || current
                .iter()
                .any(|c| !before.contains(&c.der_base64.as_str()));
        let mut next: Vec<TrustedCertificate> = current
            .into_iter()
            .map(|c| TrustedCertificate {
                retired_at: None,
                ..c
            })
            .collect();
        for old in &self.idp_certificates {
            if next.iter().any(|c| c.der_base64 == old.der_base64) {
                continue;
            }
            let retired_at = old.retired_at.unwrap_or(now);
            if retired_at + grace > now {
                next.push(TrustedCertificate {
                    retired_at: Some(retired_at),
                    ..old.clone()
                });
            }
        }
        self.idp_certificates = next;
        changed
    }
}

/// An IdP signing certificate the connection trusts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TrustedCertificate {
    /// The DER certificate, base64.
    pub der_base64: String,
    /// Its SHA-256 fingerprint (hex), for admins and audit entries.
    pub sha256: String,
    /// Its expiry.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// When it left the IdP's metadata; still trusted for a grace period after that.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// An OIDC connection's settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OidcConfig {
    /// The issuer (an Okta org or custom authorization server); discovery starts here.
    pub issuer: String,
    /// The client id of the OIDC app at the IdP.
    pub client_id: String,
    /// Our redirect URI at the IdP (the callback), fixed at creation.
    pub callback_url: String,
    /// Scopes requested (always including `openid`).
    pub scopes: Vec<String>,
    /// The claim holding group names.
    pub groups_claim: String,
    /// Also read the userinfo endpoint after the token exchange.
    pub fetch_userinfo: bool,
}

/// Secrets to seal with a connection. `None` leaves a stored secret as it is.
#[derive(Default)]
pub struct SsoSecrets {
    /// The SAML SP private key, PKCS#8 PEM.
    pub sp_private_key_pem: Option<Zeroizing<String>>,
    /// The OIDC client secret.
    pub oidc_client_secret: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for SsoSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SsoSecrets(<redacted>)")
    }
}

/// A connection to create. The caller generates the id (the SP URLs are derived from it).
#[derive(Debug)]
pub struct NewSsoConnection {
    /// The id to create it under.
    pub id: SsoConnectionId,
    /// A label for admins.
    pub name: String,
    /// The host application's redirect URIs (at least one).
    pub redirect_uris: Vec<String>,
    /// Protocol settings.
    pub protocol: SsoProtocol,
    /// When to fetch the metadata next (SAML from a URL only).
    pub next_refresh_at: Option<OffsetDateTime>,
    /// Secrets to seal.
    pub secrets: SsoSecrets,
}

const SP_KEY: &str = "sp_private_key";
const CLIENT_SECRET: &str = "client_secret";

fn secret_name(id: &SsoConnectionId, what: &str) -> String {
    format!("sso/{id}/{what}")
}

#[derive(sqlx::FromRow)]
struct ConnectionRow {
    id: String,
    org_id: String,
    name: String,
    redirect_uris: String,
    config: String,
    refresh_due_at: Option<i64>,
    revision: i64,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, org_id, name, redirect_uris, config, refresh_due_at, revision, \
                       created_at, updated_at";

impl TryFrom<ConnectionRow> for SsoConnection {
    type Error = StoreError;

    fn try_from(row: ConnectionRow) -> Result<Self> {
        let corrupt =
            |what: &str, err: serde_json::Error| StoreError::Invalid(format!("{what}: {err}"));
        Ok(Self {
            id: SsoConnectionId::from_db(row.id),
            org_id: OrgId::from_db(row.org_id),
            name: row.name,
            redirect_uris: serde_json::from_str(&row.redirect_uris)
                .map_err(|e| corrupt("stored redirect URIs", e))?,
            protocol: serde_json::from_str(&row.config)
                .map_err(|e| corrupt("stored connection settings", e))?,
            next_refresh_at: row.refresh_due_at.map(from_ms),
            created_at: from_ms(row.created_at),
            updated_at: from_ms(row.updated_at),
            revision: row.revision,
        })
    }
}

/// The columns derived from a connection for the schedulers.
fn cert_expires_at(protocol: &SsoProtocol) -> Option<i64> {
    match protocol {
        SsoProtocol::Saml(saml) => saml
            .idp_certificates
            .iter()
            .filter(|c| c.retired_at.is_none())
            .map(|c| to_ms(c.not_after))
            .min(),
        SsoProtocol::Oidc(_) => None,
    }
}

fn encode(connection_redirects: &[String], protocol: &SsoProtocol) -> Result<(String, String)> {
    let redirects = serde_json::to_string(connection_redirects)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let config = serde_json::to_string(protocol).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((redirects, config))
}

fn validate(name: &str, redirect_uris: &[String]) -> Result<String> {
    let name = crate::orgs::validate_org_name(name).map_err(StoreError::Invalid)?;
    if redirect_uris.is_empty() {
        return Err(StoreError::Invalid(
            "redirect_uris must list at least one URI".into(),
        ));
    }
    Ok(name)
}

/// The audit actor for sign-in attempts on a connection.
pub fn sso_actor(connection: &SsoConnectionId, request_id: Option<String>) -> Actor {
    Actor {
        kind: "sso",
        id: Some(connection.to_string()),
        request_id,
    }
}

impl crate::db::Tx {
    async fn seal_connection_secrets(
        &mut self,
        scope: &OrgScope,
        id: &SsoConnectionId,
        secrets: &SsoSecrets,
    ) -> Result<()> {
        if let Some(key) = &secrets.sp_private_key_pem {
            self.put_secret(scope, &secret_name(id, SP_KEY), key.as_bytes())
                .await?;
        }
        if let Some(secret) = &secrets.oidc_client_secret {
            self.put_secret(scope, &secret_name(id, CLIENT_SECRET), secret.as_bytes())
                .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Creates a connection and seals its secrets, in one audited transaction. Needs the
    /// admin role.
    pub async fn create_sso_connection(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        new: NewSsoConnection,
    ) -> Result<SsoConnection> {
        scope.require(Role::Admin)?;
        let name = validate(&new.name, &new.redirect_uris)?;
        let (redirects, config) = encode(&new.redirect_uris, &new.protocol)?;
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO sso_connections (id, org_id, protocol, name, redirect_uris, config, \
             refresh_due_at, cert_expires_at, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)"
        )
        .bind(new.id.as_str())
        .bind(scope.org_id().as_str())
        .bind(new.protocol.as_str())
        .bind(&name)
        .bind(&redirects)
        .bind(&config)
        .bind(new.next_refresh_at.map(to_ms))
        .bind(cert_expires_at(&new.protocol))
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        tx.seal_connection_secrets(scope, &new.id, &new.secrets)
            .await?;
        tx.audit(
            AuditRecord::success(
                Some(scope.org_id().clone()),
                actor,
                "sso_connection.created",
                Some(("sso_connection", new.id.to_string())),
            )
            .with_details(json!({
                "name": name,
                "protocol": new.protocol.as_str(),
                "redirect_uris": new.redirect_uris,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(SsoConnection {
            id: new.id,
            org_id: scope.org_id().clone(),
            name,
            redirect_uris: new.redirect_uris,
            protocol: new.protocol,
            next_refresh_at: new.next_refresh_at,
            created_at: from_ms(now),
            updated_at: from_ms(now),
            revision: 0,
        })
    }

    /// One connection of the scope's org, or [`StoreError::NotFound`].
    pub async fn get_sso_connection(
        &self,
        scope: &OrgScope,
        id: &SsoConnectionId,
    ) -> Result<SsoConnection> {
        let connection = self.sso_connection_unscoped(id).await?;
        match connection {
            Some(c) if &c.org_id == scope.org_id() => Ok(c),
            _ => Err(StoreError::NotFound {
                kind: "sso connection",
            }),
        }
    }

    /// A connection by id alone, for the public sign-in routes, where the caller is a browser
    /// and the IdP's signature (not an admin token) is what authenticates. Never use it to
    /// serve admin requests.
    pub async fn sso_connection_unscoped(
        &self,
        id: &SsoConnectionId,
    ) -> Result<Option<SsoConnection>> {
        let row: Option<ConnectionRow> =
            on_reader!(&self.pools, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
                format!("SELECT {COLUMNS} FROM sso_connections WHERE id = $1")
            ))
            .bind(id.as_str())
            .fetch_optional(pool)
            .await)?;
        row.map(SsoConnection::try_from).transpose()
    }

    /// The scope's connections, oldest first.
    pub async fn list_sso_connections(
        &self,
        scope: &OrgScope,
        page: &PageRequest,
    ) -> Result<Page<SsoConnection>> {
        let after = match page.cursor() {
            Some(cursor) => page::decode("conn", cursor)?,
            None => String::new(),
        };
        let limit = page.limit();
        let rows: Vec<ConnectionRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM sso_connections WHERE org_id = $1 AND id > $2 \
                 ORDER BY id LIMIT $3"
            ))
        )
        .bind(scope.org_id().as_str())
        .bind(&after)
        .bind(i64::from(limit) + 1)
        .fetch_all(pool)
        .await)?;
        let items = rows
            .into_iter()
            .map(SsoConnection::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(items, limit, |c| {
            page::encode("conn", c.id.as_str())
        }))
    }

    /// Changes a connection (admin role): `change` edits a fresh copy and may be called again
    /// if a concurrent change wins the race, so it must only depend on its argument. Secrets
    /// given are sealed in the same transaction.
    pub async fn update_sso_connection(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: &SsoConnectionId,
        secrets: &SsoSecrets,
        change: impl FnMut(&mut SsoConnection) -> Result<()>,
    ) -> Result<SsoConnection> {
        scope.require(Role::Admin)?;
        let mut change = change;
        self.modify_sso_connection(scope, actor, id, "sso_connection.updated", secrets, |c| {
            change(c).map(|()| Some(Value::Object(Default::default())))
        })
        .await
    }

    /// Gatehouse's own edits (scheduled metadata refresh): like
    /// [`Store::update_sso_connection`], audited as `action` with the details `change`
    /// returns — written without an audit entry when they are `Value::Null` (bookkeeping
    /// such as "fetched again, nothing changed"), and not written at all when `None`.
    pub async fn modify_sso_connection(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: &SsoConnectionId,
        action: &'static str,
        secrets: &SsoSecrets,
        mut change: impl FnMut(&mut SsoConnection) -> Result<Option<Value>>,
    ) -> Result<SsoConnection> {
        scope.require(Role::Admin)?;
        for _ in 0..MODIFY_ATTEMPTS {
            let mut connection = self.get_sso_connection(scope, id).await?;
            let revision = connection.revision;
            let Some(details) = change(&mut connection)? else {
                return Ok(connection);
            };
            let name = validate(&connection.name, &connection.redirect_uris)?;
            let (redirects, config) = encode(&connection.redirect_uris, &connection.protocol)?;
            let now = now_ms();
            let mut tx = self.begin().await?;
            let updated = on_tx!(tx, |conn| sqlx::query(
                "UPDATE sso_connections SET name = $1, redirect_uris = $2, config = $3, \
                 refresh_due_at = $4, cert_expires_at = $5, revision = revision + 1, \
                 updated_at = $6 WHERE id = $7 AND org_id = $8 AND revision = $9"
            )
            .bind(&name)
            .bind(&redirects)
            .bind(&config)
            .bind(connection.next_refresh_at.map(to_ms))
            .bind(cert_expires_at(&connection.protocol))
            .bind(now)
            .bind(id.as_str())
            .bind(scope.org_id().as_str())
            .bind(revision)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
            if updated == 0 {
                continue;
            }
            tx.seal_connection_secrets(scope, id, secrets).await?;
            if !details.is_null() {
                tx.audit(
                    AuditRecord::success(
                        Some(scope.org_id().clone()),
                        actor,
                        action,
                        Some(("sso_connection", id.to_string())),
                    )
                    .with_details(details),
                )
                .await?;
            }
            tx.commit().await?;
            connection.name = name;
            connection.revision = revision + 1;
            connection.updated_at = from_ms(now);
            return Ok(connection);
        }
        Err(StoreError::Conflict {
            constraint: "sso_connections.revision".into(),
        })
    }

    /// Deletes a connection with its secrets, flows, codes and replay cache (admin role).
    pub async fn delete_sso_connection(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: &SsoConnectionId,
    ) -> Result<()> {
        scope.require(Role::Admin)?;
        let mut tx = self.begin().await?;
        let deleted = on_tx!(tx, |conn| sqlx::query(
            "DELETE FROM sso_connections WHERE id = $1 AND org_id = $2"
        )
        .bind(id.as_str())
        .bind(scope.org_id().as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        if deleted == 0 {
            return Err(StoreError::NotFound {
                kind: "sso connection",
            });
        }
        for what in [SP_KEY, CLIENT_SECRET] {
            tx.delete_secret(scope, &secret_name(id, what)).await?;
        }
        tx.audit(AuditRecord::success(
            Some(scope.org_id().clone()),
            actor,
            "sso_connection.deleted",
            Some(("sso_connection", id.to_string())),
        ))
        .await?;
        tx.commit().await
    }

    /// The SAML SP private key (PEM) of a connection.
    pub async fn sso_sp_private_key(
        &self,
        connection: &SsoConnection,
    ) -> Result<Option<Zeroizing<String>>> {
        self.connection_secret(connection, SP_KEY).await
    }

    /// The OIDC client secret of a connection.
    pub async fn sso_client_secret(
        &self,
        connection: &SsoConnection,
    ) -> Result<Option<Zeroizing<String>>> {
        self.connection_secret(connection, CLIENT_SECRET).await
    }

    async fn connection_secret(
        &self,
        connection: &SsoConnection,
        what: &str,
    ) -> Result<Option<Zeroizing<String>>> {
        let scope = OrgScope::internal(connection.org_id.clone());
        let Some(bytes) = self
            .get_secret(&scope, &secret_name(&connection.id, what))
            .await?
        else {
            return Ok(None);
        };
        String::from_utf8(bytes.to_vec())
            .map(|s| Some(Zeroizing::new(s)))
            .map_err(|_| StoreError::Secret(format!("stored {what} is not text")))
    }

    /// Claims up to `limit` connections whose metadata refresh is due, moving each one's due
    /// time forward by `lease` so other replicas skip it while this one fetches. Each claim is
    /// a conditional UPDATE: of several replicas racing for a connection, exactly one wins.
    pub async fn claim_sso_metadata_refreshes(
        &self,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<SsoConnection>> {
        let now = now_ms();
        let due: Vec<String> = on_reader!(&self.pools, |pool| sqlx::query_scalar(
            "SELECT id FROM sso_connections WHERE refresh_due_at <= $1 \
             ORDER BY refresh_due_at LIMIT $2"
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await)?;
        let mut claimed = Vec::new();
        for id in due {
            let mut tx = self.begin().await?;
            let won = on_tx!(tx, |conn| sqlx::query(
                "UPDATE sso_connections SET refresh_due_at = $1 \
                 WHERE id = $2 AND refresh_due_at <= $3"
            )
            .bind(now.saturating_add(to_ms_duration(lease)))
            .bind(&id)
            .bind(now)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
            tx.commit().await?;
            if won == 1
                && let Some(connection) = self
                    .sso_connection_unscoped(&SsoConnectionId::from_db(id))
                    .await?
            {
                claimed.push(connection);
            }
        }
        Ok(claimed)
    }

    /// SAML connections with a trusted certificate expiring before `before`, for the expiry
    /// sweep.
    pub async fn sso_connections_with_expiring_certificates(
        &self,
        before: OffsetDateTime,
    ) -> Result<Vec<SsoConnection>> {
        let rows: Vec<ConnectionRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM sso_connections WHERE cert_expires_at < $1 ORDER BY id"
            ))
        )
        .bind(to_ms(before))
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(SsoConnection::try_from).collect()
    }

    /// Records that the coming expiry of certificate `fingerprint` was announced, with an
    /// audit entry — once per certificate and connection, whichever replica gets there
    /// first. Returns true if this call was the first.
    pub async fn note_sso_certificate_expiry(
        &self,
        connection: &SsoConnection,
        fingerprint: &str,
        not_after: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let inserted = on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO sso_certificate_notices (connection_id, fingerprint, notified_at) \
             VALUES ($1, $2, $3) ON CONFLICT (connection_id, fingerprint) DO NOTHING"
        )
        .bind(connection.id.as_str())
        .bind(fingerprint)
        .bind(now_ms())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        if inserted == 0 {
            return Ok(false);
        }
        tx.audit(
            AuditRecord::success(
                Some(connection.org_id.clone()),
                &Actor::system("system"),
                "sso_connection.certificate_expiring",
                Some(("sso_connection", connection.id.to_string())),
            )
            .with_details(json!({
                "fingerprint": fingerprint,
                "not_after": not_after.unix_timestamp(),
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

pub(crate) fn to_ms_duration(d: Duration) -> i64 {
    i64::try_from(d.whole_milliseconds()).unwrap_or(i64::MAX)
}
