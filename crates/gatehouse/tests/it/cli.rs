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
