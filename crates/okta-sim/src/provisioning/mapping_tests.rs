use serde_json::{Map, Value, json};

use super::*;

const DEPT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

fn values(pairs: &[(&str, Value)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn new_user_has_okta_shape() {
    let v = values(&[
        ("userName", json!("dana.ng@example.com")),
        ("name.givenName", json!("Dana")),
        (
            "emails[type eq \"work\"].value",
            json!("dana.ng@example.com"),
        ),
        (DEPT, json!("Sales")),
    ]);
    let user = new_user(&v, "00u1", "pw");
    assert_eq!(
        user,
        json!({
            "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "dana.ng@example.com",
            "name": { "givenName": "Dana" },
            "emails": [{ "type": "work", "primary": true, "value": "dana.ng@example.com" }],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "Sales" },
            "externalId": "00u1", "groups": [], "password": "pw", "active": true
        })
    );
}

#[test]
fn overlay_replaces_mapped_and_keeps_the_rest() {
    let fetched = json!({ "id": "u1", "userName": "a", "name": { "givenName": "A", "familyName": "Z" },
        "emails": [{ "type": "work", "value": "a@x", "primary": true }], "title": "Boss",
        "meta": { "resourceType": "User" }, "active": true });
    let old = values(&[("name.givenName", json!("A")), ("title", json!("Boss"))]);
    let new = values(&[("name.givenName", json!("B"))]);
    let put = overlay(&fetched, &old, &new, &[("active", json!(false))]);
    assert_eq!(put["name"], json!({ "givenName": "B", "familyName": "Z" }));
    assert!(
        put.get("title").is_none(),
        "a mapping that lost its value is cleared"
    );
    assert_eq!(put["meta"], fetched["meta"]);
    assert_eq!(put["active"], json!(false));
}

#[test]
fn patch_ops_are_path_based() {
    let old = values(&[("title", json!("A")), ("locale", json!("en_US"))]);
    let new = values(&[("title", json!("B")), (DEPT, json!("Ops"))]);
    assert_eq!(
        patch_ops(&old, &new),
        vec![
            json!({ "op": "remove", "path": "locale" }),
            json!({ "op": "replace", "path": "title", "value": "B" }),
            json!({ "op": "replace", "path": DEPT, "value": "Ops" }),
        ]
    );
}

#[test]
fn remove_drops_emptied_elements() {
    let mut r: Map<String, Value> = json!({ "phoneNumbers": [{ "type": "mobile", "value": "1", "primary": true }, { "type": "work", "value": "2" }] })
        .as_object()
        .cloned()
        .unwrap();
    remove(&mut r, "phoneNumbers[type eq \"mobile\"].value");
    assert_eq!(r["phoneNumbers"], json!([{ "type": "work", "value": "2" }]));
    set(&mut r, "bogus[[", json!(1));
    assert!(!r.contains_key("bogus[["), "unparseable paths are ignored");
}
