//! App mutations: create/update/lifecycle/delete and user/group assignments.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Ctx, Org};
use crate::error::{ApiError, ApiResult};
use crate::expr;
use crate::idp::settings::SamlSettings;
use crate::ids::{self, prefix};
use crate::model::app::{App, AppGroup, AppKey, AppUser};
use crate::model::log::target;
use crate::model::user::User;

/// Sign-on modes Okta accepts on create.
const SIGN_ON_MODES: &[&str] = &[
    "SAML_2_0",
    "OPENID_CONNECT",
    "AUTO_LOGIN",
    "BROWSER_PLUGIN",
    "SECURE_PASSWORD_STORE",
    "BASIC_AUTH",
    "BOOKMARK",
    "WS_FEDERATION",
    "SAML_1_1",
];

/// Fields that are the app's own, not preserved in `App::body`.
const OWN_FIELDS: &[&str] = &[
    "id",
    "name",
    "label",
    "status",
    "signOnMode",
    "created",
    "lastUpdated",
    "_links",
    "_embedded",
];

impl Org {
    /// `POST /api/v1/apps`: stores the app with its settings as sent.
    pub fn create_app(&mut self, ctx: &Ctx, body: &Value, activate: bool) -> ApiResult<String> {
        let Some(obj) = body.as_object() else {
            return Err(ApiError::validation("app", "The app must be a JSON object"));
        };
        let label = obj.get("label").and_then(Value::as_str).unwrap_or_default();
        if label.trim().is_empty() {
            return Err(ApiError::validation(
                "label",
                "label: The field cannot be left blank",
            ));
        }
        let mode = obj
            .get("signOnMode")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !SIGN_ON_MODES.contains(&mode) {
            return Err(ApiError::validation(
                "signOnMode",
                format!("signOnMode: Invalid value '{mode}'"),
            ));
        }
        check_settings(mode, obj)?;
        let id = self.new_id(prefix::APP);
        let external_key = self.new_id(prefix::EXTERNAL_KEY);
        let name = match obj.get("name").and_then(Value::as_str) {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => self.default_app_name(mode),
        };
        let mut body: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| !OWN_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        fill_defaults(&mut body, mode, &id, self.rng());
        self.insert_app(App {
            id: id.clone(),
            name,
            label: label.to_owned(),
            active: activate,
            sign_on_mode: mode.to_owned(),
            created: ctx.now,
            last_updated: ctx.now,
            external_key,
            body,
            grants: Vec::new(),
            roles: Vec::new(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            keys: Vec::new(),
            groups_claim: None,
        });
        let t = self.app_target(&id);
        self.log_event(ctx, "application.lifecycle.create", vec![t.clone()]);
        if activate {
            self.log_event(ctx, "application.lifecycle.activate", vec![t]);
        }
        Ok(id)
    }

    /// `PUT /api/v1/apps/{id}`: replaces label and the preserved fields.
    pub fn update_app(&mut self, ctx: &Ctx, id: &str, body: &Value) -> ApiResult<()> {
        let Some(obj) = body.as_object() else {
            return Err(ApiError::validation("app", "The app must be a JSON object"));
        };
        let app = self
            .apps
            .get(id)
            .ok_or_else(|| ApiError::not_found(id, "AppInstance"))?;
        if let Some(mode) = obj.get("signOnMode").and_then(Value::as_str)
            && mode != app.sign_on_mode
        {
            return Err(ApiError::validation(
                "signOnMode",
                "signOnMode: Cannot be changed",
            ));
        }
        let mode = app.sign_on_mode.clone();
        check_settings(&mode, obj)?;
        let old_kid = app.signing_kid().map(str::to_owned);
        if let Some(kid) = body
            .pointer("/credentials/signing/kid")
            .and_then(Value::as_str)
            && !app.keys.iter().any(|k| k.kid == kid)
        {
            return Err(ApiError::validation(
                "credentials.signing.kid",
                format!(
                    "credentials.signing.kid: No key credential with kid {kid} exists for this app"
                ),
            ));
        }
        let mut fields: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| !OWN_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        fill_defaults(&mut fields, &mode, id, self.rng());
        let Some(app) = self.apps.get_mut(id) else {
            return Err(ApiError::not_found(id, "AppInstance"));
        };
        if let Some(label) = obj.get("label").and_then(Value::as_str) {
            app.label = label.to_owned();
        }
        // Okta keeps a client secret the update did not mention.
        let old_secret = app
            .body
            .get("credentials")
            .and_then(|c| c.pointer("/oauthClient/client_secret"))
            .cloned();
        app.body = fields;
        if let (Some(secret), Some(creds)) = (old_secret, app.body.get_mut("credentials"))
            && let Some(oc) = creds.get_mut("oauthClient").and_then(Value::as_object_mut)
        {
            oc.insert("client_secret".into(), secret);
        }
        // So does the signing key: only naming another kid switches keys.
        if app.signing_kid().is_none()
            && let Some(kid) = old_kid
        {
            set_signing_kid(&mut app.body, &kid);
        }
        app.last_updated = ctx.now;
        let t = self.app_target(id);
        self.log_event(ctx, "application.lifecycle.update", vec![t]);
        Ok(())
    }

    /// `POST /api/v1/apps/{id}/lifecycle/activate|deactivate`.
    pub fn set_app_active(&mut self, ctx: &Ctx, id: &str, active: bool) -> ApiResult<()> {
        let app = self
            .apps
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found(id, "AppInstance"))?;
        if app.active != active {
            app.active = active;
            app.last_updated = ctx.now;
            let t = self.app_target(id);
            let kind = if active { "activate" } else { "deactivate" };
            self.log_event(ctx, &format!("application.lifecycle.{kind}"), vec![t]);
        }
        Ok(())
    }

    /// `DELETE /api/v1/apps/{id}`: only inactive apps can be deleted.
    pub fn delete_app(&mut self, ctx: &Ctx, id: &str) -> ApiResult<()> {
        let app = self
            .apps
            .get(id)
            .ok_or_else(|| ApiError::not_found(id, "AppInstance"))?;
        if app.active {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "E0000056",
                "Delete application forbidden.",
            )
            .with_cause("The application must be deactivated before it can be deleted."));
        }
        let t = self.app_target(id);
        self.apps.remove(id);
        self.log_event(ctx, "application.lifecycle.delete", vec![t]);
        Ok(())
    }

    /// `POST /api/v1/apps/{id}/users`: assigns (or updates the assignment of) a user.
    pub fn assign_user(&mut self, ctx: &Ctx, app_id: &str, body: &Value) -> ApiResult<String> {
        let user_id = body
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if user_id.is_empty() {
            return Err(ApiError::validation(
                "id",
                "id: The field cannot be left blank",
            ));
        }
        if !self.apps.contains_key(app_id) {
            return Err(ApiError::not_found(app_id, "AppInstance"));
        }
        let user = self
            .users
            .get(&user_id)
            .ok_or_else(|| ApiError::not_found(&user_id, "User"))?;
        let login = user.login().to_owned();
        let assignment_id = self.new_id(prefix::APP_USER);
        let now = ctx.now;
        let profile = body
            .get("profile")
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        let mut credentials = match body.get("credentials") {
            Some(c @ Value::Object(_)) => c.clone(),
            _ => json!({}),
        };
        if credentials
            .get("userName")
            .and_then(Value::as_str)
            .is_none()
        {
            let user_name = self
                .apps
                .get(app_id)
                .zip(self.users.get(&user_id))
                .map(|(app, user)| template_user_name(app, user, Some(&profile)))
                .unwrap_or_else(|| login.clone());
            credentials["userName"] = json!(user_name);
        }
        let Some(app) = self.apps.get_mut(app_id) else {
            return Err(ApiError::not_found(app_id, "AppInstance"));
        };
        let existed = app.users.contains_key(&user_id);
        let entry = app.users.entry(user_id.clone()).or_insert_with(|| AppUser {
            user_id: user_id.clone(),
            assignment_id,
            created: now,
            last_updated: now,
            status: "PROVISIONED".to_owned(),
            credentials: credentials.clone(),
            profile: profile.clone(),
            external_id: None,
        });
        entry.credentials = credentials;
        entry.profile = profile;
        entry.last_updated = now;
        let aid = entry.assignment_id.clone();
        let display = self
            .users
            .get(&user_id)
            .map(|u| u.display_name())
            .unwrap_or_default();
        let targets = vec![
            target(&aid, "AppUser", &login, &display),
            self.app_target(app_id),
            self.user_target(&user_id),
        ];
        let event = if existed {
            "application.user_membership.update"
        } else {
            "application.user_membership.add"
        };
        self.log_event(ctx, event, targets);
        Ok(user_id)
    }

    /// `DELETE /api/v1/apps/{id}/users/{userId}`.
    pub fn unassign_user(&mut self, ctx: &Ctx, app_id: &str, user_id: &str) -> ApiResult<()> {
        let app = self
            .apps
            .get_mut(app_id)
            .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
        let removed = app
            .users
            .remove(user_id)
            .ok_or_else(|| ApiError::not_found(user_id, "AppUser"))?;
        self.log_unassign(ctx, app_id, user_id, &removed.assignment_id);
        Ok(())
    }

    /// Deactivation deprovisions every direct assignment of the user.
    pub(super) fn unassign_user_everywhere(&mut self, ctx: &Ctx, user_id: &str) {
        let mut removed = Vec::new();
        for app in self.apps.values_mut() {
            if let Some(a) = app.users.remove(user_id) {
                removed.push((app.id.clone(), a.assignment_id));
            }
        }
        for (app_id, aid) in removed {
            self.log_unassign(ctx, &app_id, user_id, &aid);
        }
    }

    fn log_unassign(&mut self, ctx: &Ctx, app_id: &str, user_id: &str, assignment_id: &str) {
        let (login, display) = self
            .users
            .get(user_id)
            .map(|u| (u.login().to_owned(), u.display_name()))
            .unwrap_or_default();
        let targets = vec![
            target(assignment_id, "AppUser", &login, &display),
            self.app_target(app_id),
            self.user_target(user_id),
        ];
        self.log_event(ctx, "application.user_membership.remove", targets);
    }

    /// `PUT /api/v1/apps/{id}/groups/{groupId}`.
    pub fn assign_group(
        &mut self,
        ctx: &Ctx,
        app_id: &str,
        group_id: &str,
        body: &Value,
    ) -> ApiResult<()> {
        if !self.groups.contains_key(group_id) {
            return Err(ApiError::not_found(group_id, "UserGroup"));
        }
        let app = self
            .apps
            .get_mut(app_id)
            .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
        let priority = body.get("priority").and_then(Value::as_i64);
        let profile = body.get("profile").cloned().filter(Value::is_object);
        let next_priority = i64::try_from(app.groups.len()).unwrap_or(0);
        let existed = app.groups.contains_key(group_id);
        let entry = app
            .groups
            .entry(group_id.to_owned())
            .or_insert_with(|| AppGroup {
                group_id: group_id.to_owned(),
                priority: next_priority,
                profile: json!({}),
                last_updated: ctx.now,
            });
        if let Some(p) = priority {
            entry.priority = p;
        }
        if let Some(p) = profile {
            entry.profile = p;
        }
        entry.last_updated = ctx.now;
        let targets = vec![self.app_target(app_id), self.group_target(group_id)];
        let event = if existed {
            "group.application_assignment.update"
        } else {
            "group.application_assignment.add"
        };
        self.log_event(ctx, event, targets);
        Ok(())
    }

    /// `DELETE /api/v1/apps/{id}/groups/{groupId}`.
    pub fn unassign_group(&mut self, ctx: &Ctx, app_id: &str, group_id: &str) -> ApiResult<()> {
        let app = self
            .apps
            .get_mut(app_id)
            .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
        if app.groups.remove(group_id).is_none() {
            return Err(ApiError::not_found(group_id, "ApplicationGroupAssignment"));
        }
        let targets = vec![self.app_target(app_id), self.group_target(group_id)];
        self.log_event(ctx, "group.application_assignment.remove", targets);
        Ok(())
    }

    /// Adds a SAML signing key credential to an app (`credentials/keys/generate`);
    /// `activate` also makes it the signing key, as creating a SAML app does.
    pub fn add_app_key(
        &mut self,
        ctx: &Ctx,
        app_id: &str,
        key: AppKey,
        activate: bool,
    ) -> ApiResult<()> {
        let app = self
            .apps
            .get_mut(app_id)
            .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
        if activate {
            set_signing_kid(&mut app.body, &key.kid);
            app.last_updated = ctx.now;
        }
        app.keys.push(key);
        Ok(())
    }

    /// Stops offering a key credential that no longer signs (a retired key: Okta lets
    /// unused keys expire; the simulator can drop them at once).
    pub fn retire_app_key(&mut self, app_id: &str, kid: &str) -> ApiResult<()> {
        let app = self
            .apps
            .get_mut(app_id)
            .ok_or_else(|| ApiError::not_found(app_id, "AppInstance"))?;
        if app.signing_kid() == Some(kid) {
            return Err(ApiError::validation(
                "kid",
                "kid: The active signing key cannot be retired; switch credentials.signing.kid first",
            ));
        }
        let before = app.keys.len();
        app.keys.retain(|k| k.kid != kid);
        if app.keys.len() == before {
            return Err(ApiError::not_found(kid, "AppKeyCredential"));
        }
        Ok(())
    }

    /// The application username of a user in an app: the one stored with a direct
    /// assignment, else the app's username template applied to the user (Okta's
    /// `${source.login}` by default, `${source.email}` for "Email").
    pub fn app_user_name(&self, app: &App, user: &User) -> String {
        let direct = app.users.get(&user.id);
        direct
            .and_then(|a| a.credentials.get("userName"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| template_user_name(app, user, direct.map(|a| &a.profile)))
    }

    fn default_app_name(&self, mode: &str) -> String {
        match mode {
            "OPENID_CONNECT" => "oidc_client".to_owned(),
            "BOOKMARK" => "bookmark".to_owned(),
            "AUTO_LOGIN" | "SECURE_PASSWORD_STORE" | "BROWSER_PLUGIN" => "template_swa".to_owned(),
            "BASIC_AUTH" => "template_basic_auth".to_owned(),
            _ => {
                let n = self
                    .apps
                    .values()
                    .filter(|a| a.name.starts_with(&self.subdomain))
                    .count()
                    + 1;
                format!("{}_app_{n}", self.subdomain)
            }
        }
    }
}

/// Refuses SAML settings Okta would refuse (see [`SamlSettings::parse`]).
fn check_settings(mode: &str, body: &Map<String, Value>) -> ApiResult<()> {
    if mode != "SAML_2_0" {
        return Ok(());
    }
    let sign_on = body.get("settings").and_then(|s| s.get("signOn"));
    SamlSettings::parse(sign_on).map(|_| ()).map_err(|e| {
        ApiError::validation(
            &format!("settings.signOn.{}", e.field),
            format!("{}: {}", e.field, e.reason),
        )
    })
}

fn set_signing_kid(body: &mut Map<String, Value>, kid: &str) {
    if let Some(c) = body
        .entry("credentials")
        .or_insert(json!({}))
        .as_object_mut()
    {
        c.insert("signing".into(), json!({ "kid": kid }));
    }
}

/// The app's username template applied to a user; the login when it renders empty.
fn template_user_name(app: &App, user: &User, app_profile: Option<&Value>) -> String {
    let scope = expr::Scope {
        user_id: &user.id,
        user_status: user.status.as_str(),
        profile: &user.profile,
        app_profile,
        user_name: None,
    };
    expr::render(app.user_name_template(), &scope)
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| user.login().to_owned())
}

/// Adds the fields Okta always returns when the request left them out.
fn fill_defaults<R: rand::RngExt + ?Sized>(
    body: &mut Map<String, Value>,
    mode: &str,
    id: &str,
    rng: &mut R,
) {
    body.entry("accessibility").or_insert(
        json!({ "selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null }),
    );
    body.entry("visibility").or_insert(json!({ "autoSubmitToolbar": false, "hide": { "iOS": false, "web": false }, "appLinks": {} }));
    body.entry("features").or_insert(json!([]));
    if let Some(c) = body
        .entry("credentials")
        .or_insert(json!({}))
        .as_object_mut()
    {
        c.entry("userNameTemplate")
            .or_insert(json!({ "template": "${source.login}", "type": "BUILT_IN" }));
        c.entry("signing").or_insert(json!({}));
        if mode == "OPENID_CONNECT"
            && let Some(oc) = c.entry("oauthClient").or_insert(json!({})).as_object_mut()
        {
            oc.entry("autoKeyRotation").or_insert(json!(true));
            oc.insert("client_id".into(), json!(id));
            let method = oc
                .entry("token_endpoint_auth_method")
                .or_insert(json!("client_secret_basic"))
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if method.starts_with("client_secret") && !oc.contains_key("client_secret") {
                oc.insert(
                    "client_secret".into(),
                    json!(ids::random_string(rng, "", 40)),
                );
            }
        }
    }
    let settings = body.entry("settings").or_insert(json!({}));
    if let Some(s) = settings.as_object_mut() {
        s.entry("app").or_insert(json!({}));
        s.entry("notifications").or_insert(json!({ "vpn": { "network": { "connection": "DISABLED" }, "message": null, "helpUrl": null } }));
    }
}
