//! A small OpenID Provider for the OIDC tests, served by axum on `127.0.0.1:0`: discovery,
//! JWKS, an authorize endpoint that signs its one user in without a prompt, a token endpoint
//! (`client_secret_basic` or `client_secret_post`, PKCE S256 checked), and userinfo.
//!
//! Tests steer it through [`TestOp`]: what to get wrong in the next ID token ([`Tamper`]),
//! whether to deny the sign-in, fail the token request or the discovery document, and key
//! rotation. It counts what it served so tests can check what Gatehouse fetched.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub(crate) const CLIENT_ID: &str = "0oa1testclient";
pub(crate) const CLIENT_SECRET: &str = "op-client-secret-0123456789";
pub(crate) const SUBJECT: &str = "00u1dana";

/// What the next ID tokens get wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tamper {
    None,
    Nonce,
    Audience,
    Issuer,
    Expired,
    /// Signed by a key that is not published, under the `kid` of one that is.
    Signature,
    /// Signed by a key that is not published, under its own `kid`.
    UnknownKid,
    /// `at_hash` of another access token.
    AccessTokenHash,
}

/// What the OP served, for assertions.
#[derive(Clone, Debug, Default)]
pub(crate) struct Served {
    pub(crate) discovery: usize,
    pub(crate) jwks: usize,
    pub(crate) userinfo: usize,
    /// The query of each authorize request.
    pub(crate) authorize: Vec<HashMap<String, String>>,
    /// How the client authenticated at each token request: `basic` or `post`.
    pub(crate) token_auth: Vec<&'static str>,
}

struct OpKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl OpKey {
    fn generate(kid: &str) -> Self {
        let pem = saml::PrivateKey::generate_rsa_2048()
            .unwrap()
            .to_pkcs8_pem();
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
        let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, Algorithm::RS256).unwrap();
        let mut jwk = serde_json::to_value(jwk).unwrap();
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!("RS256");
        Self {
            kid: kid.to_owned(),
            encoding,
            jwk,
        }
    }
}

struct Grant {
    redirect_uri: String,
    nonce: Option<String>,
    challenge: String,
}

struct Op {
    issuer: String,
    auth_methods: Vec<&'static str>,
    /// Published in the JWKS; the first one signs.
    keys: Vec<OpKey>,
    /// Never published: signs forged tokens.
    impostor: Option<OpKey>,
    tamper: Tamper,
    deny: bool,
    discovery_status: StatusCode,
    token_error: Option<(StatusCode, Value)>,
    id_token_groups: bool,
    grants: HashMap<String, Grant>,
    access_tokens: Vec<String>,
    served: Served,
    serial: u64,
}

/// A running test OP.
pub(crate) struct TestOp {
    pub(crate) issuer: String,
    op: Arc<Mutex<Op>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestOp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestOp {
    /// An OP offering `auth_methods` at its token endpoint.
    pub(crate) async fn start(auth_methods: &[&'static str]) -> Self {
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let op = Arc::new(Mutex::new(Op {
            issuer: issuer.clone(),
            auth_methods: auth_methods.to_vec(),
            keys: vec![OpKey::generate("key-1")],
            impostor: None,
            tamper: Tamper::None,
            deny: false,
            discovery_status: StatusCode::OK,
            token_error: None,
            id_token_groups: true,
            grants: HashMap::new(),
            access_tokens: Vec::new(),
            served: Served::default(),
            serial: 0,
        }));
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/keys", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", axum::routing::post(token))
            .route("/userinfo", get(userinfo))
            .with_state(op.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self { issuer, op, task }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Op) -> T) -> T {
        f(&mut self.op.lock().unwrap())
    }

    pub(crate) fn tamper(&self, tamper: Tamper) {
        self.with(|op| {
            if matches!(tamper, Tamper::Signature | Tamper::UnknownKid) && op.impostor.is_none() {
                op.impostor = Some(OpKey::generate("impostor"));
            }
            op.tamper = tamper;
        });
    }

    pub(crate) fn deny(&self, deny: bool) {
        self.with(|op| op.deny = deny);
    }

    pub(crate) fn discovery_status(&self, status: StatusCode) {
        self.with(|op| op.discovery_status = status);
    }

    pub(crate) fn token_error(&self, error: Option<(StatusCode, Value)>) {
        self.with(|op| op.token_error = error);
    }

    /// Leaves groups out of the ID token (a "thin" token: userinfo has them).
    pub(crate) fn thin_id_tokens(&self) {
        self.with(|op| op.id_token_groups = false);
    }

    /// Publishes a new key and signs with it from now on; the old one stays published.
    pub(crate) fn rotate(&self) {
        let kid = format!("key-{}", self.with(|op| op.keys.len() + 1));
        let key = OpKey::generate(&kid);
        self.with(|op| op.keys.insert(0, key));
    }

    pub(crate) fn served(&self) -> Served {
        self.with(|op| op.served.clone())
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

async fn discovery(State(op): State<Arc<Mutex<Op>>>) -> Response {
    let mut op = op.lock().unwrap();
    op.served.discovery += 1;
    if op.discovery_status != StatusCode::OK {
        return (op.discovery_status, "no such issuer").into_response();
    }
    let iss = op.issuer.clone();
    axum::Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "jwks_uri": format!("{iss}/keys"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", "groups", "offline_access"],
        "token_endpoint_auth_methods_supported": op.auth_methods.iter().map(|m| format!("client_secret_{m}")).collect::<Vec<_>>(),
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "email", "name", "given_name", "family_name", "groups"],
    }))
    .into_response()
}

async fn jwks(State(op): State<Arc<Mutex<Op>>>) -> Response {
    let mut op = op.lock().unwrap();
    op.served.jwks += 1;
    let keys: Vec<Value> = op.keys.iter().map(|k| k.jwk.clone()).collect();
    axum::Json(json!({ "keys": keys })).into_response()
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(uri).unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    url.to_string()
}

async fn authorize(State(op): State<Arc<Mutex<Op>>>, RawQuery(query): RawQuery) -> Response {
    let params: HashMap<String, String> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap();
    let mut op = op.lock().unwrap();
    op.served.authorize.push(params.clone());
    let get = |name: &str| params.get(name).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID || get("response_type") != "code" {
        return (StatusCode::BAD_REQUEST, "bad authorize request").into_response();
    }
    let redirect_uri = get("redirect_uri");
    let state = get("state");
    let location = if op.deny {
        with_query(
            &redirect_uri,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "User is not assigned to the client application.",
                ),
                ("state", &state),
            ],
        )
    } else {
        op.serial += 1;
        let code = format!("code-{}", op.serial);
        op.grants.insert(
            code.clone(),
            Grant {
                redirect_uri: redirect_uri.clone(),
                nonce: params.get("nonce").cloned(),
                challenge: get("code_challenge"),
            },
        );
        with_query(&redirect_uri, &[("code", &code), ("state", &state)])
    };
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// The client id and secret from HTTP Basic (form-urlencoded inside, RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let decoded = STANDARD.decode(value.strip_prefix("Basic ")?).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(store::secret_hash(verifier))
}

async fn token(State(op): State<Arc<Mutex<Op>>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap();
    let mut op = op.lock().unwrap();
    let basic = basic_credentials(&headers);
    let posted = form.get("client_secret").map(|secret| {
        (
            form.get("client_id").cloned().unwrap_or_default(),
            secret.clone(),
        )
    });
    let (method, credentials) = match (basic, posted) {
        (Some(c), None) => ("basic", c),
        (None, Some(c)) => ("post", c),
        (Some(_), Some(_)) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Can't supply multiple client credentials.",
            );
        }
        (None, None) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "No client credentials.",
            );
        }
    };
    op.served.token_auth.push(method);
    if !op.auth_methods.contains(&method)
        || credentials != (CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned())
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    if let Some((status, body)) = op.token_error.clone() {
        return (status, axum::Json(body)).into_response();
    }
    let Some(grant) = form.get("code").and_then(|c| op.grants.remove(c)) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The authorization code is invalid or has expired.",
        );
    };
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri mismatch",
        );
    }
    match form.get("code_verifier") {
        Some(verifier) if s256(verifier) == grant.challenge => {}
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "PKCE verification failed.",
            );
        }
    }
    op.serial += 1;
    let access_token = format!("at-{}-{}", op.serial, "x".repeat(20));
    op.access_tokens.push(access_token.clone());
    let id_token = op.id_token(&grant, &access_token);
    axum::Json(json!({
        "token_type": "Bearer",
        "expires_in": 3600,
        "access_token": access_token,
        "scope": "openid profile email groups",
        "id_token": id_token,
    }))
    .into_response()
}

fn user_claims(with_groups: bool) -> Value {
    let mut claims = json!({
        "sub": SUBJECT,
        "email": "dana.ng@example.com",
        "email_verified": true,
        "name": "Dana Ng",
        "given_name": "Dana",
        "family_name": "Ng",
        "preferred_username": "dana.ng@example.com",
    });
    if with_groups {
        claims["groups"] = json!(["Everyone", "Sales"]);
    }
    claims
}

fn at_hash(access_token: &str) -> String {
    let digest = store::secret_hash(access_token);
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

impl Op {
    fn id_token(&self, grant: &Grant, access_token: &str) -> String {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut claims = user_claims(self.id_token_groups);
        claims["iss"] = json!(self.issuer);
        claims["aud"] = json!(CLIENT_ID);
        claims["iat"] = json!(now);
        claims["exp"] = json!(now + 3600);
        claims["auth_time"] = json!(now - 5);
        claims["at_hash"] = json!(at_hash(access_token));
        if let Some(nonce) = &grant.nonce {
            claims["nonce"] = json!(nonce);
        }
        let mut key = &self.keys[0];
        let mut kid = key.kid.clone();
        match self.tamper {
            Tamper::None => {}
            Tamper::Nonce => claims["nonce"] = json!("a-nonce-from-another-sign-in"),
            Tamper::Audience => claims["aud"] = json!("0oa1someoneelse"),
            Tamper::Issuer => claims["iss"] = json!("https://evil.example.com"),
            Tamper::Expired => {
                claims["iat"] = json!(now - 7200);
                claims["exp"] = json!(now - 3600);
            }
            Tamper::Signature => key = self.impostor.as_ref().unwrap(),
            Tamper::UnknownKid => {
                key = self.impostor.as_ref().unwrap();
                kid = key.kid.clone();
            }
            Tamper::AccessTokenHash => claims["at_hash"] = json!(at_hash("another token")),
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid);
        jsonwebtoken::encode(&header, &claims, &key.encoding).unwrap()
    }
}

async fn userinfo(State(op): State<Arc<Mutex<Op>>>, headers: HeaderMap) -> Response {
    let mut op = op.lock().unwrap();
    op.served.userinfo += 1;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !op.access_tokens.iter().any(|t| t == token) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", "unknown token");
    }
    let mut claims = user_claims(true);
    claims["department"] = json!("Sales Ops");
    axum::Json(claims).into_response()
}
