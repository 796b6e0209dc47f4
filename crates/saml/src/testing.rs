//! Helpers shared by the in-crate tests.

use std::path::{Path, PathBuf};

/// `shared/testdata` beside the repository (override with `GATEHOUSE_SHARED`).
pub(crate) fn shared_testdata() -> PathBuf {
    if let Ok(dir) = std::env::var("GATEHOUSE_SHARED") {
        return PathBuf::from(dir).join("testdata");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
}
