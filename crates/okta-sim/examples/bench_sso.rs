//! Benchmark (not a test): how fast okta-sim signs users in and provisions them.
//!
//! `cargo run --release -p okta-sim --example bench_sso -- [N]` (default 500).
//! Prints one line per figure: signed SAML Responses per second (library call),
//! OIDC authorization-code flows per second over HTTP (authorize + token with PKCE),
//! and users created per second in a SCIM app (lookup + POST each, as Okta does).

use std::time::Instant;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use okta_sim::{ProvisioningConfig, ScimAuth, SimConfig};
use serde_json::{Value, json};

/// A SCIM app that accepts every user: empty searches, 201 on create.
async fn scim_sink() -> Result<String, std::io::Error> {
    let app = Router::new().route(
        "/scim/v2/Users",
        get(|| async {
            axum::Json(json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                               "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": [] }))
        })
        .post(|body: axum::Json<Value>| async move {
            let mut user = body.0;
            user["id"] = json!(format!("u-{}", user["externalId"].as_str().unwrap_or_default()));
            (StatusCode::CREATED, axum::Json(user))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}/scim/v2"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let sim = okta_sim::spawn(SimConfig {
        users: n,
        groups: 5,
        apps: 0,
        ..Default::default()
    })
    .await?;
    let everyone = sim.org().everyone_id.clone();

    let saml = sim
        .create_saml_app("Bench", "http://sp.bench/acs", "http://sp.bench/sp")
        .await?;
    sim.assign_group(&saml.id, &everyone)?;
    let login = sim.create_user("bench@example.com", "Bench", "User")?;
    let started = Instant::now();
    for _ in 0..n {
        sim.idp_initiated(&saml.id, &login).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "saml_responses_per_s {:.0} (signed Response + Assertion, RSA-2048)",
        n as f64 / secs
    );

    let oidc = sim
        .create_oidc_app("Bench", &["http://rp.bench/cb"])
        .await?;
    sim.assign_group(&oidc.client_id, &everyone)?;
    let cookie = sim.login_session("bench@example.com")?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let flows = n / 2;
    let started = Instant::now();
    for i in 0..flows {
        let verifier = format!("bench-verifier-{i:040}");
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
        let challenge = URL_SAFE_NO_PAD.encode(digest.as_ref());
        let url = format!(
            "{}/oauth2/v1/authorize?client_id={}&response_type=code&scope=openid%20profile%20email%20groups&redirect_uri=http://rp.bench/cb&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256",
            sim.base_url(),
            oidc.client_id
        );
        let r = http.get(url).header("Cookie", &cookie).send().await?;
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let code = url::Url::parse(&location)?
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let tokens: Value = http
            .post(format!("{}/oauth2/v1/token", sim.base_url()))
            .basic_auth(&oidc.client_id, Some(&oidc.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", "http://rp.bench/cb"),
                ("code_verifier", verifier.as_str()),
            ])
            .send()
            .await?
            .json()
            .await?;
        if tokens.get("id_token").is_none() {
            return Err(format!("no ID token: {tokens}").into());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "oidc_code_flows_per_s {:.0} (authorize + token over HTTP)",
        flows as f64 / secs
    );

    let scim = scim_sink().await?;
    let auth = ScimAuth::Bearer {
        token: "bench".into(),
    };
    let mut config = ProvisioningConfig::new(scim, auth);
    config.features = vec![okta_sim::provisioning::Feature::CreateUsers];
    let started = Instant::now();
    sim.configure_provisioning(&saml.id, config)?;
    sim.flush_provisioning().await;
    let secs = started.elapsed().as_secs_f64();
    let created = sim
        .provisioning_tasks(&saml.id)
        .iter()
        .filter(|t| t.task == "create_user")
        .count();
    println!(
        "scim_users_created_per_s {:.0} ({created} users, lookup + POST each)",
        created as f64 / secs
    );
    sim.shutdown().await;
    Ok(())
}
