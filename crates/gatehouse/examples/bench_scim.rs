//! Helpers for the SCIM benchmark driven by `bench/scim/run.sh` (which runs the release
//! server and `wrk`): seeding a SQLite directory, a crash writer for the `kill -9` check,
//! and the verification that every acknowledged write survived.
//!
//! ```text
//! bench_scim seed   --db sqlite://… --users 100000 --members 10000 --out DIR
//! bench_scim crash  --url http://127.0.0.1:PORT/scim/v2/DIR --token T --acked FILE
//! bench_scim verify --db sqlite://… --dir DIR --acked FILE
//! ```

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::json;
use store::testing::instance_owner;
use store::{Actor, ConnectOptions, MasterKey, ScimAuthMode, ScimCredentials, Store};

fn arg(args: &[String], name: &str) -> anyhow::Result<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .with_context(|| format!("missing {name}"))
}

async fn open(db: &str) -> anyhow::Result<Store> {
    // SCIM data holds no sealed secrets, so any master key opens it.
    Ok(Store::open(&ConnectOptions::new(db), MasterKey::generate()?).await?)
}

fn user(name: &str, n: usize) -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": { "givenName": "Dana", "familyName": format!("Ng{n}") },
        "emails": [ { "primary": true, "value": name, "type": "work" } ],
        "displayName": format!("Dana Ng {n}"),
        "locale": "en-US",
        "externalId": format!("00u{n:016}"),
        "active": true
    })
}

async fn seed(args: &[String]) -> anyhow::Result<()> {
    let store = open(&arg(args, "--db")?).await?;
    let users: usize = arg(args, "--users")?.parse()?;
    let members: usize = arg(args, "--members")?.parse()?;
    let out = std::path::PathBuf::from(arg(args, "--out")?);
    let owner = instance_owner();
    let actor = Actor::system("bench");
    let org = store.create_org(&owner, &actor, "bench").await?;
    let scope = owner
        .org_scope(&org.id)
        .context("instance owner reaches every org")?;
    let created = store
        .create_scim_directory(&scope, &actor, "bench", ScimAuthMode::Bearer)
        .await?;
    let ScimCredentials::Bearer { token } = created.credentials else {
        bail!("bearer directory expected");
    };
    let dir = store.directory_scope(&owner, &created.directory.id).await?;
    let started = Instant::now();
    let mut ids = Vec::with_capacity(users);
    for n in 0..users {
        let record = store
            .scim_create_user(&dir, &actor, user(&format!("user{n}@example.com"), n), None)
            .await?;
        ids.push(record.id);
        if n % 10_000 == 9_999 {
            eprintln!("seeded {} users in {:.1?}", n + 1, started.elapsed());
        }
    }
    let group = store
        .scim_create_group(
            &dir,
            &actor,
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Big" }),
            ids.iter().take(members).cloned().collect(),
        )
        .await?;
    let spare: Vec<&str> = ids.iter().skip(members).map(String::as_str).collect();
    std::fs::write(out.join("spare_ids.txt"), spare.join("\n") + "\n")?;
    std::fs::write(
        out.join("bench.env"),
        format!(
            "SCIM_TOKEN={}\nSCIM_DIR={}\nSCIM_GROUP={}\nSCIM_USERS={users}\nSCIM_SPARE_IDS={}\n",
            token.expose(),
            created.directory.id,
            group.id,
            out.join("spare_ids.txt").display()
        ),
    )?;
    eprintln!(
        "seeded {users} users and a {members}-member group in {:.1?}",
        started.elapsed()
    );
    store.close().await;
    Ok(())
}

/// Creates users from 16 tasks until the server goes away, appending each acknowledged
/// (201) userName to the file before counting it.
async fn crash(args: &[String]) -> anyhow::Result<()> {
    let url = arg(args, "--url")?;
    let token = arg(args, "--token")?;
    let acked = std::fs::File::create(arg(args, "--acked")?)?;
    let acked = Arc::new(std::sync::Mutex::new(acked));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let run = std::process::id();
    let mut tasks = Vec::new();
    for task in 0..16 {
        let (client, url, token, acked) =
            (client.clone(), url.clone(), token.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let mut ok = 0usize;
            for n in 0.. {
                let name = format!("crash-{run}-{task}-{n}@example.com");
                let sent = client
                    .post(format!("{url}/Users"))
                    .bearer_auth(&token)
                    .header("content-type", "application/scim+json")
                    .body(user(&name, n).to_string())
                    .send()
                    .await;
                match sent {
                    Ok(res) if res.status() == reqwest::StatusCode::CREATED => {
                        let mut file = acked.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = writeln!(file, "{name}");
                        let _ = file.flush();
                        ok += 1;
                    }
                    _ => break,
                }
            }
            ok
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await?;
    }
    println!("{{\"acknowledged\":{total}}}");
    Ok(())
}

async fn verify(args: &[String]) -> anyhow::Result<()> {
    let store = open(&arg(args, "--db")?).await?;
    let dir_id = store::DirectoryId::parse(&arg(args, "--dir")?).context("bad --dir")?;
    let dir = store.directory_scope(&instance_owner(), &dir_id).await?;
    let acked: Vec<String> = std::fs::read_to_string(arg(args, "--acked")?)?
        .lines()
        .map(str::to_owned)
        .collect();
    let mut present = HashSet::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_directory_users(
                &dir,
                &store::PageRequest {
                    after: cursor,
                    limit: Some(500),
                },
                None,
            )
            .await?;
        present.extend(page.items.into_iter().map(|u| u.user_name));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let missing = acked.iter().filter(|name| !present.contains(*name)).count();
    println!("{{\"acknowledged\":{},\"missing\":{missing}}}", acked.len());
    if missing > 0 {
        bail!("{missing} acknowledged writes were lost");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("seed") => seed(&args).await,
        Some("crash") => crash(&args).await,
        Some("verify") => verify(&args).await,
        _ => bail!("usage: bench_scim seed|crash|verify …"),
    }
}
