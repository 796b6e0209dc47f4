//! The claims Okta puts in ID tokens, access tokens and userinfo answers, by scope.

use serde_json::{Map, Value, json};

use crate::expr::GroupFilter;
use crate::idp;
use crate::model::app::App;
use crate::org::Org;

/// Most groups a groups claim may carry; more fails the request, as in Okta.
pub const MAX_GROUPS: usize = 100;

/// The configured groups claim of an OIDC app: its name and filter.
#[derive(Debug, Clone)]
pub struct GroupsClaim {
    /// Claim name (usually `groups`).
    pub name: String,
    /// Which groups.
    pub filter: GroupFilter,
}

impl GroupsClaim {
    /// Reads the app's groups claim (`valueType: GROUPS`, a `groupFilterType` and a
    /// `value`), as stored through the internal idToken settings API.
    pub fn of(app: &App) -> Option<Self> {
        let c = app.groups_claim.as_ref()?;
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())?;
        let filter = GroupFilter::parse(
            c.get("groupFilterType").and_then(Value::as_str)?,
            c.get("value").and_then(Value::as_str)?,
        )
        .ok()?;
        Some(Self {
            name: name.to_owned(),
            filter,
        })
    }

    /// Validates a claim body before it is stored.
    pub fn check(body: &Value) -> Result<(), String> {
        match body.get("valueType").and_then(Value::as_str) {
            Some("GROUPS") => {}
            other => return Err(format!("valueType must be GROUPS, not {other:?}")),
        }
        if body
            .get("name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err("name: The field cannot be left blank".to_owned());
        }
        GroupFilter::parse(
            body.get("groupFilterType")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            body.get("value")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
        .map(|_| ())
    }
}

/// The user's profile claims for the granted scopes (shared by the ID token and
/// userinfo). `Err` when the groups filter matches more than [`MAX_GROUPS`].
pub fn user_claims(
    org: &Org,
    app: &App,
    user_id: &str,
    scopes: &[String],
) -> Result<Map<String, Value>, String> {
    let mut c = Map::new();
    c.insert("sub".into(), json!(user_id));
    let Some(user) = org.user(user_id) else {
        return Ok(c);
    };
    let has = |s: &str| scopes.iter().any(|x| x == s);
    let p = |k: &str| user.profile.get(k).cloned().unwrap_or(Value::Null);
    if has("profile") {
        c.insert("name".into(), json!(user.display_name()));
        c.insert("locale".into(), p("locale"));
        c.insert("preferred_username".into(), json!(user.login()));
        c.insert("given_name".into(), p("firstName"));
        c.insert("middle_name".into(), p("middleName"));
        c.insert("family_name".into(), p("lastName"));
        c.insert("nickname".into(), p("nickName"));
        c.insert("zoneinfo".into(), p("timezone"));
        c.insert(
            "updated_at".into(),
            json!(user.last_updated.div_euclid(1000)),
        );
        c.retain(|_, v| !v.is_null());
    }
    if has("email") {
        c.insert("email".into(), p("email"));
        c.insert("email_verified".into(), json!(true));
    }
    if has("phone")
        && let Some(phone) = user.profile.get("mobilePhone").filter(|v| !v.is_null())
    {
        c.insert("phone_number".into(), phone.clone());
    }
    if has("groups")
        && let Some(claim) = GroupsClaim::of(app)
    {
        let groups = idp::group_names(org, user_id, &claim.filter);
        if groups.len() > MAX_GROUPS {
            return Err(format!(
                "The groups claim filter matched {} groups; at most {MAX_GROUPS} are allowed.",
                groups.len()
            ));
        }
        c.insert(claim.name, json!(groups));
    }
    Ok(c)
}
