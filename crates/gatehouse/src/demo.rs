//! `gatehouse demo`: an embedded okta-sim and a Gatehouse server on a fresh temporary
//! database, wired the way the seeds' admins wire a real org — a SAML app signing people
//! in, Okta's provisioning pushing users and a group over SCIM, and the API connector
//! syncing the whole org — plus a tiny "host app" that redeems the sign-in code, so the
//! whole path can be clicked through in a browser. Runs until Ctrl-C.
//!
//! Everything is set up through the same public interfaces a user would use: Okta's Apps
//! API on the simulator, Gatehouse's admin API over HTTP.

use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use axum::extract::{Query, State};
use axum::response::Html;
use okta_sim::{ProvisioningConfig, ScimAuth, SimConfig, SimHandle};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::config::ServeConfig;
use crate::server;

/// People the demo signs in as (also provisioned over SCIM).
const PEOPLE: &[(&str, &str, &str)] = &[
    ("dana@demo.example", "Dana", "Ng"),
    ("eve@demo.example", "Eve", "Li"),
    ("finn@demo.example", "Finn", "Okafor"),
];

/// Gatehouse's admin API, as the demo drives it.
#[derive(Clone)]
struct AdminApi {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl AdminApi {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path} answered {status}: {body}");
        }
        Ok(body)
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }
}

fn text<'a>(value: &'a Value, field: &str) -> anyhow::Result<&'a str> {
    value[field]
        .as_str()
        .ok_or_else(|| anyhow!("the answer has no {field}: {value}"))
}

/// The stand-in host application: receives the redirect after sign-in and redeems the
/// code for the profile, as a product integrating Gatehouse does.
async fn host_app(admin: AdminApi) -> anyhow::Result<String> {
    async fn callback(
        State(admin): State<std::sync::Arc<AdminApi>>,
        Query(params): Query<std::collections::HashMap<String, String>>,
    ) -> Html<String> {
        let Some(code) = params.get("code") else {
            return Html("<p>No code in the redirect.</p>".into());
        };
        let shown = match admin
            .post("/api/v1/sso/token", json!({ "code": code }))
            .await
        {
            Ok(profile) => serde_json::to_string_pretty(&profile).unwrap_or_default(),
            Err(err) => format!("The code was refused: {err}"),
        };
        let escaped = shown
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        Html(format!(
            "<!doctype html><title>Signed in</title><h1>Signed in through Gatehouse</h1>\
             <p>The host app redeemed the one-time code for this profile:</p><pre>{escaped}</pre>"
        ))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/callback", listener.local_addr()?);
    let router = axum::Router::new()
        .route("/callback", axum::routing::get(callback))
        .with_state(std::sync::Arc::new(admin));
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(error = %err, "demo host app stopped");
        }
    });
    Ok(url)
}

/// Points the sim's SAML app at the Gatehouse connection, through Okta's Apps API.
async fn point_app_at(sim: &SimHandle, app_id: &str, connection: &Value) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/apps/{app_id}", sim.base_url());
    let auth = format!("SSWS {}", sim.admin_token());
    let mut app: Value = http
        .get(&url)
        .header("authorization", &auth)
        .send()
        .await?
        .json()
        .await?;
    let sign_on = &mut app["settings"]["signOn"];
    for field in ["ssoAcsUrl", "recipient", "destination"] {
        sign_on[field] = connection["acs_url"].clone();
    }
    sign_on["audience"] = connection["sp_entity_id"].clone();
    let status = http
        .put(&url)
        .header("authorization", &auth)
        .json(&app)
        .send()
        .await?
        .status();
    if !status.is_success() {
        bail!("okta-sim refused the app update: {status}");
    }
    Ok(())
}

/// What the demo set up, for the printout.
struct Wired {
    org: String,
    start_url: String,
    scim_directory: String,
    scim_users: usize,
    okta_directory: String,
    synced: Value,
}

async fn wire(admin: &AdminApi, sim: &SimHandle, host_callback: &str) -> anyhow::Result<Wired> {
    let org = admin
        .post("/api/v1/orgs", json!({ "name": "Demo Co" }))
        .await?;
    let org = text(&org, "id")?.to_owned();

    // SSO (seed 001's admin path): a SAML app in Okta, a connection from its metadata URL,
    // and the app's Single sign-on URL and Audience pointed back at Gatehouse.
    for (login, first, last) in PEOPLE {
        sim.create_user(login, first, last)?;
    }
    let placeholder = "https://placeholder.invalid/saml";
    let app = sim
        .create_saml_app("Gatehouse demo", placeholder, placeholder)
        .await?;
    let connection = admin
        .post(
            &format!("/api/v1/orgs/{org}/sso-connections"),
            json!({
                "type": "saml",
                "name": "Okta (demo)",
                "idp_metadata_url": app.metadata_url,
                "redirect_uris": [host_callback],
            }),
        )
        .await?;
    point_app_at(sim, &app.id, &connection).await?;
    let team = sim.create_group("Gatehouse Demo Team")?;
    for (login, ..) in PEOPLE {
        sim.add_to_group(&team, login)?;
    }
    sim.assign_group(&app.id, &team)?;
    let start_url = format!(
        "{}?redirect_uri={}&state=demo",
        text(&connection, "start_url")?,
        url::form_urlencoded::byte_serialize(host_callback.as_bytes()).collect::<String>()
    );

    // SCIM (seed 004): provisioning on the same app pushes the assigned people and the
    // Gatehouse Demo Team group.
    let scim = admin
        .post(
            &format!("/api/v1/orgs/{org}/directories"),
            json!({ "kind": "scim", "name": "Okta provisioning", "auth": "bearer" }),
        )
        .await?;
    sim.configure_provisioning(
        &app.id,
        ProvisioningConfig::new(
            text(&scim, "scim_base_url")?.to_owned(),
            ScimAuth::Bearer {
                token: text(&scim, "bearer_token")?.to_owned(),
            },
        ),
    )?;
    sim.push_group(&app.id, &team)?;
    sim.flush_provisioning().await;
    let scim_directory = text(&scim, "id")?.to_owned();
    let users = admin
        .get(&format!("/api/v1/directories/{scim_directory}/users"))
        .await?;
    let scim_users = users["data"].as_array().map_or(0, Vec::len);

    // The API connector (seeds 000, 002, 003): the org's domain and an API token.
    let okta = admin
        .post(
            &format!("/api/v1/orgs/{org}/directories"),
            json!({
                "kind": "okta_api",
                "name": "Okta API",
                "domain": sim.base_url(),
                "allow_insecure_http": true,
                "auth": { "type": "api_token", "token": sim.admin_token() },
                "schedule": "15m",
            }),
        )
        .await?;
    let okta_directory = text(&okta, "id")?.to_owned();
    let first = text(&okta, "first_sync_id")?.to_owned();
    let synced = loop {
        let run = admin
            .get(&format!(
                "/api/v1/directories/{okta_directory}/syncs/{first}"
            ))
            .await?;
        match run["status"].as_str() {
            Some("succeeded") => break run,
            Some("failed") => bail!("the first sync failed: {}", run["error"]),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    Ok(Wired {
        org,
        start_url,
        scim_directory,
        scim_users,
        okta_directory,
        synced,
    })
}

/// Runs the demo until Ctrl-C.
pub async fn run(listen: String) -> anyhow::Result<()> {
    let scratch = std::env::temp_dir().join(format!("gatehouse-demo-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&scratch).context("cannot create the demo's temporary folder")?;
    let outcome = run_in(listen, &scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);
    outcome
}

async fn run_in(listen: String, scratch: &std::path::Path) -> anyhow::Result<()> {
    let sim = okta_sim::spawn(SimConfig {
        users: 300,
        groups: 12,
        apps: 3,
        seed: 42,
        ..SimConfig::default()
    })
    .await?;
    let config = ServeConfig {
        listen,
        database_url: format!("sqlite://{}/gatehouse.db", scratch.display()),
        public_url: None,
        master_key: None,
    };
    let (started, ready) = oneshot::channel();
    let server = tokio::spawn(server::serve(config, server::shutdown_signal(), move |s| {
        let token = s
            .bootstrap_token
            .as_ref()
            .map(|m| m.token.expose().to_owned());
        let _ = started.send((s.public_url.clone(), token));
    }));
    let (public_url, token) = ready
        .await
        .map_err(|_| anyhow!("the server did not start"))?;
    let token = token.ok_or_else(|| anyhow!("a fresh database must mint an admin token"))?;
    let admin = AdminApi {
        http: reqwest::Client::new(),
        base: public_url.clone(),
        token: token.clone(),
    };
    let host_callback = host_app(admin.clone()).await?;
    let wired = wire(&admin, &sim, &host_callback).await?;
    let counts = sim.counts();
    println!();
    println!(
        "Gatehouse demo is running (a fresh database under {}).",
        scratch.display()
    );
    println!();
    println!("  Gatehouse     {public_url}");
    println!("  Admin token   {token}");
    println!(
        "  okta-sim      {}  (SSWS {})",
        sim.base_url(),
        sim.admin_token()
    );
    println!("  Org           {} \"Demo Co\"", wired.org);
    println!();
    println!("  SAML sign-in  open {}", wired.start_url);
    println!(
        "                okta-sim asks who you are: pick {} — you land on the demo host app,",
        PEOPLE[0].0
    );
    println!("                which redeems the code for the profile (POST /api/v1/sso/token).");
    println!(
        "  SCIM          directory {}: okta-sim provisioned {} people and pushed the Gatehouse Demo Team group",
        wired.scim_directory, wired.scim_users
    );
    println!(
        "  API connector directory {}: first sync of {} users, {} groups, {} apps ({} API calls)",
        wired.okta_directory, counts.users, counts.groups, counts.apps, wired.synced["api_calls"]
    );
    println!();
    println!(
        "  Try:  curl -H 'Authorization: Bearer {token}' {public_url}/api/v1/directories/{}/users",
        wired.okta_directory
    );
    println!(
        "        curl -H 'Authorization: Bearer {token}' {public_url}/api/v1/events?org={}",
        wired.org
    );
    println!();
    println!("Press Ctrl-C to stop.");
    server.await??;
    sim.shutdown().await;
    Ok(())
}
