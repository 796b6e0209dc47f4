use serde_json::json;

use super::*;
use crate::AttrPath;

#[test]
fn resolution_is_case_insensitive_and_understands_urns() {
    let resolved = USER.resolve(&AttrPath::parse("USERNAME").unwrap()).unwrap();
    assert_eq!(resolved.attribute.name(), "userName");
    assert!(!resolved.attribute.case_exact());
    assert_eq!(resolved.location, Location::Root);

    let path =
        AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
            .unwrap();
    let resolved = USER.resolve(&path).unwrap();
    assert_eq!(resolved.location, Location::Extension(&ENTERPRISE_USER));
    assert_eq!(resolved.target().name(), "value");
    assert_eq!(
        resolved.json_keys(),
        [ENTERPRISE_USER_SCHEMA, "manager", "value"]
    );

    let resolved = USER.resolve(&AttrPath::parse("emails").unwrap()).unwrap();
    assert_eq!(resolved.comparison_target().name(), "value");
    assert_eq!(resolved.json_keys(), ["emails"]);

    for exact in ["id", "externalId"] {
        assert!(
            USER.resolve(&AttrPath::new(exact))
                .unwrap()
                .attribute
                .case_exact(),
            "{exact}"
        );
    }
    assert!(
        USER.resolve(
            &AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:department").unwrap()
        )
        .is_none()
    );
    assert!(
        USER.resolve(&AttrPath::parse("name.nope").unwrap())
            .is_none()
    );
    assert!(USER.resolve(&AttrPath::new("nope")).is_none());
    assert!(
        GROUP
            .resolve(&AttrPath::with_sub("members", "VALUE"))
            .unwrap()
            .target()
            .case_exact()
    );
    assert_eq!(
        USER.extension_named_by(&AttrPath::parse(ENTERPRISE_USER_SCHEMA).unwrap()),
        Some(&ENTERPRISE_USER)
    );
    assert_eq!(resource_type("group"), Some(&GROUP));
}

#[test]
fn rfc_attribute_characteristics() {
    let password = USER.core_attribute("password").unwrap();
    assert_eq!(password.mutability(), Mutability::WriteOnly);
    assert_eq!(password.returned(), Returned::Never);
    let id = USER.core_attribute("id").unwrap();
    assert_eq!(
        (id.mutability(), id.returned()),
        (Mutability::ReadOnly, Returned::Always)
    );
    let user_name = USER.core_attribute("userName").unwrap();
    assert!(user_name.required());
    assert_eq!(user_name.uniqueness(), Uniqueness::Server);
    let emails = USER.core_attribute("emails").unwrap();
    assert!(emails.multi_valued());
    assert_eq!(
        emails.sub_attribute("type").unwrap().canonical_values(),
        ["work", "home", "other"]
    );
    assert_eq!(
        USER.core_attribute("groups").unwrap().mutability(),
        Mutability::ReadOnly
    );
    assert_eq!(
        GROUP
            .core_attribute("members")
            .unwrap()
            .sub_attribute("value")
            .unwrap()
            .mutability(),
        Mutability::Immutable
    );
    assert_eq!(
        USER.core_attribute("meta")
            .unwrap()
            .sub_attribute("lastModified")
            .unwrap()
            .kind(),
        AttrType::DateTime
    );
}

#[test]
fn service_provider_config_document() {
    let doc = ServiceProviderConfig {
        max_results: 1000,
        documentation_uri: None,
    }
    .to_json("https://h/scim/v2/d1/");
    assert_eq!(
        doc["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(doc["patch"]["supported"], true);
    assert_eq!(doc["bulk"]["supported"], false);
    assert_eq!(
        doc["filter"],
        json!({"supported": true, "maxResults": 1000})
    );
    assert_eq!(doc["sort"]["supported"], true);
    assert_eq!(doc["etag"]["supported"], true);
    assert_eq!(doc["changePassword"]["supported"], true);
    assert_eq!(doc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        doc["meta"]["location"],
        "https://h/scim/v2/d1/ServiceProviderConfig"
    );
}

#[test]
fn resource_types_document() {
    let doc = super::resource_types_document("https://h/scim");
    assert_eq!(doc["totalResults"], 2);
    let user = &doc["Resources"][0];
    assert_eq!(user["id"], "User");
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], USER_SCHEMA);
    assert_eq!(
        user["schemaExtensions"],
        json!([{"schema": ENTERPRISE_USER_SCHEMA, "required": false}])
    );
    assert_eq!(
        user["meta"]["location"],
        "https://h/scim/ResourceTypes/User"
    );
    assert_eq!(doc["Resources"][1]["endpoint"], "/Groups");
    assert_eq!(
        resource_type_document("Group", "https://h").unwrap()["name"].as_str(),
        Some("Group")
    );
    assert!(resource_type_document("Device", "https://h").is_none());
}

#[test]
fn schemas_document() {
    let doc = super::schemas_document("https://h");
    assert_eq!(doc["totalResults"], 3);
    let user = schema_document(USER_SCHEMA, "https://h").unwrap();
    assert_eq!(
        user["meta"]["location"],
        format!("https://h/Schemas/{USER_SCHEMA}")
    );
    let user_name = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(
        user_name,
        &json!({
            "name": "userName",
            "type": "string",
            "multiValued": false,
            "description": user_name["description"],
            "required": true,
            "caseExact": false,
            "mutability": "readWrite",
            "returned": "default",
            "uniqueness": "server"
        })
    );
    let emails = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "emails")
        .unwrap();
    assert_eq!(emails["subAttributes"].as_array().unwrap().len(), 4);
    let group = schema_document(GROUP_SCHEMA, "https://h").unwrap();
    assert_eq!(group["attributes"][1]["name"], "members");
    assert!(schema_document("urn:nope", "https://h").is_none());
    // Common attributes are not part of schema representations (RFC 7643 §8.7.1).
    assert!(
        user["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["name"] != "id")
    );
}
