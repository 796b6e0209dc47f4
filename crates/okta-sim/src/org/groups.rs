//! Group mutations: create, update, delete, membership.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{Ctx, Org};
use crate::error::{ApiError, ApiResult};
use crate::ids::prefix;
use crate::model::group::{Group, GroupType};

impl Org {
    /// `POST /api/v1/groups`: always an OKTA_GROUP.
    pub fn create_group(&mut self, ctx: &Ctx, body: &Value) -> ApiResult<String> {
        let profile = self.checked_group_profile(body, None)?;
        let id = self.new_id(prefix::GROUP);
        self.insert_group(Group {
            id: id.clone(),
            kind: GroupType::OktaGroup,
            created: ctx.now,
            last_updated: ctx.now,
            last_membership_updated: ctx.now,
            profile,
            members: BTreeSet::new(),
            source_app: None,
        });
        let t = self.group_target(&id);
        self.log_event(ctx, "group.lifecycle.create", vec![t]);
        Ok(id)
    }

    /// `PUT /api/v1/groups/{id}`: replaces the profile of an OKTA_GROUP.
    pub fn update_group(&mut self, ctx: &Ctx, id: &str, body: &Value) -> ApiResult<()> {
        let group = self
            .groups
            .get(id)
            .ok_or_else(|| ApiError::not_found(id, "UserGroup"))?;
        match group.kind {
            GroupType::OktaGroup => {}
            GroupType::BuiltIn => return Err(ApiError::access_denied()),
            GroupType::AppGroup => {
                return Err(ApiError::validation(
                    "profile",
                    "Cannot modify the profile of an APP_GROUP",
                ));
            }
        }
        let profile = self.checked_group_profile(body, Some(id))?;
        if let Some(g) = self.groups.get_mut(id) {
            g.profile = profile;
            g.last_updated = ctx.now;
        }
        let t = self.group_target(id);
        self.log_event(ctx, "group.profile.update", vec![t]);
        Ok(())
    }

    /// `DELETE /api/v1/groups/{id}`.
    pub fn delete_group(&mut self, ctx: &Ctx, id: &str) -> ApiResult<()> {
        let group = self
            .groups
            .get(id)
            .ok_or_else(|| ApiError::not_found(id, "UserGroup"))?;
        if group.kind == GroupType::BuiltIn {
            return Err(ApiError::access_denied());
        }
        let t = self.group_target(id);
        self.groups.remove(id);
        for app in self.apps.values_mut() {
            app.groups.remove(id);
        }
        self.log_event(ctx, "group.lifecycle.delete", vec![t]);
        Ok(())
    }

    /// `PUT /api/v1/groups/{g}/users/{u}`: idempotent add.
    pub fn add_member(&mut self, ctx: &Ctx, group_id: &str, user_id: &str) -> ApiResult<()> {
        self.check_membership_write(group_id, user_id)?;
        self.add_member_logged(ctx, group_id, user_id);
        Ok(())
    }

    /// `DELETE /api/v1/groups/{g}/users/{u}`: removing a non-member succeeds too.
    pub fn remove_member(&mut self, ctx: &Ctx, group_id: &str, user_id: &str) -> ApiResult<()> {
        self.check_membership_write(group_id, user_id)?;
        if self.remove_member_raw(group_id, user_id, ctx.now) {
            let targets = vec![self.user_target(user_id), self.group_target(group_id)];
            self.log_event(ctx, "group.user_membership.remove", targets);
        }
        Ok(())
    }

    pub(super) fn add_member_logged(&mut self, ctx: &Ctx, group_id: &str, user_id: &str) {
        if self.add_member_raw(group_id, user_id, Some(ctx.now)) {
            let targets = vec![self.user_target(user_id), self.group_target(group_id)];
            self.log_event(ctx, "group.user_membership.add", targets);
        }
    }

    fn check_membership_write(&self, group_id: &str, user_id: &str) -> ApiResult<()> {
        let group = self
            .groups
            .get(group_id)
            .ok_or_else(|| ApiError::not_found(group_id, "UserGroup"))?;
        if !self.users.contains_key(user_id) {
            return Err(ApiError::not_found(user_id, "User"));
        }
        match group.kind {
            GroupType::OktaGroup => Ok(()),
            GroupType::BuiltIn => Err(ApiError::validation(
                "group",
                "Cannot modify the membership of the built-in Everyone group",
            )),
            GroupType::AppGroup => Err(ApiError::validation(
                "group",
                "Cannot modify the membership of a group imported from an application",
            )),
        }
    }

    fn checked_group_profile(
        &self,
        body: &Value,
        except: Option<&str>,
    ) -> ApiResult<Map<String, Value>> {
        let Some(Value::Object(profile)) = body.get("profile") else {
            return Err(ApiError::validation(
                "profile",
                "profile: The field cannot be left blank",
            ));
        };
        let name = profile
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.trim().is_empty() {
            return Err(ApiError::validation(
                "name",
                "name: The field cannot be left blank",
            ));
        }
        let clash = self.groups.values().any(|g| {
            g.kind != GroupType::AppGroup
                && Some(g.id.as_str()) != except
                && g.name().eq_ignore_ascii_case(name)
        });
        if clash {
            return Err(ApiError::validation(
                "name",
                "name: An object with this field already exists in the current organization",
            ));
        }
        Ok(profile
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
