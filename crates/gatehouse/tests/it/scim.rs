//! The SCIM server end to end: Okta's request shapes (okta-reference §7) replayed, every
//! error status in the SCIM Error shape, authentication failures, group push with
//! recoverable deletion, OAuth client credentials, and the unified directory API.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use store::Backend;

use crate::helpers::{TestApp, TestResponse, error_code};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM directory of a fresh org: its id, base path and token.
pub(crate) struct Dir {
    pub(crate) org: String,
    pub(crate) id: String,
    pub(crate) base: String,
    pub(crate) token: String,
}

pub(crate) async fn scim_directory(app: &TestApp, org: Option<&str>) -> Dir {
    let org = match org {
        Some(org) => org.to_owned(),
        None => app.create_org("acme").await,
    };
    let res = app
        .post(
            &format!("/api/v1/orgs/{org}/directories"),
            json!({ "kind": "scim", "name": "Okta", "auth": "bearer" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.body["id"].as_str().unwrap().to_owned();
    let base_url = res.body["scim_base_url"].as_str().unwrap();
    // Okta refuses `_` in a SCIM base URL: the URL carries the id without its prefix.
    let url_id = id.strip_prefix("dir_").unwrap();
    assert_eq!(base_url, format!("http://gatehouse.test/scim/v2/{url_id}"));
    assert!(!base_url.contains('_'), "{base_url}");
    Dir {
        org,
        base: format!("/scim/v2/{url_id}"),
        id,
        token: res.body["bearer_token"].as_str().unwrap().to_owned(),
    }
}

/// Sends a SCIM request the way Okta does (scim+json, Bearer token).
pub(crate) async fn scim(
    app: &TestApp,
    method: Method,
    path: &str,
    authorization: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("accept", "application/scim+json")
        .header("user-agent", "Okta SCIM Client 1.0.0");
    if let Some(value) = authorization {
        builder = builder.header("authorization", value);
    }
    let request = match body {
        Some(body) => builder
            .header("content-type", "application/scim+json; charset=utf-8")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    };
    app.send(request).await
}

impl Dir {
    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    pub(crate) async fn get(&self, app: &TestApp, path: &str) -> TestResponse {
        scim(
            app,
            Method::GET,
            &format!("{}{path}", self.base),
            Some(&self.bearer()),
            None,
        )
        .await
    }

    pub(crate) async fn send(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Value,
    ) -> TestResponse {
        scim(
            app,
            method,
            &format!("{}{path}", self.base),
            Some(&self.bearer()),
            Some(body),
        )
        .await
    }

    pub(crate) async fn create_user(&self, app: &TestApp, user_name: &str) -> String {
        let res = self
            .send(app, Method::POST, "/Users", okta_user(user_name))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        res.body["id"].as_str().unwrap().to_owned()
    }
}

/// Okta's create body, verbatim from okta-reference §7.3 (password placeholder included).
pub(crate) fn okta_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": { "givenName": "Dana", "familyName": "Ng" },
        "emails": [ { "primary": true, "value": user_name, "type": "work" } ],
        "displayName": "Dana Ng",
        "locale": "en-US",
        "externalId": "00u1a2b3c4D5e6F7g8h9",
        "groups": [],
        "password": "tQ7xv2mK",
        "active": true
    })
}

/// Asserts the SCIM Error shape and status, returns the scimType (if any).
fn scim_error(res: &TestResponse, status: StatusCode) -> Option<String> {
    assert_eq!(res.status, status, "{}", res.text);
    assert_eq!(
        res.headers["content-type"], "application/scim+json",
        "{}",
        res.text
    );
    assert_eq!(res.body["schemas"], json!([ERROR_SCHEMA]), "{}", res.text);
    assert_eq!(res.body["status"], status.as_u16().to_string());
    assert!(res.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    res.body["scimType"].as_str().map(str::to_owned)
}

fn deactivate(active: &str) -> Value {
    json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "replace", "value": { "active": active } } ] })
}

pub(crate) async fn events(app: &TestApp, org: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/events?org={org}&limit=500"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body["data"].as_array().unwrap().clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

async fn okta_user_lifecycle(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    // 1. Okta's lookup before create: an empty ListResponse with integer paging fields.
    let empty = dir
        .get(
            &app,
            "/Users?filter=userName%20eq%20%22dana.ng%40example.com%22&startIndex=1&count=100",
        )
        .await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(empty.headers["content-type"], "application/scim+json");
    assert_eq!(empty.body["totalResults"], 0);
    assert_eq!(empty.body["startIndex"], 1);
    assert_eq!(empty.body["itemsPerPage"], 0);
    assert_eq!(empty.body["Resources"], json!([]));

    // 2. Create: 201 with the full resource, id, meta, Location and ETag, never the password.
    let created = dir
        .send(
            &app,
            Method::POST,
            "/Users",
            okta_user("dana.ng@example.com"),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("usr_"));
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body["name"]["givenName"], "Dana");
    assert_eq!(
        created.body["locale"], "en-US",
        "unknown attributes are kept"
    );
    assert!(created.body.get("password").is_none());
    assert!(!created.text.contains("tQ7xv2mK"));
    let location = format!("http://gatehouse.test{}/Users/{id}", dir.base);
    assert_eq!(created.headers["location"], location.as_str());
    assert_eq!(created.body["meta"]["location"], location.as_str());
    assert_eq!(created.body["meta"]["resourceType"], "User");
    assert_eq!(created.headers["etag"], "W/\"1\"");

    // 3. Repeat POST, any case: 409 uniqueness.
    let again = dir
        .send(
            &app,
            Method::POST,
            "/Users",
            okta_user("DANA.NG@EXAMPLE.COM"),
        )
        .await;
    assert_eq!(
        scim_error(&again, StatusCode::CONFLICT).as_deref(),
        Some("uniqueness")
    );

    // 4. The upper-cased lookup finds the user; GET by id returns the same resource.
    let found = dir
        .get(
            &app,
            "/Users?filter=userName%20eq%20%22DANA.NG%40EXAMPLE.COM%22",
        )
        .await;
    assert_eq!(found.body["totalResults"], 1, "{}", found.text);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    let got = dir.get(&app, &format!("/Users/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, created.body);

    // 5. Profile update by PUT of the fetched body with a changed name.
    let mut body = got.body.clone();
    body["name"]["givenName"] = json!("Danielle");
    let put = dir
        .send(&app, Method::PUT, &format!("/Users/{id}"), body)
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["name"]["givenName"], "Danielle");
    assert_eq!(put.body["meta"]["version"], "W/\"2\"");

    // 6. Deactivate with Okta's pathless replace (string boolean).
    let off = dir
        .send(
            &app,
            Method::PATCH,
            &format!("/Users/{id}"),
            deactivate("False"),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(off.body["active"], false);
    let still = dir
        .get(
            &app,
            "/Users?filter=userName%20eq%20%22dana.ng%40example.com%22",
        )
        .await;
    assert_eq!(
        still.body["Resources"][0]["active"], false,
        "inactive users are found"
    );

    // 7. Re-sending the same PATCH changes nothing (same version).
    let again = dir
        .send(
            &app,
            Method::PATCH,
            &format!("/Users/{id}"),
            deactivate("false"),
        )
        .await;
    assert_eq!(again.body["meta"]["version"], off.body["meta"]["version"]);

    // 8. Reactivate (AIW style: PUT with active true).
    let mut body = again.body.clone();
    body["active"] = json!(true);
    let on = dir
        .send(&app, Method::PUT, &format!("/Users/{id}"), body)
        .await;
    assert_eq!(on.body["active"], true, "{}", on.text);

    let seen = events(&app, &dir.org).await;
    assert_eq!(
        types(&seen),
        [
            "user.created",
            "user.updated",
            "user.deactivated",
            "user.reactivated"
        ]
    );
    assert_eq!(seen[1]["data"]["before"]["name"]["givenName"], "Dana");
    assert_eq!(seen[1]["data"]["after"]["name"]["givenName"], "Danielle");
    assert_eq!(seen[0]["directory_id"], dir.id.as_str());
    let audit = app
        .get(&format!("/api/v1/audit?org={}&limit=500", dir.org))
        .await;
    let actions: Vec<&str> = audit.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"scim.user.created") && actions.contains(&"scim.user.updated"));

    // 9. DELETE (Okta never sends it, others do): 204, then 404.
    let res = scim(
        &app,
        Method::DELETE,
        &format!("{}/Users/{id}", dir.base),
        Some(&dir.bearer()),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    scim_error(
        &dir.get(&app, &format!("/Users/{id}")).await,
        StatusCode::NOT_FOUND,
    );
}

async fn lists_page_filter_sort_and_project(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    for name in ["carol@x.com", "alice@x.com", "bob@y.com"] {
        dir.create_user(&app, name).await;
    }
    let page = dir.get(&app, "/Users?startIndex=2&count=1").await;
    assert_eq!(page.body["totalResults"], 3);
    assert_eq!(page.body["startIndex"], 2);
    assert_eq!(page.body["itemsPerPage"], 1);
    assert_eq!(page.body["Resources"][0]["userName"], "alice@x.com");

    let sorted = dir
        .get(&app, "/Users?sortBy=userName&sortOrder=descending")
        .await;
    let names: Vec<&str> = sorted.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["carol@x.com", "bob@y.com", "alice@x.com"]);

    let ew = dir
        .get(
            &app,
            "/Users?filter=userName%20ew%20%22X.COM%22&attributes=userName",
        )
        .await;
    assert_eq!(ew.body["totalResults"], 2, "{}", ew.text);
    let projected = &ew.body["Resources"][0];
    assert!(projected["id"].is_string() && projected["userName"].is_string());
    assert!(ew.body["Resources"][0].get("name").is_none());

    // A filter SQL cannot express is evaluated in memory.
    let memory = dir
        .get(
            &app,
            "/Users?filter=emails%5Btype%20eq%20%22work%22%20and%20value%20sw%20%22bob%22%5D",
        )
        .await;
    assert_eq!(memory.body["totalResults"], 1, "{}", memory.text);
    assert_eq!(memory.body["Resources"][0]["userName"], "bob@y.com");

    let search = dir
        .send(
            &app,
            Method::POST,
            "/Users/.search",
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "userName sw \"a\" or userName sw \"b\"",
                "startIndex": 1, "count": 10
            }),
        )
        .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.text);
    assert_eq!(search.body["totalResults"], 2);
}

async fn every_error_is_a_scim_error(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    let id = dir.create_user(&app, "dana@example.com").await;

    scim_error(
        &dir.get(&app, "/Users/00919288221112222").await,
        StatusCode::NOT_FOUND,
    );
    scim_error(&dir.get(&app, "/Nope").await, StatusCode::NOT_FOUND);
    scim_error(
        &scim(&app, Method::GET, "/scim/v2", Some(&dir.bearer()), None).await,
        StatusCode::NOT_FOUND,
    );
    let filter = dir.get(&app, "/Users?filter=userName%20eq").await;
    assert_eq!(
        scim_error(&filter, StatusCode::BAD_REQUEST).as_deref(),
        Some("invalidFilter")
    );
    let password = dir.get(&app, "/Users?filter=password%20eq%20%22x%22").await;
    assert_eq!(
        scim_error(&password, StatusCode::BAD_REQUEST).as_deref(),
        Some("invalidFilter")
    );

    let bad_json = app
        .send(
            Request::post(format!("{}/Users", dir.base))
                .header("authorization", dir.bearer())
                .header("content-type", "application/scim+json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(
        scim_error(&bad_json, StatusCode::BAD_REQUEST).as_deref(),
        Some("invalidSyntax")
    );
    let wrong_type = app
        .send(
            Request::post(format!("{}/Users", dir.base))
                .header("authorization", dir.bearer())
                .header("content-type", "text/plain")
                .body(Body::from(okta_user("x@example.com").to_string()))
                .unwrap(),
        )
        .await;
    scim_error(&wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let plain_json = app
        .send(
            Request::post(format!("{}/Users", dir.base))
                .header("authorization", dir.bearer())
                .header("content-type", "application/json")
                .body(Body::from(okta_user("json@example.com").to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(
        plain_json.status,
        StatusCode::CREATED,
        "application/json bodies work"
    );

    let no_schema = dir
        .send(
            &app,
            Method::POST,
            "/Users",
            json!({ "userName": "x@example.com" }),
        )
        .await;
    assert_eq!(
        scim_error(&no_schema, StatusCode::BAD_REQUEST).as_deref(),
        Some("invalidSyntax")
    );
    let no_name = dir
        .send(
            &app,
            Method::POST,
            "/Users",
            json!({ "schemas": [USER_SCHEMA] }),
        )
        .await;
    assert_eq!(
        scim_error(&no_name, StatusCode::BAD_REQUEST).as_deref(),
        Some("invalidValue")
    );
    let method = scim(
        &app,
        Method::DELETE,
        &format!("{}/Users", dir.base),
        Some(&dir.bearer()),
        None,
    )
    .await;
    scim_error(&method, StatusCode::METHOD_NOT_ALLOWED);
    let bad_patch = dir
        .send(
            &app,
            Method::PATCH,
            &format!("/Users/{id}"),
            json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "jump" } ] }),
        )
        .await;
    assert_eq!(
        scim_error(&bad_patch, StatusCode::BAD_REQUEST).as_deref(),
        Some("invalidSyntax")
    );

    // If-Match: a stale version is 412, the current one works.
    let stale = app
        .send(
            Request::put(format!("{}/Users/{id}", dir.base))
                .header("authorization", dir.bearer())
                .header("content-type", "application/scim+json")
                .header("if-match", "W/\"7\"")
                .body(Body::from(okta_user("dana@example.com").to_string()))
                .unwrap(),
        )
        .await;
    scim_error(&stale, StatusCode::PRECONDITION_FAILED);
    let current = app
        .send(
            Request::patch(format!("{}/Users/{id}", dir.base))
                .header("authorization", dir.bearer())
                .header("content-type", "application/scim+json")
                .header("if-match", "W/\"1\"")
                .body(Body::from(deactivate("false").to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(current.status, StatusCode::OK, "{}", current.text);

    // Renaming onto a taken userName is 409 too.
    let other = dir.create_user(&app, "other@example.com").await;
    let clash = dir
        .send(
            &app,
            Method::PUT,
            &format!("/Users/{other}"),
            okta_user("Dana@Example.com"),
        )
        .await;
    assert_eq!(
        scim_error(&clash, StatusCode::CONFLICT).as_deref(),
        Some("uniqueness")
    );
}

async fn authentication_failures(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    let other = scim_directory(&app, None).await;
    let users = format!("{}/Users", dir.base);
    for header in [
        None,
        Some("Bearer ghs_wrong".to_owned()),
        Some("non-token".to_owned()),
        Some(format!("Bearer {}", other.token)),
        Some(format!("Basic {}", dir.token)),
        Some("Bearer".to_owned()),
    ] {
        let res = scim(&app, Method::GET, &users, header.as_deref(), None).await;
        scim_error(&res, StatusCode::UNAUTHORIZED);
        assert!(res.headers.contains_key("www-authenticate"));
    }
    // Both Okta header styles work.
    for header in [
        dir.bearer(),
        dir.token.clone(),
        format!("bearer {}", dir.token),
    ] {
        let res = scim(&app, Method::GET, &users, Some(&header), None).await;
        assert_eq!(res.status, StatusCode::OK, "{header}: {}", res.text);
    }
    // Rotation: the old token stops at once, the new one works.
    let rotated = app
        .post(
            &format!("/api/v1/directories/{}/rotate-credentials", dir.id),
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new_token = rotated.body["bearer_token"].as_str().unwrap();
    assert!(new_token.starts_with("ghs_") && new_token != dir.token);
    scim_error(
        &scim(&app, Method::GET, &users, Some(&dir.bearer()), None).await,
        StatusCode::UNAUTHORIZED,
    );
    let ok = scim(
        &app,
        Method::GET,
        &users,
        Some(&format!("Bearer {new_token}")),
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    // Deleting the directory ends its token too.
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/directories/{}", dir.id),
            Some(&app.root_token),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    scim_error(
        &scim(
            &app,
            Method::GET,
            &users,
            Some(&format!("Bearer {new_token}")),
            None,
        )
        .await,
        StatusCode::UNAUTHORIZED,
    );
}

async fn group_push_and_recovery(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    let dana = dir.create_user(&app, "dana@example.com").await;
    let eli = dir.create_user(&app, "eli@example.com").await;
    let created = dir
        .send(
            &app,
            Method::POST,
            "/Groups",
            json!({ "schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": [] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let group = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["members"], json!([]));
    let path = format!("/Groups/{group}");

    // Okta's membership PATCH: filtered remove, then add; then the rename it always re-sends.
    let add = json!({ "schemas": [PATCH_SCHEMA], "Operations": [
        { "op": "remove", "path": format!("members[value eq \"{eli}\"]") },
        { "op": "add", "path": "members", "value": [ { "value": dana, "display": "dana@example.com" }, { "value": eli } ] } ] });
    let res = dir.send(&app, Method::PATCH, &path, add).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    let rename = json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "replace", "value": { "id": group, "displayName": "Sales" } } ] });
    let res = dir.send(&app, Method::PATCH, &path, rename.clone()).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let got = dir.get(&app, &path).await;
    assert_eq!(
        got.body["members"].as_array().unwrap().len(),
        2,
        "{}",
        got.text
    );
    assert_eq!(got.body["members"][0]["display"], "Dana Ng");
    let version = got.body["meta"]["version"].clone();
    let res = dir.send(&app, Method::PATCH, &path, rename).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        dir.get(&app, &path).await.body["meta"]["version"],
        version,
        "a no-op rename keeps the version"
    );

    // Filtered remove deletes only that member; asking for attributes returns the group.
    let remove = json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "remove", "path": format!("members[value eq \"{dana}\"]") } ] });
    let res = dir
        .send(
            &app,
            Method::PATCH,
            &format!("{path}?attributes=members"),
            remove,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        res.body["members"],
        json!([{ "value": eli, "display": "Dana Ng", "$ref": format!("http://gatehouse.test{}/Users/{eli}", dir.base) }])
    );

    // Membership by display name needs the member list (full engine path).
    let by_display = json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "remove", "path": "members[display eq \"Dana Ng\"]" } ] });
    assert_eq!(
        dir.send(&app, Method::PATCH, &path, by_display)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(dir.get(&app, &path).await.body["members"], json!([]));

    // Unknown member ids are refused, never linked to another tenant's users.
    let foreign = json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "add", "path": "members", "value": [ { "value": "usr_nobody" } ] } ] });
    assert_eq!(
        scim_error(
            &dir.send(&app, Method::PATCH, &path, foreign).await,
            StatusCode::BAD_REQUEST
        )
        .as_deref(),
        Some("invalidValue")
    );

    // Push now with an empty list clears; PUT replaces name and members.
    let put = dir
        .send(&app, Method::PUT, &path, json!({ "schemas": [GROUP_SCHEMA], "displayName": "Sales EMEA", "members": [ { "value": dana } ] }))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["displayName"], "Sales EMEA");
    let clear = json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "replace", "path": "members", "value": [] } ] });
    dir.send(&app, Method::PATCH, &path, clear).await;
    assert_eq!(dir.get(&app, &path).await.body["members"], json!([]));
    dir.send(&app, Method::PATCH, &path, json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "add", "path": "members", "value": [ { "value": dana } ] } ] })).await;

    // Lookup by displayName (Okta links by name), members excluded on request.
    let found = dir
        .get(
            &app,
            "/Groups?filter=displayName%20eq%20%22sales%20emea%22&excludedAttributes=members",
        )
        .await;
    assert_eq!(found.body["totalResults"], 1, "{}", found.text);
    assert!(found.body["Resources"][0].get("members").is_none());
    let by_member = dir
        .get(
            &app,
            &format!("/Groups?filter=members%5Bvalue%20eq%20%22{dana}%22%5D"),
        )
        .await;
    assert_eq!(by_member.body["totalResults"], 1, "{}", by_member.text);

    // DELETE keeps the team recoverable; restore brings members back; purge warns first.
    let res = scim(
        &app,
        Method::DELETE,
        &format!("{}{path}", dir.base),
        Some(&dir.bearer()),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    scim_error(&dir.get(&app, &path).await, StatusCode::NOT_FOUND);
    let deleted = app
        .get(&format!("/api/v1/directories/{}/deleted-groups", dir.id))
        .await;
    assert_eq!(
        deleted.body["data"][0]["id"],
        group.as_str(),
        "{}",
        deleted.text
    );
    assert_eq!(deleted.body["data"][0]["member_count"], 1);
    let restored = app
        .post(
            &format!("/api/v1/directories/{}/groups/{group}/restore", dir.id),
            json!({}),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(
        dir.get(&app, &path).await.body["members"][0]["value"],
        dana.as_str()
    );
    scim(
        &app,
        Method::DELETE,
        &format!("{}{path}", dir.base),
        Some(&dir.bearer()),
        None,
    )
    .await;
    let unconfirmed = app
        .post(
            &format!("/api/v1/directories/{}/groups/{group}/purge", dir.id),
            json!({}),
        )
        .await;
    assert_eq!(
        unconfirmed.status,
        StatusCode::CONFLICT,
        "{}",
        unconfirmed.text
    );
    assert_eq!(error_code(&unconfirmed), "purge_not_confirmed");
    assert_eq!(unconfirmed.body["error"]["details"][0]["members"], 1);
    let purged = app
        .post(
            &format!("/api/v1/directories/{}/groups/{group}/purge", dir.id),
            json!({ "confirm": true }),
        )
        .await;
    assert_eq!(purged.status, StatusCode::OK, "{}", purged.text);
    let gone = app
        .post(
            &format!("/api/v1/directories/{}/groups/{group}/restore", dir.id),
            json!({}),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    let seen = events(&app, &dir.org).await;
    let kinds = types(&seen);
    for expected in [
        "group.created",
        "group.member_added",
        "group.member_removed",
        "group.updated",
        "group.deleted",
        "group.restored",
    ] {
        assert!(
            kinds.contains(&expected),
            "{expected} missing from {kinds:?}"
        );
    }
}

async fn oauth_client_credentials(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let res = app
        .post(
            &format!("/api/v1/orgs/{org}/directories"),
            json!({ "kind": "scim", "name": "Okta", "auth": "oauth_client_credentials" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert!(res.body.get("bearer_token").is_none());
    let dir = res.body["id"].as_str().unwrap().to_owned();
    let client_id = res.body["client_id"].as_str().unwrap().to_owned();
    let secret = res.body["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(res.body["token_url"], "http://gatehouse.test/oauth/token");
    let token = |id: String, secret: String| {
        let app = &app;
        async move {
            app.send(
                Request::post("/oauth/token")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(format!(
                        "grant_type=client_credentials&client_id={id}&client_secret={secret}"
                    )))
                    .unwrap(),
            )
            .await
        }
    };
    let issued = token(client_id.clone(), secret.clone()).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text);
    assert_eq!(issued.body["token_type"], "Bearer");
    assert_eq!(issued.body["expires_in"], 3600);
    let access = issued.body["access_token"].as_str().unwrap().to_owned();
    let users = format!("/scim/v2/{dir}/Users");
    let ok = scim(
        &app,
        Method::GET,
        &users,
        Some(&format!("Bearer {access}")),
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let wrong = token(client_id.clone(), "ghss_wrong".into()).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["error"], "invalid_client");
    let grant = app
        .send(
            Request::post("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("grant_type=password"))
                .unwrap(),
        )
        .await;
    assert_eq!(grant.body["error"], "unsupported_grant_type");
    app.post(
        &format!("/api/v1/directories/{dir}/rotate-credentials"),
        json!({}),
    )
    .await;
    scim_error(
        &scim(
            &app,
            Method::GET,
            &users,
            Some(&format!("Bearer {access}")),
            None,
        )
        .await,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(
        token(client_id, secret).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn people_link_only_through_claimed_domains(backend: Backend) {
    let app = TestApp::new(backend).await;
    let a = scim_directory(&app, None).await;
    let b = scim_directory(&app, None).await;
    let c = scim_directory(&app, None).await;
    for dir in [&a, &b] {
        let res = app
            .call(
                Method::PUT,
                &format!("/api/v1/orgs/{}/domains", dir.org),
                Some(&app.root_token),
                Some(json!({ "domains": ["Example.com"] })),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.body["domains"], json!(["example.com"]));
    }
    // An org token may not claim domains.
    let org_token = app.token(Some(&c.org), "owner").await;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/orgs/{}/domains", c.org),
            Some(&org_token),
            Some(json!({ "domains": ["example.com"] })),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let in_a = a.create_user(&app, "dana@example.com").await;
    b.create_user(&app, "dana@example.com").await;
    c.create_user(&app, "dana@example.com").await;
    let person = |dir: &Dir| {
        let app = &app;
        let id = dir.id.clone();
        async move {
            let res = app
                .get(&format!(
                    "/api/v1/directories/{id}/users?filter=userName%20eq%20%22dana%40example.com%22"
                ))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            res.body["data"][0]["person_id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (pa, pb, pc) = (person(&a).await, person(&b).await, person(&c).await);
    assert_eq!(pa, pb, "both orgs claimed the domain: one person");
    assert_ne!(
        pa, pc,
        "an unclaimed domain never links: the person stays local"
    );

    // Deactivating in A leaves B's membership; deleting and re-provisioning in C re-attaches.
    a.send(
        &app,
        Method::PATCH,
        &format!("/Users/{in_a}"),
        deactivate("false"),
    )
    .await;
    let user_b = app
        .get(&format!("/api/v1/directories/{}/users", b.id))
        .await;
    assert_eq!(user_b.body["data"][0]["active"], true);
    let c_user = app
        .get(&format!("/api/v1/directories/{}/users", c.id))
        .await
        .body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    scim(
        &app,
        Method::DELETE,
        &format!("{}/Users/{c_user}", c.base),
        Some(&c.bearer()),
        None,
    )
    .await;
    c.create_user(&app, "dana@example.com").await;
    assert_eq!(
        person(&c).await,
        pc,
        "re-provisioning finds the same person"
    );
}

async fn unified_api_and_discovery(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(dir.create_user(&app, &format!("u{n}@example.com")).await);
    }
    let group = dir
        .send(&app, Method::POST, "/Groups", json!({ "schemas": [GROUP_SCHEMA], "displayName": "Eng", "members": [ { "value": ids[0] }, { "value": ids[1] } ] }))
        .await;
    let group = group.body["id"].as_str().unwrap().to_owned();
    let first = app
        .get(&format!("/api/v1/directories/{}/users?limit=2", dir.id))
        .await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!(
            "/api/v1/directories/{}/users?limit=10&cursor={cursor}",
            dir.id
        ))
        .await;
    assert_eq!(rest.body["data"].as_array().unwrap().len(), 3);
    assert!(rest.body["next_cursor"].is_null());
    assert_eq!(rest.body["data"][0]["first_name"], "Dana");
    // Attributes without an index are filtered too (in memory), as the SCIM list does.
    let by_email = app
        .get(&format!(
            "/api/v1/directories/{}/users?filter=emails%5Bvalue%20co%20%22u3%40%22%5D",
            dir.id
        ))
        .await;
    assert_eq!(by_email.status, StatusCode::OK, "{}", by_email.text);
    let found = by_email.body["data"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", by_email.text);
    assert_eq!(found[0]["user_name"], "u3@example.com");
    assert!(by_email.body["next_cursor"].is_null());
    let mut named = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(&format!(
                "/api/v1/directories/{}/users?limit=2&filter=name.givenName%20eq%20%22dana%22{cursor}",
                dir.id
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        named.extend(page.body["data"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        named.len(),
        5,
        "givenName is case-insensitive: all five match"
    );
    let none = app
        .get(&format!(
            "/api/v1/directories/{}/groups?filter=externalId%20pr%20and%20displayName%20sw%20%22x%22",
            dir.id
        ))
        .await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    assert_eq!(none.body["data"], json!([]));
    let groups = app
        .get(&format!("/api/v1/directories/{}/groups", dir.id))
        .await;
    assert_eq!(groups.body["data"][0]["member_count"], 2);
    let members = app
        .get(&format!(
            "/api/v1/directories/{}/groups/{group}/members",
            dir.id
        ))
        .await;
    assert_eq!(members.body["data"].as_array().unwrap().len(), 2);
    let directory = app.get(&format!("/api/v1/directories/{}", dir.id)).await;
    assert_eq!(directory.body["user_count"], 5);
    assert_eq!(directory.body["group_count"], 1);
    let listed = app
        .get(&format!("/api/v1/orgs/{}/directories", dir.org))
        .await;
    assert_eq!(listed.body["data"][0]["id"], dir.id.as_str());
    assert!(
        listed.body["data"][0].get("bearer_token").is_none(),
        "secrets are shown once"
    );
    let okta = app
        .post(
            &format!("/api/v1/orgs/{}/directories", dir.org),
            json!({ "kind": "okta_api", "name": "x" }),
        )
        .await;
    assert_eq!(okta.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&okta), "validation_failed");
    assert!(okta.text.contains("domain"), "{}", okta.text);

    let spc = dir.get(&app, "/ServiceProviderConfig").await;
    assert_eq!(spc.body["patch"]["supported"], true, "{}", spc.text);
    assert_eq!(spc.body["filter"]["maxResults"], 1000);
    let types = dir.get(&app, "/ResourceTypes").await;
    assert_eq!(types.body["totalResults"], 2);
    assert_eq!(
        dir.get(&app, "/ResourceTypes/User").await.body["endpoint"],
        "/Users"
    );
    let schemas = dir.get(&app, "/Schemas").await;
    assert_eq!(schemas.body["totalResults"], 3);
    assert_eq!(
        dir.get(&app, &format!("/Schemas/{USER_SCHEMA}"))
            .await
            .status,
        StatusCode::OK
    );
    scim_error(
        &dir.get(&app, "/Schemas/urn:nope").await,
        StatusCode::NOT_FOUND,
    );
}

async fn password_sync_keeps_only_a_hash(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/directories/{}", dir.id),
            Some(&app.root_token),
            Some(json!({ "password_sync": true })),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.body["password_sync"], true);
    let id = dir.create_user(&app, "dana@example.com").await;
    let patch = json!({ "schemas": [PATCH_SCHEMA], "Operations": [ { "op": "replace", "path": "password", "value": "n3w-Secret" } ] });
    let res = dir
        .send(&app, Method::PATCH, &format!("/Users/{id}"), patch)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(!res.text.contains("n3w-Secret"));
    let seen = events(&app, &dir.org).await;
    let last = seen.last().unwrap();
    assert_eq!(last["type"], "user.updated");
    assert_eq!(last["data"]["password_changed"], true);
    assert!(!last.to_string().contains("n3w-Secret"));
}

async fn base_url_has_no_underscore_and_full_ids_still_work(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    let short = dir.get(&app, "/Users?startIndex=1&count=2").await;
    assert_eq!(short.status, StatusCode::OK, "{}", short.text);
    let full = scim(
        &app,
        Method::GET,
        &format!("/scim/v2/{}/Users", dir.id),
        Some(&dir.bearer()),
        None,
    )
    .await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.text);
    let other = scim(
        &app,
        Method::GET,
        "/scim/v2/0190abcdef/Users",
        Some(&dir.bearer()),
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "{}", other.text);
}

/// Users carry their groups (RFC 7643 §4.1.2, read-only) unless excluded; a root-level
/// `POST /.search` (RFC 7644 §3.4.3) searches users and groups together.
async fn user_groups_and_root_search(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = scim_directory(&app, None).await;
    let dana = dir.create_user(&app, "dana@example.com").await;
    let eve = dir.create_user(&app, "eve@example.com").await;
    let group = dir
        .send(
            &app,
            Method::POST,
            "/Groups",
            json!({ "schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": [ { "value": dana } ] }),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.text);
    let group = group.body["id"].as_str().unwrap().to_owned();

    let one = dir.get(&app, &format!("/Users/{dana}")).await;
    assert_eq!(
        one.body["groups"],
        json!([{ "value": group, "display": "Sales", "type": "direct",
                  "$ref": format!("http://gatehouse.test{}/Groups/{group}", dir.base) }]),
        "{}",
        one.text
    );
    let lonely = dir.get(&app, &format!("/Users/{eve}")).await;
    assert!(lonely.body.get("groups").is_none(), "{}", lonely.text);
    // A page of the plain listing loads its groups by id range: the same answer.
    let listed = dir.get(&app, "/Users?startIndex=1&count=10").await;
    let resources = listed.body["Resources"].as_array().unwrap();
    assert_eq!(resources.len(), 2, "{}", listed.text);
    for resource in resources {
        let expected = if resource["id"] == dana.as_str() {
            one.body["groups"].clone()
        } else {
            Value::Null
        };
        assert_eq!(resource["groups"], expected, "{}", listed.text);
    }
    let filtered = dir
        .get(
            &app,
            "/Users?filter=userName%20eq%20%22DANA%40example.com%22",
        )
        .await;
    assert_eq!(
        filtered.body["Resources"][0]["groups"][0]["value"],
        group.as_str()
    );
    let excluded = dir
        .get(
            &app,
            "/Users?filter=userName%20eq%20%22dana%40example.com%22&excludedAttributes=groups",
        )
        .await;
    let resource = &excluded.body["Resources"][0];
    assert_eq!(
        resource["userName"], "dana@example.com",
        "{}",
        excluded.text
    );
    assert!(resource.get("groups").is_none(), "{}", excluded.text);
    let listed = dir.get(&app, "/Users?attributes=userName,groups").await;
    let with_groups: Vec<&Value> = listed.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("groups").is_some())
        .collect();
    assert_eq!(with_groups.len(), 1, "{}", listed.text);
    // Okta sends `groups: []` on create; it is read-only and never stored.
    let replaced = dir
        .send(
            &app,
            Method::PUT,
            &format!("/Users/{dana}"),
            okta_user("dana@example.com"),
        )
        .await;
    assert_eq!(
        replaced.body["groups"][0]["display"], "Sales",
        "{}",
        replaced.text
    );

    let search = |body: Value| {
        let (app, dir) = (&app, &dir);
        async move { dir.send(app, Method::POST, "/.search", body).await }
    };
    const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    let all = search(json!({ "schemas": [SEARCH] })).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["totalResults"], 3);
    let types: Vec<&str> = all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["User", "User", "Group"]);
    let paged = search(json!({ "schemas": [SEARCH], "startIndex": 2, "count": 2 })).await;
    assert_eq!(paged.body["totalResults"], 3);
    assert_eq!(paged.body["startIndex"], 2);
    assert_eq!(paged.body["Resources"][0]["id"], eve.as_str());
    assert_eq!(paged.body["Resources"][1]["id"], group.as_str());
    let users_only = search(json!({ "schemas": [SEARCH], "filter": "userName sw \"eve\"" })).await;
    assert_eq!(users_only.body["totalResults"], 1, "{}", users_only.text);
    assert_eq!(users_only.body["Resources"][0]["id"], eve.as_str());
    let groups_only =
        search(json!({ "schemas": [SEARCH], "filter": "displayName eq \"sales\"" })).await;
    assert_eq!(groups_only.body["totalResults"], 1, "{}", groups_only.text);
    assert_eq!(groups_only.body["Resources"][0]["id"], group.as_str());
    let unknown = search(json!({ "schemas": [SEARCH], "filter": "nonsense eq \"x\"" })).await;
    assert_eq!(unknown.body["totalResults"], 0, "{}", unknown.text);
    let malformed = search(json!({ "schemas": [SEARCH], "filter": "userName eq" })).await;
    assert_eq!(
        scim_error(&malformed, StatusCode::BAD_REQUEST).as_deref(),
        Some("invalidFilter")
    );
    let not_search = search(json!({ "schemas": [USER_SCHEMA] })).await;
    assert_eq!(
        not_search.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_search.text
    );
}

store::both_backends!(
    user_groups_and_root_search,
    base_url_has_no_underscore_and_full_ids_still_work,
    okta_user_lifecycle,
    lists_page_filter_sort_and_project,
    every_error_is_a_scim_error,
    authentication_failures,
    group_push_and_recovery,
    oauth_client_credentials,
    people_link_only_through_claimed_domains,
    unified_api_and_discovery,
    password_sync_keeps_only_a_hash,
);
