//! `--state FILE`: the org saved as JSON and loaded back.

use std::path::Path;

use crate::SimError;
use crate::org::Org;

/// Writes the org to `path` atomically (temp file, then rename).
pub fn save(path: &Path, org: &Org) -> Result<(), SimError> {
    let tmp = path.with_extension("tmp");
    let bytes = serde_json::to_vec(org).map_err(|e| SimError::Snapshot(e.to_string()))?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Reads an org saved by [`save`] and rebuilds its indexes.
pub fn load(path: &Path) -> Result<Org, SimError> {
    let bytes = std::fs::read(path)?;
    let mut org: Org =
        serde_json::from_slice(&bytes).map_err(|e| SimError::Snapshot(e.to_string()))?;
    org.rebuild_indexes();
    Ok(org)
}
