//! The `gatehouse` binary's operator commands.

use std::process::Command;

use store::{ConnectOptions, MasterKey, Store};

#[test]
fn the_command_line_definition_is_consistent() {
    gatehouse::cli::verify_cli();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_token_prints_a_working_token_as_the_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/cli.db", dir.path().display());
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "admin",
            "create-token",
            "--name",
            "ci",
            "--database",
            &database,
        ])
        .env_remove("GATEHOUSE_MASTER_KEY")
        .env_remove("GATEHOUSE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("gha_"), "{stdout}");

    // The key file the command created lets the server open the same database.
    let key = std::fs::read_to_string(dir.path().join("cli.db.key")).unwrap();
    let store = Store::open(
        &ConnectOptions::new(database),
        MasterKey::from_base64(&key).unwrap(),
    )
    .await
    .unwrap();
    let principal = store.verify_admin_token(&token).await.unwrap().unwrap();
    assert!(principal.is_instance_wide());
    assert_eq!(principal.name(), "ci");
}

#[test]
fn create_token_refuses_bad_input_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/cli.db", dir.path().display());
    for args in [
        vec![
            "admin",
            "create-token",
            "--name",
            "x",
            "--role",
            "root",
            "--database",
            &database,
        ],
        vec![
            "admin",
            "create-token",
            "--name",
            "x",
            "--org",
            "nope",
            "--database",
            &database,
        ],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(&args)
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("error:"));
        assert!(output.stdout.is_empty(), "no token printed on failure");
    }
    let pg_without_key = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "admin",
            "create-token",
            "--name",
            "x",
            "--database",
            "postgres://127.0.0.1:1/none",
        ])
        .env_remove("GATEHOUSE_MASTER_KEY")
        .output()
        .unwrap();
    assert!(!pg_without_key.status.success());
    assert!(
        String::from_utf8_lossy(&pg_without_key.stderr)
            .contains("GATEHOUSE_MASTER_KEY is required")
    );
}

/// A SQLite database with an Okta API directory for `sim` (its first run queued), closed
/// again so the CLI can open it. Returns (database URL, directory id).
async fn okta_database(dir: &std::path::Path, sim: &okta_sim::SimHandle) -> (String, String) {
    let database = format!("sqlite://{}/sync.db", dir.display());
    let (key, _) = MasterKey::load_or_create_file(&dir.join("sync.db.key")).unwrap();
    let store = Store::open(&ConnectOptions::new(database.clone()), key)
        .await
        .unwrap();
    let owner = store::testing::instance_owner();
    let actor = store::Actor::system("test");
    let org = store.create_org(&owner, &actor, "Acme").await.unwrap();
    let created = store
        .create_okta_directory(
            &owner.org_scope(&org.id).unwrap(),
            &actor,
            store::NewOktaDirectory {
                name: "Okta".into(),
                connection: store::OktaConnection {
                    org_url: sim.base_url().to_owned(),
                    auth: store::OktaAuth::ApiToken,
                    allow_insecure_http: true,
                    schedule_secs: None,
                    capabilities: serde_json::json!({}),
                    registration_attribute: None,
                },
                secret: zeroize::Zeroizing::new(sim.admin_token().as_bytes().to_vec()),
            },
        )
        .await
        .unwrap();
    store.close().await;
    (database, created.directory.id.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_follows_a_run_to_the_end_with_a_progress_bar() {
    let sim = okta_sim::spawn(okta_sim::SimConfig {
        users: 80,
        groups: 4,
        apps: 1,
        seed: 2,
        rate_limit_per_min: Some(100_000),
        ..okta_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (database, directory) = okta_database(dir.path(), &sim).await;
    let run = |extra: &[&str]| {
        let mut args = vec!["sync", directory.as_str(), "--database", database.as_str()];
        args.extend_from_slice(extra);
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        async move {
            tokio::task::spawn_blocking(move || {
                Command::new(env!("CARGO_BIN_EXE_gatehouse"))
                    .args(&args)
                    .env_remove("GATEHOUSE_MASTER_KEY")
                    .env_remove("GATEHOUSE_DATABASE_URL")
                    .output()
                    .unwrap()
            })
            .await
            .unwrap()
        }
    };

    let followed = run(&["--full", "--follow"]).await;
    let stderr = String::from_utf8_lossy(&followed.stderr);
    assert!(followed.status.success(), "{stderr}");
    assert!(stderr.contains("[###"), "a progress bar: {stderr}");
    let stdout = String::from_utf8(followed.stdout).unwrap();
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["status"], "succeeded", "{stdout}");
    assert_eq!(
        summary["counts"]["users_upserted"].as_u64().unwrap() as usize,
        sim.counts().users
    );

    // Without --follow the run is only queued, for a server to pick up.
    let queued = run(&[]).await;
    assert!(queued.status.success());
    let id = String::from_utf8(queued.stdout).unwrap();
    assert!(id.trim().starts_with("syn_"), "{id}");

    let incremental = run(&["--follow"]).await;
    assert!(
        incremental.status.success(),
        "the queued incremental run is run here and followed: {}",
        String::from_utf8_lossy(&incremental.stderr)
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["sync", "dir_nope", "--database", &database])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("error:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_wires_sso_scim_and_the_connector_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};

    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env_remove("GATEHOUSE_MASTER_KEY")
        .env_remove("GATEHOUSE_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.starts_with("Press Ctrl-C");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    })
    .await
    .unwrap();
    let field = |prefix: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix("  ")?.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {lines:#?}"))
            .trim()
            .to_owned()
    };
    let base = field("Gatehouse ");
    let token = field("Admin token ");
    let connector = field("API connector directory ");
    let connector = connector.split(':').next().unwrap().to_owned();
    let scim = field("SCIM ");
    assert!(scim.contains("provisioned 3 people"), "{scim}");
    assert!(field("SAML sign-in ").contains("/sso/"), "{lines:#?}");

    let http = reqwest::Client::new();
    let users: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/directories/{connector}/users?limit=500"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        users["data"].as_array().unwrap().len() > 300,
        "the connector synced the org: {users}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "demo exits cleanly on SIGTERM: {status}");
}
