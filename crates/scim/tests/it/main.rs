//! Okta's provisioning flows (okta-reference §7) replayed through the public API only, the
//! way the server and store use it: a tiny in-memory directory stands in for the store.

use scim::patch::{GroupPatch, PatchRequest, apply_patch, plan_group_patch};
use scim::query::{ListLimits, ListQuery, ListResponse};
use scim::resource::{Meta, UserName, UserView, parse_group, parse_json, parse_user, render};
use scim::schema::{GROUP, ServiceProviderConfig, USER};
use scim::{Error, ScimType};
use serde_json::{Value, json};
use time::macros::datetime;

const BASE: &str = "https://gatehouse.example/scim/v2/dir_1";

#[derive(Default)]
struct Directory {
    users: Vec<(String, Value)>,
    groups: Vec<(String, Value, Vec<String>)>,
}

fn meta(version: u32) -> Meta {
    Meta {
        created: datetime!(2024-05-01 10:00 UTC),
        last_modified: datetime!(2024-05-01 10:00 UTC),
        version: version.to_string(),
    }
}

impl Directory {
    fn create_user(&mut self, body: &[u8]) -> Result<Value, Error> {
        let input = parse_user(parse_json(body)?)?;
        let name = UserName::new(
            UserView::new(&input.resource)
                .and_then(|v| v.user_name())
                .unwrap_or_default(),
        );
        let taken = self.users.iter().any(|(_, u)| {
            UserView::new(u)
                .and_then(|v| v.user_name())
                .map(UserName::new)
                == Some(name.clone())
        });
        if taken {
            return Err(Error::uniqueness(format!(
                "userName {} already exists",
                name.as_str()
            )));
        }
        let id = format!("u{}", self.users.len() + 1);
        self.users.push((id.clone(), input.resource.clone()));
        Ok(render(input.resource, &USER, &id, BASE, &meta(1)))
    }

    fn list_users(&self, pairs: &[(&str, &str)]) -> Result<Value, Error> {
        let query = ListQuery::from_pairs(pairs.iter().copied(), &USER, ListLimits::default())?;
        let mut matched: Vec<Value> = self
            .users
            .iter()
            .map(|(id, u)| render(u.clone(), &USER, id, BASE, &meta(1)))
            .filter(|u| query.filter.as_ref().is_none_or(|f| f.matches(u, &USER)))
            .collect();
        if let Some(sort) = &query.sort {
            sort.apply(&mut matched, &USER);
        }
        let total = matched.len() as u64;
        let page = matched
            .into_iter()
            .skip(query.offset())
            .take(query.count)
            .map(|u| query.projection.apply(&u, &USER))
            .collect();
        Ok(ListResponse::new(page, total, query.start_index as u64).into_json())
    }

    fn patch_user(&mut self, id: &str, body: Value) -> Result<Value, Error> {
        let request = PatchRequest::parse(body)?;
        let (_, stored) = self
            .users
            .iter_mut()
            .find(|(uid, _)| uid == id)
            .ok_or_else(|| Error::not_found(format!("no user {id}")))?;
        apply_patch(stored, &request, &USER)?;
        Ok(render(stored.clone(), &USER, id, BASE, &meta(2)))
    }

    fn create_group(&mut self, body: Value) -> Result<String, Error> {
        let input = parse_group(body)?;
        let id = format!("g{}", self.groups.len() + 1);
        let mut resource = input.resource;
        resource["id"] = json!(id);
        self.groups.push((id.clone(), resource, input.members));
        Ok(id)
    }

    fn patch_group(&mut self, id: &str, body: Value) -> Result<bool, Error> {
        let request = PatchRequest::parse(body)?;
        let (_, group, members) = self
            .groups
            .iter_mut()
            .find(|(gid, _, _)| gid == id)
            .ok_or_else(|| Error::not_found(format!("no group {id}")))?;
        match plan_group_patch(group, &request)? {
            GroupPatch::Planned(plan) => {
                plan.apply_members(members);
                let changed = plan.attributes_changed;
                *group = plan.group;
                Ok(changed)
            }
            GroupPatch::NeedsMembers => Err(Error::internal("not expected in this replay")),
        }
    }
}

#[test]
fn okta_user_lifecycle() {
    let mut dir = Directory::default();
    let create = br#"{
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "dana.ng@example.com",
        "name": { "givenName": "Dana", "familyName": "Ng" },
        "emails": [ { "primary": true, "value": "dana.ng@example.com", "type": "work" } ],
        "displayName": "Dana Ng", "locale": "en-US", "externalId": "00u1a2b3c4D5e6F7g8h9",
        "groups": [], "password": "tQ7xv2mK", "active": true
    }"#;

    // 1. Okta looks the user up first: an empty ListResponse, not a 404.
    let empty = dir
        .list_users(&[
            ("filter", "userName eq \"dana.ng@example.com\""),
            ("startIndex", "1"),
            ("count", "100"),
        ])
        .unwrap();
    assert_eq!(empty["totalResults"], 0);
    assert_eq!(empty["Resources"], json!([]));

    // 2. Create: 201 body with id and meta, no password.
    let created = dir.create_user(create).unwrap();
    assert_eq!(created["id"], "u1");
    assert_eq!(created["meta"]["location"], format!("{BASE}/Users/u1"));
    assert!(created.get("password").is_none());

    // 3. A repeated create is a 409 uniqueness error, whatever the case.
    let upper = String::from_utf8_lossy(create).replace(
        r#""userName": "dana.ng@example.com""#,
        r#""userName": "DANA.NG@EXAMPLE.COM""#,
    );
    assert!(upper.contains("DANA.NG"));
    let err = dir.create_user(upper.as_bytes()).unwrap_err();
    assert_eq!(
        (err.status(), err.scim_type()),
        (409, Some(ScimType::Uniqueness))
    );
    assert_eq!(err.to_json()["status"], "409");

    // 4. The upper-cased lookup of Okta's spec test finds the user.
    let found = dir
        .list_users(&[
            ("filter", "userName eq \"DANA.NG@EXAMPLE.COM\""),
            ("count", "1"),
        ])
        .unwrap();
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["itemsPerPage"], 1);
    assert_eq!(found["Resources"][0]["name"]["givenName"], "Dana");

    // 5. Deactivate with Okta's pathless replace, string boolean included.
    let patched = dir
        .patch_user(
            "u1",
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": "False"}}]
            }),
        )
        .unwrap();
    assert_eq!(patched["active"], false);
    let inactive = dir
        .list_users(&[("filter", "active eq false"), ("attributes", "userName")])
        .unwrap();
    assert_eq!(
        inactive["Resources"][0],
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1",
            "userName": "dana.ng@example.com"
        })
    );

    // 6. Malformed requests come back in the SCIM error shape.
    let err = dir.create_user(b"{not json").unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    let err = dir.list_users(&[("filter", "userName eq")]).unwrap_err();
    assert_eq!(err.to_json()["scimType"], "invalidFilter");
}

#[test]
fn okta_group_push() {
    let mut dir = Directory::default();
    let id = dir
        .create_group(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales", "members": []}))
        .unwrap();
    let members: Vec<String> = (0..10_000).map(|n| format!("user-{n}")).collect();
    dir.groups[0].2.clone_from(&members);

    // Membership change followed by Okta's habitual rename with the id.
    let renamed = dir
        .patch_group(&id, json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "remove", "path": "members[value eq \"user-17\"]"},
                {"op": "add", "path": "members", "value": [{"value": "user-new", "display": "new@example.com"}]},
                {"op": "replace", "value": {"id": id, "displayName": "Sales"}}
            ]
        }))
        .unwrap();
    assert!(!renamed, "an unchanged name is not a change");
    let current = &dir.groups[0].2;
    assert_eq!(current.len(), 10_000);
    assert!(!current.contains(&"user-17".to_owned()));
    assert!(current.contains(&"user-new".to_owned()));

    // "Push now" of an empty group clears membership.
    dir.patch_group(
        &id,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "members", "value": []}]
        }),
    )
    .unwrap();
    assert!(dir.groups[0].2.is_empty());
    assert_eq!(dir.groups[0].1["displayName"], "Sales");
}

#[test]
fn discovery_documents() {
    let config = ServiceProviderConfig {
        max_results: ListLimits::default().max_count,
        documentation_uri: None,
    };
    let doc: Value = config.to_json(BASE);
    assert_eq!(doc["filter"]["maxResults"], 1000);
    assert_eq!(
        scim::schema::resource_types_document(BASE)["Resources"][0]["schemaExtensions"][0]["schema"],
        scim::schema::ENTERPRISE_USER_SCHEMA
    );
    assert_eq!(scim::schema::schemas_document(BASE)["itemsPerPage"], 3);
    let _ = &GROUP;
}
