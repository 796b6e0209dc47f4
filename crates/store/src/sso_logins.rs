//! Sign-ins through SSO connections: flows in progress, the SAML replay cache, the outcome
//! of each attempt (audit entry and event), and the one-time codes the host application
//! redeems for a profile.
//!
//! The store decides whether a code is minted: [`Store::complete_sso_login`] records the
//! assertion ID, the code (hashed), the audit entry and the `sso.login_succeeded` event in one
//! transaction, and answers [`LoginCompletion::Replayed`] instead when the assertion ID was
//! already used — the primary key of the replay cache decides, on every replica alike.
//!
//! A flow keeps nothing a database reader could use to finish a sign-in: the browser binding
//! is a hash, and an OIDC flow's PKCE verifier is not stored at all (the server derives it
//! from the binding cookie the browser brings back).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::Store;
use crate::audit::{AuditRecord, Outcome};
use crate::clock::{now_ms, to_ms};
use crate::crypto::{IssuedSecret, secret_hash};
use crate::db::on_tx;
use crate::error::{Result, StoreError};
use crate::events::EventRecord;
use crate::ids::{OrgId, SsoConnectionId};
use crate::principal::AdminPrincipal;
use crate::sso_connections::{SsoConnection, sso_actor, to_ms_duration};

/// The prefix of one-time codes, so scanners can recognise a leaked one.
pub const SSO_CODE_PREFIX: &str = "ghc_";
/// How long a one-time code can be redeemed.
pub const SSO_CODE_LIFETIME: Duration = Duration::seconds(60);

/// A sign-in to remember between `/start` and the IdP's answer.
#[derive(Debug)]
pub struct NewSsoFlow {
    /// SHA-256 of the secret cookie that binds the flow to the browser.
    pub browser_hash: Vec<u8>,
    /// The SAML AuthnRequest ID, or the OIDC nonce.
    pub request_id: String,
    /// The registered redirect URI the host application asked for.
    pub redirect_uri: String,
    /// The host application's `state`, returned as is.
    pub app_state: Option<String>,
    /// How long the user has to come back.
    pub ttl: Duration,
}

/// A flow taken back by the browser that started it.
#[derive(Clone, Debug)]
pub struct SsoFlow {
    /// The flow id (RelayState / OIDC state).
    pub id: String,
    /// The SAML AuthnRequest ID, or the OIDC nonce.
    pub request_id: String,
    /// The redirect URI to send the code to.
    pub redirect_uri: String,
    /// The host application's `state`.
    pub app_state: Option<String>,
}

/// What became of a flow id presented to the ACS or callback.
#[derive(Clone, Debug)]
pub enum FlowLookup {
    /// The flow, now consumed: it cannot be taken again.
    Taken(SsoFlow),
    /// No such flow on this connection.
    Unknown,
    /// The flow exists, but this browser did not start it (no or another binding cookie).
    OtherBrowser,
    /// The flow was already used.
    AlreadyUsed,
    /// The user took too long.
    Expired,
}

#[derive(sqlx::FromRow)]
struct FlowRow {
    id: String,
    request_id: String,
    redirect_uri: String,
    app_state: Option<String>,
}

#[derive(sqlx::FromRow)]
struct FlowStateRow {
    browser_hash: Vec<u8>,
    expires_at: i64,
    consumed_at: Option<i64>,
}

/// The normalized profile the host application receives for a sign-in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SsoProfile {
    /// A stable id for this (connection, IdP subject) pair (`prof_…`).
    pub id: String,
    /// Email address, when the IdP sent one.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Group names.
    pub groups: Vec<String>,
    /// Every attribute or claim received, by name.
    pub attributes: Value,
    /// The IdP's subject (SAML NameID, OIDC `sub`).
    pub idp_subject: String,
    /// The connection signed in through.
    pub connection_id: String,
    /// The connection's org.
    pub org_id: String,
}

/// A verified sign-in to turn into a code.
#[derive(Debug)]
pub struct SsoLogin {
    /// The attempt id shown to the user and kept in the audit log.
    pub attempt_id: String,
    /// The HTTP request it arrived in.
    pub request_id: Option<String>,
    /// The profile to hand out.
    pub profile: SsoProfile,
    /// SAML: the assertion ID and how long it must be remembered.
    pub assertion: Option<(String, OffsetDateTime)>,
    /// Audit details (protocol specifics; never secrets).
    pub details: Value,
}

/// What [`Store::complete_sso_login`] decided.
#[derive(Debug)]
pub enum LoginCompletion {
    /// A code was minted; show it once (in the redirect).
    Minted(IssuedSecret),
    /// The assertion ID was seen before: nothing was written. Record the failure.
    Replayed,
}

/// A refused sign-in attempt, to audit and announce.
#[derive(Clone, Debug)]
pub struct SsoFailure {
    /// The attempt id shown to the user.
    pub attempt_id: String,
    /// The HTTP request it arrived in.
    pub request_id: Option<String>,
    /// The stable reason code (e.g. a `saml::Rejection::code()`).
    pub code: String,
    /// Details: message, who must act, expected and received values.
    pub details: Value,
}

impl Store {
    /// Remembers a flow for the browser holding the cookie that hashes to `browser_hash`.
    /// Returns the flow id, which travels as RelayState or OIDC `state`.
    pub async fn start_sso_flow(
        &self,
        connection: &SsoConnection,
        flow: NewSsoFlow,
    ) -> Result<String> {
        let id = format!("flow_{}", uuid::Uuid::new_v4().simple());
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO sso_flows (id, connection_id, browser_hash, request_id, redirect_uri, \
             app_state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(&id)
        .bind(connection.id.as_str())
        .bind(&flow.browser_hash)
        .bind(&flow.request_id)
        .bind(&flow.redirect_uri)
        .bind(flow.app_state.as_deref())
        .bind(now)
        .bind(now.saturating_add(to_ms_duration(flow.ttl)))
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes flow `flow_id` of `connection` for the browser whose binding cookie hashes to
    /// `browser_hash`. Taking consumes it, atomically: a flow serves one answer from the IdP.
    pub async fn take_sso_flow(
        &self,
        connection: &SsoConnection,
        flow_id: &str,
        browser_hash: &[u8],
    ) -> Result<FlowLookup> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let taken: Option<FlowRow> = on_tx!(tx, |conn| sqlx::query_as(
            "UPDATE sso_flows SET consumed_at = $1 WHERE id = $2 AND connection_id = $3 \
             AND browser_hash = $4 AND consumed_at IS NULL AND expires_at > $1 \
             RETURNING id, request_id, redirect_uri, app_state"
        )
        .bind(now)
        .bind(flow_id)
        .bind(connection.id.as_str())
        .bind(browser_hash)
        .fetch_optional(conn)
        .await)?;
        if let Some(row) = taken {
            tx.commit().await?;
            return Ok(FlowLookup::Taken(SsoFlow {
                id: row.id,
                request_id: row.request_id,
                redirect_uri: row.redirect_uri,
                app_state: row.app_state,
            }));
        }
        let state: Option<FlowStateRow> = on_tx!(tx, |conn| sqlx::query_as(
            "SELECT browser_hash, expires_at, consumed_at FROM sso_flows \
             WHERE id = $1 AND connection_id = $2"
        )
        .bind(flow_id)
        .bind(connection.id.as_str())
        .fetch_optional(conn)
        .await)?;
        tx.commit().await?;
        Ok(match state {
            None => FlowLookup::Unknown,
            Some(s) if s.consumed_at.is_some() => FlowLookup::AlreadyUsed,
            Some(s) if s.expires_at <= now => FlowLookup::Expired,
            Some(s) if s.browser_hash != browser_hash => FlowLookup::OtherBrowser,
            Some(_) => FlowLookup::AlreadyUsed,
        })
    }

    /// Completes a verified sign-in: remembers the assertion ID (refusing a replay), mints a
    /// one-time code holding `login.profile`, and writes the audit entry and the
    /// `sso.login_succeeded` event — all in one transaction.
    pub async fn complete_sso_login(
        &self,
        connection: &SsoConnection,
        login: SsoLogin,
    ) -> Result<LoginCompletion> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        if let Some((assertion_id, until)) = &login.assertion {
            let fresh = on_tx!(tx, |conn| sqlx::query(
                "INSERT INTO sso_replay_cache (connection_id, assertion_id, expires_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (connection_id, assertion_id) DO NOTHING"
            )
            .bind(connection.id.as_str())
            .bind(assertion_id)
            .bind(to_ms(*until))
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
            if fresh == 0 {
                return Ok(LoginCompletion::Replayed);
            }
        }
        let code = IssuedSecret::generate_with_prefix(SSO_CODE_PREFIX)?;
        let profile = serde_json::to_string(&login.profile)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO sso_codes (code_hash, org_id, connection_id, profile, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(code.hash())
        .bind(connection.org_id.as_str())
        .bind(connection.id.as_str())
        .bind(&profile)
        .bind(now)
        .bind(now.saturating_add(to_ms_duration(SSO_CODE_LIFETIME)))
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        let mut details = login.details;
        if let Value::Object(map) = &mut details {
            map.insert("attempt_id".into(), json!(login.attempt_id));
            map.insert("profile_id".into(), json!(login.profile.id));
            map.insert("idp_subject".into(), json!(login.profile.idp_subject));
        }
        tx.audit(
            AuditRecord::success(
                Some(connection.org_id.clone()),
                &sso_actor(&connection.id, login.request_id),
                "sso.login_succeeded",
                Some(("sso_connection", connection.id.to_string())),
            )
            .with_details(details),
        )
        .await?;
        tx.emit(EventRecord {
            event_type: "sso.login_succeeded",
            org_id: connection.org_id.clone(),
            directory_id: None,
            data: json!({
                "connection_id": connection.id.as_str(),
                "attempt_id": login.attempt_id,
                "profile_id": login.profile.id,
                "idp_subject": login.profile.idp_subject,
                "email": login.profile.email,
            }),
        })
        .await?;
        tx.commit().await?;
        Ok(LoginCompletion::Minted(code))
    }

    /// Records a refused attempt: an audit entry with the reason code and, when the
    /// connection is known, an `sso.login_failed` event — in one transaction.
    pub async fn record_sso_failure(
        &self,
        connection: Option<(&SsoConnectionId, &OrgId)>,
        failure: SsoFailure,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let actor = match connection {
            Some((id, _)) => sso_actor(id, failure.request_id.clone()),
            None => crate::Actor {
                kind: "sso",
                id: None,
                request_id: failure.request_id.clone(),
            },
        };
        let mut details = failure.details;
        if let Value::Object(map) = &mut details {
            map.insert("attempt_id".into(), json!(failure.attempt_id));
        }
        tx.audit(AuditRecord {
            org_id: connection.map(|(_, org)| org.clone()),
            actor,
            action: "sso.login_failed",
            target: connection.map(|(id, _)| ("sso_connection", id.to_string())),
            outcome: Outcome::Failure,
            reason: Some(failure.code.clone()),
            details,
        })
        .await?;
        if let Some((id, org)) = connection {
            tx.emit(EventRecord {
                event_type: "sso.login_failed",
                org_id: org.clone(),
                directory_id: None,
                data: json!({
                    "connection_id": id.as_str(),
                    "attempt_id": failure.attempt_id,
                    "reason": failure.code,
                }),
            })
            .await?;
        }
        tx.commit().await
    }

    /// Redeems a one-time code for its profile: once, within [`SSO_CODE_LIFETIME`], and only
    /// for a token that reaches the code's org. One conditional UPDATE decides, so of two
    /// concurrent redemptions exactly one succeeds. Unknown, expired, used and foreign codes
    /// are all [`StoreError::NotFound`].
    pub async fn redeem_sso_code(
        &self,
        principal: &AdminPrincipal,
        actor: &crate::Actor,
        code: &str,
    ) -> Result<SsoProfile> {
        let now = now_ms();
        let only_org = principal.org().map(|o| o.as_str().to_owned());
        let mut tx = self.begin().await?;
        let row: Option<(String, String, String)> = on_tx!(tx, |conn| sqlx::query_as(
            "UPDATE sso_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL \
             AND expires_at > $1 AND ($3 IS NULL OR org_id = $3) \
             RETURNING org_id, connection_id, profile"
        )
        .bind(now)
        .bind(secret_hash(code))
        .bind(only_org.as_deref())
        .fetch_optional(conn)
        .await)?;
        let (org_id, connection_id, profile) = row.ok_or(StoreError::NotFound { kind: "code" })?;
        let profile: SsoProfile = serde_json::from_str(&profile)
            .map_err(|e| StoreError::Invalid(format!("stored profile: {e}")))?;
        tx.audit(
            AuditRecord::success(
                Some(OrgId::from_db(org_id)),
                actor,
                "sso.code_redeemed",
                Some(("sso_connection", connection_id)),
            )
            .with_details(json!({ "profile_id": profile.id })),
        )
        .await?;
        tx.commit().await?;
        Ok(profile)
    }

    /// Deletes expired flows, codes and replay-cache rows. Returns how many rows went.
    pub async fn purge_expired_sso_state(&self) -> Result<u64> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let mut purged = 0;
        for sql in [
            "DELETE FROM sso_flows WHERE expires_at < $1",
            "DELETE FROM sso_codes WHERE expires_at < $1",
            "DELETE FROM sso_replay_cache WHERE expires_at < $1",
        ] {
            purged += on_tx!(tx, |conn| sqlx::query(sql)
                .bind(now)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()))?;
        }
        tx.commit().await?;
        Ok(purged)
    }
}
