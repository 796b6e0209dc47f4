//! Writes: lifecycle actions, group membership and profile write-back.
//!
//! Each returns Okta's error untouched ([`Error::Okta`] with code, summary and causes) so
//! the caller can surface it, e.g. 403 `E0000006` for a read-only token. Lifecycle POSTs
//! are not retried after a failure that may have reached Okta (a repeated transition
//! would answer a confusing wrong-state error); membership PUT/DELETE and the partial
//! profile update are idempotent and retried.

use http::Method;
use serde_json::{Value, json};

use crate::api::seg;
use crate::client::{Call, Client, Retry};
use crate::error::Error;
use crate::models::{User, UserStatus};

/// What [`Client::reactivate_user`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reactivation {
    /// A DEPROVISIONED or STAGED user was activated (`lifecycle/activate`).
    Activated,
    /// A PROVISIONED user's activation was re-issued (`lifecycle/reactivate`).
    Reissued,
}

impl Client {
    /// `POST …/lifecycle/{op}` with an empty body.
    async fn lifecycle(&self, user_id: &str, op: &str, query: &str) -> Result<(), Error> {
        let url = self.url(&format!(
            "/api/v1/users/{}/lifecycle/{op}{query}",
            seg(user_id)
        ))?;
        self.send(Call::new(Method::POST, url, Retry::Once)).await?;
        Ok(())
    }

    /// Deactivates a user (→ DEPROVISIONED; Okta also removes app assignments). No e-mail.
    pub async fn deactivate_user(&self, user_id: &str) -> Result<(), Error> {
        self.lifecycle(user_id, "deactivate", "?sendEmail=false")
            .await
    }

    /// Brings a user back: DEPROVISIONED/STAGED users are activated, PROVISIONED users get
    /// their activation re-issued; other statuses get Okta's own answer to `activate`
    /// (e.g. 403 `E0000016` "already active"). No e-mail is sent. One GET plus one POST.
    pub async fn reactivate_user(&self, user_id: &str) -> Result<Reactivation, Error> {
        let user = self.get_user(user_id).await?;
        if user.status == UserStatus::Provisioned {
            self.lifecycle(&user.id, "reactivate", "?sendEmail=false")
                .await?;
            Ok(Reactivation::Reissued)
        } else {
            self.lifecycle(&user.id, "activate", "?sendEmail=false")
                .await?;
            Ok(Reactivation::Activated)
        }
    }

    /// Suspends an ACTIVE user (others: 400 `E0000001`).
    pub async fn suspend_user(&self, user_id: &str) -> Result<(), Error> {
        self.lifecycle(user_id, "suspend", "").await
    }

    /// Unsuspends a SUSPENDED user (others: 400 `E0000001`).
    pub async fn unsuspend_user(&self, user_id: &str) -> Result<(), Error> {
        self.lifecycle(user_id, "unsuspend", "").await
    }

    /// Permanently deletes a user: Okta needs two calls for a user that is not yet
    /// DEPROVISIONED (deactivate, then delete; okta-reference §3.3). Reads the status
    /// first so an already-deactivated user gets exactly one DELETE. A 404 on the final
    /// DELETE after the user was seen means it is already gone and counts as success.
    pub async fn delete_user(&self, user_id: &str) -> Result<(), Error> {
        let user = self.get_user(user_id).await?;
        if user.status != UserStatus::Deprovisioned {
            self.deactivate_user(&user.id).await?;
        }
        let url = self.url(&format!("/api/v1/users/{}?sendEmail=false", seg(&user.id)))?;
        match self
            .send(Call::new(Method::DELETE, url, Retry::Idempotent))
            .await
        {
            Ok(_) => Ok(()),
            Err(Error::Okta(e)) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Adds a user to a group (idempotent in Okta).
    pub async fn add_group_member(&self, group_id: &str, user_id: &str) -> Result<(), Error> {
        let url = self.url(&format!(
            "/api/v1/groups/{}/users/{}",
            seg(group_id),
            seg(user_id)
        ))?;
        self.send(Call::new(Method::PUT, url, Retry::Idempotent))
            .await?;
        Ok(())
    }

    /// Removes a user from a group. Okta's 404 (unknown group or user, or not a member) is
    /// returned as an error; the caller decides whether "not a member" is success.
    pub async fn remove_group_member(&self, group_id: &str, user_id: &str) -> Result<(), Error> {
        let url = self.url(&format!(
            "/api/v1/groups/{}/users/{}",
            seg(group_id),
            seg(user_id)
        ))?;
        self.send(Call::new(Method::DELETE, url, Retry::Idempotent))
            .await?;
        Ok(())
    }

    /// Sets one profile attribute with a partial update (`POST /api/v1/users/{id}`,
    /// okta-reference §3.2), e.g. `byndidRegistered = true`. `Value::Null` clears it.
    /// Returns the updated user. Unknown attributes answer 400 `E0000001`; attributes
    /// mastered elsewhere 403 `E0000023`.
    pub async fn set_profile_attribute(
        &self,
        user_id: &str,
        attribute: &str,
        value: Value,
    ) -> Result<User, Error> {
        let url = self.url(&format!("/api/v1/users/{}", seg(user_id)))?;
        let body = json!({ "profile": { attribute: value } });
        let response = self
            .send(Call::new(Method::POST, url, Retry::Idempotent).json(&body))
            .await?;
        serde_json::from_slice(&response.body).map_err(|e| Error::Decode {
            url: format!("/api/v1/users/{user_id}"),
            reason: e.to_string(),
        })
    }
}
