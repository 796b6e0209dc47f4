use serde_json::json;

use crate::{AttrPath, Error, ScimType, fold_case};

#[test]
fn error_json_has_status_as_string() {
    let err = Error::uniqueness("userName already exists");
    assert_eq!(err.status(), 409);
    assert_eq!(
        err.to_json(),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "409",
            "scimType": "uniqueness",
            "detail": "userName already exists"
        })
    );
    let not_found = Error::not_found("no such user").to_json();
    assert_eq!(not_found["status"], "404");
    assert!(not_found.get("scimType").is_none());
    assert_eq!(Error::not_found("x").to_string(), "x");
}

#[test]
fn every_scim_type_has_its_status() {
    let cases = [
        (Error::invalid_filter("d"), 400, "invalidFilter"),
        (Error::too_many("d"), 400, "tooMany"),
        (Error::uniqueness("d"), 409, "uniqueness"),
        (Error::mutability("d"), 400, "mutability"),
        (Error::invalid_syntax("d"), 400, "invalidSyntax"),
        (Error::invalid_path("d"), 400, "invalidPath"),
        (Error::no_target("d"), 400, "noTarget"),
        (Error::invalid_value("d"), 400, "invalidValue"),
        (Error::invalid_vers("d"), 400, "invalidVers"),
        (Error::sensitive("d"), 403, "sensitive"),
    ];
    for (err, status, keyword) in cases {
        assert_eq!(err.status(), status, "{keyword}");
        assert_eq!(err.scim_type().map(ScimType::as_str), Some(keyword));
        assert_eq!(err.to_json()["scimType"], keyword);
        assert_eq!(err.to_json()["status"], status.to_string());
    }
    for (err, status) in [
        (Error::unauthorized("d"), 401),
        (Error::forbidden("d"), 403),
        (Error::conflict("d"), 409),
        (Error::precondition_failed("d"), 412),
        (Error::payload_too_large("d"), 413),
        (Error::internal("d"), 500),
        (Error::not_implemented("d"), 501),
    ] {
        assert_eq!((err.status(), err.scim_type()), (status, None));
    }
}

#[test]
fn attribute_paths() {
    let path =
        AttrPath::parse(" urn:ietf:params:scim:schemas:core:2.0:User:name.givenName ").unwrap();
    assert_eq!(
        path.schema.as_deref(),
        Some("urn:ietf:params:scim:schemas:core:2.0:User")
    );
    assert_eq!(
        path.to_string(),
        "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName"
    );
    assert_eq!(
        AttrPath::parse("members.$ref").unwrap(),
        AttrPath::with_sub("members", "$ref")
    );
    for bad in ["", "a.b.c", "1a", "a b", "urn:x:", ":a", "a.", "a[b]"] {
        let err = AttrPath::parse(bad).expect_err(bad);
        assert_eq!(err.scim_type(), Some(ScimType::InvalidPath), "{bad}");
    }
}

#[test]
fn case_folding() {
    assert_eq!(fold_case("Dana.NG@Example.com"), "dana.ng@example.com");
    assert!(matches!(
        fold_case("already"),
        std::borrow::Cow::Borrowed(_)
    ));
    assert_eq!(fold_case("ZOË ÅSE"), "zoë åse");
}
