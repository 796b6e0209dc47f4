//! Benchmark (not a test): org generation time, list throughput over HTTP and memory.
//!
//! `cargo run --release -p okta-sim --example bench_okta_sim -- [USERS] [GROUPS]`
//! (defaults 100000 and 200). Prints one line per figure.

use std::time::Instant;

use okta_sim::SimConfig;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn next_link(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|l| {
            l.contains("rel=\"next\"").then(|| {
                l.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim_matches(['<', '>', ' '])
                    .to_owned()
            })
        })
}

/// Walks a list to the end; returns (pages, items).
async fn walk(
    http: &reqwest::Client,
    url: String,
    token: &str,
) -> Result<(usize, usize), reqwest::Error> {
    let (mut pages, mut items) = (0, 0);
    let mut next = Some(url);
    while let Some(u) = next {
        let r = http
            .get(&u)
            .header("Authorization", format!("SSWS {token}"))
            .send()
            .await?;
        next = next_link(&r);
        let page: Vec<serde_json::Value> = r.json().await?;
        pages += 1;
        items += page.len();
    }
    Ok((pages, items))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let users: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let groups: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let rss_before = rss_mib();
    let start = Instant::now();
    let sim = okta_sim::spawn(SimConfig {
        users,
        groups,
        apps: 10,
        rate_limit_per_min: Some(u32::MAX / 2),
        ..Default::default()
    })
    .await?;
    let generation = start.elapsed();
    let counts = sim.counts();
    println!(
        "generate: {users} users, {} groups, {} memberships in {:.2} s",
        counts.groups,
        counts.memberships,
        generation.as_secs_f64()
    );
    println!(
        "rss: {:.0} MiB after generation ({:.0} MiB before)",
        rss_mib(),
        rss_before
    );

    let http = reqwest::Client::new();
    let token = sim.admin_token().to_owned();
    let start = Instant::now();
    let (pages, items) = walk(
        &http,
        format!("{}/api/v1/users?limit=200", sim.base_url()),
        &token,
    )
    .await?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "list users (1 client): {pages} pages / {items} users in {secs:.2} s = {:.0} pages/s",
        pages as f64 / secs
    );

    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (http, token, url) = (
            http.clone(),
            token.clone(),
            format!("{}/api/v1/users?limit=200", sim.base_url()),
        );
        tasks.push(tokio::spawn(async move {
            walk(&http, url, &token).await.map(|(p, _)| p).unwrap_or(0)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await?;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "list users (4 clients): {total} pages in {secs:.2} s = {:.0} pages/s",
        total as f64 / secs
    );

    let start = Instant::now();
    let (pages, items) = walk(
        &http,
        format!(
            "{}/api/v1/users?limit=200&filter=status%20eq%20%22SUSPENDED%22",
            sim.base_url()
        ),
        &token,
    )
    .await?;
    let secs = start.elapsed().as_secs_f64();
    println!("filter status eq SUSPENDED: {pages} pages / {items} users in {secs:.2} s");

    let big = sim
        .org()
        .groups
        .values()
        .max_by_key(|g| {
            if g.kind.as_str() == "BUILT_IN" {
                0
            } else {
                g.members.len()
            }
        })
        .map(|g| g.id.clone())
        .unwrap_or_default();
    let start = Instant::now();
    let (pages, items) = walk(
        &http,
        format!("{}/api/v1/groups/{big}/users?limit=200", sim.base_url()),
        &token,
    )
    .await?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "group members (largest group): {pages} pages / {items} members in {secs:.2} s = {:.0} pages/s",
        pages as f64 / secs
    );
    println!("rss: {:.0} MiB after the walks", rss_mib());
    sim.shutdown().await;
    Ok(())
}
