//! Parsed SAML connection material, kept per connection and revision so the ACS and `/start`
//! do not unseal the SP key and parse it and the trusted certificates on every request.
//!
//! An entry is the verifier's [`saml::SpConfig`] (trusted IdP certificates, SP decryption key,
//! policy) and, when the connection signs its AuthnRequests, the signing credential. It is
//! used while the connection's [`store::SsoConnection::revision`] is unchanged — every edit,
//! metadata refresh and secret change bumps it — and only until the next retired certificate
//! leaves its rotation grace, since the trusted set depends on the time as well. Replicas each
//! have their own cache; they all key it by the stored revision, so none keeps trusting a
//! certificate set after it sees the connection change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use store::{SamlConfig, SsoConnection, SsoConnectionId, Store};
use time::OffsetDateTime;

use super::settings;

/// More entries than this and the cache starts again (deleted connections leave entries).
const MAX_ENTRIES: usize = 4096;

/// What one SAML connection revision needs at sign-in time, parsed.
#[derive(Debug)]
pub struct ParsedSaml {
    /// The verifier's settings.
    pub sp: saml::SpConfig,
    /// Signs AuthnRequests, when the connection does.
    pub signer: Option<saml::Credential>,
    revision: i64,
    /// When a retired certificate in `sp` stops being trusted.
    valid_until: Option<OffsetDateTime>,
}

impl ParsedSaml {
    /// Unseals the SP key and parses everything `config` trusts at `now`.
    async fn load(
        store: &Store,
        connection: &SsoConnection,
        config: &SamlConfig,
        now: OffsetDateTime,
    ) -> Result<Self, String> {
        let key = store
            .sso_sp_private_key(connection)
            .await
            .map_err(|e| e.to_string())?;
        let key = key.as_ref().map(|k| k.as_str());
        let sp = settings::sp_config(config, key, now)?;
        let signer = match (config.sign_authn_requests, key) {
            (true, Some(key)) => Some(
                saml::Credential::from_pem(key, &config.sp_certificate_pem)
                    .map_err(|e| e.to_string())?,
            ),
            (true, None) => return Err("the SP private key is missing".into()),
            (false, _) => None,
        };
        Ok(Self {
            sp,
            signer,
            revision: connection.revision(),
            valid_until: settings::trust_changes_after(config, now),
        })
    }

    fn fresh_for(&self, connection: &SsoConnection, now: OffsetDateTime) -> bool {
        self.revision == connection.revision() && self.valid_until.is_none_or(|t| now < t)
    }
}

/// The cache, shared by the SSO routes of one process.
#[derive(Debug, Default)]
pub struct SpCache(Mutex<HashMap<SsoConnectionId, Arc<ParsedSaml>>>);

impl SpCache {
    /// The parsed material of `connection` (whose settings are `config`) at `now`: cached,
    /// or loaded when the connection changed, the trusted set moved on, or it was never
    /// loaded. Errors are internal (a corrupt key or certificate in the store).
    pub async fn get(
        &self,
        store: &Store,
        connection: &SsoConnection,
        config: &SamlConfig,
        now: OffsetDateTime,
    ) -> Result<Arc<ParsedSaml>, String> {
        if let Some(parsed) = self
            .0
            .lock()
            .ok()
            .and_then(|map| map.get(&connection.id).cloned())
            .filter(|p| p.fresh_for(connection, now))
        {
            return Ok(parsed);
        }
        let parsed = Arc::new(ParsedSaml::load(store, connection, config, now).await?);
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            // A concurrent load of a newer revision wins.
            let keep_newer = map
                .get(&connection.id)
                .is_some_and(|p| p.revision > parsed.revision);
            if !keep_newer {
                map.insert(connection.id.clone(), parsed.clone());
            }
        }
        Ok(parsed)
    }
}
