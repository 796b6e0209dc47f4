use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::schema::{GROUP, USER};
use crate::{AttrPath, ScimType};

fn request(operations: Value) -> PatchRequest {
    PatchRequest::parse(json!({
        "schemas": [PATCH_OP_SCHEMA],
        "Operations": operations
    }))
    .unwrap_or_else(|e| panic!("request should parse: {e}"))
}

fn patch(
    resource: &mut Value,
    rt: &ResourceType,
    operations: Value,
) -> Result<PatchOutcome, Error> {
    apply_patch(resource, &request(operations), rt)
}

fn patched(mut resource: Value, rt: &ResourceType, operations: Value) -> Value {
    patch(&mut resource, rt, operations).unwrap_or_else(|e| panic!("patch failed: {e}"));
    resource
}

fn failure(mut resource: Value, rt: &ResourceType, operations: Value) -> Error {
    let before = resource.clone();
    let err = patch(&mut resource, rt, operations).expect_err("patch should fail");
    assert_eq!(
        resource, before,
        "a failed PATCH must leave the resource untouched"
    );
    err
}

const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn babs() -> Value {
    json!({
        "schemas": [USER_URN],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane"},
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"},
            {"type": "home", "streetAddress": "456 Hollywood Blvd"}
        ],
        "locale": "en-US"
    })
}

fn group(members: &[&str]) -> Value {
    json!({
        "schemas": [GROUP_URN],
        "id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
        "displayName": "Tour Guides",
        "members": members.iter().map(|id| json!({"value": id, "display": format!("user {id}")})).collect::<Vec<_>>()
    })
}

fn member_ids(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

// ---- Request parsing. ----

#[test]
fn request_parsing_accepts_any_op_case_and_rejects_bad_shapes() {
    let parsed = request(json!([
        {"op": "Add", "path": "title", "value": "x"},
        {"op": "REMOVE", "path": "title"},
        {"op": "replace", "value": {"active": false}}
    ]));
    let ops: Vec<PatchOp> = parsed.operations.iter().map(|o| o.op).collect();
    assert_eq!(ops, [PatchOp::Add, PatchOp::Remove, PatchOp::Replace]);

    let err = |body: Value| PatchRequest::parse(body).expect_err("should fail");
    let no_schema = err(json!({"Operations": [{"op": "add", "path": "a", "value": 1}]}));
    assert_eq!(no_schema.scim_type(), Some(ScimType::InvalidSyntax));
    let bad_op =
        err(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "merge", "value": {}}]}));
    assert_eq!(bad_op.scim_type(), Some(ScimType::InvalidSyntax));
    let empty = err(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": []}));
    assert_eq!(empty.scim_type(), Some(ScimType::InvalidSyntax));
    let remove_without_path =
        err(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "remove"}]}));
    assert_eq!(remove_without_path.scim_type(), Some(ScimType::NoTarget));
    let add_without_value =
        err(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "add", "path": "title"}]}));
    assert_eq!(add_without_value.scim_type(), Some(ScimType::InvalidValue));
    let bad_path = err(
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "add", "path": "a..b", "value": 1}]}),
    );
    assert_eq!(bad_path.scim_type(), Some(ScimType::InvalidPath));
    let bad_filter = err(
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "remove", "path": "members[value eq]"}]}),
    );
    assert_eq!(bad_filter.scim_type(), Some(ScimType::InvalidFilter));
    let lowercase_operations = PatchRequest::parse(json!({
        "schemas": [PATCH_OP_SCHEMA],
        "operations": [{"op": "add", "path": "title", "value": "x"}]
    }));
    assert!(lowercase_operations.is_ok());
}

#[test]
fn patch_paths_parse_and_print() {
    let path =
        PatchPath::parse(r#"emails[type eq "work" and value ew "example.com"].display"#).unwrap();
    assert_eq!(path.attribute, AttrPath::new("emails"));
    assert!(path.filter.is_some());
    assert_eq!(path.sub_attribute(), Some("display"));
    assert_eq!(
        path.to_string(),
        r#"emails[type eq "work" and value ew "example.com"].display"#
    );
    let qualified = PatchPath::parse(&format!("{ENTERPRISE}:manager.value")).unwrap();
    assert_eq!(qualified.attribute.schema.as_deref(), Some(ENTERPRISE));
    assert_eq!(qualified.sub_attribute(), Some("value"));
    for bad in [
        "",
        "emails[",
        "emails]",
        "name.givenName[x eq 1]",
        "emails[type eq 1].a.b",
        "emails[type eq 1]x",
    ] {
        let err = PatchPath::parse(bad).expect_err(bad);
        assert!(
            matches!(
                err.scim_type(),
                Some(ScimType::InvalidPath | ScimType::InvalidFilter)
            ),
            "{bad}: {err}"
        );
    }
}

// ---- RFC 7644 §3.5.2.1 "add". ----

#[test]
fn rfc_add_member_to_group() {
    let result = patched(
        group(&["a"]),
        &GROUP,
        json!([{
            "op": "add",
            "path": "members",
            "value": [{
                "display": "Babs Jensen",
                "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                "value": "2819c223-7f76-453a-919d-413861904646"
            }]
        }]),
    );
    assert_eq!(
        member_ids(&result),
        ["a", "2819c223-7f76-453a-919d-413861904646"]
    );
    assert_eq!(result["members"][1]["display"], "Babs Jensen");
}

#[test]
fn rfc_pathless_add_of_emails_and_nickname() {
    let result = patched(
        babs(),
        &USER,
        json!([{
            "op": "add",
            "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "b@new.example", "type": "other"}], "nickname": "Babs"}
        }]),
    );
    // The existing home address is not duplicated; the new one is appended.
    assert_eq!(result["emails"].as_array().unwrap().len(), 3);
    assert_eq!(result["emails"][2]["value"], "b@new.example");
    assert_eq!(
        result["nickName"], "Babs",
        "known attributes take their canonical name"
    );
    assert!(result.get("nickname").is_none());
}

#[test]
fn add_of_an_existing_value_changes_nothing() {
    let mut user = babs();
    let outcome = patch(&mut user, &USER, json!([
        {"op": "add", "path": "emails", "value": [{"value": "bjensen@example.com", "type": "work"}]},
        {"op": "add", "path": "name", "value": {"givenName": "Barbara"}},
        {"op": "replace", "path": "active", "value": true}
    ]))
    .unwrap();
    assert!(!outcome.changed);
    assert_eq!(user, babs());
}

#[test]
fn add_to_complex_attribute_merges_sub_attributes() {
    let result = patched(
        babs(),
        &USER,
        json!([{"op": "add", "path": "name", "value": {"honorificPrefix": "Ms."}}]),
    );
    assert_eq!(result["name"]["givenName"], "Barbara");
    assert_eq!(result["name"]["honorificPrefix"], "Ms.");
}

#[test]
fn add_with_sub_attribute_path_creates_the_parent() {
    let mut user = babs();
    user.as_object_mut().unwrap().remove("name");
    let result = patched(
        user,
        &USER,
        json!([{"op": "add", "path": "name.givenName", "value": "Babs"}]),
    );
    assert_eq!(result["name"], json!({"givenName": "Babs"}));
}

// ---- RFC 7644 §3.5.2.2 "remove". ----

#[test]
fn rfc_remove_single_member() {
    let result = patched(
        group(&[
            "2819c223-7f76-453a-919d-413861904646",
            "902c246b-6245-4190-8e05-00816be7344a",
        ]),
        &GROUP,
        json!([{
            "op": "remove",
            "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"
        }]),
    );
    assert_eq!(
        member_ids(&result),
        ["902c246b-6245-4190-8e05-00816be7344a"]
    );
}

#[test]
fn rfc_remove_all_members() {
    let result = patched(
        group(&["a", "b"]),
        &GROUP,
        json!([{"op": "remove", "path": "members"}]),
    );
    assert!(result.get("members").is_none());
}

#[test]
fn rfc_remove_members_then_add_replaces_the_list() {
    let result = patched(
        group(&["a", "b"]),
        &GROUP,
        json!([
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [{"value": "c"}, {"value": "d"}]}
        ]),
    );
    assert_eq!(member_ids(&result), ["c", "d"]);
}

#[test]
fn rfc_remove_multiple_members() {
    let result = patched(
        group(&["a", "b", "c"]),
        &GROUP,
        json!([
            {"op": "remove", "path": "members[value eq \"a\"]"},
            {"op": "remove", "path": "members[value eq \"c\"]"}
        ]),
    );
    assert_eq!(member_ids(&result), ["b"]);
}

#[test]
fn rfc_remove_with_complex_filter() {
    let result = patched(
        babs(),
        &USER,
        json!([{
            "op": "remove",
            "path": "emails[type eq \"work\" and value ew \"example.com\"]"
        }]),
    );
    assert_eq!(
        result["emails"],
        json!([{"value": "babs@jensen.org", "type": "home"}])
    );
}

#[test]
fn remove_matching_nothing_is_a_no_op() {
    let mut g = group(&["a"]);
    let outcome = patch(
        &mut g,
        &GROUP,
        json!([{"op": "remove", "path": "members[value eq \"zzz\"]"}]),
    )
    .unwrap();
    assert!(!outcome.changed);
    assert_eq!(member_ids(&g), ["a"]);
}

#[test]
fn remove_sub_attribute_and_emptied_parent() {
    let result = patched(
        babs(),
        &USER,
        json!([
            {"op": "remove", "path": "name.middleName"},
            {"op": "remove", "path": "emails[type eq \"work\"].primary"}
        ]),
    );
    assert_eq!(
        result["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen"})
    );
    assert!(result["emails"][0].get("primary").is_none());
    let result = patched(
        result,
        &USER,
        json!([
            {"op": "remove", "path": "name.givenName"},
            {"op": "remove", "path": "name.familyName"}
        ]),
    );
    assert!(
        result.get("name").is_none(),
        "an emptied complex attribute is unassigned"
    );
}

// ---- RFC 7644 §3.5.2.3 "replace". ----

#[test]
fn rfc_replace_all_members() {
    let result = patched(
        group(&["a", "b"]),
        &GROUP,
        json!([{
            "op": "replace",
            "path": "members",
            "value": [
                {"display": "Babs Jensen", "value": "2819c223-7f76-453a-919d-413861904646"},
                {"display": "James Smith", "value": "08e1d05d-121c-4561-8b96-473d93df9210"}
            ]
        }]),
    );
    assert_eq!(
        member_ids(&result),
        [
            "2819c223-7f76-453a-919d-413861904646",
            "08e1d05d-121c-4561-8b96-473d93df9210"
        ]
    );
}

#[test]
fn rfc_replace_work_address() {
    let result = patched(
        babs(),
        &USER,
        json!([{
            "op": "replace",
            "path": "addresses[type eq \"work\"]",
            "value": {
                "type": "work",
                "streetAddress": "911 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "US",
                "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
                "primary": true
            }
        }]),
    );
    assert_eq!(
        result["addresses"][0]["streetAddress"],
        "911 Universal City Plaza"
    );
    assert_eq!(result["addresses"][0]["postalCode"], "91608");
    assert_eq!(
        result["addresses"][1]["streetAddress"],
        "456 Hollywood Blvd"
    );
}

#[test]
fn rfc_replace_street_address_only() {
    let result = patched(
        babs(),
        &USER,
        json!([{
            "op": "replace",
            "path": "addresses[type eq \"work\"].streetAddress",
            "value": "1010 Broadway Ave"
        }]),
    );
    assert_eq!(result["addresses"][0]["streetAddress"], "1010 Broadway Ave");
    assert_eq!(result["addresses"][0]["locality"], "Hollywood");
}

#[test]
fn rfc_pathless_replace_of_emails_and_nickname() {
    let result = patched(
        babs(),
        &USER,
        json!([{
            "op": "replace",
            "value": {
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
                "nickname": "Babs"
            }
        }]),
    );
    assert_eq!(
        result["emails"],
        json!([{"value": "bjensen@example.com", "type": "work", "primary": true}])
    );
    assert_eq!(result["nickName"], "Babs");
}

#[test]
fn pathless_replace_merges_complex_attributes() {
    let result = patched(
        babs(),
        &USER,
        json!([{"op": "replace", "value": {"name": {"givenName": "Babs", "middleName": null}}}]),
    );
    assert_eq!(
        result["name"],
        json!({"givenName": "Babs", "familyName": "Jensen"})
    );
}

#[test]
fn replace_of_a_missing_attribute_adds_it() {
    let result = patched(
        babs(),
        &USER,
        json!([{"op": "replace", "path": "title", "value": "Tour Guide"}]),
    );
    assert_eq!(result["title"], "Tour Guide");
}

#[test]
fn replace_with_filter_matching_nothing_is_no_target() {
    let err = failure(
        babs(),
        &USER,
        json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "x@y"}]),
    );
    assert_eq!(err.scim_type(), Some(ScimType::NoTarget));
    assert_eq!(err.status(), 400);
}

// ---- Okta's request shapes (okta-reference §7). ----

#[test]
fn okta_deactivate_and_reactivate_user() {
    let deactivated = patched(
        babs(),
        &USER,
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    assert_eq!(deactivated["active"], false);
    let reactivated = patched(
        deactivated,
        &USER,
        json!([{"op": "replace", "value": {"active": true}}]),
    );
    assert_eq!(reactivated["active"], true);
}

#[test]
fn okta_string_booleans_are_coerced() {
    for (sent, stored) in [
        ("False", false),
        ("True", true),
        ("false", false),
        ("TRUE", true),
    ] {
        let result = patched(
            babs(),
            &USER,
            json!([{"op": "Replace", "value": {"active": sent}}]),
        );
        assert_eq!(result["active"], stored, "{sent}");
        let result = patched(
            babs(),
            &USER,
            json!([{"op": "replace", "path": "active", "value": sent}]),
        );
        assert_eq!(result["active"], stored, "{sent}");
    }
    let err = failure(
        babs(),
        &USER,
        json!([{"op": "replace", "value": {"active": "nope"}}]),
    );
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn okta_password_sync_never_enters_the_resource() {
    for operations in [
        json!([{"op": "replace", "value": {"password": "tQ7xv2mK"}}]),
        json!([{"op": "replace", "path": "password", "value": "tQ7xv2mK"}]),
    ] {
        let mut user = babs();
        let outcome = patch(&mut user, &USER, operations).unwrap();
        assert_eq!(
            outcome.password,
            Some(PasswordChange::Set(Password::new("tQ7xv2mK")))
        );
        assert!(!outcome.changed);
        assert!(user.get("password").is_none());
        assert!(
            !format!("{outcome:?}").contains("tQ7xv2mK"),
            "Debug must redact"
        );
    }
}

#[test]
fn okta_group_membership_patch() {
    let result = patched(
        group(&["89bb1940-b905-4575-9e7f-6f887cfb368e", "x"]),
        &GROUP,
        json!([
            {"op": "remove", "path": "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"},
            {"op": "add", "path": "members", "value": [{"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "dana.ng@example.com"}]}
        ]),
    );
    assert_eq!(
        member_ids(&result),
        ["x", "23a35c27-23d3-4c03-b4c5-6443c09e7173"]
    );
}

#[test]
fn okta_push_empty_group_clears_members() {
    let result = patched(
        group(&["a", "b"]),
        &GROUP,
        json!([{"op": "replace", "path": "members", "value": []}]),
    );
    assert_eq!(result.get("members"), Some(&json!([])));
    assert!(member_ids(&result).is_empty());
}

#[test]
fn okta_rename_carries_the_id() {
    let mut g = group(&["a"]);
    let outcome = patch(&mut g, &GROUP, json!([{"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Sales EMEA"}}])).unwrap();
    assert!(outcome.changed);
    assert_eq!(g["displayName"], "Sales EMEA");
    // Okta repeats the rename after every membership change: idempotent and cheap.
    let outcome = patch(&mut g, &GROUP, json!([{"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Sales EMEA"}}])).unwrap();
    assert!(!outcome.changed);
    // A different id is a client error.
    let err = failure(
        g,
        &GROUP,
        json!([{"op": "replace", "value": {"id": "other", "displayName": "X"}}]),
    );
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
}

#[test]
fn okta_enterprise_extension_in_pathless_replace() {
    let result = patched(
        babs(),
        &USER,
        json!([{"op": "replace", "value": {
            ENTERPRISE: {"department": "Sales", "manager": {"value": "26118915", "displayName": "Kim"}},
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User": {"badge": "B-7"}
        }}]),
    );
    assert_eq!(result[ENTERPRISE]["department"], "Sales");
    assert_eq!(result[ENTERPRISE]["manager"]["displayName"], "Kim");
    assert_eq!(
        result["urn:ietf:params:scim:schemas:extension:acme:2.0:User"]["badge"],
        "B-7"
    );
    assert!(
        result["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(ENTERPRISE))
    );
    // Removing the last extension attribute drops the extension and its schema URN.
    let result = patched(
        result,
        &USER,
        json!([
            {"op": "remove", "path": format!("{ENTERPRISE}:department")},
            {"op": "remove", "path": format!("{ENTERPRISE}:manager")}
        ]),
    );
    assert!(result.get(ENTERPRISE).is_none());
    assert!(
        !result["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(ENTERPRISE))
    );
}

#[test]
fn schema_qualified_and_differently_cased_paths() {
    let result = patched(
        babs(),
        &USER,
        json!([
            {"op": "replace", "path": format!("{USER_URN}:name.givenName"), "value": "B"},
            {"op": "replace", "path": "NAME.FAMILYNAME", "value": "J"},
            {"op": "add", "path": format!("{ENTERPRISE}:manager.value"), "value": "m1"},
            {"op": "replace", "path": ENTERPRISE, "value": {"costCenter": "4130"}}
        ]),
    );
    assert_eq!(result["name"]["givenName"], "B");
    assert_eq!(result["name"]["familyName"], "J");
    assert_eq!(
        result[ENTERPRISE],
        json!({"manager": {"value": "m1"}, "costCenter": "4130"})
    );
}

#[test]
fn core_attributes_wrapped_in_their_urn() {
    let result = patched(
        babs(),
        &USER,
        json!([{"op": "replace", "value": {USER_URN: {"displayName": "Babs", "active": "false"}}}]),
    );
    assert_eq!(result["displayName"], "Babs");
    assert_eq!(result["active"], false);
    assert!(result.get(USER_URN).is_none());
}

#[test]
fn no_op_on_a_resource_stored_in_another_layout_is_unchanged() {
    let mut user = json!({"userName": "x", "active": true});
    let outcome = patch(
        &mut user,
        &USER,
        json!([{"op": "replace", "value": {"active": true}}]),
    )
    .unwrap();
    assert!(!outcome.changed);
    assert_eq!(user, json!({"userName": "x", "active": true}));
}

// ---- Entra ID's shapes. ----

#[test]
fn entra_add_with_filter_creates_the_element() {
    let mut user = babs();
    user.as_object_mut().unwrap().remove("emails");
    let result = patched(
        user,
        &USER,
        json!([
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "dana@example.com"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"}
        ]),
    );
    assert_eq!(
        result["emails"],
        json!([{"type": "work", "value": "dana@example.com"}])
    );
    assert_eq!(
        result["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555"}])
    );
}

#[test]
fn entra_remove_members_by_value() {
    let result = patched(
        group(&["a", "b", "c"]),
        &GROUP,
        json!([
            {"op": "Remove", "path": "members", "value": [{"value": "a"}, {"value": "c"}]}
        ]),
    );
    assert_eq!(member_ids(&result), ["b"]);
}

// ---- Primary, mutability and other errors. ----

#[test]
fn a_new_primary_demotes_the_old_one() {
    let result = patched(
        babs(),
        &USER,
        json!([
            {"op": "add", "path": "emails", "value": [{"value": "new@example.com", "type": "work", "primary": "True"}]}
        ]),
    );
    let primaries: Vec<&Value> = result["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .collect();
    assert_eq!(primaries.len(), 1);
    assert_eq!(primaries[0]["value"], "new@example.com");
    let result = patched(
        babs(),
        &USER,
        json!([
            {"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}
        ]),
    );
    assert_eq!(result["emails"][0]["primary"], false);
    assert_eq!(result["emails"][1]["primary"], true);
}

#[test]
fn read_only_and_immutable_attributes() {
    for operations in [
        json!([{"op": "replace", "path": "id", "value": "x"}]),
        json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
        json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
        json!([{"op": "remove", "path": "id"}]),
    ] {
        let err = failure(babs(), &USER, operations.clone());
        assert_eq!(err.scim_type(), Some(ScimType::Mutability), "{operations}");
    }
    let err = failure(
        group(&["a"]),
        &GROUP,
        json!([
            {"op": "replace", "path": "members[value eq \"a\"].value", "value": "b"}
        ]),
    );
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
    let err = failure(
        group(&["a"]),
        &GROUP,
        json!([
            {"op": "replace", "path": "members[value eq \"a\"]", "value": {"value": "b"}}
        ]),
    );
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
    // Read-only attributes inside a pathless value are ignored, as on PUT.
    let result = patched(
        babs(),
        &USER,
        json!([{"op": "replace", "value": {"meta": {"created": "x"}, "groups": [], "title": "T"}}]),
    );
    assert_eq!(result["title"], "T");
    assert!(result.get("groups").is_none());
}

#[test]
fn invalid_paths_values_and_targets() {
    let cases = [
        (
            json!([{"op": "replace", "path": "userName.first", "value": "x"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "name[givenName eq \"x\"]", "value": {}}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "userName", "value": 42}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "replace", "path": "emails", "value": ["not-an-object"]}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "replace", "value": "not an object"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "remove", "path": "userName"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "replace", "path": "userName", "value": null}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "add", "path": "emails[type eq \"work\"].primary", "value": "maybe"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "add", "path": "ims[type co \"x\"].value", "value": "v"}]),
            ScimType::NoTarget,
        ),
        (
            json!([{"op": "add", "path": "phoneNumbers.value", "value": "1"}]),
            ScimType::NoTarget,
        ),
        (
            json!([{"op": "replace", "path": "meta.lastModified", "value": "not a date"}]),
            ScimType::Mutability,
        ),
    ];
    for (operations, expected) in cases {
        let err = failure(babs(), &USER, operations.clone());
        assert_eq!(err.scim_type(), Some(expected), "{operations}: {err}");
    }
}

#[test]
fn unknown_attributes_are_kept_and_patchable() {
    let result = patched(
        babs(),
        &USER,
        json!([
            {"op": "add", "value": {"favouriteColour": "green", "tags": ["a"]}},
            {"op": "add", "path": "tags", "value": ["b", "a"]},
            {"op": "replace", "path": "customObject.field", "value": 1}
        ]),
    );
    assert_eq!(result["favouriteColour"], "green");
    assert_eq!(result["tags"], json!(["a", "b"]));
    assert_eq!(result["customObject"], json!({"field": 1}));
    assert_eq!(result["locale"], "en-US");
}

#[test]
fn operations_apply_in_order_and_atomically() {
    let err = failure(
        babs(),
        &USER,
        json!([
            {"op": "replace", "path": "title", "value": "first"},
            {"op": "replace", "path": "id", "value": "boom"}
        ]),
    );
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
    let result = patched(
        babs(),
        &USER,
        json!([
            {"op": "replace", "path": "title", "value": "first"},
            {"op": "replace", "path": "title", "value": "second"},
            {"op": "remove", "path": "locale"}
        ]),
    );
    assert_eq!(result["title"], "second");
    assert!(result.get("locale").is_none());
}

// ---- Group plan. ----

fn plan(group: &Value, operations: Value) -> GroupPatchPlan {
    match plan_group_patch(group, &request(operations)).unwrap() {
        GroupPatch::Planned(plan) => plan,
        GroupPatch::NeedsMembers => panic!("expected a plan"),
    }
}

fn stored_group() -> Value {
    json!({"schemas": [GROUP_URN], "id": "g1", "displayName": "Sales"})
}

#[test]
fn plan_okta_membership_patch_without_the_member_list() {
    let p = plan(
        &stored_group(),
        json!([
            {"op": "remove", "path": "members[value eq \"89bb1940\"]"},
            {"op": "add", "path": "members", "value": [{"value": "23a35c27", "display": "dana.ng@example.com"}]},
            {"op": "replace", "value": {"id": "g1", "displayName": "Sales"}}
        ]),
    );
    assert_eq!(p.member_adds, ["23a35c27"]);
    assert_eq!(p.member_removes, ["89bb1940"]);
    assert_eq!(p.replace_members, None);
    assert!(!p.attributes_changed, "the repeated rename changes nothing");
    assert!(p.changes_members());
    assert_eq!(p.group, stored_group());
}

#[test]
fn plan_folds_operations_into_normal_form() {
    let p = plan(
        &stored_group(),
        json!([
            {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
            {"op": "remove", "path": "members[value eq \"a\" or value eq \"c\"]"},
            {"op": "add", "path": "members", "value": {"value": "c"}}
        ]),
    );
    assert_eq!(p.member_adds, ["b", "c"]);
    assert_eq!(p.member_removes, ["a"]);

    let p = plan(
        &stored_group(),
        json!([
            {"op": "replace", "path": "members", "value": [{"value": "a"}, {"value": "a"}, {"value": "b"}]},
            {"op": "add", "path": "members", "value": [{"value": "c"}]},
            {"op": "remove", "path": "members[value eq \"a\"]"}
        ]),
    );
    assert_eq!(
        p.replace_members,
        Some(vec!["b".to_owned(), "c".to_owned()])
    );
    assert!(p.member_adds.is_empty() && p.member_removes.is_empty());

    let p = plan(
        &stored_group(),
        json!([{"op": "remove", "path": "members"}]),
    );
    assert_eq!(p.replace_members, Some(vec![]));

    let p = plan(
        &stored_group(),
        json!([{"op": "replace", "value": {"displayName": "Sales EMEA", "members": [{"value": "z"}]}}]),
    );
    assert_eq!(p.replace_members, Some(vec!["z".to_owned()]));
    assert!(p.attributes_changed);
    assert_eq!(p.group["displayName"], "Sales EMEA");
    assert!(p.group.get("members").is_none());
}

#[test]
fn plan_falls_back_when_members_must_be_read() {
    for operations in [
        json!([{"op": "remove", "path": "members[display eq \"Dana\"]"}]),
        json!([{"op": "replace", "path": "members[value eq \"a\"].display", "value": "x"}]),
        json!([{"op": "replace", "path": "members.display", "value": "x"}]),
    ] {
        assert_eq!(
            plan_group_patch(&stored_group(), &request(operations.clone())).unwrap(),
            GroupPatch::NeedsMembers,
            "{operations}"
        );
    }
}

#[test]
fn plan_understands_schema_qualified_member_paths() {
    let p = plan(
        &stored_group(),
        json!([{"op": "add", "path": format!("{GROUP_URN}:members"), "value": [{"value": "a"}]}]),
    );
    assert_eq!(p.member_adds, ["a"]);
}

#[test]
fn plan_reports_errors_like_the_engine() {
    let err = plan_group_patch(
        &stored_group(),
        &request(json!([{"op": "add", "path": "members", "value": [{"display": "no id"}]}])),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    let err = plan_group_patch(
        &stored_group(),
        &request(json!([{"op": "remove", "path": "displayName"}])),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
}

// ---- Properties. ----

fn member_op() -> impl Strategy<Value = Value> {
    let id = proptest::sample::select(vec!["a", "b", "c", "d"]);
    let ids = proptest::collection::vec(id.clone(), 0..4)
        .prop_map(|ids| Value::Array(ids.into_iter().map(|id| json!({"value": id})).collect()));
    prop_oneof![
        ids.clone()
            .prop_map(|v| json!({"op": "add", "path": "members", "value": v})),
        ids.clone()
            .prop_map(|v| json!({"op": "replace", "path": "members", "value": v})),
        ids.clone()
            .prop_map(|v| json!({"op": "remove", "path": "members", "value": v})),
        ids.prop_map(|v| json!({"op": "replace", "value": {"members": v}})),
        Just(json!({"op": "remove", "path": "members"})),
        (id.clone(), id.clone()).prop_map(|(a, b)| json!({
            "op": "remove", "path": format!("members[value eq \"{a}\" or value eq \"{b}\"]")
        })),
        id.prop_map(|a| json!({"op": "remove", "path": format!("members[value eq \"{a}\"]")})),
    ]
}

proptest! {
    /// The plan, applied to the member list, gives the same members as the full engine.
    #[test]
    fn group_plan_agrees_with_the_full_engine(
        initial in proptest::collection::vec(proptest::sample::select(vec!["a", "b", "c", "d"]), 0..4),
        operations in proptest::collection::vec(member_op(), 1..6),
    ) {
        let mut seen = std::collections::HashSet::new();
        let initial: Vec<String> = initial.into_iter().filter(|id| seen.insert(*id)).map(str::to_owned).collect();
        let ids: Vec<&str> = initial.iter().map(String::as_str).collect();
        let mut full = group(&ids);
        patch(&mut full, &GROUP, Value::Array(operations.clone())).unwrap();
        let mut expected = member_ids(&full);

        let GroupPatch::Planned(plan) = plan_group_patch(&stored_group(), &request(Value::Array(operations))).unwrap() else {
            panic!("member-only operations are always plannable");
        };
        let mut members = initial.clone();
        plan.apply_members(&mut members);
        expected.sort();
        members.sort();
        prop_assert_eq!(members, expected);
        prop_assert!(plan.member_adds.iter().all(|id| !plan.member_removes.contains(id)));
    }

    /// Arbitrary operations never panic: they succeed or return a SCIM error, and the
    /// resource is unchanged on error.
    #[test]
    fn patch_never_panics(operations in proptest::collection::vec(arbitrary_operation(), 1..5)) {
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations});
        if let Ok(request) = PatchRequest::parse(body) {
            for (start, rt) in [(babs(), &USER), (group(&["a", "b"]), &GROUP)] {
                let mut resource = start.clone();
                match apply_patch(&mut resource, &request, rt) {
                    Ok(_) => prop_assert!(resource.is_object()),
                    Err(e) => {
                        prop_assert!(e.status() >= 400);
                        prop_assert_eq!(&resource, &start);
                    }
                }
            }
            let _ = plan_group_patch(&stored_group(), &request);
        }
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        proptest::sample::select(vec!["", "x", "True", "work", "a", "2011-05-13T04:42:34Z"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map(
                proptest::sample::select(vec![
                    "value",
                    "type",
                    "primary",
                    "givenName",
                    "active",
                    "id",
                    "members",
                    "emails",
                    "display"
                ]),
                inner,
                0..3,
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn arbitrary_operation() -> impl Strategy<Value = Value> {
    let op = proptest::sample::select(vec!["add", "remove", "replace", "Replace", "bogus"]);
    let path = proptest::option::of(proptest::sample::select(vec![
        "userName",
        "name",
        "name.givenName",
        "emails",
        "emails.value",
        "emails[type eq \"work\"]",
        "emails[type eq \"work\"].value",
        "members",
        "members[value eq \"a\"]",
        "members[value eq \"a\"].display",
        "id",
        "meta.created",
        "groups",
        "active",
        "password",
        "displayName",
        "x.y",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "emails[",
        "a..b",
        "members[value eq \"a\" or display pr]",
    ]));
    (op, path, proptest::option::of(arbitrary_json())).prop_map(|(op, path, value)| {
        let mut operation = serde_json::Map::new();
        operation.insert("op".into(), Value::from(op));
        if let Some(path) = path {
            operation.insert("path".into(), Value::from(path));
        }
        if let Some(value) = value {
            operation.insert("value".into(), value);
        }
        Value::Object(operation)
    })
}
