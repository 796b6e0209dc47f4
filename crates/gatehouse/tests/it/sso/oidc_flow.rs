//! The OIDC flow end to end through the router against the in-test OP ([`TestOp`]): start
//! (PKCE S256, state, nonce), the OP's redirect, the callback's code exchange and ID-token
//! checks, the code exchange for the profile; and every way the OP's answer can be wrong.

use axum::http::StatusCode;
use serde_json::{Value, json};
use store::Backend;

use super::test_op::{CLIENT_ID, CLIENT_SECRET, SUBJECT, Tamper, TestOp};
use super::{
    APP_CALLBACK, Browser, assert_dana, assert_refused, code_from, create_connection, events,
    param, path, redeem, start_uri,
};
use crate::helpers::{TestApp, TestResponse};

async fn create_oidc(app: &TestApp, org: &str, op: &TestOp, extra: Value) -> Value {
    let mut body = json!({
        "type": "oidc",
        "name": "Okta OIDC",
        "issuer": op.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [APP_CALLBACK],
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    create_connection(app, org, body).await
}

/// The browser's hop through the OP: where its authorize endpoint sends the browser back.
async fn through_op(authorize_url: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client.get(authorize_url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// A callback URL made relative (the router is driven without a host).
fn local(url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    format!("{}?{}", url.path(), url.query().unwrap_or(""))
}

/// A whole sign-in from `browser`; returns the callback's answer.
async fn sign_in(app: &TestApp, browser: &mut Browser, connection: &Value) -> TestResponse {
    let authorize = browser.start(app, connection, "xyz").await;
    let callback = through_op(&authorize).await;
    browser.get_as(app, &local(&callback), true).await
}

fn code_of(res: &TestResponse) -> String {
    code_from(res, Some("xyz"))
}

async fn sign_in_yields_the_profile_with_groups(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let op = TestOp::start(&["basic", "post"]).await;
    let connection = create_oidc(&app, &org, &op, json!({})).await;
    assert!(
        connection["callback_url"]
            .as_str()
            .unwrap()
            .ends_with("/callback")
    );
    assert!(connection.get("acs_url").is_none());

    let mut browser = Browser::default();
    let authorize = browser.start(&app, &connection, "xyz").await;
    assert!(
        authorize.starts_with(&format!("{}/authorize?", op.issuer)),
        "{authorize}"
    );
    let query: Vec<(String, String)> = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(param(&query, "response_type"), Some("code"));
    assert_eq!(param(&query, "client_id"), Some(CLIENT_ID));
    assert_eq!(
        param(&query, "redirect_uri"),
        connection["callback_url"].as_str()
    );
    assert_eq!(param(&query, "code_challenge_method"), Some("S256"));
    assert_eq!(param(&query, "code_challenge").unwrap().len(), 43);
    assert!(param(&query, "nonce").is_some_and(|n| n.len() >= 16));
    let state = param(&query, "state").unwrap();
    assert!(
        state.len() >= 16 && state != "xyz",
        "our own state: {state}"
    );
    let scopes: Vec<&str> = param(&query, "scope").unwrap().split(' ').collect();
    for scope in ["openid", "profile", "email", "groups"] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }

    let callback = through_op(&authorize).await;
    let res = browser.get_as(&app, &local(&callback), true).await;
    let code = code_of(&res);
    // The OP checked the PKCE verifier against the challenge; Basic was preferred.
    assert_eq!(op.served().token_auth, vec!["basic"]);

    let org_token = app.token(Some(&org), "viewer").await;
    let redeemed = redeem(&app, &org_token, &code).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.text);
    let profile = &redeemed.body["profile"];
    assert_dana(profile);
    assert_eq!(profile["groups"], json!(["Everyone", "Sales"]));
    assert_eq!(profile["idp_subject"], SUBJECT);
    assert_eq!(profile["connection_id"], connection["id"]);
    assert_eq!(profile["org_id"], org.as_str());
    assert_eq!(
        profile["attributes"]["preferred_username"],
        "dana.ng@example.com"
    );
    for protocol_only in ["nonce", "at_hash"] {
        assert!(profile["attributes"].get(protocol_only).is_none());
    }
    assert_eq!(
        redeem(&app, &org_token, &code).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(events(&app, "sso.login_succeeded").await.len(), 1);
    assert_eq!(op.served().userinfo, 0, "userinfo is off by default");

    // The same callback again: the flow is spent.
    let again = browser.get_as(&app, &local(&callback), true).await;
    assert_refused(&app, &again, "state_already_used").await;
}

async fn client_secret_post_and_userinfo(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let op = TestOp::start(&["post"]).await;
    op.thin_id_tokens();
    let connection = create_oidc(&app, &org, &op, json!({ "fetch_userinfo": true })).await;
    let mut browser = Browser::default();
    let res = sign_in(&app, &mut browser, &connection).await;
    let code = code_of(&res);
    let served = op.served();
    assert_eq!(served.token_auth, vec!["post"]);
    assert_eq!(served.userinfo, 1);
    let profile = &redeem(&app, &app.root_token, &code).await.body["profile"];
    assert_eq!(
        profile["groups"],
        json!(["Everyone", "Sales"]),
        "from userinfo"
    );
    assert_eq!(profile["attributes"]["department"], "Sales Ops");
}

async fn forged_id_tokens_are_refused_with_their_reason(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let op = TestOp::start(&["basic"]).await;
    let connection = create_oidc(&app, &org, &op, json!({})).await;
    let cases = [
        (Tamper::Nonce, "id_token_invalid", "nonce"),
        (Tamper::Audience, "id_token_invalid", "audience"),
        (Tamper::Issuer, "id_token_invalid", "issuer"),
        (Tamper::Expired, "id_token_invalid", "expired"),
        (Tamper::Signature, "id_token_invalid", "signature"),
        (Tamper::AccessTokenHash, "at_hash_mismatch", "at_hash"),
    ];
    for (tamper, code, word) in cases {
        op.tamper(tamper);
        let mut browser = Browser::default();
        let res = sign_in(&app, &mut browser, &connection).await;
        assert_refused(&app, &res, code).await;
        let message = res.body["error"]["message"]
            .as_str()
            .unwrap()
            .to_lowercase();
        assert!(message.contains(word), "{tamper:?}: {message}");
    }
    // A bad signature under a known key id is not a reason to fetch the keys again.
    assert_eq!(op.served().jwks, 1);
    assert!(events(&app, "sso.login_succeeded").await.is_empty());
    assert_eq!(events(&app, "sso.login_failed").await.len(), cases.len());
}

async fn an_unknown_key_id_fetches_the_keys_again_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let op = TestOp::start(&["basic"]).await;
    let connection = create_oidc(&app, &org, &op, json!({})).await;
    let mut browser = Browser::default();
    code_of(&sign_in(&app, &mut browser, &connection).await);
    assert_eq!(op.served().jwks, 1);

    // The OP rotates: tokens now carry a kid our cached key set does not have.
    op.rotate();
    let res = sign_in(&app, &mut browser, &connection).await;
    code_of(&res);
    assert_eq!(op.served().jwks, 2, "fetched again on the unknown kid");
    code_of(&sign_in(&app, &mut browser, &connection).await);
    assert_eq!(op.served().jwks, 2, "and kept");

    // A kid the OP never published: refused; right after a refresh, no new fetch either,
    // so a stream of such tokens cannot make us hammer the OP.
    op.tamper(Tamper::UnknownKid);
    let res = sign_in(&app, &mut browser, &connection).await;
    assert_refused(&app, &res, "id_token_invalid").await;
    assert_eq!(op.served().jwks, 2);
}

async fn callback_failures_are_refused_with_their_reason(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let op = TestOp::start(&["basic"]).await;
    let connection = create_oidc(&app, &org, &op, json!({})).await;

    // The OP's answer arriving in another browser than the one that started.
    let mut victim = Browser::default();
    let authorize = victim.start(&app, &connection, "xyz").await;
    let callback = through_op(&authorize).await;
    let mut attacker = Browser::default();
    let res = attacker.get_as(&app, &local(&callback), true).await;
    assert_refused(&app, &res, "state_other_browser").await;
    // Not spent by the attacker: the victim's browser completes it.
    code_of(&victim.get_as(&app, &local(&callback), true).await);

    // A callback naming no flow, or none at all.
    let callback_path = path(&connection["callback_url"]);
    let res = attacker
        .get_as(
            &app,
            &format!("{callback_path}?code=c&state=flow_nope"),
            true,
        )
        .await;
    assert_refused(&app, &res, "state_unknown").await;
    let res = attacker.get_as(&app, &callback_path, true).await;
    assert_refused(&app, &res, "state_unknown").await;

    // The OP refuses the user.
    op.deny(true);
    let mut browser = Browser::default();
    let res = sign_in(&app, &mut browser, &connection).await;
    assert_refused(&app, &res, "idp_error").await;
    assert!(res.text.contains("access_denied"), "{}", res.text);
    assert_eq!(res.body["error"]["details"][0]["who_must_act"], "idp_admin");
    op.deny(false);

    // The token endpoint refuses the code.
    op.token_error(Some((
        StatusCode::BAD_REQUEST,
        json!({ "error": "invalid_grant", "error_description": "The authorization code is invalid or has expired." }),
    )));
    let res = sign_in(&app, &mut browser, &connection).await;
    assert_refused(&app, &res, "token_exchange_failed").await;
    assert!(res.text.contains("invalid_grant"), "{}", res.text);
    op.token_error(None);

    // An answer to a flow that was refused cannot be completed afterwards.
    let authorize = browser.start(&app, &connection, "xyz").await;
    let callback = through_op(&authorize).await;
    let (flow_state, code) = {
        let url = url::Url::parse(&callback).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        (
            param(&pairs, "state").unwrap().to_owned(),
            param(&pairs, "code").unwrap().to_owned(),
        )
    };
    let denied = format!("{callback_path}?error=access_denied&state={flow_state}");
    let res = browser.get_as(&app, &denied, true).await;
    assert_refused(&app, &res, "idp_error").await;
    let late = format!("{callback_path}?code={code}&state={flow_state}");
    let res = browser.get_as(&app, &late, true).await;
    assert_refused(&app, &res, "state_already_used").await;
    assert!(events(&app, "sso.login_succeeded").await.len() == 1);
}

async fn discovery_failures_are_client_errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.create_org("acme").await;
    let op = TestOp::start(&["basic"]).await;
    let base = format!("/api/v1/orgs/{org}/sso-connections");

    // Unreachable or failing issuers are refused when the connection is made.
    op.discovery_status(StatusCode::NOT_FOUND);
    let body = json!({
        "type": "oidc", "name": "x", "issuer": op.issuer, "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "redirect_uris": [APP_CALLBACK],
    });
    let res = app.post(&base, body.clone()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("404"), "{}", res.text);
    let mut closed = body.clone();
    closed["issuer"] = json!("http://127.0.0.1:9");
    let res = app.post(&base, closed).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);

    // A connection made while discovery worked, then used on a replica that has not
    // discovered it yet, after the OP stopped serving discovery.
    op.discovery_status(StatusCode::OK);
    let connection = create_oidc(&app, &org, &op, json!({})).await;
    op.discovery_status(StatusCode::GONE);
    let replica = app.replica();
    let mut browser = Browser::default();
    let res = browser
        .get_as(&replica, &start_uri(&connection, "s"), true)
        .await;
    assert_refused(&app, &res, "oidc_discovery_failed").await;
    assert_eq!(
        res.body["error"]["details"][0]["who_must_act"],
        "connection_admin"
    );
    // The first replica still has it and signs in.
    code_of(&sign_in(&app, &mut browser, &connection).await);
}

store::both_backends!(
    sign_in_yields_the_profile_with_groups,
    client_secret_post_and_userinfo,
    forged_id_tokens_are_refused_with_their_reason,
    an_unknown_key_id_fetches_the_keys_again_once,
    callback_failures_are_refused_with_their_reason,
    discovery_failures_are_client_errors,
);
