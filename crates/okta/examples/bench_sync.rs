//! Benchmark: full and incremental sync of a large simulated org.
//!
//! Starts `okta-sim serve` as a child process (so this process's peak RSS is the
//! connector's alone), runs a full sync into a sink that only counts, then mutates the
//! org and runs an incremental sync. Prints API calls against the minimum the org's data
//! needs at the same page sizes, 429s, rate-limit waits, wall time and peak RSS.
//!
//! ```text
//! cargo build --release -p okta-sim
//! cargo run --release -p okta --example bench_sync -- --users 100000 --groups 2000 \
//!     [--apps 10] [--seed 1] [--rate-limit N | --okta-limits] [--sim-bin PATH]
//! ```
//! `--okta-limits` keeps Okta's published Workforce numbers per bucket (the connector uses
//! its default 50 % share of each); `--rate-limit N` sets every bucket to N per minute;
//! with neither, the budget is lifted (10⁸/min).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use okta::auth::Credentials;
use okta::client::{Client, ClientConfig};
use okta::domain::{DomainOptions, OrgUrl};
use okta::sync::{self, Change, Checkpoint, SinkError, SyncBatch, SyncMode, SyncOptions, SyncSink};

/// Counts rows and keeps the checkpoint; stores nothing else, so memory stays flat.
#[derive(Default)]
struct CountingSink {
    checkpoint: Option<String>,
    rows: u64,
    batches: u64,
}

impl SyncSink for CountingSink {
    async fn load_checkpoint(&mut self) -> Result<Option<Checkpoint>, SinkError> {
        Ok(match &self.checkpoint {
            Some(c) => Some(Checkpoint::decode(c)?),
            None => None,
        })
    }

    async fn apply(&mut self, batch: SyncBatch, checkpoint: &Checkpoint) -> Result<(), SinkError> {
        self.rows += batch.changes.iter().map(Change::rows).sum::<usize>() as u64;
        self.batches += 1;
        self.checkpoint = Some(checkpoint.encode());
        Ok(())
    }
}

struct Args {
    users: usize,
    groups: usize,
    apps: usize,
    seed: u64,
    rate_limit: Option<u32>,
    okta_limits: bool,
    sim_bin: String,
}

fn args() -> Args {
    let mut a = Args {
        users: 100_000,
        groups: 2_000,
        apps: 10,
        seed: 1,
        rate_limit: None,
        okta_limits: false,
        sim_bin: std::env::var("OKTA_SIM_BIN").unwrap_or_else(|_| {
            let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
            format!("{target}/release/okta-sim")
        }),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().expect("flag value");
        match flag.as_str() {
            "--users" => a.users = value().parse().expect("number"),
            "--groups" => a.groups = value().parse().expect("number"),
            "--apps" => a.apps = value().parse().expect("number"),
            "--seed" => a.seed = value().parse().expect("number"),
            "--rate-limit" => a.rate_limit = Some(value().parse().expect("number")),
            "--okta-limits" => a.okta_limits = true,
            "--sim-bin" => a.sim_bin = value(),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn start_sim(a: &Args) -> (Child, serde_json::Value) {
    let mut cmd = Command::new(&a.sim_bin);
    cmd.args([
        "serve",
        "--users",
        &a.users.to_string(),
        "--groups",
        &a.groups.to_string(),
    ])
    .args(["--apps", &a.apps.to_string(), "--seed", &a.seed.to_string()])
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    match (a.rate_limit, a.okta_limits) {
        (Some(n), _) => {
            cmd.args(["--rate-limit", &n.to_string()]);
        }
        (None, true) => {}
        (None, false) => {
            cmd.args(["--rate-limit", "100000000"]);
        }
    }
    let mut child = cmd
        .spawn()
        .expect("okta-sim binary (cargo build --release -p okta-sim)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    (child, serde_json::from_str(&line).expect("JSON ready line"))
}

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn pages(rows: usize, size: u32) -> u64 {
    rows.div_ceil(size as usize) as u64
}

/// The fewest list calls the org's data needs at `client`'s page sizes: every list read
/// once, each group's members (empty and implicit Everyone skipped), each app's users
/// (direct and through groups, as Okta lists them) and groups.
fn minimum_calls(a: &Args, client: &Client, base_url: &str) -> (u64, String) {
    let config = okta_sim::SimConfig {
        users: a.users,
        groups: a.groups,
        apps: a.apps,
        seed: a.seed,
        ..Default::default()
    };
    let sim = okta_sim::Sim::new(config, base_url.to_owned()).expect("same org in-process");
    let org = sim.read();
    let ps = client.page_sizes();
    let groups = pages(org.groups.len(), ps.groups);
    let users = pages(org.users.len(), ps.users);
    let members: u64 = org
        .groups
        .values()
        .filter(|g| g.id != org.everyone_id)
        .map(|g| pages(g.members.len(), ps.group_members))
        .sum();
    let apps = pages(org.apps.len(), ps.apps);
    let mut app_users = 0;
    let mut app_groups = 0;
    for app in org.apps.values() {
        let mut listed: BTreeSet<&String> = app.users.keys().collect();
        for g in app.groups.keys() {
            if let Some(group) = org.groups.get(g) {
                listed.extend(group.members.iter().filter(|m| org.users.contains_key(*m)));
            }
        }
        app_users += pages(listed.len(), ps.app_users).max(1);
        app_groups += pages(app.groups.len(), ps.app_groups).max(1);
    }
    let counts = org.counts();
    let detail = format!(
        "users {} ({} pages), groups {} ({} pages), memberships {} ({} pages), apps {} ({} pages; app users {} pages, app groups {} pages)",
        counts.users,
        users,
        counts.groups,
        groups,
        counts.memberships,
        members,
        counts.apps,
        apps,
        app_users,
        app_groups
    );
    (
        groups + users + members + apps + app_users + app_groups,
        detail,
    )
}

#[tokio::main]
async fn main() {
    let a = args();
    let t0 = Instant::now();
    let (mut child, ready) = start_sim(&a);
    let base_url = ready["base_url"].as_str().expect("base_url").to_owned();
    let token = ready["admin_token"]
        .as_str()
        .expect("admin_token")
        .to_owned();
    println!(
        "okta-sim ready in {:.1}s at {base_url}",
        t0.elapsed().as_secs_f64()
    );
    let baseline_kb = rss_kb("VmRSS:");

    let org = OrgUrl::parse(
        &base_url,
        DomainOptions {
            allow_insecure_http: true,
        },
    )
    .expect("org url");
    let client = Client::new(ClientConfig::new(
        org,
        Credentials::ApiToken(token.clone().into()),
    ))
    .expect("client");
    let mut sink = CountingSink::default();
    let options = SyncOptions::default();

    let t = Instant::now();
    let full = sync::run(&client, &mut sink, SyncMode::Full, &options)
        .await
        .expect("full sync");
    let full_secs = t.elapsed().as_secs_f64();
    let peak_kb = rss_kb("VmHWM:");

    // Incremental: realistic churn, then follow the log.
    let spec = serde_json::json!({"users_changed": 1000, "users_deactivated": 100, "users_created": 100, "memberships_changed": 1000, "seed": 5});
    let http = reqwest::Client::new();
    let report: serde_json::Value = http
        .post(format!("{base_url}/sim/v1/mutate"))
        .header("authorization", format!("SSWS {token}"))
        .json(&spec)
        .send()
        .await
        .expect("mutate")
        .json()
        .await
        .expect("mutate report");
    let changed_users: usize = ["created", "changed", "deactivated"]
        .iter()
        .map(|k| report[*k].as_array().map_or(0, Vec::len))
        .sum();
    let membership_changes = report["memberships"].as_array().map_or(0, Vec::len);
    let t = Instant::now();
    let inc = sync::run(&client, &mut sink, SyncMode::Incremental, &options)
        .await
        .expect("incremental sync");
    let inc_secs = t.elapsed().as_secs_f64();
    let inc_peak_kb = rss_kb("VmHWM:");
    // Computed last: it builds the same org in-process, which would inflate the RSS.
    let (minimum, detail) = minimum_calls(&a, &client, &base_url);
    let calls = full.stats.api_calls;
    println!("\n== full sync ==");
    println!("org: {detail}");
    println!("rows written: {} in {} batches", sink.rows, sink.batches);
    println!(
        "API calls: {calls} (minimum {minimum}, ratio {:.4}); 429s: {}; rate-limit waits: {} ({:.1}s); retries: {}",
        calls as f64 / minimum as f64,
        full.stats.rate_limited,
        full.stats.rate_limit_waits,
        full.stats.rate_limit_wait_ms as f64 / 1000.0,
        full.stats.retries
    );
    println!(
        "wall time: {full_secs:.1}s; peak RSS {} MB (baseline {} MB)",
        peak_kb / 1024,
        baseline_kb / 1024
    );

    println!("\n== incremental sync ==");
    println!(
        "changes: {changed_users} users, {membership_changes} memberships; events read {}; API calls {}; 429s {}; wall time {:.1}s",
        inc.counts.events_read, inc.stats.api_calls, inc.stats.rate_limited, inc_secs
    );
    println!("peak RSS after incremental: {} MB", inc_peak_kb / 1024);
    let _ = child.kill();
    let _ = child.wait();
}
