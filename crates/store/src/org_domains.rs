//! Email domains an org has claimed. Only an instance-wide admin may set them: a claim lets
//! the org's directories link users to people already known by that email in other orgs
//! (see the `people` module), so it must be vouched for by the operator.

use serde_json::json;

use crate::Store;
use crate::audit::{Actor, AuditRecord};
use crate::clock::now_ms;
use crate::db::{on_reader, on_tx};
use crate::error::{Result, StoreError};
use crate::principal::{AdminPrincipal, OrgScope, Role};

/// The most domains one org may claim.
pub const MAX_ORG_DOMAINS: usize = 100;

/// Normalises a domain (`Example.COM.` → `example.com`) or explains why it is not one.
pub fn normalize_domain(raw: &str) -> std::result::Result<String, String> {
    let domain = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if domain.len() > 253 || !domain.contains('.') || !labels_ok {
        return Err(format!("{raw:?} is not a domain name such as example.com"));
    }
    Ok(domain)
}

impl Store {
    /// Replaces the domains `scope`'s org has claimed. Needs an instance-wide admin token.
    /// Returns the normalised, sorted, de-duplicated list.
    pub async fn set_org_domains(
        &self,
        principal: &AdminPrincipal,
        scope: &OrgScope,
        actor: &Actor,
        domains: &[String],
    ) -> Result<Vec<String>> {
        principal.require_instance_wide(Role::Admin)?;
        let mut normalized = domains
            .iter()
            .map(|d| normalize_domain(d))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(StoreError::Invalid)?;
        normalized.sort();
        normalized.dedup();
        if normalized.len() > MAX_ORG_DOMAINS {
            return Err(StoreError::Invalid(format!(
                "an org may claim at most {MAX_ORG_DOMAINS} domains"
            )));
        }
        let mut tx = self.begin().await?;
        let org_exists: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT id FROM orgs WHERE id = $1"
        )
        .bind(scope.org_id().as_str())
        .fetch_optional(conn)
        .await)?;
        if org_exists.is_none() {
            return Err(StoreError::NotFound { kind: "org" });
        }
        on_tx!(tx, |conn| sqlx::query(
            "DELETE FROM org_domains WHERE org_id = $1"
        )
        .bind(scope.org_id().as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        let now = now_ms();
        for domain in &normalized {
            on_tx!(tx, |conn| sqlx::query(
                "INSERT INTO org_domains (org_id, domain, created_at) VALUES ($1, $2, $3)"
            )
            .bind(scope.org_id().as_str())
            .bind(domain)
            .bind(now)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
        }
        tx.audit(
            AuditRecord::success(
                Some(scope.org_id().clone()),
                actor,
                "org.domains_set",
                Some(("org", scope.org_id().to_string())),
            )
            .with_details(json!({ "domains": normalized })),
        )
        .await?;
        tx.commit().await?;
        Ok(normalized)
    }

    /// The domains the org has claimed, sorted.
    pub async fn list_org_domains(&self, scope: &OrgScope) -> Result<Vec<String>> {
        self.get_org(scope).await?;
        Ok(on_reader!(&self.pools, |pool| sqlx::query_scalar(
            "SELECT domain FROM org_domains WHERE org_id = $1 ORDER BY domain"
        )
        .bind(scope.org_id().as_str())
        .fetch_all(pool)
        .await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_domain;

    #[test]
    fn domains_are_normalised_or_refused() {
        assert_eq!(normalize_domain(" Example.COM. ").unwrap(), "example.com");
        for bad in ["", "localhost", "a..b", "-a.com", "a_b.com", "exa mple.com"] {
            assert!(normalize_domain(bad).is_err(), "{bad:?}");
        }
    }
}
