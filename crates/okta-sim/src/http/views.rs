//! How stored objects look on the wire: Okta's JSON shapes with HAL `_links`.
//! Users serialise straight from storage (no intermediate `Value`) because list pages
//! are the simulator's hot path.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value, json};

use crate::clock::format_ms;
use crate::model::app::{App, AppGroup, AppUser};
use crate::model::group::{Group, GroupType};
use crate::model::user::{User, UserStatus};

/// A user as Okta renders it; `full` adds the lifecycle links of a single GET.
pub(super) struct UserView<'a> {
    /// The user.
    pub(super) user: &'a User,
    /// Org base URL.
    pub(super) base: &'a str,
    /// Single-object rendering (all links) rather than a list entry (`self` only).
    pub(super) full: bool,
}

impl Serialize for UserView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let u = self.user;
        let opt = |v: Option<i64>| v.map(format_ms);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &u.id)?;
        m.serialize_entry("status", u.status.as_str())?;
        m.serialize_entry("created", &format_ms(u.created))?;
        m.serialize_entry("activated", &opt(u.activated))?;
        m.serialize_entry("statusChanged", &opt(u.status_changed))?;
        m.serialize_entry("lastLogin", &opt(u.last_login))?;
        m.serialize_entry("lastUpdated", &format_ms(u.last_updated))?;
        m.serialize_entry("passwordChanged", &opt(u.password_changed))?;
        m.serialize_entry("type", &json!({ "id": u.type_id }))?;
        m.serialize_entry("profile", &u.profile)?;
        m.serialize_entry("credentials", &credentials(u))?;
        m.serialize_entry("_links", &user_links(u, self.base, self.full))?;
        m.end()
    }
}

fn credentials(u: &User) -> Value {
    let mut c = Map::new();
    if u.password.is_some() {
        c.insert("password".into(), json!({}));
    }
    if let Some(q) = &u.recovery_question {
        c.insert("recovery_question".into(), json!({ "question": q }));
    }
    c.insert(
        "provider".into(),
        json!({ "type": u.provider, "name": u.provider }),
    );
    Value::Object(c)
}

fn user_links(u: &User, base: &str, full: bool) -> Value {
    let href = format!("{base}/api/v1/users/{}", u.id);
    if !full {
        return json!({ "self": { "href": href } });
    }
    let post = |op: &str| json!({ "href": format!("{href}/lifecycle/{op}"), "method": "POST" });
    let mut l = Map::new();
    use UserStatus::*;
    match u.status {
        Staged | Deprovisioned => {
            l.insert("activate".into(), post("activate"));
        }
        Provisioned => {
            l.insert("reactivate".into(), post("reactivate"));
        }
        Active | PasswordExpired | Recovery => {
            l.insert("resetPassword".into(), post("reset_password"));
            l.insert("expirePassword".into(), post("expire_password"));
            if u.status == Active {
                l.insert("suspend".into(), post("suspend"));
            }
        }
        Suspended => {
            l.insert("unsuspend".into(), post("unsuspend"));
        }
        LockedOut => {
            l.insert("unlock".into(), post("unlock"));
        }
    }
    if u.status != Deprovisioned {
        l.insert("deactivate".into(), post("deactivate"));
        l.insert("changeRecoveryQuestion".into(), json!({ "href": format!("{href}/credentials/change_recovery_question"), "method": "POST" }));
        l.insert(
            "changePassword".into(),
            json!({ "href": format!("{href}/credentials/change_password"), "method": "POST" }),
        );
    }
    l.insert(
        "schema".into(),
        json!({ "href": format!("{base}/api/v1/meta/schemas/user/default") }),
    );
    l.insert(
        "type".into(),
        json!({ "href": format!("{base}/api/v1/meta/types/user/{}", u.type_id) }),
    );
    l.insert("self".into(), json!({ "href": href }));
    Value::Object(l)
}

/// A group; `stats` adds `_embedded.stats` (`expand=stats`).
pub(super) fn group_json(g: &Group, base: &str, stats: Option<(usize, usize)>) -> Value {
    let href = format!("{base}/api/v1/groups/{}", g.id);
    let mut links = json!({
        "logo": [
            { "name": "medium", "href": "https://ok12static.oktacdn.com/assets/img/logos/groups/okta-medium.png", "type": "image/png" },
            { "name": "large", "href": "https://ok12static.oktacdn.com/assets/img/logos/groups/okta-large.png", "type": "image/png" }
        ],
        "users": { "href": format!("{href}/users") },
        "apps": { "href": format!("{href}/apps") }
    });
    if let (GroupType::AppGroup, Some(app)) = (g.kind, &g.source_app) {
        links["source"] = json!({ "href": format!("{base}/api/v1/apps/{app}") });
    }
    let mut v = json!({
        "id": g.id,
        "created": format_ms(g.created),
        "lastUpdated": format_ms(g.last_updated),
        "lastMembershipUpdated": format_ms(g.last_membership_updated),
        "objectClass": [g.kind.object_class()],
        "type": g.kind.as_str(),
        "profile": g.profile,
        "_links": links,
    });
    if let Some(app) = &g.source_app {
        v["source"] = json!({ "id": app });
    }
    if let Some((users, apps)) = stats {
        v["_embedded"] = json!({ "stats": { "usersCount": users, "appsCount": apps,
            "groupPushMappingsCount": 0, "hasAdminPrivilege": false } });
    }
    v
}

/// An app with its preserved fields.
pub(super) fn app_json(a: &App, base: &str) -> Value {
    let href = format!("{base}/api/v1/apps/{}", a.id);
    let mut v = Map::new();
    v.insert("id".into(), json!(a.id));
    v.insert("name".into(), json!(a.name));
    v.insert("label".into(), json!(a.label));
    v.insert(
        "status".into(),
        json!(if a.active { "ACTIVE" } else { "INACTIVE" }),
    );
    v.insert("lastUpdated".into(), json!(format_ms(a.last_updated)));
    v.insert("created".into(), json!(format_ms(a.created)));
    v.insert("signOnMode".into(), json!(a.sign_on_mode));
    for (k, val) in &a.body {
        v.insert(k.clone(), val.clone());
    }
    let lifecycle = if a.active { "deactivate" } else { "activate" };
    let mut links = json!({
        "appLinks": [ { "name": a.name, "href": format!("{base}/home/{}/{}/aln{}", a.name, a.id, a.external_key.get(3..).unwrap_or_default()), "type": "text/html" } ],
        "groups": { "href": format!("{href}/groups") },
        "users": { "href": format!("{href}/users") },
        "logo": [ { "name": "medium", "href": "https://ok12static.oktacdn.com/assets/img/logos/default.png", "type": "image/png" } ],
        "self": { "href": href },
    });
    links[lifecycle] = json!({ "href": format!("{href}/lifecycle/{lifecycle}"), "method": "POST" });
    if a.sign_on_mode == "SAML_2_0" {
        links["metadata"] =
            json!({ "href": format!("{href}/sso/saml/metadata"), "type": "application/xml" });
    }
    v.insert("_links".into(), links);
    Value::Object(v)
}

/// An app user: a direct assignment, or one derived from a group (`scope: GROUP`).
pub(super) fn app_user_json(
    app_id: &str,
    user: &User,
    assignment: Option<&AppUser>,
    base: &str,
    embed_user: bool,
) -> Value {
    let (scope, created, updated, status, creds, profile, external) = match assignment {
        Some(a) => (
            "USER",
            a.created,
            a.last_updated,
            a.status.as_str(),
            a.credentials.clone(),
            a.profile.clone(),
            a.external_id.clone(),
        ),
        None => (
            "GROUP",
            user.created,
            user.last_updated,
            "PROVISIONED",
            json!({ "userName": user.login() }),
            json!({}),
            None,
        ),
    };
    let mut v = json!({
        "id": user.id,
        "externalId": external,
        "created": format_ms(created),
        "lastUpdated": format_ms(updated),
        "scope": scope,
        "status": status,
        "statusChanged": format_ms(updated),
        "passwordChanged": null,
        "syncState": "DISABLED",
        "credentials": creds,
        "profile": profile,
        "_links": {
            "app": { "href": format!("{base}/api/v1/apps/{app_id}") },
            "user": { "href": format!("{base}/api/v1/users/{}", user.id) }
        }
    });
    if embed_user
        && let Ok(u) = serde_json::to_value(UserView {
            user,
            base,
            full: false,
        })
    {
        v["_embedded"] = json!({ "user": u });
    }
    v
}

/// A group assignment of an app.
pub(super) fn app_group_json(app_id: &str, a: &AppGroup, base: &str) -> Value {
    json!({
        "id": a.group_id,
        "lastUpdated": format_ms(a.last_updated),
        "priority": a.priority,
        "profile": a.profile,
        "_links": {
            "app": { "href": format!("{base}/api/v1/apps/{app_id}") },
            "group": { "href": format!("{base}/api/v1/groups/{}", a.group_id) }
        }
    })
}
