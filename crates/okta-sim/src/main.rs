//! `okta-sim serve`: runs an offline Okta org and prints one JSON line with its base
//! URL and credentials when ready.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// An offline Okta org for tests, demos and benchmarks.
#[derive(Debug, Parser)]
#[command(name = "okta-sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the org until Ctrl-C.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on (port 0 = any free port).
    #[arg(long, default_value = "127.0.0.1:0", env = "OKTA_SIM_LISTEN")]
    listen: SocketAddr,
    /// Generated people.
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// Generated groups (besides Everyone).
    #[arg(long, default_value_t = 10)]
    groups: usize,
    /// Generated apps.
    #[arg(long, default_value_t = 3)]
    apps: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Per-minute budget of every rate-limit bucket (default: Okta's per-bucket numbers).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Percent of each bucket one token may use (Okta's default is 50).
    #[arg(long, default_value_t = 100)]
    token_share: u32,
    /// Simultaneous in-flight requests before 429.
    #[arg(long, default_value_t = 75)]
    concurrency: usize,
    /// Freeze the clock; move it with POST /sim/v1/clock/advance.
    #[arg(long)]
    simulated_time: bool,
    /// Snapshot file: loaded at start if present, saved on shutdown.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Require DPoP-bound tokens for the built-in OAuth service app.
    #[arg(long)]
    dpop: bool,
    /// Base URL to advertise (default http://<bound address>).
    #[arg(long)]
    public_url: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let Command::Serve(args) = Cli::parse().command;
    let config = okta_sim::SimConfig {
        listen: args.listen,
        public_url: args.public_url,
        users: args.users,
        groups: args.groups,
        apps: args.apps,
        seed: args.seed,
        rate_limit_per_min: args.rate_limit,
        token_share_percent: args.token_share,
        concurrency_limit: args.concurrency,
        simulated_time: args.simulated_time,
        state_file: args.state,
        oauth_dpop: args.dpop,
        ..Default::default()
    };
    let sim = okta_sim::spawn(config).await?;
    println!("{}", serde_json::to_string(sim.credentials())?);
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
