//! Okta as OIDC provider, checked by a minimal relying party: authorization code
//! flow with PKCE, ID tokens verified with jsonwebtoken against the published JWKS.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::Response;
use serde_json::{Value, json};

use crate::browser::{self, location, query_param};
use crate::common::Org;

const CB: &str = "http://rp.test/callback";

struct Rp {
    org: Org,
    client_id: String,
    secret: String,
    cookie: String,
    user_id: String,
}

fn pkce() -> (String, String) {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    (verifier, URL_SAFE_NO_PAD.encode(digest.as_ref()))
}

fn app_body(method: &str, extra: Value) -> Value {
    let mut body = json!({
        "label": "Portal",
        "signOnMode": "OPENID_CONNECT",
        "credentials": { "oauthClient": { "token_endpoint_auth_method": method } },
        "settings": { "oauthClient": {
            "redirect_uris": [CB], "post_logout_redirect_uris": ["http://rp.test/bye"],
            "response_types": ["code"], "grant_types": ["authorization_code", "refresh_token"],
            "application_type": "web"
        } }
    });
    if let (Some(o), Some(e)) = (
        body["settings"]["oauthClient"].as_object_mut(),
        extra.as_object(),
    ) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    body
}

/// An OIDC app made through the Apps API with a groups claim (internal idToken
/// settings API), a user assigned through a group, and a browser session.
async fn rp(method: &str, extra: Value) -> Rp {
    let org = Org::small().await;
    let r = org.post("/api/v1/apps", app_body(method, extra)).await;
    assert_eq!(r.status(), 200);
    let app: Value = r.json().await.unwrap();
    let client_id = app["id"].as_str().unwrap().to_owned();
    let secret = app["credentials"]["oauthClient"]["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let claim = json!({ "valueType": "GROUPS", "groupFilterType": "STARTS_WITH", "name": "groups", "value": "Sales", "issuerMode": "ORG_URL" });
    let r = org
        .post(
            &format!("/api/v1/internal/apps/{client_id}/settings/oauth/idToken"),
            claim,
        )
        .await;
    assert_eq!(r.status(), 200);
    let user = org.create_user("dana.ng@example.com", "", true).await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    let g: Value = org
        .post(
            "/api/v1/groups",
            json!({ "profile": { "name": "Sales EMEA" } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let gid = g["id"].as_str().unwrap();
    org.put(
        &format!("/api/v1/groups/{gid}/users/{user_id}"),
        json!(null),
    )
    .await;
    org.put(&format!("/api/v1/apps/{client_id}/groups/{gid}"), json!({}))
        .await;
    let cookie = browser::login(&org, "dana.ng@example.com").await;
    Rp {
        org,
        client_id,
        secret,
        cookie,
        user_id,
    }
}

impl Rp {
    fn authorize_url(&self, server: &str, challenge: &str, extra: &str) -> String {
        format!(
            "/oauth2/{server}authorize?client_id={}&response_type=code&scope=openid%20profile%20email%20groups%20offline_access&redirect_uri={}&state=st8&nonce=n0nce&code_challenge={challenge}&code_challenge_method=S256{extra}",
            self.client_id,
            url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
        )
    }

    /// Runs authorize with the session; returns the code.
    async fn code(&self, server: &str, challenge: &str) -> String {
        let r = browser::get(
            &self.org,
            &self.authorize_url(server, challenge, ""),
            Some(&self.cookie),
        )
        .await;
        assert_eq!(r.status(), 302);
        let to = location(&r);
        assert!(to.starts_with(CB), "{to}");
        assert_eq!(query_param(&to, "state").as_deref(), Some("st8"));
        query_param(&to, "code").expect("code")
    }

    async fn token(&self, server: &str, form: &[(&str, &str)], basic: bool) -> Response {
        let mut req = browser::client()
            .post(self.org.url(&format!("/oauth2/{server}token")))
            .form(form);
        if basic {
            req = req.basic_auth(&self.client_id, Some(&self.secret));
        }
        req.send().await.unwrap()
    }

    async fn exchange(&self, server: &str, code: &str, verifier: &str) -> Response {
        self.token(
            server,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", CB),
                ("code_verifier", verifier),
            ],
            true,
        )
        .await
    }
}

async fn oauth_error(r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Verifies a JWT against the JWKS at `jwks_url` the way an RP does.
async fn verify(jwks_url: &str, token: &str, issuer: &str, audience: &str) -> Value {
    let jwks: Value = reqwest::get(jwks_url).await.unwrap().json().await.unwrap();
    let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} is published"));
    let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[issuer]);
    v.set_audience(&[audience]);
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(&jwk).unwrap(), &v)
        .unwrap()
        .claims
}

#[tokio::test]
async fn discovery_for_org_and_default_servers() {
    let org = Org::small().await;
    let base = org.sim.base_url().to_owned();
    let d: Value = reqwest::get(org.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["issuer"], base);
    assert_eq!(
        d["authorization_endpoint"],
        format!("{base}/oauth2/v1/authorize")
    );
    assert_eq!(d["jwks_uri"], format!("{base}/oauth2/v1/keys"));
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    let d: Value = reqwest::get(org.url("/oauth2/default/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["issuer"], format!("{base}/oauth2/default"));
    assert_eq!(
        d["token_endpoint"],
        format!("{base}/oauth2/default/v1/token")
    );
    let keys: Value = reqwest::get(d["jwks_uri"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["keys"][0]["kty"], "RSA");
    let r = reqwest::get(org.url("/oauth2/nope/.well-known/openid-configuration"))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn authorization_code_flow_with_pkce_and_okta_claims() {
    let rp = rp("client_secret_basic", json!({})).await;
    let (verifier, challenge) = pkce();

    // Without a session the browser goes to the login page first.
    let r = browser::get(&rp.org, &rp.authorize_url("v1/", &challenge, ""), None).await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with("/login/login.htm?fromURI=%2Foauth2%2Fv1%2Fauthorize"));

    let code = rp.code("v1/", &challenge).await;
    let r = rp.exchange("v1/", &code, &verifier).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-cache, no-store");
    let tokens: Value = r.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(
        tokens["refresh_token"].is_string(),
        "offline_access + refresh_token grant"
    );
    let base = rp.org.sim.base_url().to_owned();
    let id = verify(
        &format!("{base}/oauth2/v1/keys"),
        tokens["id_token"].as_str().unwrap(),
        &base,
        &rp.client_id,
    )
    .await;
    assert_eq!(id["sub"], rp.user_id);
    assert_eq!(id["ver"], 1);
    assert_eq!(id["nonce"], "n0nce");
    assert_eq!(id["email"], "dana.ng@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["preferred_username"], "dana.ng@example.com");
    assert_eq!(id["name"], "Test User");
    assert_eq!(
        id["groups"],
        json!(["Sales EMEA"]),
        "STARTS_WITH Sales: Everyone is filtered out"
    );
    assert_eq!(id["amr"], json!(["pwd"]));
    assert!(id["idp"].as_str().unwrap().starts_with("00o"));
    assert!(id["jti"].as_str().unwrap().starts_with("ID."));
    assert!(id["auth_time"].as_i64().unwrap() <= id["iat"].as_i64().unwrap());
    let at = tokens["access_token"].as_str().unwrap();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, at.as_bytes());
    assert_eq!(
        id["at_hash"],
        URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
    );
    let access = verify(&format!("{base}/oauth2/v1/keys"), at, &base, &base).await;
    assert_eq!(access["uid"], rp.user_id);
    assert_eq!(access["cid"], rp.client_id);
    assert_eq!(access["sub"], "dana.ng@example.com");

    let info: Value = browser::client()
        .get(rp.org.url("/oauth2/v1/userinfo"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], rp.user_id);
    assert_eq!(info["email"], "dana.ng@example.com");
    assert_eq!(info["given_name"], "Test");

    // Refresh: new tokens, the old refresh token is spent.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let r = rp
        .token(
            "v1/",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            true,
        )
        .await;
    assert_eq!(r.status(), 200);
    let again = rp
        .token(
            "v1/",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            true,
        )
        .await;
    assert_eq!(oauth_error(again).await, (400, "invalid_grant".into()));

    let log = rp
        .org
        .get_json("/api/v1/logs?filter=eventType%20sw%20%22app.oauth2%22")
        .await;
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"app.oauth2.authorize.code")
            && kinds.contains(&"app.oauth2.token.grant.id_token"),
        "{kinds:?}"
    );

    // RP-initiated logout ends the session.
    let r = browser::get(&rp.org, &format!("/oauth2/v1/logout?id_token_hint={}&post_logout_redirect_uri=http%3A%2F%2Frp.test%2Fbye&state=s", tokens["id_token"].as_str().unwrap()), Some(&rp.cookie)).await;
    assert_eq!(location(&r), "http://rp.test/bye?state=s");
    let r = browser::get(
        &rp.org,
        &rp.authorize_url("v1/", &challenge, ""),
        Some(&rp.cookie),
    )
    .await;
    assert!(location(&r).starts_with("/login/login.htm"));
}

#[tokio::test]
async fn token_and_authorize_refusals_have_okta_error_shapes() {
    let rp = rp("client_secret_basic", json!({})).await;
    let (verifier, challenge) = pkce();

    let code = rp.code("v1/", &challenge).await;
    let r = rp
        .exchange(
            "v1/",
            &code,
            "wrong-verifier-wrong-verifier-wrong-verifier-0",
        )
        .await;
    assert_eq!(
        oauth_error(r).await,
        (400, "invalid_grant".into()),
        "bad PKCE verifier"
    );
    let r = rp.exchange("v1/", &code, &verifier).await;
    assert_eq!(
        oauth_error(r).await,
        (400, "invalid_grant".into()),
        "a code works once, even after a failure"
    );

    let code = rp.code("v1/", &challenge).await;
    let r = rp
        .token(
            "v1/",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://rp.test/other"),
                ("code_verifier", &verifier),
            ],
            true,
        )
        .await;
    assert_eq!(
        oauth_error(r).await,
        (400, "invalid_grant".into()),
        "redirect_uri differs"
    );

    let code = rp.code("v1/", &challenge).await;
    assert_eq!(rp.exchange("v1/", &code, &verifier).await.status(), 200);
    let r = rp.exchange("v1/", &code, &verifier).await;
    assert_eq!(
        oauth_error(r).await,
        (400, "invalid_grant".into()),
        "reused code"
    );

    let code = rp.code("v1/", &challenge).await;
    let r = browser::client()
        .post(rp.org.url("/oauth2/v1/token"))
        .basic_auth(&rp.client_id, Some("not-the-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r).await, (401, "invalid_client".into()));
    let r = rp
        .token(
            "v1/",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &rp.client_id),
                ("client_secret", &rp.secret),
            ],
            true,
        )
        .await;
    assert_eq!(
        oauth_error(r).await,
        (400, "invalid_request".into()),
        "credentials sent two ways"
    );
    let r = rp
        .token(
            "v1/",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
                ("code_verifier", &verifier),
                ("client_id", &rp.client_id),
                ("client_secret", &rp.secret),
            ],
            false,
        )
        .await;
    assert_eq!(
        oauth_error(r).await,
        (401, "invalid_client".into()),
        "post is not this app's method"
    );

    // Authorize: a redirect URI that is not registered never gets a redirect.
    let bad = rp
        .authorize_url("v1/", &challenge, "")
        .replace("rp.test%2Fcallback", "evil.test%2Fcb");
    let r = browser::get(&rp.org, &bad, Some(&rp.cookie)).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("redirect_uri"));
    let r = browser::get(
        &rp.org,
        &rp.authorize_url("v1/", &challenge, "")
            .replace("S256", "plain"),
        Some(&rp.cookie),
    )
    .await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("invalid_request")
    );
    let r = browser::get(
        &rp.org,
        &rp.authorize_url("v1/", &challenge, "")
            .replace("offline_access", "superpowers"),
        Some(&rp.cookie),
    )
    .await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("invalid_scope")
    );
    let r = browser::get(
        &rp.org,
        &rp.authorize_url("v1/", &challenge, "&prompt=none"),
        None,
    )
    .await;
    let to = location(&r);
    assert_eq!(query_param(&to, "error").as_deref(), Some("login_required"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("st8"));

    // A user who is not assigned is sent back with access_denied.
    rp.org.create_user("outsider@example.com", "", true).await;
    let outsider = browser::login(&rp.org, "outsider@example.com").await;
    let r = browser::get(
        &rp.org,
        &rp.authorize_url("v1/", &challenge, ""),
        Some(&outsider),
    )
    .await;
    let to = location(&r);
    assert_eq!(query_param(&to, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        query_param(&to, "error_description").as_deref(),
        Some("User is not assigned to the client application.")
    );

    // userinfo: bad token 401; a token without openid 403.
    let r = browser::client()
        .get(rp.org.url("/oauth2/v1/userinfo"))
        .bearer_auth("eyJ.bad.token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let url = rp
        .authorize_url("v1/", &challenge, "")
        .replace("openid%20", "");
    let r = browser::get(&rp.org, &url, Some(&rp.cookie)).await;
    let code = query_param(&location(&r), "code").unwrap();
    let tokens: Value = rp
        .exchange("v1/", &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    assert!(tokens.get("id_token").is_none(), "no openid, no ID token");
    let r = browser::client()
        .get(rp.org.url("/oauth2/v1/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn client_secret_post_private_key_jwt_and_public_clients() {
    let rp_post = rp("client_secret_post", json!({})).await;
    let (verifier, challenge) = pkce();
    let code = rp_post.code("v1/", &challenge).await;
    let r = rp_post
        .token(
            "v1/",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
                ("code_verifier", &verifier),
                ("client_id", &rp_post.client_id),
                ("client_secret", &rp_post.secret),
            ],
            false,
        )
        .await;
    assert_eq!(r.status(), 200);

    let key = okta_sim::keys::RsaKey::generate("rp-key-1").unwrap();
    let rp_jwt = rp(
        "private_key_jwt",
        json!({ "jwks": { "keys": [key.public_jwk] } }),
    )
    .await;
    let code = rp_jwt.code("v1/", &challenge).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let assertion_for = |aud: String| {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some("rp-key-1".into());
        let claims = json!({ "iss": rp_jwt.client_id, "sub": rp_jwt.client_id, "aud": aud, "iat": now, "exp": now + 300, "jti": format!("j-{aud}") });
        jsonwebtoken::encode(
            &h,
            &claims,
            &EncodingKey::from_rsa_pem(key.private_pem.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let base = rp_jwt.org.sim.base_url().to_owned();
    let wrong_aud = assertion_for(format!("{base}/oauth2/default/v1/token"));
    let form = |a: &str| {
        vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".to_owned(), code.clone()),
            ("redirect_uri".to_owned(), CB.to_owned()),
            ("code_verifier".to_owned(), verifier.clone()),
            (
                "client_assertion_type".to_owned(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ),
            ("client_assertion".to_owned(), a.to_owned()),
        ]
    };
    let r = browser::client()
        .post(rp_jwt.org.url("/oauth2/v1/token"))
        .form(&form(&wrong_aud))
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(r).await,
        (401, "invalid_client".into()),
        "aud must be this token endpoint"
    );
    let code = rp_jwt.code("v1/", &challenge).await;
    let right = assertion_for(format!("{base}/oauth2/v1/token"));
    let mut f = form(&right);
    f[1].1 = code;
    let r = browser::client()
        .post(rp_jwt.org.url("/oauth2/v1/token"))
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // A public client authenticates with PKCE alone, and must use it.
    let public = rp("none", json!({})).await;
    let r = browser::get(
        &public.org,
        public
            .authorize_url("v1/", &challenge, "")
            .split("&code_challenge")
            .next()
            .unwrap(),
        Some(&public.cookie),
    )
    .await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("invalid_request"),
        "PKCE required"
    );
    let code = public.code("v1/", &challenge).await;
    let r = public
        .token(
            "v1/",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
                ("code_verifier", &verifier),
                ("client_id", &public.client_id),
            ],
            false,
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn custom_server_and_key_rotation() {
    let rp = rp("client_secret_basic", json!({})).await;
    let (verifier, challenge) = pkce();
    let base = rp.org.sim.base_url().to_owned();
    let issuer = format!("{base}/oauth2/default");
    let jwks = format!("{issuer}/v1/keys");

    let code = rp.code("default/v1/", &challenge).await;
    let r = rp.exchange("v1/", &code, &verifier).await;
    assert_eq!(
        oauth_error(r).await,
        (400, "invalid_grant".into()),
        "codes belong to their server"
    );
    let code = rp.code("default/v1/", &challenge).await;
    let first: Value = rp
        .exchange("default/v1/", &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let id = verify(
        &jwks,
        first["id_token"].as_str().unwrap(),
        &issuer,
        &rp.client_id,
    )
    .await;
    assert_eq!(id["sub"], rp.user_id);
    let access = verify(
        &jwks,
        first["access_token"].as_str().unwrap(),
        &issuer,
        "api://default",
    )
    .await;
    assert_eq!(
        access["scp"],
        json!(["openid", "profile", "email", "groups", "offline_access"])
    );
    let old_kid = jsonwebtoken::decode_header(first["id_token"].as_str().unwrap())
        .unwrap()
        .kid
        .unwrap();

    // Okta's manual rotation for a custom server: a new active key, the old one stays published.
    let r = rp
        .org
        .post_empty("/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate")
        .await;
    assert_eq!(r.status(), 200);
    let keys: Value = r.json().await.unwrap();
    assert_eq!(keys[0]["status"], "ACTIVE");
    assert_eq!(keys[1]["kid"], old_kid.as_str());
    let code = rp.code("default/v1/", &challenge).await;
    let second: Value = rp
        .exchange("default/v1/", &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let new_kid = jsonwebtoken::decode_header(second["id_token"].as_str().unwrap())
        .unwrap()
        .kid
        .unwrap();
    assert_ne!(new_kid, old_kid);
    verify(
        &jwks,
        second["id_token"].as_str().unwrap(),
        &issuer,
        &rp.client_id,
    )
    .await;
    verify(
        &jwks,
        first["id_token"].as_str().unwrap(),
        &issuer,
        &rp.client_id,
    )
    .await;
    let r = rp
        .org
        .delete(&format!("/sim/v1/oauth2/default/keys/{old_kid}"))
        .await;
    assert_eq!(r.status(), 204);
    let published: Value = reqwest::get(&jwks).await.unwrap().json().await.unwrap();
    assert_eq!(published["keys"].as_array().unwrap().len(), 1);
    let r = rp
        .org
        .delete(&format!("/sim/v1/oauth2/default/keys/{new_kid}"))
        .await;
    assert_eq!(r.status(), 400, "the signing key cannot be retired");

    // The org server rotates too (Okta does it on its own schedule): Management API
    // tokens signed with the old key keep working while it is published.
    let service = crate::oauth::client(&rp.org, &["okta.users.read"], false, "SUPER_ADMIN").await;
    let assertion = crate::oauth::assertion(&rp.org, &service, json!({}));
    let issued: Value = crate::oauth::token_request(&rp.org, &assertion, "okta.users.read", None)
        .await
        .json()
        .await
        .unwrap();
    let before: Value = reqwest::get(format!("{base}/oauth2/v1/keys"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = rp.org.post_empty("/sim/v1/oauth2/org/keys/rotate").await;
    assert_eq!(r.status(), 200);
    let after: Value = reqwest::get(format!("{base}/oauth2/v1/keys"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["keys"].as_array().unwrap().len(), 2);
    assert_eq!(after["keys"][1], before["keys"][0]);
    let r = browser::client()
        .get(rp.org.url("/api/v1/users?limit=1"))
        .bearer_auth(issued["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a token signed before the rotation still works"
    );
    let code = rp.code("v1/", &challenge).await;
    let tokens: Value = rp
        .exchange("v1/", &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let kid = jsonwebtoken::decode_header(tokens["id_token"].as_str().unwrap())
        .unwrap()
        .kid
        .unwrap();
    assert_eq!(after["keys"][0]["kid"], kid.as_str());
}

#[tokio::test]
async fn oidc_helpers() {
    let org = Org::small().await;
    let app = org.sim.create_oidc_app("Gatehouse", &[CB]).await.unwrap();
    org.sim
        .create_user("ada@example.com", "Ada", "Lovelace")
        .unwrap();
    org.sim
        .assign_user(&app.client_id, "ada@example.com")
        .unwrap();
    let cookie = org.sim.login_session("ada@example.com").unwrap();
    let (verifier, challenge) = pkce();
    let url = format!(
        "/oauth2/v1/authorize?client_id={}&response_type=code&scope=openid%20email%20groups&redirect_uri={CB}&state=x&nonce=y&code_challenge={challenge}&code_challenge_method=S256&response_mode=form_post",
        app.client_id
    );
    let r = browser::get(&org, &url, Some(&cookie)).await;
    assert_eq!(r.status(), 200, "form_post answers with a form");
    let html = r.text().await.unwrap();
    assert_eq!(browser::form_action(&html).as_deref(), Some(CB));
    let code = browser::form_field(&html, "code").unwrap();
    let r = browser::client()
        .post(org.url("/oauth2/v1/token"))
        .basic_auth(&app.client_id, Some(&app.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let tokens: Value = r.json().await.unwrap();
    let id = verify(
        &format!("{}/oauth2/v1/keys", app.issuer),
        tokens["id_token"].as_str().unwrap(),
        &app.issuer,
        &app.client_id,
    )
    .await;
    assert_eq!(id["email"], "ada@example.com");
    assert_eq!(id["groups"], json!(["Everyone"]));
    assert!(
        id.get("name").is_none(),
        "no profile scope, no profile claims"
    );
}
