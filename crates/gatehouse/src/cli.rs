//! The `gatehouse` command line. With no subcommand it serves, so `cargo run --release` is a
//! working server.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use store::{ConnectOptions, NewAdminToken, OrgId, Role, Store};

use crate::config::{MASTER_KEY_VAR, ServeConfig, resolve_master_key};
use crate::server::{self, cli_actor};

/// The default database: a SQLite file under `data/`, created with its folder.
pub const DEFAULT_DATABASE: &str = "sqlite://data/gatehouse.db";

/// Gatehouse: Okta SSO, SCIM provisioning and the Okta API connector for your product.
#[derive(Parser, Debug)]
#[command(name = "gatehouse", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the admin API, SSO, SCIM and the connector.
    Serve(ServeArgs),
    /// Operator tasks that act on the database directly.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Sync an Okta API directory: queue a run (for a running server to pick up) or, with
    /// --follow, run it here if no server has and show its progress.
    Sync(SyncArgs),
    /// Start an embedded okta-sim and Gatehouse on a fresh temporary database, wire a demo
    /// org (SAML SSO, SCIM push, API connector) and print what to open. Runs until Ctrl-C.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
}

/// `gatehouse demo` flags.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Address Gatehouse listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
}

/// `gatehouse sync` flags.
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// The directory (`dir_…`).
    pub directory: String,
    /// Re-read everything instead of following the System Log.
    #[arg(long)]
    pub full: bool,
    /// Wait for the run to finish, showing a progress bar; exits non-zero if it fails.
    #[arg(long)]
    pub follow: bool,
    /// Database URL.
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
}

/// `gatehouse serve` flags.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GATEHOUSE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Database URL: sqlite://PATH (created if missing) or postgres://…
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
    /// Externally reachable base URL (default: http://<listen address>).
    #[arg(long, env = "GATEHOUSE_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// `gatehouse admin …`.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Mint an admin API token and print it (alone, as the last line of stdout).
    CreateToken(CreateTokenArgs),
}

/// `gatehouse admin create-token` flags.
#[derive(Args, Debug)]
pub struct CreateTokenArgs {
    /// A label for the token.
    #[arg(long)]
    pub name: String,
    /// Database URL.
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
    /// Limit the token to one org (default: every org).
    #[arg(long)]
    pub org: Option<String>,
    /// owner, admin or viewer.
    #[arg(long, default_value = "owner")]
    pub role: String,
}

/// Parses the command line and runs it.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    crate::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Serve(args)) => serve(args).await,
        None => serve(default_serve_args()?).await,
        Some(Command::Admin(AdminCommand::CreateToken(args))) => create_token(args).await,
        Some(Command::Sync(args)) => crate::connector::cli::sync(args).await,
        #[cfg(feature = "demo")]
        Some(Command::Demo(args)) => crate::demo::run(args.listen).await,
    }
}

/// `serve` flags as if given no arguments (environment variables still apply).
fn default_serve_args() -> anyhow::Result<ServeArgs> {
    let matches =
        ServeArgs::augment_args(clap::Command::new("serve")).try_get_matches_from(["serve"])?;
    Ok(ServeArgs::from_arg_matches(&matches)?)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = ServeConfig {
        listen: args.listen,
        database_url: args.database,
        public_url: args.public_url,
        master_key: std::env::var(MASTER_KEY_VAR).ok(),
    };
    server::serve(config, server::shutdown_signal(), |started| {
        println!("Gatehouse is serving at {}", started.public_url);
        println!("Admin API:  {}/api/v1", started.public_url);
        println!("OpenAPI:    {}/api/v1/openapi.json", started.public_url);
        if let Some(minted) = &started.bootstrap_token {
            println!();
            println!(
                "This database had no admin token, so one was created. It is shown only once:"
            );
            println!("  {}", minted.token.expose());
            println!(
                "Try: curl -H 'Authorization: Bearer {}' {}/api/v1/orgs",
                minted.token.expose(),
                started.public_url
            );
        }
    })
    .await
}

async fn create_token(args: CreateTokenArgs) -> anyhow::Result<()> {
    let role = Role::parse(&args.role)
        .ok_or_else(|| anyhow::anyhow!("--role must be owner, admin or viewer"))?;
    let org = match args.org.as_deref() {
        Some(raw) => Some(
            OrgId::parse(raw).ok_or_else(|| anyhow::anyhow!("--org {raw:?} is not an org id"))?,
        ),
        None => None,
    };
    let key = resolve_master_key(
        std::env::var(MASTER_KEY_VAR).ok().as_deref(),
        &args.database,
    )?;
    let store = Store::open(&ConnectOptions::new(args.database.clone()), key).await?;
    let minted = store
        .mint_admin_token(
            &cli_actor(),
            NewAdminToken {
                name: args.name,
                org,
                role,
            },
        )
        .await?;
    store.close().await;
    eprintln!(
        "Created admin token {} ({}, {}).",
        minted.info.id,
        minted
            .info
            .org
            .as_ref()
            .map_or("every org".to_owned(), |o| format!("org {o}")),
        minted.info.role.as_str()
    );
    println!("{}", minted.token.expose());
    Ok(())
}

/// Checks the clap definition (run by the tests).
pub fn verify_cli() {
    Cli::command().debug_assert();
}
