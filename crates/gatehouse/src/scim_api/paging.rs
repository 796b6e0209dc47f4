//! Page hints for sequential SCIM paging. Okta imports by walking `startIndex` 1, 101,
//! 201, …; served naively each page skips `startIndex - 1` rows, so importing 100k users
//! costs O(n²). After serving a page the server remembers the id that ends it, and the
//! next page is read with an index seek (`store::ScimListSpec::after_id`).
//!
//! Hints are exact while no user of the directory is deleted (ids are time-ordered and new
//! users sort last), so deletions through this process drop them at once; another replica
//! may use a stale hint for at most [`HINT_TTL`].

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use store::DirectoryId;

/// How long a hint is used.
pub const HINT_TTL: Duration = Duration::from_secs(60);
/// Hints kept at most; the map is emptied when full.
const MAX_HINTS: usize = 20_000;

/// One directory's hints: offset → (id of the row just before it, when it was seen).
type DirectoryHints = BTreeMap<usize, (String, Instant)>;

/// Page hints by directory.
#[derive(Default)]
pub struct PageHints {
    entries: RwLock<HashMap<String, DirectoryHints>>,
}

impl std::fmt::Debug for PageHints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageHints")
    }
}

impl PageHints {
    /// The nearest recent hint at or before `offset`: the id that ends it and how many rows
    /// after that id the page starts.
    pub fn get(&self, directory: &DirectoryId, offset: usize) -> Option<(String, usize)> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let (at, (id, _)) = entries
            .get(directory.as_str())?
            .range(..=offset)
            .rev()
            .find(|(_, (_, seen))| seen.elapsed() < HINT_TTL)?;
        Some((id.clone(), offset - at))
    }

    /// Records that the row at `offset - 1` has id `last_id`.
    pub fn remember(&self, directory: &DirectoryId, offset: usize, last_id: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.values().map(BTreeMap::len).sum::<usize>() >= MAX_HINTS {
            entries.clear();
        }
        entries
            .entry(directory.to_string())
            .or_default()
            .insert(offset, (last_id.to_owned(), Instant::now()));
    }

    /// Drops the directory's hints (a user was deleted: offsets moved).
    pub fn forget_directory(&self, directory: &DirectoryId) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.remove(directory.as_str());
    }
}

/// The SCIM server's in-process caches.
#[derive(Debug, Default)]
pub struct ScimRuntime {
    /// Verified directory tokens.
    pub tokens: super::ScimTokenCache,
    /// Sequential paging hints.
    pub pages: PageHints,
}

impl ScimRuntime {
    /// Forgets everything about a directory (credentials rotated, settings changed, deleted).
    pub fn forget_directory(&self, directory: &DirectoryId) {
        self.tokens.forget_directory(directory);
        self.pages.forget_directory(directory);
    }
}
