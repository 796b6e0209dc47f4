//! Who is asking, and what they may touch.
//!
//! The store hands out org data only against an [`OrgScope`]. An admin token becomes an
//! [`AdminPrincipal`] (see [`crate::Store::verify_admin_token`]); the principal yields a scope
//! for an org only if its token reaches that org. A query without a scope does not compile.

use crate::error::{Result, StoreError};
use crate::ids::{AdminTokenId, OrgId};

/// What a token may do. Ordered: a higher role can do everything a lower one can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads only.
    Viewer,
    /// Reads and changes configuration.
    Admin,
    /// Everything, including deleting the org and managing tokens.
    Owner,
}

impl Role {
    /// The role's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Parses a wire/database name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "viewer" => Some(Role::Viewer),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// An authenticated admin token.
#[derive(Clone, Debug)]
pub struct AdminPrincipal {
    pub(crate) token_id: AdminTokenId,
    pub(crate) name: String,
    pub(crate) org: Option<OrgId>,
    pub(crate) role: Role,
}

impl AdminPrincipal {
    /// The token's public id (safe to log).
    pub fn token_id(&self) -> &AdminTokenId {
        &self.token_id
    }

    /// The name given to the token when it was created.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The token's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The one org the token is limited to, or `None` when it reaches every org.
    pub fn org(&self) -> Option<&OrgId> {
        self.org.as_ref()
    }

    /// True for tokens that reach every org.
    pub fn is_instance_wide(&self) -> bool {
        self.org.is_none()
    }

    /// The scope for acting on `org`, or `None` if this token may not see it. Whether the org
    /// exists is for the store to say (a missing org and a foreign org both end as 404).
    pub fn org_scope(&self, org: &OrgId) -> Option<OrgScope> {
        match &self.org {
            Some(own) if own != org => None,
            _ => Some(OrgScope {
                org_id: org.clone(),
                role: self.role,
            }),
        }
    }

    /// Fails with [`StoreError::Forbidden`] unless the token reaches every org with at least
    /// `role` (creating orgs, minting instance-wide tokens).
    pub fn require_instance_wide(&self, role: Role) -> Result<()> {
        if self.is_instance_wide() && self.role >= role {
            Ok(())
        } else {
            Err(StoreError::Forbidden(
                "this needs an instance-wide admin token with a sufficient role",
            ))
        }
    }
}

/// Permission to act inside one org with a role. Obtained from [`AdminPrincipal::org_scope`],
/// or from [`OrgScope::internal`] by server components that authenticated their caller in
/// another way (a SCIM directory token, an SSO connection, the sync scheduler).
#[derive(Clone, Debug)]
pub struct OrgScope {
    org_id: OrgId,
    role: Role,
}

impl OrgScope {
    /// A scope for Gatehouse's own machinery acting on `org_id` after it has authenticated its
    /// caller by other means. Never build one from user input alone.
    pub fn internal(org_id: OrgId) -> Self {
        Self {
            org_id,
            role: Role::Admin,
        }
    }

    /// The org this scope is for.
    pub fn org_id(&self) -> &OrgId {
        &self.org_id
    }

    /// The role held in this org.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Fails with [`StoreError::Forbidden`] unless the scope holds at least `role`.
    pub fn require(&self, role: Role) -> Result<()> {
        if self.role >= role {
            Ok(())
        } else {
            Err(StoreError::Forbidden(match role {
                Role::Owner => "this needs the owner role",
                _ => "this token can only read (viewer role)",
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(org: Option<OrgId>, role: Role) -> AdminPrincipal {
        AdminPrincipal {
            token_id: AdminTokenId::generate(),
            name: "t".into(),
            org,
            role,
        }
    }

    #[test]
    fn an_org_token_reaches_only_its_org() {
        let mine = OrgId::generate();
        let other = OrgId::generate();
        let p = principal(Some(mine.clone()), Role::Admin);
        assert!(p.org_scope(&mine).is_some());
        assert!(p.org_scope(&other).is_none());
        assert!(p.require_instance_wide(Role::Viewer).is_err());
    }

    #[test]
    fn an_instance_token_reaches_every_org_with_its_role() {
        let p = principal(None, Role::Viewer);
        let scope = p.org_scope(&OrgId::generate()).unwrap();
        assert_eq!(scope.role(), Role::Viewer);
        assert!(scope.require(Role::Viewer).is_ok());
        assert!(matches!(
            scope.require(Role::Admin),
            Err(StoreError::Forbidden(_))
        ));
        assert!(p.require_instance_wide(Role::Admin).is_err());
        assert!(
            principal(None, Role::Owner)
                .require_instance_wide(Role::Admin)
                .is_ok()
        );
    }

    #[test]
    fn roles_round_trip_and_order() {
        for role in [Role::Viewer, Role::Admin, Role::Owner] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert!(Role::Owner > Role::Admin && Role::Admin > Role::Viewer);
        assert_eq!(Role::parse("root"), None);
    }
}
