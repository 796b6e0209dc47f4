//! SSO connection CRUD and validation through the admin API.

use axum::http::{Method, StatusCode};
use serde_json::json;
use store::Backend;

use super::{APP_CALLBACK, IDP_SSO, TestIdp, create_saml};
use crate::helpers::{TestApp, error_code};

async fn saml_connections_are_created_read_changed_and_deleted(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let created = create_saml(&app, &org, &idp).await;
    let id = created["id"].as_str().unwrap();
    let ident = created["integration_identifier"].as_str().unwrap();
    assert!(!ident.contains('_'), "Okta refuses _ in SSO URLs: {ident}");
    for field in ["sp_entity_id", "acs_url", "sp_metadata_url", "start_url"] {
        let url = created[field].as_str().unwrap();
        assert!(
            url.starts_with("http://gatehouse.test/sso/") && url.contains(ident),
            "{field}: {url}"
        );
        assert!(!url.contains('_'), "{field}: {url}");
    }
    assert_eq!(created["idp_sso_url"], IDP_SSO);
    assert_eq!(created["settings"]["allow_idp_initiated"], false);
    assert_eq!(created["settings"]["allow_sha1"], false);
    assert_eq!(created["warnings"], json!([]));
    assert!(
        !created.to_string().contains("PRIVATE KEY"),
        "secrets never returned"
    );

    let base = format!("/api/v1/orgs/{org}/sso-connections");
    let listed = app.get(&base).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    let one = app.get(&format!("{base}/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["acs_url"], created["acs_url"]);
    let by_ident = app.get(&format!("{base}/{ident}")).await;
    assert_eq!(by_ident.status, StatusCode::OK);

    let patched = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&app.root_token),
            Some(json!({ "name": "Okta prod", "settings": { "clock_skew_seconds": 60 } })),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["name"], "Okta prod");
    assert_eq!(patched.body["settings"]["clock_skew_seconds"], 60);
    let too_much = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&app.root_token),
            Some(json!({ "settings": { "clock_skew_seconds": 100000 } })),
        )
        .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);

    let viewer = app.token(Some(&org), "viewer").await;
    let refused = app
        .call(Method::DELETE, &format!("{base}/{id}"), Some(&viewer), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let deleted = app
        .call(
            Method::DELETE,
            &format!("{base}/{id}"),
            Some(&app.root_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("{base}/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn connections_from_sso_url_and_certificate(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let res = app
        .post(
            &format!("/api/v1/orgs/{org}/sso-connections"),
            json!({
                "type": "saml",
                "name": "Okta manual",
                "idp_sso_url": IDP_SSO,
                "idp_certificate_pem": idp.credential.certificate().to_pem(),
                "redirect_uris": [APP_CALLBACK],
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(
        res.body["idp_entity_id"],
        super::IDP_ENTITY,
        "derived from Okta's SSO URL"
    );
    assert_eq!(res.body["idp_certificates"].as_array().unwrap().len(), 1);
}

async fn invalid_connections_are_refused_with_422(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let base = format!("/api/v1/orgs/{org}/sso-connections");
    let cases = [
        json!({ "type": "saml", "name": "x", "idp_metadata_xml": idp.metadata() }),
        json!({ "type": "saml", "name": "x", "idp_metadata_xml": idp.metadata(), "redirect_uris": [] }),
        json!({ "type": "saml", "name": "x", "idp_metadata_xml": idp.metadata(), "redirect_uris": ["javascript:alert(1)"] }),
        json!({ "type": "saml", "name": "x", "idp_metadata_xml": "<not-metadata/>", "redirect_uris": [APP_CALLBACK] }),
        json!({ "type": "saml", "name": "x", "idp_metadata_xml": "<!DOCTYPE x [<!ENTITY a \"b\">]><x/>", "redirect_uris": [APP_CALLBACK] }),
        json!({ "type": "saml", "name": "x", "idp_sso_url": IDP_SSO, "idp_certificate_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "redirect_uris": [APP_CALLBACK] }),
        json!({ "type": "saml", "name": "x", "idp_sso_url": IDP_SSO, "redirect_uris": [APP_CALLBACK] }),
        json!({ "type": "saml", "name": "x", "redirect_uris": [APP_CALLBACK] }),
        json!({ "type": "saml", "name": "x", "idp_metadata_url": "file:///etc/passwd", "redirect_uris": [APP_CALLBACK] }),
        json!({ "type": "saml", "name": "x", "idp_metadata_url": "http://127.0.0.1:9/metadata", "redirect_uris": [APP_CALLBACK] }),
        json!({ "type": "oidc", "name": "x", "issuer": "https://idp.test", "client_id": "c", "redirect_uris": [APP_CALLBACK] }),
        json!({ "type": "ldap", "name": "x", "redirect_uris": [APP_CALLBACK] }),
    ];
    for body in cases {
        let res = app.post(&base, body.clone()).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            res.text
        );
        error_code(&res);
    }
    assert!(
        app.get(&base).await.body["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

store::both_backends!(
    saml_connections_are_created_read_changed_and_deleted,
    connections_from_sso_url_and_certificate,
    invalid_connections_are_refused_with_422,
);
