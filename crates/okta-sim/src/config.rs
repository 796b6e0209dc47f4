//! [`SimConfig`]: everything that shapes a simulated org and its server.

use std::net::SocketAddr;
use std::path::PathBuf;

/// How to build and serve a simulated org. `SimConfig::default()` is a small org
/// (50 users, 10 groups) on `127.0.0.1:0` with Okta's Workforce rate limits.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Base URL to advertise instead of `http://{bound address}` (e.g. behind a proxy).
    pub public_url: Option<String>,
    /// Generated people (besides the two admin accounts).
    pub users: usize,
    /// Generated groups (besides `Everyone`).
    pub groups: usize,
    /// Generated apps.
    pub apps: usize,
    /// Seed for the generator and for ids of objects created later.
    pub seed: u64,
    /// One per-minute budget for every rate-limit bucket; `None` uses Okta's
    /// historical Workforce numbers per bucket.
    pub rate_limit_per_min: Option<u32>,
    /// Share (percent) of each bucket one token or OAuth app may use. Okta's default
    /// is 50; the simulator defaults to 100 so `--rate-limit N` means N per caller.
    pub token_share_percent: u32,
    /// Simultaneous in-flight API requests before 429 with `X-Rate-Limit-Limit: 0`
    /// (Okta: 75 for Workforce, 35 for Integrator Free).
    pub concurrency_limit: usize,
    /// Freeze the clock; it then moves only through `SimHandle::advance_time` or
    /// `POST /sim/v1/clock/advance`, so rate-limit windows and token expiry can be
    /// tested without sleeping.
    pub simulated_time: bool,
    /// Load the org from this snapshot file if it exists, and save to it on shutdown
    /// and on `POST /sim/v1/snapshot`.
    pub state_file: Option<PathBuf>,
    /// Whether the built-in OAuth service app requires DPoP-bound tokens.
    pub oauth_dpop: bool,
    /// Org subdomain, used in names and the org object.
    pub subdomain: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            users: 50,
            groups: 10,
            apps: 3,
            seed: 1,
            rate_limit_per_min: None,
            token_share_percent: 100,
            concurrency_limit: 75,
            simulated_time: false,
            state_file: None,
            oauth_dpop: false,
            subdomain: "acme".to_owned(),
        }
    }
}
