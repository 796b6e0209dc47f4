//! Fault injection (`/sim/v1/faults`): make matching requests fail in chosen ways so
//! clients' retry and recovery paths can be tested.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer `status` (default 500) with Okta's error body.
    Status,
    /// Delay the request by `ms`, then serve it normally.
    Latency,
    /// Close the connection without a complete response.
    Drop,
    /// Answer 429 E0000047 with rate-limit headers.
    RateLimit,
    /// Serve the request but truncate the JSON body (a corrupted page).
    Corrupt,
}

/// A fault rule as posted to `/sim/v1/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultSpec {
    /// Requests whose path starts with this are affected.
    pub path_prefix: String,
    /// The effect.
    pub kind: FaultKind,
    /// Status for `status` faults.
    #[serde(default)]
    pub status: Option<u16>,
    /// How many requests to affect; absent = until cleared.
    #[serde(default)]
    pub count: Option<u32>,
    /// Delay for `latency` faults.
    #[serde(default)]
    pub ms: Option<u64>,
    /// Only this HTTP method, if given.
    #[serde(default)]
    pub method: Option<String>,
}

/// What the edge middleware must do for one request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Total injected delay.
    pub delay_ms: u64,
    /// The terminal fault, if any (not `Latency`).
    pub terminal: Option<(FaultKind, u16)>,
}

/// The active fault rules.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultSpec>>,
}

impl Faults {
    /// Adds a rule.
    pub fn add(&self, spec: FaultSpec) {
        self.lock().push(spec);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The rules still active.
    pub fn list(&self) -> Vec<FaultSpec> {
        self.lock().clone()
    }

    /// Consumes the rules matching a request and says what to do.
    pub fn plan(&self, method: &str, path: &str) -> Plan {
        let mut rules = self.lock();
        let mut plan = Plan::default();
        for rule in rules.iter_mut() {
            let matches = path.starts_with(&rule.path_prefix)
                && rule
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && rule.count != Some(0);
            if !matches {
                continue;
            }
            match rule.kind {
                FaultKind::Latency => plan.delay_ms += rule.ms.unwrap_or(1000),
                kind if plan.terminal.is_none() => {
                    plan.terminal = Some((kind, rule.status.unwrap_or(500)))
                }
                _ => continue,
            }
            if let Some(c) = rule.count.as_mut() {
                *c -= 1;
            }
        }
        rules.retain(|r| r.count != Some(0));
        plan
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultSpec>> {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_expire_and_latency_stacks() {
        let f = Faults::default();
        f.add(FaultSpec {
            path_prefix: "/api/v1/users".into(),
            kind: FaultKind::Status,
            status: Some(503),
            count: Some(2),
            ms: None,
            method: None,
        });
        f.add(FaultSpec {
            path_prefix: "/api".into(),
            kind: FaultKind::Latency,
            status: None,
            count: Some(1),
            ms: Some(5),
            method: None,
        });
        let p = f.plan("GET", "/api/v1/users");
        assert_eq!(
            p,
            Plan {
                delay_ms: 5,
                terminal: Some((FaultKind::Status, 503))
            }
        );
        assert_eq!(
            f.plan("GET", "/api/v1/users").terminal,
            Some((FaultKind::Status, 503))
        );
        assert_eq!(f.plan("GET", "/api/v1/users"), Plan::default());
        assert!(f.list().is_empty());
    }
}
