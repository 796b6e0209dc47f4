//! Okta as SAML IdP, checked by a minimal service provider that trusts only the
//! certificates in the app's metadata and verifies with `saml::verify_response`.

use base64::Engine;
use okta_sim::SimConfig;
use reqwest::Method;
use saml::{AuthnRequest, Credential, IdpMetadata, PrivateKey, SpConfig, VerifiedAssertion};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::browser::{self, form_action, form_field, location, query_param};
use crate::common::{Org, error_code};

const ACS: &str = "http://sp.test/saml/acs";
const ENTITY: &str = "https://sp.test/saml/metadata";

fn saml_body(label: &str) -> Value {
    let unspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
    json!({
        "label": label,
        "signOnMode": "SAML_2_0",
        "credentials": { "userNameTemplate": { "template": "${source.email}", "type": "BUILT_IN" } },
        "settings": { "signOn": {
            "ssoAcsUrl": ACS, "recipient": ACS, "destination": ACS, "audience": ENTITY,
            "defaultRelayState": "/dashboard",
            "subjectNameIdTemplate": "${user.userName}",
            "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "responseSigned": true, "assertionSigned": true,
            "signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256",
            "attributeStatements": [
                { "type": "EXPRESSION", "name": "email", "namespace": unspecified, "values": ["user.email"] },
                { "type": "EXPRESSION", "name": "fullName", "namespace": unspecified, "values": ["user.firstName + \" \" + user.lastName"] },
                { "type": "EXPRESSION", "name": "nickName", "namespace": unspecified, "values": ["user.nickName"] },
                { "type": "GROUP", "name": "groups", "namespace": unspecified, "filterType": "REGEX", "filterValue": "Sales.*" }
            ]
        } }
    })
}

struct Fixture {
    org: Org,
    app_id: String,
    metadata: IdpMetadata,
    login: String,
}

async fn json_ok(org: &Org, method: Method, path: &str, body: Value) -> Value {
    let r = org.req(method, path).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// A SAML app created through the Apps API, a user assigned through a group, and the
/// metadata the SP would load from the app's metadata URL.
async fn fixture() -> Fixture {
    let org = Org::small().await;
    let app = json_ok(
        &org,
        Method::POST,
        "/api/v1/apps",
        saml_body("Better Stack"),
    )
    .await;
    let app_id = app["id"].as_str().unwrap().to_owned();
    assert!(app["credentials"]["signing"]["kid"].is_string());
    let login = "dana.ng@example.com".to_owned();
    let user = org.create_user(&login, "", true).await;
    let group = json_ok(
        &org,
        Method::POST,
        "/api/v1/groups",
        json!({ "profile": { "name": "Sales EMEA" } }),
    )
    .await;
    let gid = group["id"].as_str().unwrap();
    let uid = user["id"].as_str().unwrap();
    org.put(&format!("/api/v1/groups/{gid}/users/{uid}"), json!(null))
        .await;
    json_ok(
        &org,
        Method::PUT,
        &format!("/api/v1/apps/{app_id}/groups/{gid}"),
        json!({}),
    )
    .await;
    let info = org.sim.saml_app(&app_id).await.unwrap();
    let r = reqwest::get(&info.metadata_url).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("xml")
    );
    let metadata = IdpMetadata::parse(&r.bytes().await.unwrap()).unwrap();
    Fixture {
        org,
        app_id,
        metadata,
        login,
    }
}

fn sp(metadata: &IdpMetadata, idp_initiated: bool) -> SpConfig {
    let mut config = SpConfig::new(
        ENTITY,
        ACS,
        metadata.entity_id.clone(),
        metadata.signing_certificates.clone(),
    );
    config.allow_idp_initiated = idp_initiated;
    config.require_signed_assertion = true;
    config
}

fn verify(config: &SpConfig, response: &str, in_response_to: Option<&str>) -> VerifiedAssertion {
    saml::verify_response(config, response, OffsetDateTime::now_utc(), in_response_to)
        .unwrap_or_else(|r| panic!("the SP rejects the response: {} ({r})", r.code()))
}

#[tokio::test]
async fn idp_initiated_response_verifies_against_metadata() {
    let f = fixture().await;
    assert_eq!(f.metadata.signing_certificates.len(), 1);
    let info = f.org.sim.saml_app(&f.app_id).await.unwrap();
    assert_eq!(
        f.metadata.entity_id,
        format!("http://www.okta.com/{}", info.external_key)
    );
    assert_eq!(
        f.metadata.sso_redirect_url.as_deref(),
        Some(info.sso_url.as_str())
    );
    assert!(info.sso_url.ends_with(&format!(
        "/app/{}/{}/sso/saml",
        info.name, info.external_key
    )));

    let path = format!("/sim/v1/apps/{}/idp-initiated?user={}", f.app_id, f.login);
    let r = f
        .org
        .req(Method::GET, &path)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let post: Value = r.json().await.unwrap();
    assert_eq!(post["acs_url"], ACS);
    assert_eq!(post["relay_state"], "/dashboard");
    let xml = post["response_xml"].as_str().unwrap();
    assert!(
        !xml.contains("InResponseTo"),
        "unsolicited: no InResponseTo"
    );
    assert!(xml.contains("xmldsig-more#rsa-sha256") && xml.contains("xmlenc#sha256"));
    let verified = verify(
        &sp(&f.metadata, true),
        post["saml_response"].as_str().unwrap(),
        None,
    );
    assert_eq!(verified.name_id(), f.login);
    assert_eq!(verified.attribute("email"), std::slice::from_ref(&f.login));
    assert_eq!(verified.attribute("fullName"), ["Test User".to_owned()]);
    assert!(
        verified.attribute("nickName").is_empty(),
        "empty attributes are left out"
    );
    assert_eq!(
        verified.attribute("groups"),
        ["Sales EMEA".to_owned()],
        "REGEX filter"
    );
    assert!(
        saml::verify_response(
            &sp(&f.metadata, false),
            post["saml_response"].as_str().unwrap(),
            OffsetDateTime::now_utc(),
            None
        )
        .is_err(),
        "an SP that refuses unsolicited responses refuses it"
    );

    // The HTML form posts to the ACS.
    let html = browser::client()
        .get(f.org.url(&path))
        .header("Authorization", format!("SSWS {}", f.org.sim.admin_token()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(form_action(&html).as_deref(), Some(ACS));
    assert_eq!(
        form_field(&html, "RelayState").as_deref(),
        Some("/dashboard")
    );
    verify(
        &sp(&f.metadata, true),
        &form_field(&html, "SAMLResponse").unwrap(),
        None,
    );

    let log = f
        .org
        .get_json("/api/v1/logs?filter=eventType%20eq%20%22user.authentication.sso%22")
        .await;
    assert_eq!(log.as_array().unwrap().len(), 2);
    assert_eq!(log[0]["outcome"]["result"], "SUCCESS");
    assert_eq!(log[0]["actor"]["alternateId"], f.login);
}

#[tokio::test]
async fn sp_initiated_by_redirect_and_post_with_login_page() {
    let f = fixture().await;
    let info = f.org.sim.saml_app(&f.app_id).await.unwrap();
    let request = AuthnRequest::new(ENTITY, ACS, &info.sso_url, OffsetDateTime::now_utc()).unwrap();
    let url = request.redirect_url(Some("state-42"), None).unwrap();

    // Not signed in: to the login page and back.
    let r = browser::get(&f.org, &url, None).await;
    assert_eq!(r.status(), 302);
    let login_page = location(&r);
    assert!(login_page.starts_with("/login/login.htm?fromURI="));
    let page = browser::get(&f.org, &login_page, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&f.login), "the user picker lists the user");
    let from = query_param(&login_page, "fromURI").unwrap();
    let r = browser::client()
        .post(f.org.url("/login/login.htm"))
        .form(&[("username", f.login.as_str()), ("fromURI", from.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), from);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let r = browser::get(&f.org, &from, Some(&cookie)).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(form_field(&html, "RelayState").as_deref(), Some("state-42"));
    let verified = verify(
        &sp(&f.metadata, false),
        &form_field(&html, "SAMLResponse").unwrap(),
        Some(&request.id),
    );
    assert_eq!(verified.in_response_to(), Some(request.id.as_str()));
    assert_eq!(verified.name_id(), f.login);
    let again = browser::get(&f.org, &from, Some(&cookie)).await;
    assert_eq!(again.status(), 400, "a parked request is answered once");

    // Signed in already (sim login), HTTP-POST binding: straight to the form.
    let cookie = browser::login(&f.org, &f.login).await;
    let post_request =
        AuthnRequest::new(ENTITY, ACS, &info.sso_url, OffsetDateTime::now_utc()).unwrap();
    let r = browser::client()
        .post(&info.sso_url)
        .header("Cookie", &cookie)
        .form(&[
            ("SAMLRequest", post_request.post_value().unwrap().as_str()),
            ("RelayState", "p"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(form_field(&html, "RelayState").as_deref(), Some("p"));
    verify(
        &sp(&f.metadata, false),
        &form_field(&html, "SAMLResponse").unwrap(),
        Some(&post_request.id),
    );

    // The SSO URL without a request is IdP-initiated (Okta's app embed link).
    let r = browser::get(&f.org, &info.sso_url, Some(&cookie)).await;
    let html = r.text().await.unwrap();
    assert_eq!(
        form_field(&html, "RelayState").as_deref(),
        Some("/dashboard")
    );
    verify(
        &sp(&f.metadata, true),
        &form_field(&html, "SAMLResponse").unwrap(),
        None,
    );
}

#[tokio::test]
async fn refusals_end_on_okta_error_pages() {
    let f = fixture().await;
    let info = f.org.sim.saml_app(&f.app_id).await.unwrap();
    let now = OffsetDateTime::now_utc();

    // A user who is not assigned.
    f.org.create_user("outsider@example.com", "", true).await;
    let cookie = browser::login(&f.org, "outsider@example.com").await;
    let url = AuthnRequest::new(ENTITY, ACS, &info.sso_url, now)
        .unwrap()
        .redirect_url(None, None)
        .unwrap();
    let r = browser::get(&f.org, &url, Some(&cookie)).await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(page.contains("not assigned this app") && page.contains("not_assigned"));
    let r = f
        .org
        .req(
            Method::GET,
            &format!(
                "/sim/v1/apps/{}/idp-initiated?user=outsider@example.com",
                f.app_id
            ),
        )
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "not_assigned");
    let denied = f
        .org
        .get_json(
            "/api/v1/logs?filter=eventType%20eq%20%22app.generic.unauth_app_access_attempt%22",
        )
        .await;
    assert_eq!(denied.as_array().unwrap().len(), 2);
    assert_eq!(denied[0]["outcome"]["result"], "FAILURE");

    let cookie = browser::login(&f.org, &f.login).await;
    let status_of = |acs: &str, issuer: &str| {
        AuthnRequest::new(issuer, acs, &info.sso_url, now)
            .unwrap()
            .redirect_url(None, None)
            .unwrap()
    };
    let r = browser::get(
        &f.org,
        &status_of("http://evil.test/acs", ENTITY),
        Some(&cookie),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("acs_mismatch"));
    let r = browser::get(
        &f.org,
        &status_of(ACS, "https://other-sp.test"),
        Some(&cookie),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("issuer_mismatch"));
    let r = browser::get(
        &f.org,
        &format!("{}?SAMLRequest=not-deflate", info.sso_url),
        Some(&cookie),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = browser::get(
        &f.org,
        &format!("/app/{}/exkUnknown00000000000/sso/saml", info.name),
        Some(&cookie),
    )
    .await;
    assert_eq!(r.status(), 404);

    // A deactivated app refuses everyone.
    f.org
        .post_empty(&format!("/api/v1/apps/{}/lifecycle/deactivate", f.app_id))
        .await;
    let r = browser::get(&f.org, &status_of(ACS, ENTITY), Some(&cookie)).await;
    assert_eq!(r.status(), 403);

    // Okta refuses broken settings when the app is saved.
    let mut body = saml_body("Broken");
    body["settings"]["signOn"]["ssoAcsUrl"] = json!("");
    assert_eq!(
        error_code(f.org.post("/api/v1/apps", body).await).await,
        (400, "E0000001".into())
    );
    let mut body = saml_body("Broken");
    body["settings"]["signOn"]["assertionEncryption"] =
        json!({ "enabled": true, "keyTransportAlgorithm": "RSA_15", "x5c": ["x"] });
    assert_eq!(
        error_code(f.org.post("/api/v1/apps", body).await).await,
        (400, "E0000001".into())
    );
    let mut body = saml_body("Broken");
    body["settings"]["signOn"]["responseSigned"] = json!(false);
    body["settings"]["signOn"]["assertionSigned"] = json!(false);
    assert_eq!(
        error_code(f.org.post("/api/v1/apps", body).await).await,
        (400, "E0000001".into())
    );
}

#[tokio::test]
async fn signing_key_rotation_as_an_okta_admin_does_it() {
    let f = fixture().await;
    let keys_path = format!("/api/v1/apps/{}/credentials/keys", f.app_id);
    let keys = f.org.get_json(&keys_path).await;
    assert_eq!(keys.as_array().unwrap().len(), 1);
    let old_kid = keys[0]["kid"].as_str().unwrap().to_owned();
    assert_eq!(keys[0]["kty"], "RSA");
    assert!(keys[0]["x5t#S256"].is_string() && keys[0]["n"].is_string());

    let r = f
        .org
        .post_empty(&format!("{keys_path}/generate?validityYears=1"))
        .await;
    assert_eq!(error_code(r).await, (400, "E0000001".into()));
    let r = f
        .org
        .post_empty(&format!("{keys_path}/generate?validityYears=2"))
        .await;
    assert_eq!(r.status(), 201);
    let new_key: Value = r.json().await.unwrap();
    let new_kid = new_key["kid"].as_str().unwrap().to_owned();
    assert_eq!(
        f.org.get_json(&keys_path).await.as_array().unwrap().len(),
        2
    );

    // The metadata still shows the active key; `kid` selects the new one for the SP.
    let info = f.org.sim.saml_app(&f.app_id).await.unwrap();
    let fetch = |q: &str| {
        let url = format!("{}{q}", info.metadata_url);
        async move {
            IdpMetadata::parse(&reqwest::get(url).await.unwrap().bytes().await.unwrap()).unwrap()
        }
    };
    assert_eq!(
        fetch("").await.signing_certificates,
        f.metadata.signing_certificates
    );
    let next = fetch(&format!("?kid={new_kid}")).await;
    assert_ne!(next.signing_certificates, f.metadata.signing_certificates);
    let both = fetch("?all_keys=true").await;
    assert_eq!(both.signing_certificates.len(), 2);
    assert_eq!(
        both.signing_certificates[0], f.metadata.signing_certificates[0],
        "active first"
    );

    // Activate: PUT the app with the new credentials.signing.kid.
    let mut app = f.org.get_json(&format!("/api/v1/apps/{}", f.app_id)).await;
    app["credentials"]["signing"]["kid"] = json!("no-such-kid");
    let r = f
        .org
        .put(&format!("/api/v1/apps/{}", f.app_id), app.clone())
        .await;
    assert_eq!(error_code(r).await, (400, "E0000001".into()));
    app["credentials"]["signing"]["kid"] = json!(new_kid);
    let r = f.org.put(&format!("/api/v1/apps/{}", f.app_id), app).await;
    assert_eq!(r.status(), 200);
    let post = f.org.sim.idp_initiated(&f.app_id, &f.login).await.unwrap();
    let stale = sp(&f.metadata, true);
    let rejection =
        saml::verify_response(&stale, &post.saml_response, OffsetDateTime::now_utc(), None)
            .unwrap_err();
    assert_eq!(rejection.code(), "untrusted_certificate", "{rejection}");
    verify(&sp(&both, true), &post.saml_response, None);
    verify(&sp(&fetch("").await, true), &post.saml_response, None);

    // Retire the old key; the active one cannot be retired.
    let r = f
        .org
        .delete(&format!("/sim/v1/apps/{}/keys/{new_kid}", f.app_id))
        .await;
    assert_eq!(error_code(r).await, (400, "E0000001".into()));
    let r = f
        .org
        .delete(&format!("/sim/v1/apps/{}/keys/{old_kid}", f.app_id))
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        f.org.get_json(&keys_path).await.as_array().unwrap().len(),
        1
    );
    assert_eq!(fetch("?all_keys=true").await.signing_certificates.len(), 1);

    // The library helper does generate + activate in one step.
    let rotated = f.org.sim.rotate_saml_key(&f.app_id).await.unwrap();
    assert_eq!(f.org.sim.saml_app(&f.app_id).await.unwrap().kid, rotated);
}

#[tokio::test]
async fn encrypted_assertions_and_sha1_settings() {
    let org = Org::small().await;
    let sp_key = Credential::generate_self_signed(
        "sp.test",
        OffsetDateTime::now_utc() - Duration::hours(1),
        Duration::days(30),
        false,
    )
    .unwrap();
    let mut body = saml_body("Encrypted");
    body["settings"]["signOn"]["assertionEncryption"] = json!({
        "enabled": true, "encryptionAlgorithm": "AES256_GCM", "keyTransportAlgorithm": "RSA_OAEP",
        "x5c": [sp_key.certificate().to_base64()] });
    let app_id = org.sim.create_app(&body).await.unwrap();
    org.sim
        .create_user("enc@example.com", "Enc", "Rypted")
        .unwrap();
    org.sim.assign_user(&app_id, "enc@example.com").unwrap();
    let info = org.sim.saml_app(&app_id).await.unwrap();
    let post = org
        .sim
        .idp_initiated(&app_id, "enc@example.com")
        .await
        .unwrap();
    assert!(
        post.response_xml.contains("EncryptedAssertion")
            && !post.response_xml.contains("enc@example.com")
    );
    let mut config = SpConfig::new(
        ENTITY,
        ACS,
        info.entity_id.clone(),
        vec![saml::Certificate::from_pem(&info.certificate_pem).unwrap()],
    );
    config.allow_idp_initiated = true;
    let rejection = saml::verify_response(
        &config,
        &post.saml_response,
        OffsetDateTime::now_utc(),
        None,
    )
    .unwrap_err();
    assert!(
        rejection.code().contains("decrypt") || rejection.code().contains("encrypt"),
        "{}",
        rejection.code()
    );
    config.decryption_keys = vec![PrivateKey::from_pem(&sp_key.key().to_pkcs8_pem()).unwrap()];
    let verified = saml::verify_response(
        &config,
        &post.saml_response,
        OffsetDateTime::now_utc(),
        None,
    )
    .unwrap();
    assert_eq!(verified.name_id(), "enc@example.com");

    // RSA_SHA1 is signed with RSA-SHA256 (aws-lc-rs cannot sign RSA-SHA1); the SHA-1
    // digest is honoured, so only SPs that allow SHA-1 accept it.
    let mut body = saml_body("Legacy");
    body["settings"]["signOn"]["signatureAlgorithm"] = json!("RSA_SHA1");
    body["settings"]["signOn"]["digestAlgorithm"] = json!("SHA1");
    body["settings"]["signOn"]["responseSigned"] = json!(false);
    let app_id = org.sim.create_app(&body).await.unwrap();
    org.sim.assign_user(&app_id, "enc@example.com").unwrap();
    let info = org.sim.saml_app(&app_id).await.unwrap();
    let post = org
        .sim
        .idp_initiated(&app_id, "enc@example.com")
        .await
        .unwrap();
    assert!(post.response_xml.contains("xmldsig-more#rsa-sha256"));
    assert!(post.response_xml.contains("xmldsig#sha1"));
    assert_eq!(
        post.response_xml.matches("<ds:Signature ").count(),
        1,
        "assertion only"
    );
    let mut config = SpConfig::new(
        ENTITY,
        ACS,
        info.entity_id.clone(),
        vec![saml::Certificate::from_pem(&info.certificate_pem).unwrap()],
    );
    config.allow_idp_initiated = true;
    assert!(
        saml::verify_response(
            &config,
            &post.saml_response,
            OffsetDateTime::now_utc(),
            None
        )
        .is_err()
    );
    config.allow_sha1 = true;
    saml::verify_response(
        &config,
        &post.saml_response,
        OffsetDateTime::now_utc(),
        None,
    )
    .unwrap();
}

#[tokio::test]
async fn helpers_give_an_sp_everything_it_needs() {
    let org = Org::start(SimConfig {
        users: 5,
        groups: 1,
        apps: 3,
        ..Default::default()
    })
    .await;
    let app = org
        .sim
        .create_saml_app(
            "Gatehouse",
            "http://gatehouse.test/sso/saml/c1/acs",
            "http://gatehouse.test/sso/saml/c1/metadata",
        )
        .await
        .unwrap();
    let uid = org
        .sim
        .create_user("ada@example.com", "Ada", "Lovelace")
        .unwrap();
    let gid = org.sim.create_group("Platform Team").unwrap();
    org.sim.add_to_group(&gid, &uid).unwrap();
    org.sim.assign_group(&app.id, &gid).unwrap();
    let cookie = org.sim.login_session("ada@example.com").unwrap();
    let request = AuthnRequest::new(
        "http://gatehouse.test/sso/saml/c1/metadata",
        "http://gatehouse.test/sso/saml/c1/acs",
        &app.sso_url,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let r = browser::get(
        &org,
        &request.redirect_url(None, None).unwrap(),
        Some(&cookie),
    )
    .await;
    let html = r.text().await.unwrap();
    let mut config = SpConfig::new(
        "http://gatehouse.test/sso/saml/c1/metadata",
        "http://gatehouse.test/sso/saml/c1/acs",
        app.entity_id.clone(),
        vec![saml::Certificate::from_pem(&app.certificate_pem).unwrap()],
    );
    config.require_signed_assertion = true;
    let v = saml::verify_response(
        &config,
        &form_field(&html, "SAMLResponse").unwrap(),
        OffsetDateTime::now_utc(),
        Some(&request.id),
    )
    .unwrap();
    assert_eq!(v.name_id(), "ada@example.com");
    assert_eq!(v.attribute("firstName"), ["Ada".to_owned()]);
    let mut groups = v.attribute("groups").to_vec();
    groups.sort();
    assert_eq!(groups, ["Everyone".to_owned(), "Platform Team".to_owned()]);

    // Generated SAML apps get their signing key on first use.
    let generated = org
        .sim
        .org()
        .apps
        .values()
        .find(|a| a.sign_on_mode == "SAML_2_0" && a.keys.is_empty())
        .map(|a| a.id.clone())
        .unwrap();
    let info = org.sim.saml_app(&generated).await.unwrap();
    let md = reqwest::get(&info.metadata_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        md.contains(
            &base64::engine::general_purpose::STANDARD.encode(
                saml::Certificate::from_pem(&info.certificate_pem)
                    .unwrap()
                    .der()
            )
        )
    );
}

#[tokio::test]
async fn signing_keys_and_rotations_survive_a_snapshot() {
    let path = std::env::temp_dir().join(format!("okta-sim-sso-state-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let config = SimConfig {
        users: 5,
        groups: 1,
        apps: 0,
        state_file: Some(path.clone()),
        ..Default::default()
    };
    let first = Org::start(config.clone()).await;
    let app = first
        .sim
        .create_saml_app("Kept", ACS, ENTITY)
        .await
        .unwrap();
    let r: Value = first
        .post_empty("/sim/v1/oauth2/default/keys/rotate")
        .await
        .json()
        .await
        .unwrap();
    let default_keys = r["keys"].clone();
    let org_jwks: Value = reqwest::get(first.url("/oauth2/v1/keys"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    first.sim.shutdown().await;

    let second = Org::start(config).await;
    let again = second.sim.saml_app(&app.id).await.unwrap();
    assert_eq!(again.certificate_pem, app.certificate_pem);
    assert_eq!(again.kid, app.kid);
    let jwks: Value = reqwest::get(second.url("/oauth2/default/v1/keys"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["kid"])
        .collect();
    assert_eq!(
        json!(kids),
        default_keys,
        "the default server's rotated keys, in order"
    );
    let same: Value = reqwest::get(second.url("/oauth2/v1/keys"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(same, org_jwks);
    let _ = std::fs::remove_file(&path);
}
