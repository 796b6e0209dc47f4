use serde_json::{Value, json};

use super::*;
use crate::ScimType;
use crate::schema::{GROUP, USER};

fn query(pairs: &[(&str, &str)]) -> Result<ListQuery, Error> {
    ListQuery::from_pairs(pairs.iter().copied(), &USER, ListLimits::default())
}

#[test]
fn defaults_and_okta_paging() {
    let q = query(&[]).unwrap();
    assert_eq!((q.start_index, q.count, q.offset()), (1, 100, 0));
    assert!(q.filter.is_none() && q.sort.is_none() && q.projection.is_default());
    let q = query(&[
        ("filter", "userName eq \"dana.ng@example.com\""),
        ("startIndex", "101"),
        ("count", "100"),
    ])
    .unwrap();
    assert_eq!((q.start_index, q.count, q.offset()), (101, 100, 100));
    assert!(q.filter.unwrap().as_equality().is_some());
}

#[test]
fn out_of_range_paging_is_clamped() {
    let q = query(&[("startIndex", "0"), ("count", "-5")]).unwrap();
    assert_eq!((q.start_index, q.count), (1, 0));
    let q = query(&[
        ("startIndex", "-99999999999999999999999"),
        ("count", "999999"),
    ])
    .unwrap();
    assert_eq!((q.start_index, q.count), (1, 1000));
    let q = ListQuery::from_pairs(
        [("COUNT", "50")],
        &USER,
        ListLimits {
            default_count: 10,
            max_count: 20,
        },
    )
    .unwrap();
    assert_eq!(
        q.count, 20,
        "parameter names are case-insensitive and capped"
    );
}

#[test]
fn bad_parameters_are_scim_errors() {
    for (pairs, expected) in [
        (vec![("count", "ten")], ScimType::InvalidValue),
        (vec![("startIndex", "1.5")], ScimType::InvalidValue),
        (vec![("startIndex", "")], ScimType::InvalidValue),
        (
            vec![("sortOrder", "sideways"), ("sortBy", "userName")],
            ScimType::InvalidValue,
        ),
        (vec![("filter", "userName eq")], ScimType::InvalidFilter),
        (vec![("filter", "active gt true")], ScimType::InvalidFilter),
        (vec![("sortBy", "name..givenName")], ScimType::InvalidPath),
        (
            vec![("attributes", "userName,,bad path")],
            ScimType::InvalidPath,
        ),
    ] {
        let err = query(&pairs).expect_err(&format!("{pairs:?}"));
        assert_eq!(err.scim_type(), Some(expected), "{pairs:?}: {err}");
        assert_eq!(err.status(), 400);
    }
}

#[test]
fn sort_and_projection_parameters() {
    let q = query(&[
        ("sortBy", "name.familyName"),
        ("sortOrder", "Descending"),
        ("attributes", "userName, emails.value"),
        ("excludedAttributes", "meta"),
    ])
    .unwrap();
    let sort = q.sort.unwrap();
    assert_eq!(sort.by, AttrPath::with_sub("name", "familyName"));
    assert_eq!(sort.order, SortOrder::Descending);
    assert_eq!(
        q.projection.attributes,
        [
            AttrPath::new("userName"),
            AttrPath::with_sub("emails", "value")
        ]
    );
    assert_eq!(q.projection.excluded_attributes, [AttrPath::new("meta")]);
}

#[test]
fn search_request_body() {
    let body = json!({
        "schemas": [SEARCH_REQUEST_SCHEMA],
        "attributes": ["displayName", "userName"],
        "filter": "displayName sw \"smith\"",
        "startIndex": 1,
        "count": 10
    });
    let q = ListQuery::from_search_request(&body, &USER, ListLimits::default()).unwrap();
    assert_eq!((q.start_index, q.count), (1, 10));
    assert_eq!(q.projection.attributes.len(), 2);
    assert!(q.filter.is_some());

    let err =
        ListQuery::from_search_request(&json!({"filter": "a pr"}), &USER, ListLimits::default())
            .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    let err = ListQuery::from_search_request(
        &json!({"schemas": [SEARCH_REQUEST_SCHEMA], "count": {"x": 1}}),
        &USER,
        ListLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn list_response_shape() {
    let body = ListResponse::new(vec![json!({"id": "a"})], 250, 101).into_json();
    assert_eq!(
        body,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 250,
            "startIndex": 101,
            "itemsPerPage": 1,
            "Resources": [{"id": "a"}]
        })
    );
    let empty = ListResponse::new(Vec::new(), 0, 1).into_json();
    assert_eq!(empty["totalResults"], 0);
    assert_eq!(empty["Resources"], json!([]));
    assert!(empty["itemsPerPage"].is_u64(), "paging fields are integers");
}

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1",
        "userName": "dana",
        "name": {"givenName": "Dana", "familyName": "Ng"},
        "emails": [{"value": "d@x", "type": "work", "primary": true}],
        "password": "should never be returned",
        "favouriteColour": "green",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "costCenter": "1"},
        "meta": {"resourceType": "User", "version": "W/\"1\""}
    })
}

fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
    Projection::from_lists(attributes, excluded)
        .unwrap()
        .apply(&user(), &USER)
}

#[test]
fn default_projection_drops_never_returned_attributes() {
    let out = project(None, None);
    assert!(out.get("password").is_none());
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(out, expected);
}

#[test]
fn attributes_keep_only_what_was_asked_plus_always() {
    let out = project(Some("userName,name.givenName,EMAILS.value"), None);
    assert_eq!(
        out,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1",
            "userName": "dana",
            "name": {"givenName": "Dana"},
            "emails": [{"value": "d@x"}]
        })
    );
    let out = project(Some("password,department"), None);
    assert_eq!(
        out,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}
        })
    );
    let out = project(
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
        None,
    );
    assert_eq!(
        out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({"department": "Sales", "costCenter": "1"})
    );
    assert!(out.get("userName").is_none());
}

#[test]
fn excluded_attributes_cannot_remove_always_ones() {
    let out = project(
        None,
        Some(
            "id,emails,name.familyName,favouriteColour,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
        ),
    );
    assert_eq!(out["id"], "u1");
    assert!(out.get("emails").is_none());
    assert_eq!(out["name"], json!({"givenName": "Dana"}));
    assert!(out.get("favouriteColour").is_none());
    assert_eq!(
        out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({"department": "Sales"})
    );
    let out = project(
        None,
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
    );
    assert!(
        out.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
            .is_none()
    );
}

#[test]
fn group_projection_can_drop_members() {
    let group = json!({"id": "g", "displayName": "G", "members": [{"value": "a"}]});
    let out = Projection::from_lists(None, Some("members"))
        .unwrap()
        .apply(&group, &GROUP);
    assert_eq!(out, json!({"id": "g", "displayName": "G"}));
}

fn sorted(resources: &[Value], by: &str, order: SortOrder) -> Vec<Value> {
    let mut resources = resources.to_vec();
    Sort {
        by: AttrPath::parse(by).unwrap(),
        order,
    }
    .apply(&mut resources, &USER);
    resources.iter().map(|r| r["id"].clone()).collect()
}

#[test]
fn sorting_follows_type_case_and_missing_value_rules() {
    let users = [
        json!({"id": 1, "userName": "bob", "meta": {"created": "2024-01-02T00:00:00Z"}, "emails": [{"value": "z@x"}, {"value": "a@x", "primary": true}]}),
        json!({"id": 2, "userName": "Alice", "meta": {"created": "2024-01-01T23:00:00-02:00"}}),
        json!({"id": 3, "meta": {"created": "2024-01-01T00:00:00Z"}, "emails": [{"value": "m@x"}]}),
        json!({"id": 4, "userName": "carol"}),
    ];
    assert_eq!(
        sorted(&users, "userName", SortOrder::Ascending),
        [json!(2), json!(1), json!(4), json!(3)]
    );
    assert_eq!(
        sorted(&users, "userName", SortOrder::Descending),
        [json!(3), json!(4), json!(1), json!(2)]
    );
    // 2024-01-01T23:00-02:00 is after 2024-01-02T00:00Z.
    assert_eq!(
        sorted(&users, "meta.created", SortOrder::Ascending),
        [json!(3), json!(1), json!(2), json!(4)]
    );
    // Multi-valued: the primary value, else the first.
    assert_eq!(
        sorted(&users, "emails", SortOrder::Ascending),
        [json!(1), json!(3), json!(2), json!(4)]
    );
    assert_eq!(
        sorted(&users, "emails.value", SortOrder::Ascending),
        [json!(1), json!(3), json!(2), json!(4)]
    );
}
