//! User mutations: create, partial/full update, lifecycle, two-step delete.

use serde_json::{Map, Value};

use super::{Ctx, Org};
use crate::error::{ApiError, ApiResult};
use crate::ids::prefix;
use crate::model::group::GroupType;
use crate::model::schema::UserSchema;
use crate::model::user::{Lifecycle, User, UserStatus, fold_login};

/// Query options of `POST /api/v1/users`.
#[derive(Debug, Clone, Copy)]
pub struct CreateUserOptions {
    /// `activate` (default true).
    pub activate: bool,
    /// `provider` (default false): the user authenticates with `credentials.provider`.
    pub provider: bool,
    /// `nextLogin=changePassword`.
    pub change_password: bool,
}

impl Default for CreateUserOptions {
    fn default() -> Self {
        Self {
            activate: true,
            provider: false,
            change_password: false,
        }
    }
}

impl Org {
    /// `POST /api/v1/users`: validates, stores and logs a new user; returns its id.
    pub fn create_user(
        &mut self,
        ctx: &Ctx,
        body: &Value,
        opts: CreateUserOptions,
    ) -> ApiResult<String> {
        let profile = profile_of(body)?;
        let profile = self.checked_profile(&profile, None)?;
        let credentials = body.get("credentials");
        let password = password_of(credentials);
        if opts.change_password {
            if !opts.activate {
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "E0000125",
                    "Password expire on create requires activate=true",
                ));
            }
            if password.is_none() {
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "E0000124",
                    "Password expire on create requires a password",
                ));
            }
        }
        let provider = credentials
            .and_then(|c| c.pointer("/provider/type"))
            .and_then(Value::as_str)
            .unwrap_or("OKTA")
            .to_owned();
        if let Some(t) = body.pointer("/type/id").and_then(Value::as_str)
            && t != self.user_type_id
        {
            return Err(ApiError::validation(
                "type",
                format!("type: Invalid user type id {t}"),
            ));
        }
        let group_ids: Vec<String> = match body.get("groupIds") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) => ids
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(_) => {
                return Err(ApiError::validation(
                    "groupIds",
                    "groupIds: must be an array",
                ));
            }
        };
        if group_ids.len() > 20 {
            return Err(ApiError::validation(
                "groupIds",
                "groupIds: A maximum of 20 groups can be assigned",
            ));
        }
        for g in &group_ids {
            match self.groups.get(g) {
                Some(group) if group.kind == GroupType::OktaGroup => {}
                _ => {
                    return Err(ApiError::validation(
                        "groupIds",
                        format!("groupIds: Invalid group id {g}"),
                    ));
                }
            }
        }
        let federated = opts.provider || matches!(provider.as_str(), "FEDERATION" | "SOCIAL");
        let status = if !opts.activate {
            UserStatus::Staged
        } else if opts.change_password {
            UserStatus::PasswordExpired
        } else if password.is_some() || federated {
            UserStatus::Active
        } else {
            UserStatus::Provisioned
        };
        let id = self.new_id(prefix::USER);
        let now = ctx.now;
        let user = User {
            id: id.clone(),
            status,
            created: now,
            activated: opts.activate.then_some(now),
            status_changed: opts.activate.then_some(now),
            last_login: None,
            last_updated: now,
            password_changed: password.is_some().then_some(now),
            profile,
            password,
            recovery_question: credentials
                .and_then(|c| c.pointer("/recovery_question/question"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            provider,
            type_id: self.user_type_id.clone(),
        };
        self.insert_user(user);
        let t = self.user_target(&id);
        self.log_event(ctx, "user.lifecycle.create", vec![t.clone()]);
        if opts.activate {
            self.log_event(ctx, "user.lifecycle.activate", vec![t]);
        }
        for g in group_ids {
            self.add_member_logged(ctx, &g, &id);
        }
        Ok(id)
    }

    /// `POST /api/v1/users/{id}` (partial, `replace == false`) and `PUT` (full replace).
    pub fn update_user(
        &mut self,
        ctx: &Ctx,
        id: &str,
        body: &Value,
        replace: bool,
    ) -> ApiResult<()> {
        let user = self
            .users
            .get(id)
            .ok_or_else(|| ApiError::not_found(id, "User"))?;
        if user.status == UserStatus::Deprovisioned {
            return Err(ApiError::wrong_status());
        }
        let new_profile = match body.get("profile") {
            Some(Value::Object(p)) => {
                let mut merged = if replace {
                    Map::new()
                } else {
                    user.profile.clone()
                };
                for (k, v) in p {
                    merged.insert(k.clone(), v.clone());
                }
                Some(self.checked_profile(&merged, Some(id))?)
            }
            Some(Value::Null) | None if replace => {
                return Err(ApiError::validation(
                    "profile",
                    "profile: The field cannot be left blank",
                ));
            }
            Some(Value::Null) | None => None,
            Some(_) => {
                return Err(ApiError::validation(
                    "profile",
                    "profile: must be an object",
                ));
            }
        };
        let password = password_of(body.get("credentials"));
        let question = body
            .pointer("/credentials/recovery_question/question")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let old_login = fold_login(user.login());
        let now = ctx.now;
        let Some(user) = self.users.get_mut(id) else {
            return Err(ApiError::not_found(id, "User"));
        };
        let mut changed = false;
        if let Some(p) = new_profile {
            changed |= p != user.profile;
            user.profile = p;
        }
        if let Some(pw) = password {
            user.password = Some(pw);
            user.password_changed = Some(now);
            changed = true;
        }
        if let Some(q) = question {
            user.recovery_question = Some(q);
            changed = true;
        }
        let new_login = fold_login(user.login());
        if changed {
            user.last_updated = now;
        }
        if new_login != old_login {
            self.logins.remove(&old_login);
            self.logins.insert(new_login, id.to_owned());
        }
        if changed {
            let t = self.user_target(id);
            self.log_event(ctx, "user.account.update_profile", vec![t]);
        }
        Ok(())
    }

    /// Applies a lifecycle operation; returns the new status.
    pub fn lifecycle(&mut self, ctx: &Ctx, id: &str, op: Lifecycle) -> ApiResult<UserStatus> {
        let user = self
            .users
            .get(id)
            .ok_or_else(|| ApiError::not_found(id, "User"))?;
        let next = op.next_status(
            user.status,
            user.password.is_some() || user.provider != "OKTA",
        )?;
        let now = ctx.now;
        if let Some(u) = self.users.get_mut(id) {
            if next != u.status {
                u.status_changed = Some(now);
            }
            if op == Lifecycle::Activate && u.activated.is_none() {
                u.activated = Some(now);
            }
            if matches!(op, Lifecycle::CompleteByUser) {
                u.password_changed = Some(now);
                if u.password.is_none() {
                    u.password = Some("Simulated-Passw0rd!".to_owned());
                }
            }
            u.status = next;
            u.last_updated = now;
        }
        let t = self.user_target(id);
        self.log_event(ctx, op.event_type(), vec![t]);
        if op == Lifecycle::Deactivate {
            self.unassign_user_everywhere(ctx, id);
        }
        Ok(next)
    }

    /// `DELETE /api/v1/users/{id}`: deactivates first, deletes for good the second time.
    pub fn delete_user(&mut self, ctx: &Ctx, id: &str) -> ApiResult<()> {
        let user = self
            .users
            .get(id)
            .ok_or_else(|| ApiError::not_found(id, "User"))?;
        if user.status != UserStatus::Deprovisioned {
            self.lifecycle(ctx, id, Lifecycle::Deactivate)?;
            return Ok(());
        }
        let t = self.user_target(id);
        self.log_event(ctx, "user.lifecycle.delete.initiated", vec![t.clone()]);
        for group in self.groups.values_mut() {
            if group.members.remove(id) {
                group.last_membership_updated = ctx.now;
            }
        }
        for app in self.apps.values_mut() {
            app.users.remove(id);
        }
        if let Some(u) = self.users.remove(id) {
            self.logins.remove(&fold_login(u.login()));
        }
        self.tokens.retain(|_, t| t.user_id != id);
        self.log_event(ctx, "user.lifecycle.delete.completed", vec![t]);
        Ok(())
    }

    /// Checks a whole profile against the schema and Okta's base rules; drops nulls.
    fn checked_profile(
        &self,
        profile: &Map<String, Value>,
        user_id: Option<&str>,
    ) -> ApiResult<Map<String, Value>> {
        let mut out = Map::new();
        for (k, v) in profile {
            self.schema.check_value(k, v)?;
            if let Value::String(s) = v {
                check_bmp(k, s)?;
            }
            if !v.is_null() {
                out.insert(k.clone(), v.clone());
            }
        }
        for req in UserSchema::required() {
            if out
                .get(req)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(ApiError::validation(
                    req,
                    format!("{req}: The field cannot be left blank"),
                ));
            }
        }
        let login = out.get("login").and_then(Value::as_str).unwrap_or_default();
        if !email_shaped(login) {
            return Err(ApiError::validation(
                "login",
                "login: Username must be in the form of an email address",
            ));
        }
        let len = login.chars().count();
        if !(5..=100).contains(&len) {
            return Err(ApiError::validation(
                "login",
                "login: Length must be between 5 and 100",
            ));
        }
        for field in ["email", "secondEmail"] {
            if let Some(e) = out.get(field).and_then(Value::as_str)
                && !email_shaped(e)
            {
                return Err(ApiError::validation(
                    field,
                    format!("{field}: Does not match required pattern"),
                ));
            }
        }
        for field in ["firstName", "lastName"] {
            let n = out
                .get(field)
                .and_then(Value::as_str)
                .map_or(0, |s| s.chars().count());
            if n > 50 {
                return Err(ApiError::validation(
                    field,
                    format!("{field}: Length must be at most 50"),
                ));
            }
        }
        if self.login_taken(login, user_id) {
            return Err(ApiError::validation(
                "login",
                "login: An object with this field already exists in the current organization",
            ));
        }
        Ok(out)
    }
}

fn profile_of(body: &Value) -> ApiResult<Map<String, Value>> {
    match body.get("profile") {
        Some(Value::Object(p)) => Ok(p.clone()),
        _ => Err(ApiError::validation(
            "profile",
            "profile: The field cannot be left blank",
        )),
    }
}

fn password_of(credentials: Option<&Value>) -> Option<String> {
    credentials?
        .pointer("/password/value")?
        .as_str()
        .map(str::to_owned)
}

fn email_shaped(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    }
}

/// Okta only supports characters encodable in at most three UTF-8 bytes.
fn check_bmp(field: &str, s: &str) -> ApiResult<()> {
    if s.chars().any(|c| c.len_utf8() > 3) {
        return Err(ApiError::validation(
            field,
            format!("{field}: Contains characters that are not supported (4-byte UTF-8)"),
        ));
    }
    Ok(())
}
