//! Which capabilities do these credentials have — found out without changing anything.
//!
//! Approach (and its limits):
//! - **Reads** are probed directly: `GET …?limit=1` on users, groups, apps and logs. 200
//!   means allowed, 403 means denied.
//! - **Writes** are probed with *safe failing writes*: a `POST /api/v1/users?activate=false`
//!   and a `POST /api/v1/groups`, each with an empty profile that Okta's validation must
//!   refuse. Okta checks scopes and the admin role before validating the body, so a 400
//!   (`E0000001`, validation failed) proves the write would be authorised, and a 403
//!   (`E0000006` role lacks permission, or `insufficient_scope`) proves it would not. Nothing
//!   is created (should a server ever accept the empty body, the stray object is deleted
//!   and the write is reported as allowed).
//! - For a service app, scopes missing from the granted token are reported as denied
//!   without a call.
//! - For an SSWS token, `GET /api/v1/users/me` names the admin behind the token (its roles,
//!   not the token, decide what it may do; okta-reference §2.1).
//!
//! Limits: a custom admin role scoped to some groups passes the probe yet may still be
//! refused for users outside its scope; Okta could in principle validate some bodies
//! before authorising; and "manage users" does not distinguish lifecycle rights from
//! profile edits (e.g. a Help Desk admin). Actions always surface Okta's own error, so
//! the probe is a forecast, not a guarantee.

use http::Method;
use serde_json::json;

use crate::auth::Credentials;
use crate::client::{Call, Client, Retry};
use crate::error::{Error, OktaError};

/// The outcome of probing one capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// The credentials may do it.
    Allowed,
    /// Okta refused, with its error.
    Denied(OktaError),
    /// The probe was inconclusive (e.g. a 5xx, or an unexpected status).
    Unknown(String),
}

impl Access {
    /// True for [`Access::Allowed`].
    pub fn is_allowed(&self) -> bool {
        matches!(self, Access::Allowed)
    }
}

/// What a set of credentials may do in the org.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// List/get users.
    pub read_users: Access,
    /// List/get groups and members.
    pub read_groups: Access,
    /// List apps and assignments.
    pub read_apps: Access,
    /// Read the System Log (needed for incremental sync).
    pub read_logs: Access,
    /// Lifecycle actions, delete, profile write-back.
    pub manage_users: Access,
    /// Group membership changes.
    pub manage_groups: Access,
    /// The admin behind an SSWS token (login), when known.
    pub principal: Option<String>,
    /// Scopes granted to a service app's token.
    pub granted_scopes: Option<Vec<String>>,
}

impl Capabilities {
    /// A full sync needs users, groups and apps readable.
    pub fn can_sync(&self) -> bool {
        self.read_users.is_allowed() && self.read_groups.is_allowed() && self.read_apps.is_allowed()
    }

    /// The actions that will fail, with the reason, for the admin UI (e.g.
    /// `delete_user` for a read-only token, seed 003).
    pub fn denied_actions(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.manage_users.is_allowed() {
            out.extend([
                "deactivate_user",
                "reactivate_user",
                "suspend_user",
                "unsuspend_user",
                "delete_user",
                "set_profile_attribute",
            ]);
        }
        if !self.manage_groups.is_allowed() {
            out.extend(["add_group_member", "remove_group_member"]);
        }
        out
    }
}

impl Client {
    /// Probes what these credentials may do (see the module docs). Fails only when the
    /// credentials do not work at all (401, token refused, org unreachable).
    pub async fn probe(&self) -> Result<Capabilities, Error> {
        let granted_scopes = match self.credentials() {
            Credentials::ServiceApp(_) => Some(self.access_token().await?.scopes),
            Credentials::ApiToken(_) => None,
        };
        let principal = match self.credentials() {
            Credentials::ApiToken(_) => match self.whoami().await {
                Ok(user) => Some(user.profile.login),
                Err(Error::Okta(e)) if e.status == 401 => return Err(Error::Okta(e)),
                Err(_) => None,
            },
            Credentials::ServiceApp(_) => None,
        };
        let scope_ok = |needed: &[&str]| match &granted_scopes {
            None => true,
            Some(s) => needed.iter().any(|n| s.iter().any(|g| g == n)),
        };
        let read_users = self.probe_read("/api/v1/users?limit=1").await?;
        let read_groups = self.probe_read("/api/v1/groups?limit=1").await?;
        let read_apps = self.probe_read("/api/v1/apps?limit=1").await?;
        let read_logs = self.probe_read("/api/v1/logs?limit=1").await?;
        let manage_users = if scope_ok(&["okta.users.manage"]) {
            self.probe_write("/api/v1/users?activate=false", "/api/v1/users")
                .await?
        } else {
            missing_scope("okta.users.manage")
        };
        let manage_groups = if scope_ok(&["okta.groups.manage"]) {
            self.probe_write("/api/v1/groups", "/api/v1/groups").await?
        } else {
            missing_scope("okta.groups.manage")
        };
        Ok(Capabilities {
            read_users,
            read_groups,
            read_apps,
            read_logs,
            manage_users,
            manage_groups,
            principal,
            granted_scopes,
        })
    }

    async fn probe_read(&self, path: &str) -> Result<Access, Error> {
        let call = Call::new(Method::GET, self.url(path)?, Retry::Idempotent);
        let response = self.execute(call).await?;
        classify(
            response.status.as_u16(),
            || OktaError::from_response(response.status, &response.headers, &response.body),
            |s| s == 200,
        )
    }

    /// POSTs an empty profile, which validation must refuse.
    async fn probe_write(&self, path: &str, collection: &str) -> Result<Access, Error> {
        let call =
            Call::new(Method::POST, self.url(path)?, Retry::Once).json(&json!({"profile": {}}));
        let response = self.execute(call).await?;
        if response.status.is_success() {
            // Should never happen; undo it rather than leave a stray object behind.
            let created: Option<String> =
                serde_json::from_slice::<serde_json::Value>(&response.body)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned));
            if let Some(id) = created {
                tracing::warn!(%collection, %id, "permission probe created an object; deleting it");
                let url = self.url(&format!("{collection}/{}", crate::api::seg(&id)))?;
                for _ in 0..2 {
                    let _ = self
                        .execute(Call::new(Method::DELETE, url.clone(), Retry::Idempotent))
                        .await;
                }
            }
            return Ok(Access::Allowed);
        }
        classify(
            response.status.as_u16(),
            || OktaError::from_response(response.status, &response.headers, &response.body),
            |s| s == 400,
        )
    }
}

/// Maps a probe's status: `allowed(status)` → allowed, 403 → denied, 401 → the
/// credentials do not work (an error), anything else → unknown.
fn classify(
    status: u16,
    error: impl FnOnce() -> OktaError,
    allowed: impl Fn(u16) -> bool,
) -> Result<Access, Error> {
    if allowed(status) {
        return Ok(Access::Allowed);
    }
    let e = error();
    match status {
        401 => Err(Error::Okta(Box::new(e))),
        403 => Ok(Access::Denied(e)),
        _ => Ok(Access::Unknown(e.to_string())),
    }
}

fn missing_scope(scope: &str) -> Access {
    Access::Denied(OktaError {
        status: 403,
        error_code: "insufficient_scope".to_owned(),
        error_summary: format!("the service app's token was not granted {scope}"),
        error_causes: Vec::new(),
        error_id: None,
        request_id: None,
    })
}
