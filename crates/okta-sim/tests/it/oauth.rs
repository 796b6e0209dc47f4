use jsonwebtoken::{Algorithm, EncodingKey, Header};
use okta_sim::keys::{RsaKey, sha256_b64url};
use reqwest::Response;
use serde_json::{Value, json};

use crate::common::{Org, error_code};

pub(crate) struct Client {
    id: String,
    pem: String,
    kid: String,
}

pub(crate) async fn client(org: &Org, scopes: &[&str], dpop: bool, role: &str) -> Client {
    let v: Value = org
        .post(
            "/sim/v1/oauth-clients",
            json!({ "scopes": scopes, "dpop": dpop, "role": role }),
        )
        .await
        .json()
        .await
        .unwrap();
    Client {
        id: v["client_id"].as_str().unwrap().into(),
        pem: v["private_key_pem"].as_str().unwrap().into(),
        kid: v["key_id"].as_str().unwrap().into(),
    }
}

fn now_s(org: &Org) -> i64 {
    org.sim.sim().clock.now() / 1000
}

pub(crate) fn assertion(org: &Org, c: &Client, claims: Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(c.kid.clone());
    let mut base = json!({ "iss": c.id, "sub": c.id, "aud": org.url("/oauth2/v1/token"), "iat": now_s(org), "exp": now_s(org) + 300, "jti": uuid() });
    for (k, v) in claims.as_object().unwrap() {
        base[k] = v.clone();
    }
    jsonwebtoken::encode(
        &header,
        &base,
        &EncodingKey::from_rsa_pem(c.pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn uuid() -> String {
    okta_sim::ids::uuid(&mut rand::rng())
}

pub(crate) async fn token_request(
    org: &Org,
    assertion: &str,
    scope: &str,
    dpop: Option<String>,
) -> Response {
    let mut req = org
        .http
        .post(org.url("/oauth2/v1/token"))
        .header("Accept", "application/json")
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ]);
    if let Some(p) = dpop {
        req = req.header("DPoP", p);
    }
    req.send().await.unwrap()
}

async fn oauth_error(r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    (status, v["error"].as_str().unwrap_or_default().to_owned())
}

struct DpopKey {
    key: RsaKey,
}

impl DpopKey {
    fn new() -> Self {
        Self {
            key: RsaKey::generate("dpop-key").unwrap(),
        }
    }

    fn proof(
        &self,
        org: &Org,
        method: &str,
        url: &str,
        nonce: Option<&str>,
        token: Option<&str>,
    ) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("dpop+jwt".into());
        let mut jwk = self.key.public_jwk.clone();
        jwk.as_object_mut().unwrap().remove("kid");
        header.jwk = Some(serde_json::from_value(jwk).unwrap());
        let mut claims = json!({ "htm": method, "htu": url, "iat": now_s(org), "jti": uuid() });
        if let Some(n) = nonce {
            claims["nonce"] = json!(n);
        }
        if let Some(t) = token {
            claims["ath"] = json!(sha256_b64url(t));
        }
        jsonwebtoken::encode(&header, &claims, &self.key.encoding_key().unwrap()).unwrap()
    }
}

#[tokio::test]
async fn client_credentials_with_private_key_jwt_and_scopes() {
    let org = Org::small().await;
    let c = client(
        &org,
        &["okta.users.read", "okta.groups.read"],
        false,
        "SUPER_ADMIN",
    )
    .await;
    let r = token_request(
        &org,
        &assertion(&org, &c, json!({})),
        "okta.users.read okta.groups.read",
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let tok: Value = r.json().await.unwrap();
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 3600);
    assert_eq!(tok["scope"], "okta.users.read okta.groups.read");
    let at = tok["access_token"].as_str().unwrap().to_owned();
    let ok = org
        .http
        .get(org.url("/api/v1/users?limit=1"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let missing = org
        .http
        .get(org.url("/api/v1/logs"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 403);
    let www = missing.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        www.contains("error=\"insufficient_scope\"") && www.contains("scope=\"okta.logs.read\""),
        "{www}"
    );
    let write = org
        .http
        .post(org.url("/api/v1/groups"))
        .bearer_auth(&at)
        .json(&json!({ "profile": { "name": "x" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    // Logs written through OAuth name the service app as actor.
    org.sim.advance_time(3_601_000);
    let expired = org
        .http
        .get(org.url("/api/v1/users?limit=1"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 401);
    assert!(
        expired.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn client_assertion_failures() {
    let org = Org::small().await;
    let c = client(&org, &["okta.users.read"], false, "SUPER_ADMIN").await;
    let good = assertion(&org, &c, json!({}));
    assert_eq!(
        token_request(&org, &good, "okta.users.read", None)
            .await
            .status(),
        200
    );
    assert_eq!(
        oauth_error(token_request(&org, &good, "okta.users.read", None).await).await,
        (401, "invalid_client".into()),
        "jti replay"
    );
    let bad_aud = assertion(
        &org,
        &c,
        json!({ "aud": "https://acme.okta.com/oauth2/v1/token" }),
    );
    assert_eq!(
        oauth_error(token_request(&org, &bad_aud, "okta.users.read", None).await).await,
        (401, "invalid_client".into())
    );
    let expired = assertion(&org, &c, json!({ "exp": now_s(&org) - 10 }));
    assert_eq!(
        oauth_error(token_request(&org, &expired, "okta.users.read", None).await).await,
        (401, "invalid_client".into())
    );
    let too_long = assertion(&org, &c, json!({ "exp": now_s(&org) + 7200 }));
    assert_eq!(
        oauth_error(token_request(&org, &too_long, "okta.users.read", None).await).await,
        (401, "invalid_client".into())
    );
    let wrong_sub = assertion(&org, &c, json!({ "sub": "0oasomeoneelse000000" }));
    assert_eq!(
        oauth_error(token_request(&org, &wrong_sub, "okta.users.read", None).await).await,
        (401, "invalid_client".into())
    );
    let other_key = Client {
        id: c.id.clone(),
        pem: RsaKey::generate("x").unwrap().private_pem,
        kid: c.kid.clone(),
    };
    let forged = assertion(&org, &other_key, json!({}));
    assert_eq!(
        oauth_error(token_request(&org, &forged, "okta.users.read", None).await).await,
        (401, "invalid_client".into())
    );
    let unknown_kid = Client {
        kid: "nope".into(),
        ..Client {
            id: c.id.clone(),
            pem: c.pem.clone(),
            kid: String::new(),
        }
    };
    let r = token_request(
        &org,
        &assertion(&org, &unknown_kid, json!({})),
        "okta.users.read",
        None,
    )
    .await;
    assert_eq!(oauth_error(r).await, (401, "invalid_client".into()));
    let r = token_request(
        &org,
        &assertion(&org, &c, json!({})),
        "okta.users.manage",
        None,
    )
    .await;
    assert_eq!(oauth_error(r).await, (400, "invalid_scope".into()));
    let r = org
        .http
        .post(org.url("/oauth2/v1/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "okta.users.read"),
            ("client_id", c.id.as_str()),
            ("client_secret", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r).await, (401, "invalid_client".into()));
    let r = org
        .http
        .post(org.url("/oauth2/v1/token"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(r).await, (400, "unsupported_grant_type".into()));
}

#[tokio::test]
async fn role_limits_writes_even_with_manage_scope() {
    let org = Org::small().await;
    let c = client(&org, &["okta.groups.manage"], false, "READ_ONLY_ADMIN").await;
    let tok: Value = token_request(
        &org,
        &assertion(&org, &c, json!({})),
        "okta.groups.manage",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let at = tok["access_token"].as_str().unwrap();
    let read = org
        .http
        .get(org.url("/api/v1/groups"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200, "manage implies read");
    let write = org
        .http
        .post(org.url("/api/v1/groups"))
        .bearer_auth(at)
        .json(&json!({ "profile": { "name": "x" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(write).await, (403, "E0000006".into()));
}

#[tokio::test]
async fn dpop_nonce_round_trip_and_bound_tokens() {
    let org = Org::small().await;
    let c = client(&org, &["okta.users.read"], true, "SUPER_ADMIN").await;
    let key = DpopKey::new();
    let token_url = org.url("/oauth2/v1/token");
    let r = token_request(
        &org,
        &assertion(&org, &c, json!({})),
        "okta.users.read",
        None,
    )
    .await;
    assert_eq!(oauth_error(r).await, (400, "invalid_dpop_proof".into()));
    let r = token_request(
        &org,
        &assertion(&org, &c, json!({})),
        "okta.users.read",
        Some(key.proof(&org, "POST", &token_url, None, None)),
    )
    .await;
    assert_eq!(r.status(), 400);
    let nonce = r.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "use_dpop_nonce");
    let wrong_htu = key.proof(
        &org,
        "POST",
        "http://elsewhere/oauth2/v1/token",
        Some(&nonce),
        None,
    );
    let r = token_request(
        &org,
        &assertion(&org, &c, json!({})),
        "okta.users.read",
        Some(wrong_htu),
    )
    .await;
    assert_eq!(oauth_error(r).await, (400, "invalid_dpop_proof".into()));
    let r = token_request(
        &org,
        &assertion(&org, &c, json!({})),
        "okta.users.read",
        Some(key.proof(&org, "POST", &token_url, Some(&nonce), None)),
    )
    .await;
    assert_eq!(r.status(), 200);
    let tok: Value = r.json().await.unwrap();
    assert_eq!(tok["token_type"], "DPoP");
    let at = tok["access_token"].as_str().unwrap().to_owned();
    let users_url = org.url("/api/v1/users");
    let proof = key.proof(&org, "GET", &users_url, None, Some(&at));
    let ok = org
        .http
        .get(format!("{users_url}?limit=2"))
        .header("Authorization", format!("DPoP {at}"))
        .header("DPoP", &proof)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let replay = org
        .http
        .get(format!("{users_url}?limit=2"))
        .header("Authorization", format!("DPoP {at}"))
        .header("DPoP", &proof)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401, "a proof is single-use");
    let as_bearer = org
        .http
        .get(&users_url)
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(as_bearer.status(), 401);
    let no_proof = org
        .http
        .get(&users_url)
        .header("Authorization", format!("DPoP {at}"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_proof.status(), 401);
    assert!(
        no_proof.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_dpop_proof")
    );
    let wrong_method = key.proof(&org, "POST", &users_url, None, Some(&at));
    let r = org
        .http
        .get(&users_url)
        .header("Authorization", format!("DPoP {at}"))
        .header("DPoP", wrong_method)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let other_key = DpopKey::new().proof(&org, "GET", &users_url, None, Some(&at));
    let r = org
        .http
        .get(&users_url)
        .header("Authorization", format!("DPoP {at}"))
        .header("DPoP", other_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "proof key must match cnf.jkt");
}

#[tokio::test]
async fn built_in_service_app_credentials_work() {
    let org = Org::small().await;
    let c = Client {
        id: org.sim.oauth_client_id().into(),
        pem: org.sim.oauth_private_key_pem().into(),
        kid: org.sim.oauth_key_id().into(),
    };
    let r = token_request(
        &org,
        &assertion(&org, &c, json!({})),
        "okta.users.manage okta.logs.read",
        None,
    )
    .await;
    let at = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = org
        .http
        .post(org.url("/api/v1/groups"))
        .bearer_auth(&at)
        .json(&json!({ "profile": { "name": "By OAuth" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(g.status(), 403, "groups.manage was not requested");
    let u = org.http.post(org.url("/api/v1/users")).bearer_auth(&at).json(&json!({ "profile": { "firstName": "O", "lastName": "A", "email": "oa@example.org", "login": "oa@example.org" } })).send().await.unwrap();
    assert_eq!(u.status(), 200);
    let log: Vec<Value> = org
        .http
        .get(org.url("/api/v1/logs"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log[0]["actor"]["type"], "PublicClientApp");
    assert_eq!(log[0]["actor"]["id"], org.sim.oauth_client_id());
    let jwks: Value = org
        .http
        .get(org.url("/oauth2/v1/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
}
