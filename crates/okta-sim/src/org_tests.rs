use serde_json::json;

use super::*;
use crate::model::user::{Lifecycle, UserStatus};

fn ctx() -> Ctx {
    Ctx {
        actor: Actor::system(),
        now: 1_772_000_000_000,
    }
}

fn org() -> Org {
    Org::new(3, "Acme Inc.", "acme", "example.com", 1_772_000_000_000)
}

fn person(login: &str) -> Value {
    json!({ "profile": { "firstName": "Dana", "lastName": "Ng", "email": login, "login": login } })
}

#[test]
fn create_user_statuses_follow_activation_and_credentials() {
    let mut o = org();
    let staged = o
        .create_user(
            &ctx(),
            &person("a@x.com"),
            CreateUserOptions {
                activate: false,
                ..Default::default()
            },
        )
        .unwrap();
    let provisioned = o
        .create_user(&ctx(), &person("b@x.com"), CreateUserOptions::default())
        .unwrap();
    let mut with_pw = person("c@x.com");
    with_pw["credentials"] = json!({ "password": { "value": "Secret-123!" } });
    let active = o
        .create_user(&ctx(), &with_pw, CreateUserOptions::default())
        .unwrap();
    assert_eq!(o.user(&staged).unwrap().status, UserStatus::Staged);
    assert_eq!(
        o.user(&provisioned).unwrap().status,
        UserStatus::Provisioned
    );
    assert_eq!(o.user(&active).unwrap().status, UserStatus::Active);
    let types: Vec<_> = o
        .log
        .iter()
        .map(|e| e.event["eventType"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "user.lifecycle.create")
            .count(),
        3
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "user.lifecycle.activate")
            .count(),
        2
    );
}

#[test]
fn duplicate_login_ignores_case_and_diacritics() {
    let mut o = org();
    o.create_user(
        &ctx(),
        &person("isaac.brock@x.com"),
        CreateUserOptions::default(),
    )
    .unwrap();
    let err = o
        .create_user(
            &ctx(),
            &person("Isáac.Bröck@x.com"),
            CreateUserOptions::default(),
        )
        .unwrap_err();
    assert_eq!(err.code, "E0000001");
    assert!(err.causes[0].contains("already exists"));
}

#[test]
fn unknown_profile_property_is_rejected_until_schema_adds_it() {
    let mut o = org();
    let id = o
        .create_user(&ctx(), &person("a@x.com"), CreateUserOptions::default())
        .unwrap();
    let patch = json!({ "profile": { "byndidRegistered": true } });
    assert_eq!(
        o.update_user(&ctx(), &id, &patch, false).unwrap_err().code,
        "E0000001"
    );
    o.schema
        .apply(&json!({ "definitions": { "custom": { "properties": { "byndidRegistered": { "title": "Registered", "type": "boolean" } } } } }))
        .unwrap();
    o.update_user(&ctx(), &id, &patch, false).unwrap();
    assert_eq!(
        o.user(&id).unwrap().profile["byndidRegistered"],
        json!(true)
    );
    let wrong_type = json!({ "profile": { "byndidRegistered": "yes" } });
    assert_eq!(
        o.update_user(&ctx(), &id, &wrong_type, false)
            .unwrap_err()
            .code,
        "E0000001"
    );
}

#[test]
fn put_replaces_profile_and_post_merges() {
    let mut o = org();
    let mut body = person("a@x.com");
    body["profile"]["department"] = json!("Sales");
    let id = o
        .create_user(&ctx(), &body, CreateUserOptions::default())
        .unwrap();
    o.update_user(
        &ctx(),
        &id,
        &json!({ "profile": { "title": "Boss" } }),
        false,
    )
    .unwrap();
    assert_eq!(o.user(&id).unwrap().profile["department"], json!("Sales"));
    o.update_user(&ctx(), &id, &person("a@x.com"), true)
        .unwrap();
    assert!(o.user(&id).unwrap().profile.get("department").is_none());
}

#[test]
fn two_step_delete_and_membership_cleanup() {
    let mut o = org();
    let uid = o
        .create_user(&ctx(), &person("a@x.com"), CreateUserOptions::default())
        .unwrap();
    let gid = o
        .create_group(&ctx(), &json!({ "profile": { "name": "Sales" } }))
        .unwrap();
    o.add_member(&ctx(), &gid, &uid).unwrap();
    o.delete_user(&ctx(), &uid).unwrap();
    assert_eq!(o.user(&uid).unwrap().status, UserStatus::Deprovisioned);
    o.delete_user(&ctx(), &uid).unwrap();
    assert!(o.user(&uid).is_none());
    assert!(o.groups[&gid].members.is_empty());
    assert_eq!(o.delete_user(&ctx(), &uid).unwrap_err().code, "E0000007");
}

#[test]
fn lifecycle_errors_match_okta() {
    let mut o = org();
    let id = o
        .create_user(&ctx(), &person("a@x.com"), CreateUserOptions::default())
        .unwrap();
    assert_eq!(
        o.lifecycle(&ctx(), &id, Lifecycle::Activate)
            .unwrap_err()
            .code,
        "E0000016"
    );
    assert_eq!(
        o.lifecycle(&ctx(), &id, Lifecycle::Suspend)
            .unwrap_err()
            .code,
        "E0000001"
    );
    assert_eq!(
        o.lifecycle(&ctx(), &id, Lifecycle::Unsuspend)
            .unwrap_err()
            .code,
        "E0000001"
    );
    assert_eq!(
        o.lifecycle(&ctx(), &id, Lifecycle::Reactivate).unwrap(),
        UserStatus::Provisioned
    );
}

#[test]
fn builtin_and_app_groups_refuse_membership_writes() {
    let mut o = org();
    let uid = o
        .create_user(&ctx(), &person("a@x.com"), CreateUserOptions::default())
        .unwrap();
    let everyone = o.everyone_id.clone();
    assert_eq!(
        o.add_member(&ctx(), &everyone, &uid).unwrap_err().code,
        "E0000001"
    );
    assert_eq!(
        o.delete_group(&ctx(), &everyone).unwrap_err().code,
        "E0000006"
    );
    assert!(o.groups[&everyone].members.contains(&uid));
}
