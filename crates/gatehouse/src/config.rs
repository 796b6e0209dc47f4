//! Resolved configuration for `serve` and the other commands, and the master-key policy.

use std::path::PathBuf;

use anyhow::{Context, bail};
use store::{Backend, MasterKey, backend_of};

/// The environment variable holding the base64 master key.
pub const MASTER_KEY_VAR: &str = "GATEHOUSE_MASTER_KEY";

/// Everything `serve` needs.
#[derive(Clone)]
pub struct ServeConfig {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub listen: String,
    /// Database URL (`sqlite://…` or `postgres://…`).
    pub database_url: String,
    /// Public base URL; defaults to `http://<bound address>`.
    pub public_url: Option<String>,
    /// The master key in base64, if given.
    pub master_key: Option<String>,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("listen", &self.listen)
            .field("database_url", &store::redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("master_key", &self.master_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl ServeConfig {
    /// The master key by policy: `GATEHOUSE_MASTER_KEY` when set; otherwise, on SQLite, a key
    /// file beside the database (created with mode 0600, with a warning); on PostgreSQL,
    /// refuse — replicas sharing a database must share the key, so it cannot be invented.
    pub fn resolve_master_key(&self) -> anyhow::Result<MasterKey> {
        resolve_master_key(self.master_key.as_deref(), &self.database_url)
    }
}

/// See [`ServeConfig::resolve_master_key`].
pub fn resolve_master_key(given: Option<&str>, database_url: &str) -> anyhow::Result<MasterKey> {
    if let Some(encoded) = given.filter(|s| !s.trim().is_empty()) {
        return MasterKey::from_base64(encoded)
            .with_context(|| format!("{MASTER_KEY_VAR} is not a valid key (32 bytes, base64)"));
    }
    match backend_of(database_url)? {
        Backend::Postgres => bail!(
            "{MASTER_KEY_VAR} is required with PostgreSQL (all replicas must share it); \
             generate one with: head -c 32 /dev/urandom | base64"
        ),
        Backend::Sqlite => match sqlite_key_path(database_url) {
            None => {
                tracing::warn!(
                    "{MASTER_KEY_VAR} is not set and the database is in memory: secrets use a \
                     throwaway key"
                );
                Ok(MasterKey::generate()?)
            }
            Some(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
                let (key, created) = MasterKey::load_or_create_file(&path)?;
                if created {
                    tracing::warn!(
                        key_file = %path.display(),
                        "{MASTER_KEY_VAR} is not set: generated a master key file beside the \
                         database. Back it up with the database, or set {MASTER_KEY_VAR}."
                    );
                } else {
                    tracing::warn!(
                        key_file = %path.display(),
                        "{MASTER_KEY_VAR} is not set: using the key file beside the database"
                    );
                }
                Ok(key)
            }
        },
    }
}

/// `sqlite://data/gatehouse.db` → `data/gatehouse.db.key`; `None` for in-memory databases.
fn sqlite_key_path(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.contains(":memory:") || database_url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.key")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_sits_beside_the_database() {
        assert_eq!(
            sqlite_key_path("sqlite://data/gatehouse.db"),
            Some(PathBuf::from("data/gatehouse.db.key"))
        );
        assert_eq!(
            sqlite_key_path("sqlite:///var/lib/gh.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/gh.db.key"))
        );
        assert_eq!(sqlite_key_path("sqlite::memory:"), None);
    }

    #[test]
    fn postgres_without_a_key_is_refused() {
        let err = resolve_master_key(None, "postgres://localhost/x").unwrap_err();
        assert!(err.to_string().contains(MASTER_KEY_VAR));
        let key = MasterKey::generate().unwrap();
        assert!(resolve_master_key(Some(&key.to_base64()), "postgres://localhost/x").is_ok());
        assert!(resolve_master_key(Some("short"), "postgres://localhost/x").is_err());
    }

    #[test]
    fn sqlite_without_a_key_creates_then_reuses_a_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/g.db", dir.path().display());
        let first = resolve_master_key(None, &url).unwrap();
        let second = resolve_master_key(None, &url).unwrap();
        assert_eq!(first.key_id(), second.key_id());
        assert!(dir.path().join("sub/g.db.key").exists());
    }
}
