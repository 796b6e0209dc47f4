//! Secrets at rest (Okta API tokens, private keys, webhook secrets, client secrets): sealed
//! with the master key before they reach the database, bound to their org and name.

use zeroize::Zeroizing;

use crate::Store;
use crate::clock::now_ms;
use crate::crypto::SealedSecret;
use crate::db::{Tx, on_reader, on_tx};
use crate::error::{Result, StoreError};
use crate::principal::{OrgScope, Role};

fn context(scope: &OrgScope, name: &str) -> String {
    format!("{}/{}", scope.org_id(), name)
}

fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b':'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("bad secret name {name:?}")))
    }
}

#[derive(sqlx::FromRow)]
struct SecretRow {
    key_id: String,
    wrapped_key: Vec<u8>,
    ciphertext: Vec<u8>,
}

impl Tx {
    /// Stores (or replaces) the secret `name` of the scope's org, sealed, in this transaction.
    pub async fn put_secret(
        &mut self,
        scope: &OrgScope,
        name: &str,
        plaintext: &[u8],
    ) -> Result<()> {
        scope.require(Role::Admin)?;
        validate_name(name)?;
        let sealed = self.master_key.seal(&context(scope, name), plaintext)?;
        let now = now_ms();
        on_tx!(self, |conn| {
            sqlx::query(
            "INSERT INTO secrets (org_id, name, key_id, wrapped_key, ciphertext, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (org_id, name) DO UPDATE SET key_id = excluded.key_id, \
             wrapped_key = excluded.wrapped_key, ciphertext = excluded.ciphertext, \
             updated_at = excluded.updated_at"
        )
        .bind(scope.org_id().as_str())
        .bind(name)
        .bind(&sealed.key_id)
        .bind(&sealed.wrapped_key)
        .bind(&sealed.ciphertext)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Removes the secret `name`; true if it existed.
    pub async fn delete_secret(&mut self, scope: &OrgScope, name: &str) -> Result<bool> {
        scope.require(Role::Admin)?;
        let done = on_tx!(self, |conn| sqlx::query(
            "DELETE FROM secrets WHERE org_id = $1 AND name = $2"
        )
        .bind(scope.org_id().as_str())
        .bind(name)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(done > 0)
    }
}

impl Store {
    /// Stores (or replaces) a secret in its own transaction.
    pub async fn put_secret(&self, scope: &OrgScope, name: &str, plaintext: &[u8]) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.put_secret(scope, name, plaintext).await?;
        tx.commit().await
    }

    /// The plaintext of secret `name`, or `None` if there is none. Fails if it was sealed with
    /// another master key or has been tampered with.
    pub async fn get_secret(
        &self,
        scope: &OrgScope,
        name: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let row: Option<SecretRow> = on_reader!(&self.pools, |pool| {
            sqlx::query_as(
            "SELECT key_id, wrapped_key, ciphertext FROM secrets WHERE org_id = $1 AND name = $2"
        )
        .bind(scope.org_id().as_str())
        .bind(name)
        .fetch_optional(pool)
        .await
        })?;
        row.map(|row| {
            let sealed = SealedSecret {
                key_id: row.key_id,
                wrapped_key: row.wrapped_key,
                ciphertext: row.ciphertext,
            };
            self.master_key.open(&context(scope, name), &sealed)
        })
        .transpose()
    }
}
