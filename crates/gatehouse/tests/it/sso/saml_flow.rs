//! The SAML flow end to end through the router: start, IdP (issue_response), ACS, code
//! exchange; and forged, stale, replayed and misdirected responses.

use axum::http::{Method, StatusCode};
use saml::idp::{ContentEncryption, Encryption};
use saml::{Certificate, Credential};
use serde_json::{Value, json};
use store::Backend;
use time::{Duration, OffsetDateTime};

use super::{
    Browser, IDP_SSO, TestIdp, assert_dana, assert_refused, code_from, create_saml, events,
    location_query, param, patch_connection, path, redeem, urlencode,
};
use crate::helpers::{TestApp, TestResponse, error_code};

/// Starts a sign-in in `browser`; returns (AuthnRequest ID, RelayState).
async fn start(
    app: &TestApp,
    browser: &mut Browser,
    connection: &Value,
    state: &str,
) -> (String, String) {
    let location = browser.start(app, connection, state).await;
    assert!(location.starts_with(IDP_SSO), "{location}");
    let query = location.split_once('?').unwrap().1;
    let request = saml::parse_redirect_authn_request(query, None).unwrap();
    assert_eq!(request.issuer, connection["sp_entity_id"].as_str().unwrap());
    (request.id, request.relay_state.unwrap())
}

async fn post_acs(
    app: &TestApp,
    browser: &mut Browser,
    connection: &Value,
    response: &str,
    relay_state: Option<&str>,
) -> TestResponse {
    let mut form = vec![("SAMLResponse", response)];
    if let Some(relay) = relay_state {
        form.push(("RelayState", relay));
    }
    browser
        .post_form(app, &path(&connection["acs_url"]), &form, true)
        .await
}

async fn sp_initiated_sign_in_yields_a_code_redeemed_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let connection = create_saml(&app, &org, &idp).await;
    let mut browser = Browser::default();
    let (request_id, relay) = start(&app, &mut browser, &connection, "xyz").await;

    let response = idp.response(&connection, Some(&request_id), |_| {});
    let res = post_acs(&app, &mut browser, &connection, &response, Some(&relay)).await;
    let code = code_from(&res, Some("xyz"));

    let org_token = app.token(Some(&org), "viewer").await;
    let redeemed = redeem(&app, &org_token, &code).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.text);
    let profile = &redeemed.body["profile"];
    assert_dana(profile);
    assert_eq!(profile["groups"], json!(["Sales", "Everyone"]));
    assert_eq!(profile["idp_subject"], "dana.ng@example.com");
    assert_eq!(profile["connection_id"], connection["id"]);
    assert_eq!(profile["org_id"], org.as_str());
    assert!(profile["id"].as_str().unwrap().starts_with("prof_"));
    assert_eq!(
        profile["attributes"]["groups"],
        json!(["Sales", "Everyone"])
    );

    let again = redeem(&app, &org_token, &code).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&again), "invalid_code");
    assert_eq!(events(&app, "sso.login_succeeded").await.len(), 1);

    // The same response again, even from the same browser: the flow is spent.
    let replay = post_acs(&app, &mut browser, &connection, &response, Some(&relay)).await;
    assert_refused(&app, &replay, "state_already_used").await;
    // Without the RelayState it is an answer to no request of this browser.
    let replay = post_acs(&app, &mut browser, &connection, &response, None).await;
    assert_refused(&app, &replay, "idp_initiated_not_allowed").await;
}

async fn a_code_works_only_for_its_org(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let other = app.create_org("other").await;
    let idp = TestIdp::new();
    let connection = create_saml(&app, &org, &idp).await;
    let mut browser = Browser::default();
    let (request_id, relay) = start(&app, &mut browser, &connection, "s").await;
    let response = idp.response(&connection, Some(&request_id), |_| {});
    let res = post_acs(&app, &mut browser, &connection, &response, Some(&relay)).await;
    let code = param(&location_query(&res), "code").unwrap().to_owned();
    let foreign = app.token(Some(&other), "owner").await;
    assert_eq!(
        redeem(&app, &foreign, &code).await.status,
        StatusCode::BAD_REQUEST
    );
    // The foreign attempt did not burn the code.
    assert_eq!(
        redeem(&app, &app.root_token, &code).await.status,
        StatusCode::OK
    );
}

async fn forged_and_stale_responses_are_refused_with_their_reason(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let connection = create_saml(&app, &org, &idp).await;
    let impostor = TestIdp {
        credential: Credential::generate_self_signed(
            "impostor",
            OffsetDateTime::now_utc() - Duration::days(1),
            Duration::days(30),
            false,
        )
        .unwrap(),
    };
    let cases: Vec<(&str, MakeResponse<'_>)> = vec![
        (
            "untrusted_certificate",
            Box::new(|id: &str| impostor.response(&connection, Some(id), |_| {})),
        ),
        (
            "expired",
            Box::new(|id: &str| {
                idp.response(&connection, Some(id), |p| {
                    p.issue_instant = OffsetDateTime::now_utc() - Duration::hours(1);
                    p.authn_instant = p.issue_instant;
                })
            }),
        ),
        (
            "audience_mismatch",
            Box::new(|id: &str| {
                idp.response(&connection, Some(id), |p| {
                    p.audience = "https://evil.test/sp".into();
                })
            }),
        ),
        (
            "destination_mismatch",
            Box::new(|id: &str| {
                idp.response(&connection, Some(id), |p| {
                    p.destination = "https://evil.test/acs".into();
                })
            }),
        ),
    ];
    for (code, make) in cases {
        let mut browser = Browser::default();
        let (request_id, relay) = start(&app, &mut browser, &connection, "s").await;
        let res = post_acs(
            &app,
            &mut browser,
            &connection,
            &make(&request_id),
            Some(&relay),
        )
        .await;
        assert_refused(&app, &res, code).await;
        let details = &res.body["error"]["details"][0];
        assert!(details["who_must_act"].is_string());
    }
    // Hostile bytes are 4xx, never 5xx.
    let mut browser = Browser::default();
    let res = post_acs(&app, &mut browser, &connection, "%%% not base64", None).await;
    assert_refused(&app, &res, "invalid_encoding").await;
    let res = browser
        .post_form(
            &app,
            &path(&connection["acs_url"]),
            &[("RelayState", "x")],
            true,
        )
        .await;
    assert_refused(&app, &res, "missing_saml_response").await;
    let dtd = base64_of("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>");
    let res = post_acs(&app, &mut browser, &connection, &dtd, None).await;
    assert_refused(&app, &res, "dtd_forbidden").await;
    let res = browser
        .post_form(
            &app,
            "/sso/saml/nonsense/acs",
            &[("SAMLResponse", "x")],
            true,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(events(&app, "sso.login_failed").await.len() >= 7);
    assert!(events(&app, "sso.login_succeeded").await.is_empty());
}

/// Builds a response answering an AuthnRequest ID.
type MakeResponse<'a> = Box<dyn Fn(&str) -> String + 'a>;

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

async fn a_response_is_bound_to_the_browser_that_started_the_flow(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let connection = create_saml(&app, &org, &idp).await;
    let mut victim = Browser::default();
    let (request_id, relay) = start(&app, &mut victim, &connection, "s").await;
    let response = idp.response(&connection, Some(&request_id), |_| {});
    let mut attacker = Browser::default();
    let res = post_acs(&app, &mut attacker, &connection, &response, Some(&relay)).await;
    assert_refused(&app, &res, "state_other_browser").await;
    // A response answering another request than the one this browser started.
    let (_, own_relay) = start(&app, &mut attacker, &connection, "s").await;
    let res = post_acs(
        &app,
        &mut attacker,
        &connection,
        &response,
        Some(&own_relay),
    )
    .await;
    assert_refused(&app, &res, "in_response_to_mismatch").await;
    // The flow was not spent by the other browser: its own browser completes it.
    let res = post_acs(&app, &mut victim, &connection, &response, Some(&relay)).await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.text);
}

async fn only_registered_redirect_uris_start_a_flow(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let connection = create_saml(&app, &org, &TestIdp::new()).await;
    let mut browser = Browser::default();
    for target in [
        "https://evil.test/steal",
        "https://app.test/sso/callback/../x",
    ] {
        let uri = format!(
            "{}?redirect_uri={}&state=s",
            path(&connection["start_url"]),
            urlencode(target)
        );
        let res = browser.get(&app, &uri).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
        assert!(res.headers.get("location").is_none());
        assert!(
            res.text.contains("redirect_uri_not_registered"),
            "{}",
            res.text
        );
        assert!(
            res.text.contains("Attempt id"),
            "an HTML page: {}",
            res.text
        );
    }
    // Several registered URIs: one must be named.
    let res = browser.get(&app, &path(&connection["start_url"])).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

async fn idp_initiated_sign_in_is_off_by_default_and_replays_are_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let connection = create_saml(&app, &org, &idp).await;
    let mut browser = Browser::default();
    let unsolicited = idp.response(&connection, None, |_| {});
    let res = post_acs(&app, &mut browser, &connection, &unsolicited, None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_refused(&app, &res, "idp_initiated_not_allowed").await;

    let patched = patch_connection(
        &app,
        &org,
        &connection,
        json!({ "settings": { "allow_idp_initiated": true } }),
    )
    .await;
    assert_eq!(patched["settings"]["allow_idp_initiated"], true);

    let unsolicited = idp.response(&connection, None, |_| {});
    let res = post_acs(
        &app,
        &mut browser,
        &connection,
        &unsolicited,
        Some("https://app.test/other"),
    )
    .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.text);
    let location = res.headers["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://app.test/other?code="),
        "{location}"
    );
    let res = post_acs(&app, &mut browser, &connection, &unsolicited, None).await;
    assert_refused(&app, &res, "assertion_replayed").await;
}

async fn a_certificate_change_applies_to_the_next_response(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let connection = create_saml(&app, &org, &idp).await;
    let mut browser = Browser::default();
    let sign_in = async |browser: &mut Browser, idp: &TestIdp| {
        let (request_id, relay) = start(&app, browser, &connection, "s").await;
        let response = idp.response(&connection, Some(&request_id), |_| {});
        post_acs(&app, browser, &connection, &response, Some(&relay)).await
    };
    // Verified once: the connection's parsed certificates are cached.
    assert_eq!(sign_in(&mut browser, &idp).await.status, StatusCode::FOUND);

    // The admin replaces the certificate: the old key is refused at once, the new one works.
    let rotated = TestIdp::new();
    patch_connection(
        &app,
        &org,
        &connection,
        json!({
            "idp_sso_url": IDP_SSO,
            "idp_certificate_pem": rotated.credential.certificate().to_pem(),
        }),
    )
    .await;
    let res = sign_in(&mut browser, &idp).await;
    assert_refused(&app, &res, "untrusted_certificate").await;
    assert_eq!(
        sign_in(&mut browser, &rotated).await.status,
        StatusCode::FOUND
    );
}

async fn sp_metadata_is_served(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let connection = create_saml(&app, &org, &TestIdp::new()).await;
    let res = app
        .call(
            Method::GET,
            &path(&connection["sp_metadata_url"]),
            None,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.contains("EntityDescriptor"));
    assert!(res.text.contains(connection["acs_url"].as_str().unwrap()));
    assert!(res.text.contains("use=\"encryption\""));
}

/// The SP encryption certificate an IdP admin would take from the connection's SP metadata.
async fn sp_encryption_certificate(app: &TestApp, connection: &Value) -> Certificate {
    let metadata = app
        .call(
            Method::GET,
            &path(&connection["sp_metadata_url"]),
            None,
            None,
        )
        .await
        .text;
    let descriptor = metadata.split("use=\"encryption\"").nth(1).unwrap();
    let base64 = descriptor
        .split("X509Certificate>")
        .nth(1)
        .unwrap()
        .trim_end_matches("</ds:")
        .trim_end_matches('<');
    Certificate::from_base64(base64).unwrap()
}

async fn encrypted_assertions_are_decrypted_with_the_connections_key(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let idp = TestIdp::new();
    let connection = create_saml(&app, &org, &idp).await;
    let certificate = sp_encryption_certificate(&app, &connection).await;
    for content in [ContentEncryption::Aes256Gcm, ContentEncryption::Aes128Cbc] {
        let mut browser = Browser::default();
        let (request_id, relay) = start(&app, &mut browser, &connection, "enc").await;
        let encryption = Encryption {
            certificate: &certificate,
            content,
        };
        let response =
            idp.encrypted_response(&connection, Some(&request_id), |_| {}, Some(&encryption));
        let xml = String::from_utf8(
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &response).unwrap(),
        )
        .unwrap();
        assert!(xml.contains("EncryptedAssertion") && !xml.contains("dana.ng@example.com"));
        let res = post_acs(&app, &mut browser, &connection, &response, Some(&relay)).await;
        let code = code_from(&res, Some("enc"));
        let redeemed = redeem(&app, &app.root_token, &code).await;
        assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.text);
        assert_dana(&redeemed.body["profile"]);
    }

    // Encrypted to somebody else's key: refused, with the reason audited.
    let stranger = Credential::generate_self_signed(
        "another sp",
        OffsetDateTime::now_utc() - Duration::days(1),
        Duration::days(30),
        false,
    )
    .unwrap();
    let mut browser = Browser::default();
    let (request_id, relay) = start(&app, &mut browser, &connection, "enc").await;
    let encryption = Encryption {
        certificate: stranger.certificate(),
        content: ContentEncryption::Aes256Gcm,
    };
    let response =
        idp.encrypted_response(&connection, Some(&request_id), |_| {}, Some(&encryption));
    let res = post_acs(&app, &mut browser, &connection, &response, Some(&relay)).await;
    assert_refused(&app, &res, "decryption_failed").await;
}

store::both_backends!(
    encrypted_assertions_are_decrypted_with_the_connections_key,
    sp_initiated_sign_in_yields_a_code_redeemed_once,
    a_code_works_only_for_its_org,
    forged_and_stale_responses_are_refused_with_their_reason,
    a_response_is_bound_to_the_browser_that_started_the_flow,
    only_registered_redirect_uris_start_a_flow,
    idp_initiated_sign_in_is_off_by_default_and_replays_are_refused,
    a_certificate_change_applies_to_the_next_response,
    sp_metadata_is_served,
);
