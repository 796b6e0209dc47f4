//! System Log entries and the request context that authors them.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::Millis;

/// One System Log event in persistence order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogEntry {
    /// Persistence sequence number (the polling order).
    pub seq: u64,
    /// `published`, in milliseconds.
    pub published: Millis,
    /// The full `LogEvent` JSON.
    pub event: Value,
}

/// Who is acting and through which request; every change records it.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Actor id (a user id, or a client id for service apps).
    pub id: String,
    /// `User`, `PublicClientApp` or `SystemPrincipal`.
    pub kind: &'static str,
    /// Login or client id.
    pub alternate_id: String,
    /// Human name.
    pub display_name: String,
    /// The SSWS token id (`00T…`) behind the request, if any.
    pub token_id: Option<String>,
    /// Request path for `debugContext.debugData.requestUri`.
    pub request_uri: String,
    /// Client user agent.
    pub user_agent: String,
}

impl Actor {
    /// The simulator itself (generator, `/sim/v1/mutate`).
    pub fn system() -> Self {
        Self {
            id: "0oa1okta0sim00000001".to_owned(),
            kind: "SystemPrincipal",
            alternate_id: "system@okta.com".to_owned(),
            display_name: "Okta System".to_owned(),
            token_id: None,
            request_uri: String::new(),
            user_agent: "okta-sim".to_owned(),
        }
    }
}

impl Actor {
    /// An end user acting in their own browser session (sign-in, SSO).
    pub fn end_user(id: &str, login: &str, display_name: &str, request_uri: &str) -> Self {
        Self {
            id: id.to_owned(),
            kind: "User",
            alternate_id: login.to_owned(),
            display_name: display_name.to_owned(),
            token_id: None,
            request_uri: request_uri.to_owned(),
            user_agent: "Mozilla/5.0 (okta-sim browser)".to_owned(),
        }
    }
}

/// A `target[]` entry.
pub fn target(id: &str, kind: &str, alternate_id: &str, display_name: &str) -> Value {
    json!({ "id": id, "type": kind, "alternateId": alternate_id,
            "displayName": display_name, "detailEntry": null })
}

/// Display message and legacy event type of the event types the simulator writes.
pub fn describe(event_type: &str) -> (&'static str, Option<&'static str>) {
    match event_type {
        "user.lifecycle.create" => (
            "Create Okta user",
            Some("core.user.config.user_creation.success"),
        ),
        "user.lifecycle.activate" => (
            "Activate Okta user",
            Some("core.user.config.user_activated"),
        ),
        "user.lifecycle.reactivate" => (
            "Reactivate Okta user",
            Some("core.user.config.user_reactivated"),
        ),
        "user.lifecycle.deactivate" => (
            "Deactivate Okta user",
            Some("core.user.config.user_deactivated"),
        ),
        "user.lifecycle.suspend" => (
            "Suspend Okta user",
            Some("core.user.config.user_status.suspended"),
        ),
        "user.lifecycle.unsuspend" => (
            "Unsuspend Okta user",
            Some("core.user.config.user_status.unsuspended"),
        ),
        "user.lifecycle.delete.initiated" => ("Delete Okta user initiated", None),
        "user.lifecycle.delete.completed" => ("Delete Okta user completed", None),
        "user.account.update_profile" => (
            "Update user profile for Okta",
            Some("core.user.config.profile_update.success"),
        ),
        "user.account.lock" => (
            "Max sign in attempts exceeded",
            Some("core.user.account.locked"),
        ),
        "user.account.unlock_by_admin" => (
            "Unlock user account by admin",
            Some("core.user.account.unlock_by_admin"),
        ),
        "user.account.reset_password" => (
            "Fired when the user's Okta password is reset",
            Some("core.user.config.password_reset"),
        ),
        "user.account.expire_password" => {
            ("Expire password", Some("core.user.config.password_expire"))
        }
        "user.account.update_password" => (
            "Update password for Okta user",
            Some("core.user.config.password_update.success"),
        ),
        "user.mfa.factor.reset_all" => ("Reset all factors for user", None),
        "group.lifecycle.create" => ("Create okta group", Some("core.user_group.created")),
        "group.lifecycle.delete" => ("Delete Okta group", Some("core.user_group.deleted")),
        "group.profile.update" => ("Update group profile", None),
        "group.user_membership.add" => (
            "Add user to group membership",
            Some("core.user_group_member.user_add"),
        ),
        "group.user_membership.remove" => (
            "Remove user from group membership",
            Some("core.user_group_member.user_remove"),
        ),
        "group.application_assignment.add" => (
            "Add assigned application to group",
            Some("app.generic.config.app_group_assigned"),
        ),
        "group.application_assignment.remove" => (
            "Remove assigned application from group",
            Some("app.generic.config.app_group_unassigned"),
        ),
        "group.application_assignment.update" => ("Update assigned application in group", None),
        "application.lifecycle.create" => {
            ("Create application", Some("app.generic.config.app_created"))
        }
        "application.lifecycle.update" => {
            ("Update application", Some("app.generic.config.app_updated"))
        }
        "application.lifecycle.activate" => (
            "Activate application",
            Some("app.generic.config.app_activated"),
        ),
        "application.lifecycle.deactivate" => (
            "Deactivate application",
            Some("app.generic.config.app_deactivated"),
        ),
        "application.lifecycle.delete" => {
            ("Delete application", Some("app.generic.config.app_deleted"))
        }
        "application.user_membership.add" => (
            "Add user to application membership",
            Some("application.user_membership.add"),
        ),
        "application.user_membership.remove" => (
            "Remove user from application membership",
            Some("application.user_membership.remove"),
        ),
        "application.user_membership.update" => ("Update user's application membership", None),
        "user.session.start" => ("User login to Okta", Some("core.user_auth.login_success")),
        "user.session.end" => (
            "User logout from Okta",
            Some("core.user_auth.logout_success"),
        ),
        "user.authentication.sso" => ("User single sign on to app", None),
        "app.generic.unauth_app_access_attempt" => (
            "User attempted unauthorized access to app",
            Some("app.generic.unauth_app_access_attempt"),
        ),
        "app.oauth2.authorize.code" | "app.oauth2.as.authorize.code" => {
            ("OAuth2 authorization code request", None)
        }
        "app.oauth2.token.grant.access_token" | "app.oauth2.as.token.grant.access_token" => {
            ("OAuth2 access token is granted", None)
        }
        "app.oauth2.token.grant.id_token" | "app.oauth2.as.token.grant.id_token" => {
            ("OIDC id token is granted", None)
        }
        "app.oauth2.token.grant.refresh_token" | "app.oauth2.as.token.grant.refresh_token" => {
            ("OAuth2 refresh token is granted", None)
        }
        "app.oauth2.as.key.rollover" => ("Authorization server key rollover", None),
        "application.provision.user.push" => ("Push new user to external application", None),
        "application.provision.user.push_profile" => {
            ("Push user profile update to external application", None)
        }
        "application.provision.user.push_password" => {
            ("Push user password update to external application", None)
        }
        "application.provision.user.deactivate" => {
            ("Deactivate user in external application", None)
        }
        "application.provision.user.reactivate" => {
            ("Reactivate user in external application", None)
        }
        "application.provision.group_push.mapping.created" => ("Create group push mapping", None),
        "application.provision.group_push.mapping.deleted" => ("Delete group push mapping", None),
        "application.provision.group_push.pushed" => ("Push group to external application", None),
        "system.org.rate_limit.warning" => ("Rate limit warning", None),
        "system.org.rate_limit.violation" => ("Rate limit violation", None),
        "core.concurrency.org.limit.violation" => ("Concurrency limit violation", None),
        "user.schema.attribute.add"
        | "user.schema.attribute.update"
        | "user.schema.attribute.delete" => ("Update user schema", None),
        _ => ("Okta event", None),
    }
}
