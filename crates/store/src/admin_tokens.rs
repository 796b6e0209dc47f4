//! Admin API tokens: `gha_<id>.<secret>`. The `gha_` prefix lets secret scanners find leaked
//! tokens; the id part finds the row; only SHA-256 of the whole token is stored, and it is
//! compared in constant time.

use serde_json::json;
use time::OffsetDateTime;

use crate::Store;
use crate::audit::{Actor, AuditRecord};
use crate::clock::{from_ms, now_ms};
use crate::crypto::{IssuedSecret, secret_hash, secret_matches};
use crate::db::{Backend, Tx, on_reader, on_tx};
use crate::error::{Result, StoreError};
use crate::ids::{AdminTokenId, OrgId};
use crate::principal::{AdminPrincipal, Role};

/// The prefix of every admin token.
pub const ADMIN_TOKEN_PREFIX: &str = "gha_";

/// What to mint.
#[derive(Clone, Debug)]
pub struct NewAdminToken {
    /// A label for people (e.g. "ci", "alice's laptop").
    pub name: String,
    /// Limit the token to one org; `None` reaches every org.
    pub org: Option<OrgId>,
    /// What it may do.
    pub role: Role,
}

/// A token as listed (never with its secret).
#[derive(Clone, Debug)]
pub struct AdminTokenInfo {
    /// The public id.
    pub id: AdminTokenId,
    /// Its label.
    pub name: String,
    /// The org it is limited to.
    pub org: Option<OrgId>,
    /// Its role.
    pub role: Role,
    /// When it was minted.
    pub created_at: OffsetDateTime,
}

/// A freshly minted token: the info plus the token text, shown once.
#[derive(Debug)]
pub struct MintedAdminToken {
    /// The stored part.
    pub info: AdminTokenInfo,
    /// The full token text (`gha_…`). Show it once; it cannot be recovered.
    pub token: IssuedSecret,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    name: String,
    secret_hash: Vec<u8>,
    org_id: Option<String>,
    role: String,
}

/// Splits `gha_<id body>.<secret>` into the row id and the secret.
fn split_token(presented: &str) -> Option<(AdminTokenId, &str)> {
    let rest = presented.strip_prefix(ADMIN_TOKEN_PREFIX)?;
    let (body, secret) = rest.split_once('.')?;
    let id = AdminTokenId::parse(&format!("{}{body}", AdminTokenId::PREFIX))?;
    (!secret.is_empty()).then_some((id, secret))
}

impl Tx {
    /// Mints an admin token inside this transaction (no permission check: callers check).
    async fn insert_admin_token(&mut self, new: &NewAdminToken) -> Result<MintedAdminToken> {
        let id = AdminTokenId::generate();
        let body = id.as_str().trim_start_matches(AdminTokenId::PREFIX);
        let token = IssuedSecret::generate_with_prefix(&format!("{ADMIN_TOKEN_PREFIX}{body}."))?;
        let now = now_ms();
        on_tx!(self, |conn| sqlx::query(
            "INSERT INTO admin_tokens (id, name, secret_hash, org_id, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(id.as_str())
        .bind(&new.name)
        .bind(token.hash())
        .bind(new.org.as_ref().map(|o| o.as_str()))
        .bind(new.role.as_str())
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(MintedAdminToken {
            info: AdminTokenInfo {
                id,
                name: new.name.clone(),
                org: new.org.clone(),
                role: new.role,
                created_at: from_ms(now),
            },
            token,
        })
    }
}

impl Store {
    /// Mints a token on behalf of `principal`: instance-wide tokens need an instance-wide owner;
    /// an org token needs the owner role in that org and cannot exceed it.
    pub async fn create_admin_token(
        &self,
        principal: &AdminPrincipal,
        actor: &Actor,
        new: NewAdminToken,
    ) -> Result<MintedAdminToken> {
        match &new.org {
            None => principal.require_instance_wide(Role::Owner)?,
            Some(org) => principal
                .org_scope(org)
                .ok_or(StoreError::NotFound { kind: "org" })?
                .require(Role::Owner)?,
        }
        self.mint_admin_token(actor, new).await
    }

    /// Mints a token without a caller to check: for the operator's CLI, which holds the
    /// database itself.
    pub async fn mint_admin_token(
        &self,
        actor: &Actor,
        new: NewAdminToken,
    ) -> Result<MintedAdminToken> {
        validate_token_name(&new.name)?;
        let mut tx = self.begin().await?;
        let minted = tx.insert_admin_token(&new).await?;
        tx.audit(
            AuditRecord::success(
                new.org.clone(),
                actor,
                "admin_token.created",
                Some(("admin_token", minted.info.id.to_string())),
            )
            .with_details(json!({ "name": new.name, "role": new.role.as_str() })),
        )
        .await?;
        tx.commit().await?;
        Ok(minted)
    }

    /// On a database with no admin token at all, mints an instance-wide owner token and returns
    /// it; otherwise `None`. Safe when several replicas start at once: exactly one mints.
    pub async fn bootstrap_admin_token(&self) -> Result<Option<MintedAdminToken>> {
        let mut tx = self.begin().await?;
        if tx.backend() == Backend::Postgres {
            on_tx!(tx, |conn| sqlx::query(
                "SELECT pg_advisory_xact_lock(7240615003)"
            )
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
        }
        let existing: i64 = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT COUNT(*) FROM admin_tokens"
        )
        .fetch_one(conn)
        .await)?;
        if existing > 0 {
            return Ok(None);
        }
        let new = NewAdminToken {
            name: "bootstrap".into(),
            org: None,
            role: Role::Owner,
        };
        let minted = tx.insert_admin_token(&new).await?;
        tx.audit(AuditRecord::success(
            None,
            &Actor::system("system"),
            "admin_token.bootstrapped",
            Some(("admin_token", minted.info.id.to_string())),
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(minted))
    }

    /// The principal for a presented token, or `None` for anything that is not a live token.
    pub async fn verify_admin_token(&self, presented: &str) -> Result<Option<AdminPrincipal>> {
        let Some((id, _)) = split_token(presented) else {
            // Spend the same hashing work as a real check.
            let _ = secret_matches(presented, &secret_hash(""));
            return Ok(None);
        };
        let row: Option<TokenRow> = on_reader!(&self.pools, |pool| sqlx::query_as(
            "SELECT id, name, secret_hash, org_id, role FROM admin_tokens \
             WHERE id = $1 AND revoked_at IS NULL"
        )
        .bind(id.as_str())
        .fetch_optional(pool)
        .await)?;
        let Some(row) = row else {
            let _ = secret_matches(presented, &secret_hash(""));
            return Ok(None);
        };
        if !secret_matches(presented, &row.secret_hash) {
            return Ok(None);
        }
        let role = Role::parse(&row.role).ok_or_else(|| {
            StoreError::Invalid(format!("unknown role {:?} in database", row.role))
        })?;
        Ok(Some(AdminPrincipal {
            token_id: AdminTokenId::from_db(row.id),
            name: row.name,
            org: row.org_id.map(OrgId::from_db),
            role,
        }))
    }

    /// Revokes a token. Instance-wide owners may revoke any; org owners only their org's.
    pub async fn revoke_admin_token(
        &self,
        principal: &AdminPrincipal,
        actor: &Actor,
        id: &AdminTokenId,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let org: Option<Option<String>> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT org_id FROM admin_tokens WHERE id = $1 AND revoked_at IS NULL"
        )
        .bind(id.as_str())
        .fetch_optional(conn)
        .await)?;
        let org = org.ok_or(StoreError::NotFound {
            kind: "admin token",
        })?;
        match org.map(OrgId::from_db) {
            None => principal.require_instance_wide(Role::Owner)?,
            Some(org) => principal
                .org_scope(&org)
                .ok_or(StoreError::NotFound {
                    kind: "admin token",
                })?
                .require(Role::Owner)?,
        }
        on_tx!(tx, |conn| sqlx::query(
            "UPDATE admin_tokens SET revoked_at = $1 WHERE id = $2"
        )
        .bind(now_ms())
        .bind(id.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        tx.audit(AuditRecord::success(
            principal.org().cloned(),
            actor,
            "admin_token.revoked",
            Some(("admin_token", id.to_string())),
        ))
        .await?;
        tx.commit().await
    }
}

fn validate_token_name(name: &str) -> Result<()> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 || trimmed.chars().any(char::is_control)
    {
        return Err(StoreError::Invalid(
            "token name must be 1 to 200 printable characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_text_splits_into_id_and_secret() {
        let (id, secret) = split_token("gha_0190abc.s3cret").unwrap();
        assert_eq!(id.as_str(), "tok_0190abc");
        assert_eq!(secret, "s3cret");
        assert!(split_token("gha_0190abc.").is_none());
        assert!(split_token("gha_.x").is_none());
        assert!(split_token("tok_0190abc.x").is_none());
        assert!(split_token("Bearer gha_x.y").is_none());
        assert!(split_token("gha_a/b.x").is_none());
    }
}
