use serde_json::{Value, json};
use time::macros::datetime;

use super::*;
use crate::ScimType;
use crate::schema::{GROUP, USER};

const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The body Okta sends on `POST /Users` (okta-reference §7.3).
fn okta_create() -> Value {
    json!({
        "schemas": [USER_URN],
        "userName": "dana.ng@example.com",
        "name": { "givenName": "Dana", "familyName": "Ng" },
        "emails": [ { "primary": true, "value": "dana.ng@example.com", "type": "work" } ],
        "displayName": "Dana Ng",
        "locale": "en-US",
        "externalId": "00u1a2b3c4D5e6F7g8h9",
        "groups": [],
        "password": "tQ7xv2mK",
        "active": true
    })
}

fn user_error(body: Value) -> crate::Error {
    parse_user(body).expect_err("body should be rejected")
}

#[test]
fn okta_create_body_is_accepted_and_normalised() {
    let input = parse_user(okta_create()).unwrap();
    assert_eq!(
        input.password.as_ref().map(Password::expose),
        Some("tQ7xv2mK")
    );
    let resource = &input.resource;
    assert!(
        resource.get("password").is_none(),
        "the password never enters the JSON"
    );
    assert!(
        resource.get("groups").is_none(),
        "read-only groups are ignored"
    );
    assert_eq!(resource["locale"], "en-US");
    assert_eq!(resource["externalId"], "00u1a2b3c4D5e6F7g8h9");
    let first_key = resource.as_object().unwrap().keys().next().unwrap();
    assert_eq!(first_key, "schemas");
    let view = UserView::new(resource).unwrap();
    assert_eq!(view.user_name(), Some("dana.ng@example.com"));
    assert_eq!(view.given_name(), Some("Dana"));
    assert_eq!(view.family_name(), Some("Ng"));
    assert_eq!(view.email(), Some("dana.ng@example.com"));
    assert_eq!(view.display_name(), Some("Dana Ng"));
    assert_eq!(view.external_id(), Some("00u1a2b3c4D5e6F7g8h9"));
    assert!(view.active());
}

#[test]
fn string_booleans_and_attribute_case_are_normalised() {
    let mut body = okta_create();
    let map = body.as_object_mut().unwrap();
    map.remove("active");
    map.insert("Active".into(), json!("False"));
    let user_name = map.remove("userName").unwrap();
    map.insert("USERNAME".into(), user_name);
    map.insert(
        "emails".into(),
        json!([{"value": "a@b", "primary": "True"}]),
    );
    let input = parse_user(body).unwrap();
    assert_eq!(input.resource["active"], false);
    assert_eq!(input.resource["userName"], "dana.ng@example.com");
    assert_eq!(input.resource["emails"][0]["primary"], true);
    assert!(!UserView::new(&input.resource).unwrap().active());
}

#[test]
fn unknown_attributes_and_extensions_are_preserved() {
    let mut body = okta_create();
    let map = body.as_object_mut().unwrap();
    map.insert("favouriteColour".into(), json!("green"));
    map.insert(
        ENTERPRISE.into(),
        json!({"department": "Sales", "badge": 7}),
    );
    map.insert(
        "urn:ietf:params:scim:schemas:extension:acme:2.0:User".into(),
        json!({"costCode": "X1"}),
    );
    map.insert(
        "schemas".into(),
        json!([
            USER_URN,
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
        ]),
    );
    let input = parse_user(body).unwrap();
    let r = &input.resource;
    assert_eq!(r["favouriteColour"], "green");
    assert_eq!(r[ENTERPRISE], json!({"department": "Sales", "badge": 7}));
    assert_eq!(
        r["urn:ietf:params:scim:schemas:extension:acme:2.0:User"]["costCode"],
        "X1"
    );
    let schemas = r["schemas"].as_array().unwrap();
    assert!(
        schemas.contains(&json!(ENTERPRISE)),
        "present extensions are listed"
    );
    assert!(schemas.contains(&json!(
        "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
    )));
}

#[test]
fn bad_bodies_get_the_right_scim_type() {
    let mut missing_user_name = okta_create();
    missing_user_name
        .as_object_mut()
        .unwrap()
        .remove("userName");
    let err = user_error(missing_user_name);
    assert_eq!(
        (err.status(), err.scim_type()),
        (400, Some(ScimType::InvalidValue))
    );
    assert!(err.detail().contains("userName"));

    let mut empty_user_name = okta_create();
    empty_user_name["userName"] = json!("");
    assert_eq!(
        user_error(empty_user_name).scim_type(),
        Some(ScimType::InvalidValue)
    );

    let mut no_schemas = okta_create();
    no_schemas.as_object_mut().unwrap().remove("schemas");
    assert_eq!(
        user_error(no_schemas).scim_type(),
        Some(ScimType::InvalidSyntax)
    );

    let mut wrong_schema = okta_create();
    wrong_schema["schemas"] = json!([GROUP_URN]);
    assert_eq!(
        user_error(wrong_schema).scim_type(),
        Some(ScimType::InvalidSyntax)
    );

    assert_eq!(
        user_error(json!([1, 2])).scim_type(),
        Some(ScimType::InvalidSyntax)
    );

    let mut wrong_type = okta_create();
    wrong_type["userName"] = json!(42);
    assert_eq!(
        user_error(wrong_type).scim_type(),
        Some(ScimType::InvalidValue)
    );

    let mut two_primaries = okta_create();
    two_primaries["emails"] = json!([
        {"value": "a@x", "primary": true},
        {"value": "b@x", "primary": true}
    ]);
    assert_eq!(
        user_error(two_primaries).scim_type(),
        Some(ScimType::InvalidValue)
    );

    let mut bad_extension = okta_create();
    bad_extension[ENTERPRISE] = json!("Sales");
    assert_eq!(
        user_error(bad_extension).scim_type(),
        Some(ScimType::InvalidValue)
    );

    let mut bad_password = okta_create();
    bad_password["password"] = json!(12345);
    assert_eq!(
        user_error(bad_password).scim_type(),
        Some(ScimType::InvalidValue)
    );
}

#[test]
fn nulls_are_unassigned() {
    let mut body = okta_create();
    body["displayName"] = Value::Null;
    body["name"]["familyName"] = Value::Null;
    body["password"] = Value::Null;
    let input = parse_user(body).unwrap();
    assert!(input.resource.get("displayName").is_none());
    assert_eq!(input.resource["name"], json!({"givenName": "Dana"}));
    assert!(input.password.is_none());
}

#[test]
fn okta_group_push_body() {
    let input = parse_group(json!({
        "schemas": [GROUP_URN],
        "displayName": "Sales",
        "members": [{"value": "u1", "display": "a"}, {"value": "u2"}, {"value": "u1"}]
    }))
    .unwrap();
    assert_eq!(input.members, ["u1", "u2"]);
    assert!(input.resource.get("members").is_none());
    assert_eq!(
        GroupView::new(&input.resource).unwrap().display_name(),
        Some("Sales")
    );

    let err = parse_group(json!({"schemas": [GROUP_URN], "members": []})).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    let err = parse_group(
        json!({"schemas": [GROUP_URN], "displayName": "x", "members": [{"display": "no id"}]}),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn views_read_groups_and_edge_cases() {
    let group = json!({"displayName": "G", "externalId": "e", "members": [{"value": "a"}, {"display": "x"}, {"value": "b"}]});
    let view = GroupView::new(&group).unwrap();
    assert_eq!(view.member_ids().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(view.external_id(), Some("e"));

    let user = json!({"emails": [{"value": "first@x"}, {"value": "primary@x", "primary": "true"}]});
    assert_eq!(UserView::new(&user).unwrap().email(), Some("primary@x"));
    let user = json!({"emails": [{"value": "first@x"}, {"value": "second@x"}]});
    assert_eq!(UserView::new(&user).unwrap().email(), Some("first@x"));
    assert!(
        UserView::new(&json!({})).unwrap().active(),
        "no active attribute means active"
    );
    assert!(UserView::new(&json!("text")).is_none());
}

#[test]
fn user_names_compare_case_insensitively() {
    use std::collections::HashSet;
    let a = UserName::new("Dana.Ng@Example.com");
    let b = UserName::new("dana.ng@example.COM");
    assert_eq!(a, b);
    assert_eq!(a.key(), "dana.ng@example.com");
    assert_eq!(a.as_str(), "Dana.Ng@Example.com");
    let set: HashSet<UserName> = [a, b].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_ne!(UserName::new("Zoë"), UserName::new("Zoe"));
    assert_eq!(UserName::new("ZOË"), UserName::new("zoë"));
}

#[test]
fn render_adds_id_and_meta() {
    let input = parse_user(okta_create()).unwrap();
    let meta = Meta {
        created: datetime!(2024-05-01 10:00:00 UTC),
        last_modified: datetime!(2024-05-02 11:30:00.5 UTC),
        version: "7".into(),
    };
    let out = render(
        input.resource,
        &USER,
        "u-1",
        "https://gh.example/scim/v2/d1/",
        &meta,
    );
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys.first().map(|k| k.as_str()), Some("schemas"));
    assert_eq!(keys.get(1).map(|k| k.as_str()), Some("id"));
    assert_eq!(keys.last().map(|k| k.as_str()), Some("meta"));
    assert_eq!(out["id"], "u-1");
    assert_eq!(
        out["meta"],
        json!({
            "resourceType": "User",
            "created": "2024-05-01T10:00:00Z",
            "lastModified": "2024-05-02T11:30:00.5Z",
            "location": "https://gh.example/scim/v2/d1/Users/u-1",
            "version": "W/\"7\""
        })
    );
    let group = render(
        json!({"displayName": "G", "password": "x", "id": "stale"}),
        &GROUP,
        "g-1",
        "https://h",
        &meta,
    );
    assert_eq!(group["schemas"], json!([GROUP_URN]));
    assert_eq!(group["id"], "g-1");
    assert!(group.get("password").is_none());
    assert_eq!(group["meta"]["location"], "https://h/Groups/g-1");
}

#[test]
fn etags_and_if_match() {
    assert_eq!(etag("abc"), "W/\"abc\"");
    assert!(if_match("W/\"abc\"", "abc"));
    assert!(if_match("\"abc\"", "abc"), "weakness is ignored");
    assert!(if_match("*", "abc"));
    assert!(if_match("W/\"x\", W/\"abc\"", "abc"));
    assert!(!if_match("W/\"abd\"", "abc"));
    assert!(!if_match("", "abc"));
    assert!(if_none_match("W/\"abc\"", "abc"));
}

#[test]
fn malformed_json_is_invalid_syntax() {
    let err = parse_json(b"{\"userName\": \"x\",\n  oops}").unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(err.detail().contains("line 2"), "{}", err.detail());
    assert_eq!(
        parse_json(b"").unwrap_err().scim_type(),
        Some(ScimType::InvalidSyntax)
    );
    assert_eq!(parse_json(br#"{"a": 1}"#).unwrap(), json!({"a": 1}));
}
