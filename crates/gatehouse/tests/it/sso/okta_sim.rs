//! End to end against okta-sim, as an Okta admin and a user would do it: apps made through
//! Okta's Apps API, connections made in Gatehouse from the app's metadata URL or issuer, the
//! browser carried through the sim's SSO URL (session cookie, auto-submitting form) and
//! authorize endpoint, then the code exchanged for the profile. Key rotation, IdP-initiated
//! sign-in on and off, and users the sim refuses.

use axum::http::StatusCode;
use okta_sim::{SimConfig, SimHandle};
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use store::Backend;

use super::{
    APP_CALLBACK, Browser, assert_dana, assert_refused, code_from, create_connection,
    patch_connection, path, redeem, urlencode,
};
use crate::helpers::{TestApp, TestResponse};

const DANA: &str = "dana.ng@example.com";
const EVE: &str = "eve.unassigned@example.com";
/// The host application's state in these sign-ins.
const STATE: &str = "st8";
const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";

/// A simulated Okta org with Dana (in Sales, which is assigned the apps) and Eve (not
/// assigned to anything).
struct Okta {
    sim: SimHandle,
    http: reqwest::Client,
    sales: String,
}

impl Okta {
    async fn start() -> Self {
        let sim = okta_sim::spawn(SimConfig {
            users: 0,
            groups: 0,
            apps: 0,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        sim.create_user(DANA, "Dana", "Ng").unwrap();
        sim.create_user(EVE, "Eve", "Outsider").unwrap();
        let sales = sim.create_group("Sales").unwrap();
        sim.add_to_group(&sales, DANA).unwrap();
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Self { sim, http, sales }
    }

    /// Okta's Management API with the admin's SSWS token.
    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .header("authorization", format!("SSWS {}", self.sim.admin_token()))
            .header("accept", "application/json");
        request = match body {
            Some(body) => request.json(&body),
            // Okta wants a Content-Length on bodiless POSTs.
            None => request.header("content-length", "0").body(""),
        };
        let res = request.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Changes an app as the admin console does: read it, edit, `PUT` it back whole.
    async fn edit_app(&self, id: &str, edit: impl FnOnce(&mut Value)) {
        let path = format!("/api/v1/apps/{id}");
        let mut app = self.api(reqwest::Method::GET, &path, None).await;
        edit(&mut app);
        self.api(reqwest::Method::PUT, &path, Some(app)).await;
    }

    async fn assign_sales(&self, app_id: &str) {
        let path = format!("/api/v1/apps/{app_id}/groups/{}", self.sales);
        self.api(reqwest::Method::PUT, &path, Some(json!({}))).await;
    }

    /// A signed-in Okta session for `login` (the `Cookie` header value).
    async fn session(&self, login: &str) -> String {
        let url = format!(
            "{}/sim/v1/login?user={}",
            self.sim.base_url(),
            urlencode(login)
        );
        let body = self.get_as_admin(&url).await;
        body["cookie"].as_str().unwrap().to_owned()
    }

    async fn get_as_admin(&self, url: &str) -> Value {
        let res = self
            .http
            .get(url)
            .header("authorization", format!("SSWS {}", self.sim.admin_token()))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{url}: {}", res.status());
        res.json().await.unwrap()
    }

    /// The browser visiting `url` at the sim with its session cookie.
    async fn visit(&self, url: &str, cookie: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = match res.headers().get("location") {
            Some(location) => location.to_str().unwrap().to_owned(),
            None => res.text().await.unwrap(),
        };
        (status, body)
    }

    /// A SAML 2.0 app made through `POST /api/v1/apps`, as the seeds' vendors ask Okta
    /// admins to set it up; its SP URLs are placeholders until Gatehouse has a connection.
    async fn create_saml_app(&self) -> String {
        let placeholder = "https://placeholder.example.com/saml";
        let statement = |name: &str, value: &str| json!({ "type": "EXPRESSION", "name": name, "namespace": UNSPECIFIED, "values": [value] });
        let app = self
            .api(
                reqwest::Method::POST,
                "/api/v1/apps",
                Some(json!({
                    "label": "Gatehouse SAML",
                    "signOnMode": "SAML_2_0",
                    "credentials": { "userNameTemplate": { "template": "${source.email}", "type": "BUILT_IN" } },
                    "settings": { "signOn": {
                        "ssoAcsUrl": placeholder, "recipient": placeholder, "destination": placeholder,
                        "audience": placeholder, "defaultRelayState": "",
                        "subjectNameIdTemplate": "${user.userName}",
                        "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                        "responseSigned": true, "assertionSigned": true,
                        "signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256",
                        "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                        "attributeStatements": [
                            statement("email", "user.email"),
                            statement("firstName", "user.firstName"),
                            statement("lastName", "user.lastName"),
                            { "type": "GROUP", "name": "groups", "namespace": UNSPECIFIED,
                              "filterType": "REGEX", "filterValue": ".*" }
                        ]
                    } }
                })),
            )
            .await;
        let id = app["id"].as_str().unwrap().to_owned();
        self.assign_sales(&id).await;
        id
    }

    /// Points a SAML app at a Gatehouse connection (Single sign-on URL, Recipient,
    /// Destination, Audience URI).
    async fn point_saml_app_at(&self, app_id: &str, connection: &Value) {
        let acs = connection["acs_url"].clone();
        let audience = connection["sp_entity_id"].clone();
        self.edit_app(app_id, |app| {
            let sign_on = &mut app["settings"]["signOn"];
            for field in ["ssoAcsUrl", "recipient", "destination"] {
                sign_on[field] = acs.clone();
            }
            sign_on["audience"] = audience;
        })
        .await;
    }
}

/// A SAML connection in Gatehouse from the sim app's metadata URL, with the app pointed back
/// at it.
async fn saml_setup(app: &TestApp, org: &str, okta: &Okta) -> (String, Value) {
    let app_id = okta.create_saml_app().await;
    let facts = okta.sim.saml_app(&app_id).await.unwrap();
    let connection = create_connection(
        app,
        org,
        json!({
            "type": "saml",
            "name": "Okta",
            "idp_metadata_url": facts.metadata_url,
            "redirect_uris": [APP_CALLBACK],
        }),
    )
    .await;
    assert_eq!(connection["idp_entity_id"], facts.entity_id.as_str());
    assert_eq!(connection["idp_sso_url"], facts.sso_url.as_str());
    okta.point_saml_app_at(&app_id, &connection).await;
    (app_id, connection)
}

/// The `action` and hidden fields of an auto-submitting form.
fn form(html: &str) -> (String, Vec<(String, String)>) {
    let attribute = |tag: &str, name: &str| {
        let marker = format!("{name}=\"");
        let start = tag.find(&marker)? + marker.len();
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    };
    let form_tag = &html[html.find("<form").unwrap()..];
    let action = attribute(form_tag, "action").unwrap();
    let fields = html
        .split("<input")
        .skip(1)
        .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
        .collect();
    (action, fields)
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Posts the sim's form to Gatehouse's ACS, as the browser's auto-submit does.
async fn submit(app: &TestApp, browser: &mut Browser, html: &str) -> TestResponse {
    let (action, fields) = form(html);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser
        .post_form(app, &path(&json!(action)), &fields, true)
        .await
}

/// Starts a sign-in at Gatehouse and follows its redirect to the sim with `cookie`; returns
/// the sim's answer (the auto-submitting form, an error page, or a redirect's location).
async fn through_sim(
    app: &TestApp,
    browser: &mut Browser,
    okta: &Okta,
    connection: &Value,
    cookie: &str,
) -> (StatusCode, String) {
    let location = browser.start(app, connection, STATE).await;
    okta.visit(&location, cookie).await
}

async fn sp_initiated_saml_through_okta_sim(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let okta = Okta::start().await;
    let (_, connection) = saml_setup(&app, &org, &okta).await;
    let dana = okta.session(DANA).await;

    let mut browser = Browser::default();
    let (status, html) = through_sim(&app, &mut browser, &okta, &connection, &dana).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let code = code_from(&submit(&app, &mut browser, &html).await, Some(STATE));

    let redeemed = redeem(&app, &app.root_token, &code).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.text);
    let profile = &redeemed.body["profile"];
    assert_dana(profile);
    assert_eq!(profile["idp_subject"], DANA);
    let groups: Vec<&str> = profile["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    assert!(groups.contains(&"Sales"), "{groups:?}");
    assert!(groups.contains(&"Everyone"), "{groups:?}");

    // The same form once more: the flow (and the assertion) are spent.
    let again = submit(&app, &mut browser, &html).await;
    assert_refused(&app, &again, "state_already_used").await;

    // Eve is not assigned: the sim shows Okta's error page and nothing reaches Gatehouse.
    let eve = okta.session(EVE).await;
    let (status, page) = through_sim(&app, &mut browser, &okta, &connection, &eve).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("not assigned"), "{page}");
    assert!(!page.contains("SAMLResponse"));
}

async fn idp_initiated_saml_is_refused_until_allowed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let okta = Okta::start().await;
    let (app_id, connection) = saml_setup(&app, &org, &okta).await;
    let tile = format!(
        "{}/sim/v1/apps/{app_id}/idp-initiated?user={}",
        okta.sim.base_url(),
        urlencode(DANA)
    );
    let unsolicited = || async {
        let res = okta
            .http
            .get(&tile)
            .header("authorization", format!("SSWS {}", okta.sim.admin_token()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap()
    };
    let mut browser = Browser::default();
    let res = submit(&app, &mut browser, &unsolicited().await).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_refused(&app, &res, "idp_initiated_not_allowed").await;

    patch_connection(
        &app,
        &org,
        &connection,
        json!({ "settings": { "allow_idp_initiated": true } }),
    )
    .await;
    let html = unsolicited().await;
    let code = code_from(&submit(&app, &mut browser, &html).await, None);
    let profile = &redeem(&app, &app.root_token, &code).await.body["profile"];
    assert_eq!(profile["email"], DANA);
    // An unsolicited response is still accepted only once.
    let replayed = submit(&app, &mut browser, &html).await;
    assert_refused(&app, &replayed, "assertion_replayed").await;
}

async fn okta_key_rotation_is_picked_up_with_both_keys_accepted(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let okta = Okta::start().await;
    let (app_id, connection) = saml_setup(&app, &org, &okta).await;
    let dana = okta.session(DANA).await;
    let connection_path = format!(
        "/api/v1/orgs/{org}/sso-connections/{}",
        connection["id"].as_str().unwrap()
    );
    let old_fingerprint = connection["idp_certificates"][0]["sha256"].clone();

    // A sign-in whose answer was signed with the old key, still in the browser.
    let mut in_flight = Browser::default();
    let (_, signed_by_old) = through_sim(&app, &mut in_flight, &okta, &connection, &dana).await;

    // The Okta admin generates a new key and activates it (Okta's two calls).
    let key = okta
        .api(
            reqwest::Method::POST,
            &format!("/api/v1/apps/{app_id}/credentials/keys/generate?validityYears=2"),
            None,
        )
        .await;
    let kid = key["kid"].as_str().unwrap().to_owned();
    okta.edit_app(&app_id, |app| {
        app["credentials"]["signing"]["kid"] = json!(kid)
    })
    .await;

    // Gatehouse refreshes the metadata: the new certificate is trusted, the old one retired
    // but still accepted during the grace period.
    let refreshed = app
        .post(&format!("{connection_path}/refresh-metadata"), json!({}))
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let certificates = refreshed.body["idp_certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 2, "{certificates:?}");
    let old = certificates
        .iter()
        .find(|c| c["sha256"] == old_fingerprint)
        .unwrap();
    assert!(old["retired_at"].is_string());
    assert!(certificates.iter().any(|c| c["retired_at"].is_null()));

    let mut browser = Browser::default();
    let (_, signed_by_new) = through_sim(&app, &mut browser, &okta, &connection, &dana).await;
    code_from(
        &submit(&app, &mut browser, &signed_by_new).await,
        Some(STATE),
    );
    code_from(
        &submit(&app, &mut in_flight, &signed_by_old).await,
        Some(STATE),
    );
    let audit = app.get("/api/v1/audit?limit=500").await;
    assert!(
        audit.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "sso_connection.certificates_rotated"),
        "the rotation is audited"
    );

    // Another rotation, and no refresh: the first response signed with the unknown key
    // makes Gatehouse fetch the metadata itself before refusing.
    okta.sim.rotate_saml_key(&app_id).await.unwrap();
    let (_, signed_by_newest) = through_sim(&app, &mut browser, &okta, &connection, &dana).await;
    code_from(
        &submit(&app, &mut browser, &signed_by_newest).await,
        Some(STATE),
    );
    let now = app.get(&connection_path).await;
    assert_eq!(now.body["idp_certificates"].as_array().unwrap().len(), 3);
}

async fn oidc_through_okta_sim_default_server(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let okta = Okta::start().await;
    let created = okta
        .api(
            reqwest::Method::POST,
            "/api/v1/apps",
            Some(json!({
                "label": "Gatehouse OIDC",
                "signOnMode": "OPENID_CONNECT",
                "credentials": { "oauthClient": { "token_endpoint_auth_method": "client_secret_basic" } },
                "settings": { "oauthClient": {
                    "redirect_uris": ["https://placeholder.example.com/callback"],
                    "response_types": ["code"], "grant_types": ["authorization_code"],
                    "application_type": "web"
                } }
            })),
        )
        .await;
    let client_id = created["id"].as_str().unwrap().to_owned();
    let client_secret = created["credentials"]["oauthClient"]["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    okta.assign_sales(&client_id).await;
    okta.api(
        reqwest::Method::POST,
        &format!("/api/v1/internal/apps/{client_id}/settings/oauth/idToken"),
        Some(json!({ "valueType": "GROUPS", "groupFilterType": "REGEX", "name": "groups", "value": ".*" })),
    )
    .await;

    let issuer = format!("{}/oauth2/default", okta.sim.base_url());
    let connection = create_connection(
        &app,
        &org,
        json!({
            "type": "oidc", "name": "Okta OIDC", "issuer": issuer,
            "client_id": client_id, "client_secret": client_secret,
            "redirect_uris": [APP_CALLBACK],
        }),
    )
    .await;
    let callback = connection["callback_url"].clone();
    okta.edit_app(&client_id, |app| {
        app["settings"]["oauthClient"]["redirect_uris"] = json!([callback]);
    })
    .await;

    // Dana signs in: the sim's authorize endpoint answers the callback with a code.
    let dana = okta.session(DANA).await;
    let mut browser = Browser::default();
    let (status, location) = through_sim(&app, &mut browser, &okta, &connection, &dana).await;
    assert_eq!(status, StatusCode::FOUND, "{location}");
    assert!(
        location.starts_with(callback.as_str().unwrap()),
        "{location}"
    );
    let local = location.strip_prefix(crate::helpers::PUBLIC_URL).unwrap();
    let code = code_from(&browser.get_as(&app, local, true).await, Some(STATE));
    let profile = &redeem(&app, &app.root_token, &code).await.body["profile"];
    assert_dana(profile);
    assert_eq!(profile["attributes"]["preferred_username"], DANA);
    assert_eq!(profile["attributes"]["iss"], issuer.as_str());
    let groups = profile["groups"].as_array().unwrap();
    assert!(groups.contains(&json!("Sales")), "{groups:?}");
    let sub = profile["idp_subject"].as_str().unwrap();
    assert!(sub.starts_with("00u"), "Okta user id: {sub}");

    // Eve is not assigned: the sim sends access_denied back, Gatehouse refuses with it.
    let eve = okta.session(EVE).await;
    let mut browser = Browser::default();
    let (status, location) = through_sim(&app, &mut browser, &okta, &connection, &eve).await;
    assert_eq!(status, StatusCode::FOUND, "{location}");
    let local = location.strip_prefix(crate::helpers::PUBLIC_URL).unwrap();
    let res = browser.get_as(&app, local, true).await;
    assert_refused(&app, &res, "idp_error").await;
    assert!(res.text.contains("access_denied"), "{}", res.text);
}

store::both_backends!(
    sp_initiated_saml_through_okta_sim,
    idp_initiated_saml_is_refused_until_allowed,
    okta_key_rotation_is_picked_up_with_both_keys_accepted,
    oidc_through_okta_sim_default_server,
);
