//! People and their org memberships (seed 001): a human provisioned into several orgs is one
//! person with one membership per org.
//!
//! Linking across orgs by email would let any org that provisions `ceo@victim.com` take over
//! that person's account elsewhere, so a directory user is linked to an existing person by
//! email only when the provisioning org has claimed the email's domain ([`crate::Store::set_org_domains`]).
//! Otherwise the person stays local to that org. Deactivating or deleting a directory user
//! detaches that org's membership only; a person with no active membership left is
//! deactivated, never destroyed, and provisioning them again re-attaches.

use crate::clock::now_ms;
use crate::error::Result;
use crate::ids::{DirectoryId, OrgId, PersonId};
use crate::sql::{Conn, query};

/// What a new directory user is linked by.
pub(crate) struct LinkKeys<'a> {
    pub(crate) org: &'a OrgId,
    pub(crate) directory: &'a DirectoryId,
    pub(crate) user_name_key: &'a str,
    /// The user's primary email, if any.
    pub(crate) email: Option<&'a str>,
    pub(crate) given_name: Option<&'a str>,
    pub(crate) family_name: Option<&'a str>,
}

/// The folded email and its domain, when `email` looks like `local@domain`.
fn email_parts(email: &str) -> Option<(String, String)> {
    let folded = scim::fold_case(email.trim()).into_owned();
    let (local, domain) = folded.rsplit_once('@')?;
    (!local.is_empty() && domain.contains('.')).then(|| (folded.clone(), domain.to_owned()))
}

/// Finds or creates the person for a directory user being created, and makes sure their
/// membership of the org is active. Returns the person's id.
pub(crate) async fn attach_person(conn: &mut Conn<'_>, keys: &LinkKeys<'_>) -> Result<String> {
    let parts = keys.email.and_then(email_parts);
    let (email_key, domain) = match &parts {
        Some((email, domain)) => (Some(email.as_str()), Some(domain.as_str())),
        None => (None, None),
    };
    // One round trip: is the domain claimed, is there a verified person with this email,
    // and did this directory once have a user of this name (deleted since)?
    let (claimed, linked, previous): (bool, Option<String>, Option<String>) = conn
        .fetch_one(
            query(
                "SELECT EXISTS (SELECT 1 FROM org_domains WHERE org_id = $1 AND domain = $2), \
                 (SELECT id FROM people WHERE verified_email = $3), \
                 (SELECT person_id FROM scim_users WHERE directory_id = $4 AND user_name_key = $5 \
                  AND deleted_at IS NOT NULL ORDER BY updated_at DESC LIMIT 1)",
            )
            .bind(keys.org.as_str())
            .bind(domain)
            .bind(email_key)
            .bind(keys.directory.as_str())
            .bind(keys.user_name_key),
        )
        .await?;
    let now = now_ms();
    let existing = if claimed { linked } else { previous };
    let person = match existing {
        Some(person) => {
            conn.execute(
                query(
                    "UPDATE people SET active = TRUE, updated_at = $1 WHERE id = $2 AND NOT active",
                )
                .bind(now)
                .bind(&person),
            )
            .await?;
            person
        }
        None => {
            let person = PersonId::generate().to_string();
            conn.execute(
                query(
                    "INSERT INTO people (id, verified_email, email, given_name, family_name, \
                     active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6)",
                )
                .bind(&person)
                .bind(if claimed { email_key } else { None })
                .bind(keys.email)
                .bind(keys.given_name)
                .bind(keys.family_name)
                .bind(now),
            )
            .await?;
            person
        }
    };
    conn.execute(
        query(
            "INSERT INTO memberships (org_id, person_id, active, created_at, updated_at) \
             VALUES ($1, $2, TRUE, $3, $3) ON CONFLICT (org_id, person_id) \
             DO UPDATE SET active = TRUE, updated_at = excluded.updated_at",
        )
        .bind(keys.org.as_str())
        .bind(&person)
        .bind(now),
    )
    .await?;
    Ok(person)
}

/// Recomputes a person's membership of `org` from their directory users there (active when
/// one of them is active and not deleted), then the person's own `active` (true while any
/// membership is). Called after a directory user of the person is (de)activated or deleted.
pub(crate) async fn settle_membership(
    conn: &mut Conn<'_>,
    org: &OrgId,
    person: &str,
) -> Result<()> {
    let now = now_ms();
    conn.execute(
        query(
            "UPDATE memberships SET updated_at = $3, active = EXISTS (SELECT 1 FROM scim_users u \
             JOIN directories d ON d.id = u.directory_id WHERE u.person_id = $2 AND d.org_id = $1 \
             AND u.active AND u.deleted_at IS NULL) WHERE org_id = $1 AND person_id = $2",
        )
        .bind(org.as_str())
        .bind(person)
        .bind(now),
    )
    .await?;
    conn.execute(
        query(
            "UPDATE people SET updated_at = $2, active = EXISTS (SELECT 1 FROM memberships \
             WHERE person_id = $1 AND active) WHERE id = $1",
        )
        .bind(person)
        .bind(now),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::email_parts;

    #[test]
    fn emails_split_into_folded_address_and_domain() {
        assert_eq!(
            email_parts(" Dana.Ng@Example.COM "),
            Some(("dana.ng@example.com".into(), "example.com".into()))
        );
        assert_eq!(email_parts("no-at-sign"), None);
        assert_eq!(email_parts("@example.com"), None);
        assert_eq!(email_parts("dana@localhost"), None);
    }
}
