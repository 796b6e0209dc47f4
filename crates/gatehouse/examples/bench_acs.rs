//! Sign-ins per second through the whole SAML ACS route: `gatehouse::server::app` driven
//! in-process (no socket), SQLite in a temporary directory, a typical Okta response (about
//! 2 KB assertion, RSA-2048, Response and Assertion signed, SHA-256), every one valid and with
//! its own assertion ID. Each request does what production does: load the connection, take
//! the browser-bound flow (SP-initiated), verify, record the assertion ID in the replay cache,
//! mint the one-time code with its audit entry and event, and answer the 302.
//!
//! Responses are signed and flows started before the clock starts; only the ACS posts are
//! timed. For one core, pin the process: `taskset -c 0` (the runtime is single-threaded, but
//! SQLite's connection worker is a thread of its own).
//!
//! ```text
//! taskset -c 0 cargo run --release -p gatehouse --example bench_acs -- [--requests N] [--concurrency C]
//! ```
//!
//! Not a test: nothing asserts on time.

use std::time::Instant;

use anyhow::{Context, bail, ensure};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gatehouse::server::app;
use gatehouse::sso::settings;
use gatehouse::state::AppState;
use saml::idp::{AssertionParams, Attribute, SigningOptions, issue_response};
use saml::{Credential, IdpMetadata};
use serde_json::{Value, json};
use store::{ConnectOptions, MasterKey, SsoConnectionId, SsoProtocol, Store};
use time::OffsetDateTime;
use tokio::task::JoinSet;
use tower::ServiceExt;

const PUBLIC_URL: &str = "http://gatehouse.bench";
const CALLBACK: &str = "https://app.example.com/sso/callback";
const IDP_ENTITY: &str = "http://www.okta.com/exk1a2b3c4D5e6F7g8h9";
const IDP_SSO: &str = "https://acme.okta.com/app/acme_app_1/exk1a2b3c4D5e6F7g8h9/sso/saml";

fn flag(args: &[String], name: &str, default: usize) -> anyhow::Result<usize> {
    match args.iter().position(|a| a == name) {
        Some(i) => Ok(args.get(i + 1).context(name.to_owned())?.parse()?),
        None => Ok(default),
    }
}

struct Bench {
    router: Router,
    store: Store,
    token: String,
    idp: Credential,
    connection: Value,
}

/// One ACS post, ready to send.
struct Post {
    form: String,
    cookie: Option<String>,
}

impl Bench {
    async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let response = self.router.clone().oneshot(request.body(body)?).await?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
        ensure!(
            status.is_success(),
            "{uri}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        Ok(serde_json::from_slice(&bytes)?)
    }

    async fn new() -> anyhow::Result<(Self, tempfile::TempDir)> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store = Store::open(&ConnectOptions::new(url), MasterKey::generate()?).await?;
        let minted = store
            .bootstrap_admin_token()
            .await?
            .context("a fresh database has no admin token")?;
        let router = app(AppState::new(store.clone(), PUBLIC_URL));
        let now = OffsetDateTime::now_utc();
        let idp = Credential::generate_self_signed(
            "bench idp",
            now - time::Duration::days(1),
            time::Duration::days(365),
            false,
        )?;
        let mut bench = Self {
            router,
            store,
            token: minted.token.expose().to_owned(),
            idp,
            connection: Value::Null,
        };
        let org = bench
            .call(
                Method::POST,
                "/api/v1/orgs",
                Some(json!({ "name": "bench" })),
            )
            .await?;
        let metadata = IdpMetadata::new(IDP_ENTITY, IDP_SSO, vec![bench.idp.certificate().clone()])
            .to_xml()?;
        bench.connection = bench
            .call(
                Method::POST,
                &format!(
                    "/api/v1/orgs/{}/sso-connections",
                    org["id"].as_str().unwrap_or_default()
                ),
                Some(json!({
                    "type": "saml", "name": "Okta", "idp_metadata_xml": metadata,
                    "redirect_uris": [CALLBACK],
                    "settings": { "allow_idp_initiated": true },
                })),
            )
            .await?;
        Ok((bench, dir))
    }

    fn field(&self, name: &str) -> anyhow::Result<&str> {
        self.connection[name]
            .as_str()
            .with_context(|| format!("connection.{name}"))
    }

    fn local(&self, name: &str) -> anyhow::Result<String> {
        Ok(self.field(name)?.trim_start_matches(PUBLIC_URL).to_owned())
    }

    /// A typical Okta response (as `crates/saml`'s bench) answering `in_response_to`.
    fn response(&self, in_response_to: Option<String>) -> anyhow::Result<String> {
        let mut params = AssertionParams::new(
            IDP_ENTITY,
            self.field("acs_url")?,
            self.field("sp_entity_id")?,
            "dana.ng@example.com",
            OffsetDateTime::now_utc(),
        );
        params.in_response_to = in_response_to;
        params.name_id_format = saml::ns::nameid_format::EMAIL_ADDRESS.into();
        params.attributes = vec![
            Attribute::new("email", vec!["dana.ng@example.com".into()]),
            Attribute::new("firstName", vec!["Dana".into()]),
            Attribute::new("lastName", vec!["Ng".into()]),
            Attribute::new(
                "groups",
                ["Everyone", "Sales", "EMEA", "Okta Admins"]
                    .map(String::from)
                    .to_vec(),
            ),
        ];
        Ok(issue_response(&params, &self.idp, &SigningOptions::default(), None)?.to_base64())
    }

    /// Starts a flow at `/start` like a browser; returns the post that answers it.
    async fn sp_initiated(&self) -> anyhow::Result<Post> {
        let uri = format!(
            "{}?redirect_uri={}&state=s",
            self.local("start_url")?,
            url::form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>()
        );
        let request = Request::builder().uri(uri).body(Body::empty())?;
        let response = self.router.clone().oneshot(request).await?;
        ensure!(
            response.status() == StatusCode::FOUND,
            "start: {}",
            response.status()
        );
        let location = response.headers()[header::LOCATION].to_str()?;
        let query = location.split_once('?').context("no query")?.1;
        let authn = saml::parse_redirect_authn_request(query, None)?;
        let cookie = response.headers()[header::SET_COOKIE]
            .to_str()?
            .split(';')
            .next()
            .context("cookie")?
            .to_owned();
        let relay = authn.relay_state.context("no RelayState")?;
        let form = serde_urlencoded::to_string([
            ("SAMLResponse", self.response(Some(authn.id))?),
            ("RelayState", relay),
        ])?;
        Ok(Post {
            form,
            cookie: Some(cookie),
        })
    }

    fn idp_initiated(&self) -> anyhow::Result<Post> {
        let form = serde_urlencoded::to_string([("SAMLResponse", self.response(None)?)])?;
        Ok(Post { form, cookie: None })
    }

    /// Posts every form to the ACS, `concurrency` at a time; returns requests per second.
    async fn run(&self, posts: Vec<Post>, concurrency: usize) -> anyhow::Result<f64> {
        let acs = self.local("acs_url")?;
        let total = posts.len();
        let mut posts = posts.into_iter();
        let mut running = JoinSet::new();
        let started = Instant::now();
        let mut done = 0;
        loop {
            while running.len() < concurrency
                && let Some(post) = posts.next()
            {
                let mut request = Request::builder()
                    .method(Method::POST)
                    .uri(&acs)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                if let Some(cookie) = &post.cookie {
                    request = request.header(header::COOKIE, cookie);
                }
                let request = request.body(Body::from(post.form))?;
                running.spawn(self.router.clone().oneshot(request));
            }
            let Some(answer) = running.join_next().await else {
                break;
            };
            let response = answer??;
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default();
            if response.status() != StatusCode::FOUND || !location.contains("code=ghc_") {
                bail!("the ACS refused a valid response: {}", response.status());
            }
            done += 1;
        }
        ensure!(done == total, "{done} of {total} answered");
        Ok(total as f64 / started.elapsed().as_secs_f64())
    }

    /// The verifier's view of the connection, built as the ACS builds (and caches) it.
    async fn sp_config(&self) -> anyhow::Result<saml::SpConfig> {
        let id = SsoConnectionId::parse(self.field("id")?).context("connection id")?;
        let connection = self
            .store
            .sso_connection_unscoped(&id)
            .await?
            .context("connection")?;
        let SsoProtocol::Saml(config) = &connection.protocol else {
            bail!("a SAML connection");
        };
        let key = self.store.sso_sp_private_key(&connection).await?;
        let key = key.as_deref().map(String::as_str);
        settings::sp_config(config, key, OffsetDateTime::now_utc()).map_err(anyhow::Error::msg)
    }

    /// What caching saves per request: unsealing the SP key and parsing it with the
    /// trusted certificates, as the ACS did for every response before the cache.
    async fn parse_cost_us(&self, rounds: usize) -> anyhow::Result<f64> {
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(self.sp_config().await?);
        }
        Ok(started.elapsed().as_secs_f64() * 1e6 / rounds as f64)
    }

    /// `saml::verify_response` alone on a response like the others, for comparison.
    async fn verify_cost_us(&self, rounds: usize) -> anyhow::Result<f64> {
        let mut sp = self.sp_config().await?;
        sp.allow_idp_initiated = true;
        let response = self.response(None)?;
        let started = Instant::now();
        for _ in 0..rounds {
            let now = OffsetDateTime::now_utc();
            std::hint::black_box(saml::verify_response(&sp, &response, now, None)?);
        }
        Ok(started.elapsed().as_secs_f64() * 1e6 / rounds as f64)
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let requests = flag(&args, "--requests", 2000)?;
    let concurrency = flag(&args, "--concurrency", 8)?.max(1);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let (bench, _dir) = Bench::new().await?;
            let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
            println!(
                "bench_acs: {requests} valid responses per layout, {concurrency} in flight, \
                 single-threaded runtime, {cores} core(s) available, SQLite"
            );

            let prepared = Instant::now();
            let mut sp_posts = Vec::with_capacity(requests);
            for _ in 0..requests {
                sp_posts.push(bench.sp_initiated().await?);
            }
            let idp_posts = (0..requests)
                .map(|_| bench.idp_initiated())
                .collect::<anyhow::Result<Vec<_>>>()?;
            println!("  prepared in {:.1?} (flows started, responses signed)", prepared.elapsed());

            let rate = bench.run(sp_posts, concurrency).await?;
            println!("  SP-initiated  (flow taken, InResponseTo checked): {rate:>6.0} sign-ins/s ({:.0} µs each)", 1e6 / rate);
            let rate = bench.run(idp_posts, concurrency).await?;
            println!("  IdP-initiated (unsolicited, replay cache only):   {rate:>6.0} sign-ins/s ({:.0} µs each)", 1e6 / rate);
            let verify = bench.verify_cost_us(1000).await?;
            println!(
                "  of which saml::verify_response: {verify:.0} µs ({:.0}/s alone); the rest is the store and HTTP",
                1e6 / verify
            );
            let cost = bench.parse_cost_us(200).await?;
            println!("  saved per request by the per-revision key cache: {cost:.0} µs (unseal + parse SP key and certificates)");
            Ok(())
        })
}
