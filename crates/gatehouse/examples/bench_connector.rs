//! Benchmark: the Okta API connector end to end — the production runner syncing a large
//! simulated org into a real store (SQLite by default, PostgreSQL with `--database`),
//! with every row, event and checkpoint written. `okta`'s own `bench_sync` measures the
//! engine alone (API calls against the minimum); this one adds the database.
//!
//! ```text
//! cargo build --release -p okta-sim
//! cargo run --release -p gatehouse --example bench_connector -- --users 100000 \
//!     --groups 2000 [--apps 10] [--rate-limit N | --okta-limits] [--database URL]
//! ```
//! Prints wall time, rows and events per second, API calls, 429s and rate-limit waits
//! (from the run record and the simulator), and this process's peak RSS, for a full sync
//! and then an incremental one after realistic churn.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use gatehouse::connector::ConnectorRuntime;
use gatehouse::connector::runner::{LEASE, run_claimed};
use serde_json::{Value, json};
use store::{
    Actor, ConnectOptions, MasterKey, NewOktaDirectory, OktaAuth, OktaConnection, Store,
    SyncRunMode,
};

struct Options {
    users: String,
    groups: String,
    apps: String,
    sim_limit: Option<String>,
    database: Option<String>,
    sim_bin: String,
}

fn options() -> Options {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let mut o = Options {
        users: "100000".into(),
        groups: "2000".into(),
        apps: "10".into(),
        sim_limit: Some("100000000".into()),
        database: None,
        sim_bin: format!("{target}/release/okta-sim"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match flag.as_str() {
            "--users" => o.users = value(),
            "--groups" => o.groups = value(),
            "--apps" => o.apps = value(),
            "--rate-limit" => o.sim_limit = Some(value()),
            "--okta-limits" => o.sim_limit = None,
            "--database" => o.database = Some(value()),
            "--sim-bin" => o.sim_bin = value(),
            other => panic!("unknown flag {other}"),
        }
    }
    o
}

/// Starts `okta-sim serve` as a child (its memory is not ours) and reads its ready line.
fn spawn_sim(o: &Options) -> (Child, Value) {
    let mut command = Command::new(&o.sim_bin);
    command
        .args(["serve", "--users", &o.users, "--groups", &o.groups])
        .args(["--apps", &o.apps, "--seed", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(limit) = &o.sim_limit {
        command.args(["--rate-limit", limit]);
    }
    let mut child = command
        .spawn()
        .expect("okta-sim (cargo build --release -p okta-sim)");
    let mut ready = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut ready)
        .expect("ready line");
    (
        child,
        serde_json::from_str(&ready).expect("JSON ready line"),
    )
}

fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

async fn sim_call(base: &str, token: &str, method: &str, path: &str, body: Value) -> Value {
    let http = reqwest::Client::new();
    let request = match method {
        "POST" => http.post(format!("{base}{path}")).json(&body),
        _ => http.get(format!("{base}{path}")),
    };
    request
        .header("authorization", format!("SSWS {token}"))
        .send()
        .await
        .expect("sim control call")
        .json()
        .await
        .unwrap_or(Value::Null)
}

#[tokio::main]
async fn main() {
    let o = options();
    let t0 = Instant::now();
    let (mut sim, ready) = spawn_sim(&o);
    let base = ready["base_url"].as_str().expect("base_url").to_owned();
    let token = ready["admin_token"].as_str().expect("token").to_owned();
    println!(
        "okta-sim ready in {:.1}s at {base}",
        t0.elapsed().as_secs_f64()
    );

    let scratch = tempfile::tempdir().expect("temp dir");
    let url = o
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/bench.db", scratch.path().display()));
    let store = Store::open(
        &ConnectOptions::new(url.clone()),
        MasterKey::generate().unwrap(),
    )
    .await
    .expect("store");
    let owner = store::testing::instance_owner();
    let actor = Actor::system("bench");
    let org = store
        .create_org(&owner, &actor, "Bench")
        .await
        .expect("org");
    let scope = owner.org_scope(&org.id).expect("scope");
    let created = store
        .create_okta_directory(
            &scope,
            &actor,
            NewOktaDirectory {
                name: "Okta".into(),
                connection: OktaConnection {
                    org_url: base.clone(),
                    auth: OktaAuth::ApiToken,
                    allow_insecure_http: true,
                    schedule_secs: None,
                    capabilities: json!({}),
                    registration_attribute: None,
                },
                secret: zeroize::Zeroizing::new(token.as_bytes().to_vec()),
            },
        )
        .await
        .expect("directory");
    let directory = store
        .directory_scope(&owner, &created.directory.id)
        .await
        .expect("directory scope");
    let runtime = Arc::new(ConnectorRuntime::default());

    for (label, mode) in [
        ("full", SyncRunMode::Full),
        ("incremental", SyncRunMode::Incremental),
    ] {
        if mode == SyncRunMode::Incremental {
            let report = sim_call(
                &base,
                &token,
                "POST",
                "/sim/v1/mutate",
                json!({"users_changed": 1000, "users_deactivated": 100, "users_created": 100,
                       "memberships_changed": 1000, "seed": 5}),
            )
            .await;
            println!(
                "\nchurn: {} users changed, {} deactivated, {} created, {} memberships",
                report["changed"].as_array().map_or(0, Vec::len),
                report["deactivated"].as_array().map_or(0, Vec::len),
                report["created"].as_array().map_or(0, Vec::len),
                report["memberships"].as_array().map_or(0, Vec::len),
            );
            store
                .queue_sync(&directory, &actor, mode, "bench")
                .await
                .expect("queue");
        }
        sim_call(&base, &token, "POST", "/sim/v1/stats/reset", json!({})).await;
        let claim = store
            .claim_sync(&runtime.holder, LEASE)
            .await
            .expect("claim")
            .expect("a queued run");
        let id = claim.run.id.clone();
        let t = Instant::now();
        run_claimed(&store, &runtime, claim).await;
        let secs = t.elapsed().as_secs_f64();
        let run = store.get_sync(&directory, &id).await.expect("run");
        let stats = sim_call(&base, &token, "GET", "/sim/v1/stats", Value::Null).await;
        let dir = store.get_directory(&directory).await.expect("directory");
        println!("\n== {label} sync ({:?}) ==", store.backend());
        println!(
            "status: {} {}",
            run.status.as_str(),
            run.error.unwrap_or_default()
        );
        println!("counts: {}", run.counts);
        println!(
            "directory now: {} users, {} groups",
            dir.user_count, dir.group_count
        );
        let rows: u64 = [
            "users_upserted",
            "groups_upserted",
            "memberships_added",
            "assignments_upserted",
        ]
        .iter()
        .filter_map(|k| run.counts[*k].as_u64())
        .sum();
        println!(
            "wall time {secs:.1}s; {:.0} rows/s; API calls {} (sim counted {}); 429s {}; rate-limit waits {}",
            rows as f64 / secs,
            run.api_calls,
            stats["api_calls"]
                .as_object()
                .map_or(0, |m| m.values().filter_map(Value::as_u64).sum::<u64>()),
            stats["rate_limited"],
            run.rate_limit_waits,
        );
        println!("peak RSS of this process: {} MB", peak_rss_mb());
    }
    store.close().await;
    let _ = sim.kill();
    let _ = sim.wait();
}
