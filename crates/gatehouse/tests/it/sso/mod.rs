//! SSO: connection CRUD and validation, the SAML flow end to end through the router (IdP
//! responses made with `saml::idp::issue_response`), OIDC against a small in-test OP, the
//! code exchange, and both protocols end to end against okta-sim.

mod connections;
mod oidc_flow;
mod okta_sim;
mod saml_flow;
mod test_op;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use saml::idp::{AssertionParams, Encryption, SigningOptions, issue_response};
use saml::{Credential, IdpMetadata};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::helpers::{TestApp, TestResponse, error_code};

pub(crate) const IDP_ENTITY: &str = "http://www.okta.com/exk1a2b3c4D5e6F7g8h9";
pub(crate) const IDP_SSO: &str =
    "https://acme.okta.test/app/acme_app_1/exk1a2b3c4D5e6F7g8h9/sso/saml";
pub(crate) const APP_CALLBACK: &str = "https://app.test/sso/callback";

/// A SAML IdP for tests: its credential and metadata.
pub(crate) struct TestIdp {
    pub(crate) credential: Credential,
}

impl TestIdp {
    pub(crate) fn new() -> Self {
        Self {
            credential: Credential::generate_self_signed(
                "test idp",
                OffsetDateTime::now_utc() - Duration::days(1),
                Duration::days(365),
                false,
            )
            .unwrap(),
        }
    }

    pub(crate) fn metadata(&self) -> String {
        IdpMetadata::new(
            IDP_ENTITY,
            IDP_SSO,
            vec![self.credential.certificate().clone()],
        )
        .to_xml()
        .unwrap()
    }

    /// A signed response for `connection` answering `in_response_to`.
    pub(crate) fn response(
        &self,
        connection: &Value,
        in_response_to: Option<&str>,
        tweak: impl FnOnce(&mut AssertionParams),
    ) -> String {
        self.encrypted_response(connection, in_response_to, tweak, None)
    }

    /// Like [`TestIdp::response`], with the assertion encrypted when `encryption` is given.
    pub(crate) fn encrypted_response(
        &self,
        connection: &Value,
        in_response_to: Option<&str>,
        tweak: impl FnOnce(&mut AssertionParams),
        encryption: Option<&Encryption<'_>>,
    ) -> String {
        let mut params = AssertionParams::new(
            IDP_ENTITY,
            connection["acs_url"].as_str().unwrap(),
            connection["sp_entity_id"].as_str().unwrap(),
            "dana.ng@example.com",
            OffsetDateTime::now_utc(),
        );
        params.in_response_to = in_response_to.map(str::to_owned);
        params.attributes = vec![
            saml::idp::Attribute::new("email", vec!["dana.ng@example.com".into()]),
            saml::idp::Attribute::new("firstName", vec!["Dana".into()]),
            saml::idp::Attribute::new("lastName", vec!["Ng".into()]),
            saml::idp::Attribute::new("groups", vec!["Sales".into(), "Everyone".into()]),
        ];
        tweak(&mut params);
        issue_response(
            &params,
            &self.credential,
            &SigningOptions::default(),
            encryption,
        )
        .unwrap()
        .to_base64()
    }
}

pub(crate) async fn create_saml(app: &TestApp, org: &str, idp: &TestIdp) -> Value {
    create_connection(
        app,
        org,
        json!({
            "type": "saml",
            "name": "Okta",
            "idp_metadata_xml": idp.metadata(),
            "redirect_uris": [APP_CALLBACK, "https://app.test/other"],
        }),
    )
    .await
}

/// Creates a connection through the admin API; returns its body.
pub(crate) async fn create_connection(app: &TestApp, org: &str, body: Value) -> Value {
    let res = app
        .post(&format!("/api/v1/orgs/{org}/sso-connections"), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.body
}

/// Checks the name and email Dana's sign-ins carry, whatever the protocol.
pub(crate) fn assert_dana(profile: &Value) {
    assert_eq!(profile["email"], "dana.ng@example.com");
    assert_eq!(profile["first_name"], "Dana");
    assert_eq!(profile["last_name"], "Ng");
}

/// A browser: remembers cookies set by `/sso/` answers and sends them back.
#[derive(Default)]
pub(crate) struct Browser {
    cookies: Vec<String>,
}

impl Browser {
    pub(crate) async fn get(&mut self, app: &TestApp, uri: &str) -> TestResponse {
        self.get_as(app, uri, false).await
    }

    /// Starts a sign-in at `connection`; returns where Gatehouse sends the browser (the IdP).
    pub(crate) async fn start(&mut self, app: &TestApp, connection: &Value, state: &str) -> String {
        let res = self.get(app, &start_uri(connection, state)).await;
        assert_eq!(res.status, StatusCode::FOUND, "{}", res.text);
        res.headers["location"].to_str().unwrap().to_owned()
    }

    /// A GET that asks for JSON (failures then come in the contract's error shape).
    pub(crate) async fn get_as(&mut self, app: &TestApp, uri: &str, json: bool) -> TestResponse {
        let mut builder = self.with_cookies(Request::builder().method(Method::GET).uri(uri));
        if json {
            builder = builder.header("accept", "application/json");
        }
        let res = app.send(builder.body(Body::empty()).unwrap()).await;
        self.keep(&res);
        res
    }

    pub(crate) async fn post_form(
        &mut self,
        app: &TestApp,
        uri: &str,
        form: &[(&str, &str)],
        json: bool,
    ) -> TestResponse {
        let mut builder = self.with_cookies(
            Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header("content-type", "application/x-www-form-urlencoded"),
        );
        if json {
            builder = builder.header("accept", "application/json");
        }
        let body = serde_urlencoded::to_string(form).unwrap();
        let res = app.send(builder.body(Body::from(body)).unwrap()).await;
        self.keep(&res);
        res
    }

    fn with_cookies(&self, builder: axum::http::request::Builder) -> axum::http::request::Builder {
        if self.cookies.is_empty() {
            builder
        } else {
            builder.header("cookie", self.cookies.join("; "))
        }
    }

    fn keep(&mut self, res: &TestResponse) {
        for value in res.headers.get_all("set-cookie") {
            let pair = value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }
}

/// The path of a URL returned by the API (the router is driven without a host).
pub(crate) fn path(url: &Value) -> String {
    let url = url::Url::parse(url.as_str().unwrap()).unwrap();
    url.path().to_owned()
}

pub(crate) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_owned()
}

/// The query parameters of a redirect's `Location`.
pub(crate) fn location_query(res: &TestResponse) -> Vec<(String, String)> {
    let location = res.headers["location"].to_str().unwrap();
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The start URL (as a router path) of `connection` for the registered callback and `state`.
pub(crate) fn start_uri(connection: &Value, state: &str) -> String {
    format!(
        "{}?redirect_uri={}&state={state}",
        path(&connection["start_url"]),
        urlencode(APP_CALLBACK)
    )
}

/// The one-time code of a successful sign-in: a 302 to the registered callback carrying
/// the host application's `state` (none for IdP-initiated sign-ins).
pub(crate) fn code_from(res: &TestResponse, state: Option<&str>) -> String {
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.text);
    let location = res.headers["location"].to_str().unwrap();
    assert!(location.starts_with(APP_CALLBACK), "{location}");
    let query = location_query(res);
    assert_eq!(param(&query, "state"), state);
    param(&query, "code").unwrap().to_owned()
}

/// Changes a connection through the admin API.
pub(crate) async fn patch_connection(
    app: &TestApp,
    org: &str,
    connection: &Value,
    body: Value,
) -> Value {
    let id = connection["id"].as_str().unwrap();
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}/sso-connections/{id}"),
            Some(&app.root_token),
            Some(body),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.body
}

/// Redeems a code through the API.
pub(crate) async fn redeem(app: &TestApp, token: &str, code: &str) -> TestResponse {
    app.call(
        Method::POST,
        "/api/v1/sso/token",
        Some(token),
        Some(json!({ "code": code })),
    )
    .await
}

/// Asserts a refused sign-in: a 4xx in the contract's shape with `code`, no redirect, and the
/// attempt in the audit log with the same reason.
pub(crate) async fn assert_refused(app: &TestApp, res: &TestResponse, code: &str) {
    assert!(res.status.is_client_error(), "{}: {}", res.status, res.text);
    assert!(res.headers.get("location").is_none());
    assert_eq!(error_code(res), code, "{}", res.text);
    let attempt = res.body["error"]["details"][0]["attempt_id"]
        .as_str()
        .unwrap();
    let audit = app.get("/api/v1/audit?limit=500").await;
    let entry = audit.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["details"]["attempt_id"] == attempt)
        .unwrap_or_else(|| panic!("attempt {attempt} not audited"));
    assert_eq!(entry["action"], "sso.login_failed");
    assert_eq!(entry["reason"], code);
    assert_eq!(entry["outcome"], "failure");
}

pub(crate) async fn events(app: &TestApp, kind: &str) -> Vec<Value> {
    let res = app.get("/api/v1/events?limit=500").await;
    res.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .cloned()
        .collect()
}
