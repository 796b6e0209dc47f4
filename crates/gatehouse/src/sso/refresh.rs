//! Keeping SAML connections current: scheduled and on-demand IdP metadata refreshes, the
//! certificate-expiry sweep, and purging expired sign-in state.
//!
//! [`spawn`] starts one background loop per process. It is safe with several replicas: a
//! due refresh is claimed by one conditional UPDATE (the winner fetches, the others skip),
//! an expiry notice is a unique row (audited once, by whichever replica inserts it), and
//! purging expired rows is idempotent.
//!
//! A refresh replaces the trusted certificate set by the metadata's; certificates that left
//! it stay trusted for [`settings::ROTATION_GRACE`], so a rotation needs no downtime and
//! responses signed with either key verify while it happens.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

use serde_json::{Value, json};
use store::{Actor, OrgScope, SsoConnection, SsoProtocol, SsoSecrets, StoreError};
use time::{Duration, OffsetDateTime};

use super::{fetch, settings};
use crate::state::AppState;

/// How often the background loop runs.
const TICK: StdDuration = StdDuration::from_secs(60);
/// How long a claimed refresh is reserved for the replica that claimed it.
const CLAIM_LEASE: Duration = Duration::minutes(10);
/// After a failed fetch, when to try again.
const RETRY_AFTER_FAILURE: Duration = Duration::minutes(15);
/// The least time between two refreshes forced by signature failures on one connection.
const ON_DEMAND_COOLDOWN: StdDuration = StdDuration::from_secs(60);

/// Remembers when each connection was last refreshed because of a signature failure, so a
/// stream of forged responses cannot make us hammer the IdP.
#[derive(Debug, Default)]
pub struct Cooldowns(Mutex<HashMap<String, Instant>>);

impl Cooldowns {
    fn allow(&self, key: &str) -> bool {
        let Ok(mut map) = self.0.lock() else {
            return false;
        };
        let now = Instant::now();
        map.retain(|_, at| now.duration_since(*at) < ON_DEMAND_COOLDOWN);
        if map.contains_key(key) {
            return false;
        }
        map.insert(key.to_owned(), now);
        true
    }
}

/// Fetches the connection's metadata again and applies it. Returns the updated connection,
/// or the reason the fetch failed (also stored on the connection and shown as a warning).
pub async fn refresh_metadata(
    state: &AppState,
    connection: &SsoConnection,
) -> Result<SsoConnection, String> {
    let SsoProtocol::Saml(config) = &connection.protocol else {
        return Err("only SAML connections have IdP metadata".into());
    };
    let Some(url) = config.idp_metadata_url.clone() else {
        return Err("this connection was not created from a metadata URL".into());
    };
    let fetched = match fetch::get_bytes(&state.sso.metadata_client, &url).await {
        Ok(xml) => settings::from_metadata(&xml, Some(&config.idp_entity_id)),
        Err(err) => Err(err.to_string()),
    };
    let scope = OrgScope::internal(connection.org_id.clone());
    let actor = Actor::system("system");
    let now = OffsetDateTime::now_utc();
    let result = match fetched {
        Ok(idp) => {
            state
                .store
                .modify_sso_connection(
                    &scope,
                    &actor,
                    &connection.id,
                    "sso_connection.certificates_rotated",
                    &SsoSecrets::default(),
                    |c| {
                        let SsoProtocol::Saml(saml) = &mut c.protocol else {
                            return Ok(None);
                        };
                        let before: Vec<String> = current_fingerprints(&saml.idp_certificates);
                        let changed = saml.rotate_certificates(
                            idp.certificates.clone(),
                            now,
                            settings::ROTATION_GRACE,
                        );
                        saml.idp_sso_url = idp.sso_url.clone();
                        saml.sign_authn_requests |= idp.wants_signed_requests;
                        saml.metadata_refreshed_at = Some(now);
                        saml.metadata_error = None;
                        c.next_refresh_at = Some(now + settings::METADATA_REFRESH);
                        Ok(Some(if changed {
                            json!({
                                "before": before,
                                "after": current_fingerprints(&saml.idp_certificates),
                                "metadata_url": url,
                            })
                        } else {
                            Value::Null
                        }))
                    },
                )
                .await
        }
        Err(reason) => {
            let stored = reason.clone();
            let failed = state
                .store
                .modify_sso_connection(
                    &scope,
                    &actor,
                    &connection.id,
                    "sso_connection.metadata_refresh_failed",
                    &SsoSecrets::default(),
                    |c| {
                        let SsoProtocol::Saml(saml) = &mut c.protocol else {
                            return Ok(None);
                        };
                        let first = saml.metadata_error.as_deref() != Some(stored.as_str());
                        saml.metadata_error = Some(stored.clone());
                        c.next_refresh_at = Some(now + RETRY_AFTER_FAILURE);
                        // Audit a failure when it starts or changes, not on every retry.
                        Ok(Some(if first {
                            json!({ "error": stored, "metadata_url": url })
                        } else {
                            Value::Null
                        }))
                    },
                )
                .await;
            if let Err(err) = failed {
                tracing::warn!(error = %err, "could not record a metadata refresh failure");
            }
            return Err(reason);
        }
    };
    result.map_err(|e: StoreError| e.to_string())
}

fn current_fingerprints(certificates: &[store::TrustedCertificate]) -> Vec<String> {
    certificates
        .iter()
        .filter(|c| c.retired_at.is_none())
        .map(|c| c.sha256.clone())
        .collect()
}

/// Refreshes after a signature failure, at most once per [`ON_DEMAND_COOLDOWN`] per
/// connection; `None` when skipped or failed.
pub async fn refresh_on_demand(
    state: &AppState,
    connection: &SsoConnection,
) -> Option<SsoConnection> {
    if !state.sso.cooldowns.allow(connection.id.as_str()) {
        return None;
    }
    match refresh_metadata(state, connection).await {
        Ok(updated) => Some(updated),
        Err(reason) => {
            tracing::warn!(connection = %connection.id, %reason, "on-demand metadata refresh failed");
            None
        }
    }
}

/// One pass of the background work: due refreshes, the expiry sweep, the purge.
pub async fn run_once(state: &AppState) {
    match state
        .store
        .claim_sso_metadata_refreshes(CLAIM_LEASE, 20)
        .await
    {
        Ok(claimed) => {
            for connection in claimed {
                if let Err(reason) = refresh_metadata(state, &connection).await {
                    tracing::warn!(connection = %connection.id, %reason, "metadata refresh failed");
                }
            }
        }
        Err(err) => tracing::warn!(error = %err, "could not claim metadata refreshes"),
    }
    let now = OffsetDateTime::now_utc();
    match state
        .store
        .sso_connections_with_expiring_certificates(now + settings::EXPIRY_WARNING)
        .await
    {
        Ok(connections) => {
            for connection in connections {
                let SsoProtocol::Saml(config) = &connection.protocol else {
                    continue;
                };
                for certificate in settings::expiring(config, now) {
                    if let Err(err) = state
                        .store
                        .note_sso_certificate_expiry(
                            &connection,
                            &certificate.sha256,
                            certificate.not_after,
                        )
                        .await
                    {
                        tracing::warn!(error = %err, "could not record a certificate notice");
                    }
                }
            }
        }
        Err(err) => tracing::warn!(error = %err, "certificate expiry sweep failed"),
    }
    if let Err(err) = state.store.purge_expired_sso_state().await {
        tracing::warn!(error = %err, "could not purge expired sign-in state");
    }
}

/// Starts the background loop; it runs until the process exits.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            run_once(&state).await;
        }
    })
}
