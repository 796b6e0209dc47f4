//! What Gatehouse knows about each OIDC connection's provider: its discovered metadata with
//! the signing keys (JWKS), fetched through our own reqwest client (no redirects, capped
//! bodies).
//!
//! `openidconnect` keeps the JWKS it discovered forever, so [`ProviderCache`] discovers
//! again after [`METADATA_TTL`], and fetches the keys again when an ID token names a key id
//! the cached set does not have ([`ProviderCache::refresh_keys`]): Okta publishes new keys
//! ahead of use and rotates them a few times a year, so an unknown `kid` means our copy is
//! stale. Such forced fetches are at most one per [`KEYS_COOLDOWN`] and connection, so
//! tokens with made-up key ids cannot make us hammer the provider.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::{HttpRequest, HttpResponse, IssuerUrl};
use store::SsoConnectionId;

use super::fetch::{self, FetchError, error_chain};

/// How long discovered metadata (and its JWKS) is used before discovering again.
pub const METADATA_TTL: Duration = Duration::from_secs(3600);
/// The least time between two key fetches of one connection forced by unknown key ids.
pub const KEYS_COOLDOWN: Duration = Duration::from_secs(60);

struct Provider {
    issuer: String,
    discovered: Instant,
    keys_forced: Option<Instant>,
    metadata: CoreProviderMetadata,
}

/// Discovered provider metadata per connection.
#[derive(Default)]
pub struct ProviderCache(Mutex<HashMap<SsoConnectionId, Provider>>);

impl std::fmt::Debug for ProviderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = self.0.lock().map(|m| m.len()).unwrap_or_default();
        write!(f, "ProviderCache({size} providers)")
    }
}

impl ProviderCache {
    /// The provider metadata of `connection` (whose issuer is `issuer`): cached, or
    /// discovered when missing or older than [`METADATA_TTL`]. Errors are sentences.
    pub async fn get(
        &self,
        client: &reqwest::Client,
        connection: &SsoConnectionId,
        issuer: &str,
    ) -> Result<CoreProviderMetadata, String> {
        if let Ok(map) = self.0.lock()
            && let Some(provider) = map.get(connection)
            && provider.issuer == issuer
            && provider.discovered.elapsed() < METADATA_TTL
        {
            return Ok(provider.metadata.clone());
        }
        let issuer_url = IssuerUrl::new(issuer.to_owned()).map_err(|e| e.to_string())?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &http(client))
            .await
            .map_err(|e| error_chain(&e))?;
        if let Ok(mut map) = self.0.lock() {
            map.insert(
                connection.clone(),
                Provider {
                    issuer: issuer.to_owned(),
                    discovered: Instant::now(),
                    keys_forced: None,
                    metadata: metadata.clone(),
                },
            );
        }
        Ok(metadata)
    }

    /// Fetches the provider's keys again because an ID token named a key id we do not have.
    /// Returns the metadata with the new keys, or `None` when the keys were fetched for this
    /// reason less than [`KEYS_COOLDOWN`] ago.
    pub async fn refresh_keys(
        &self,
        client: &reqwest::Client,
        connection: &SsoConnectionId,
        issuer: &str,
    ) -> Result<Option<CoreProviderMetadata>, String> {
        let jwks_uri = {
            let Ok(mut map) = self.0.lock() else {
                return Ok(None);
            };
            match map.get_mut(connection).filter(|p| p.issuer == issuer) {
                Some(p) if p.keys_forced.is_some_and(|at| at.elapsed() < KEYS_COOLDOWN) => {
                    return Ok(None);
                }
                Some(p) => {
                    p.keys_forced = Some(Instant::now());
                    Some(p.metadata.jwks_uri().clone())
                }
                None => None,
            }
        };
        // Not cached (any more): discovering fetches the keys anyway.
        let Some(jwks_uri) = jwks_uri else {
            return self.get(client, connection, issuer).await.map(Some);
        };
        let keys = CoreJsonWebKeySet::fetch_async(&jwks_uri, &http(client))
            .await
            .map_err(|e| error_chain(&e))?;
        let Ok(mut map) = self.0.lock() else {
            return Ok(None);
        };
        Ok(map.get_mut(connection).map(|p| {
            p.metadata = p.metadata.clone().set_jwks(keys);
            p.metadata.clone()
        }))
    }
}

/// A boxed future of one `openidconnect` HTTP exchange.
type Exchange = Pin<Box<dyn Future<Output = Result<HttpResponse, FetchError>> + Send>>;

/// `openidconnect`'s HTTP client: our OIDC reqwest client behind a closure.
pub fn http(client: &reqwest::Client) -> impl Fn(HttpRequest) -> Exchange + use<> {
    let client = client.clone();
    move |request| {
        let client = client.clone();
        Box::pin(async move { fetch::oidc_http(&client, request).await })
    }
}
