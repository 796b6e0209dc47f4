//! Binding a sign-in flow to the browser that started it.
//!
//! `/start` sets a cookie `gh_sso_<flow id>` holding a fresh random secret; the store keeps
//! only its SHA-256 with the flow. The ACS or callback finds the flow by RelayState/`state`
//! and takes it only when the browser presents the matching cookie, so a response captured
//! in one browser (or a login-CSRF post from an attacker's page) cannot complete a flow
//! another browser started, and `InResponseTo` is checked against that browser's request.
//!
//! The same secret yields an OIDC flow's PKCE verifier ([`Binding::pkce_verifier`]): a
//! domain-separated SHA-256 of it, which the stored hash does not reveal. The verifier is
//! therefore never stored; the callback re-derives it from the cookie the browser brings
//! back, so an authorization code intercepted on its way (and a copy of the database) is
//! still not enough to redeem it at the provider.
//!
//! The IdP's POST to the ACS is a cross-site request, which does not carry `SameSite=Lax`
//! cookies. Over HTTPS (and on loopback, which browsers treat as secure) the cookie is
//! therefore `SameSite=None; Secure`; it is `HttpOnly`, limited to `/sso/`, and lives as long
//! as the flow.

use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use store::{IssuedSecret, secret_hash};
use time::Duration;
use zeroize::Zeroizing;

/// How long a user has to come back from the IdP.
pub const FLOW_TTL: Duration = Duration::minutes(10);

const COOKIE_PREFIX: &str = "gh_sso_";
/// Separates the PKCE verifier's derivation from the stored hash of the same secret.
const PKCE_CONTEXT: &str = "gatehouse/sso/pkce-verifier/v1\0";

/// A new browser binding: the cookie secret and the hash the store keeps.
pub struct Binding {
    secret: IssuedSecret,
}

impl std::fmt::Debug for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Binding(<redacted>)")
    }
}

impl Binding {
    /// A fresh random binding.
    pub fn generate() -> Result<Self, store::StoreError> {
        Ok(Self {
            secret: IssuedSecret::generate()?,
        })
    }

    /// What the store keeps.
    pub fn hash(&self) -> Vec<u8> {
        self.secret.hash()
    }

    /// The OIDC PKCE verifier of the flow this binding starts.
    pub fn pkce_verifier(&self) -> Zeroizing<String> {
        pkce_verifier(self.secret.expose())
    }

    /// The `Set-Cookie` value binding flow `flow_id` to this browser.
    pub fn set_cookie(&self, flow_id: &str, public_url: &str) -> Option<HeaderValue> {
        let site = if secure_context(public_url) {
            "SameSite=None; Secure"
        } else {
            "SameSite=Lax"
        };
        HeaderValue::from_str(&format!(
            "{COOKIE_PREFIX}{flow_id}={}; Path=/sso/; Max-Age={}; HttpOnly; {site}",
            self.secret.expose(),
            FLOW_TTL.whole_seconds()
        ))
        .ok()
    }
}

/// The binding cookie a browser presents for one flow (if any).
pub struct Presented(Option<Zeroizing<String>>);

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Presented(<redacted>)")
    }
}

impl Presented {
    /// The cookie for `flow_id` among the request's cookies.
    pub fn from_headers(headers: &HeaderMap, flow_id: &str) -> Self {
        Self(
            CookieJar::from_headers(headers)
                .get(&format!("{COOKIE_PREFIX}{flow_id}"))
                .map(|c| Zeroizing::new(c.value().to_owned())),
        )
    }

    /// Its hash, to find the flow with (empty when there is no cookie, which matches no
    /// stored hash).
    pub fn hash(&self) -> Vec<u8> {
        self.0
            .as_deref()
            .map(|s| secret_hash(s))
            .unwrap_or_default()
    }

    /// The PKCE verifier [`Binding::pkce_verifier`] derived when the flow started.
    pub fn pkce_verifier(&self) -> Option<Zeroizing<String>> {
        self.0.as_deref().map(|s| pkce_verifier(s))
    }
}

/// base64url(SHA-256(context ‖ secret)): 43 characters, a valid RFC 7636 verifier.
fn pkce_verifier(secret: &str) -> Zeroizing<String> {
    let input = Zeroizing::new(format!("{PKCE_CONTEXT}{secret}"));
    Zeroizing::new(URL_SAFE_NO_PAD.encode(secret_hash(&input)))
}

/// The `Set-Cookie` value that removes a used binding.
pub fn clear_cookie(flow_id: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{COOKIE_PREFIX}{flow_id}=; Path=/sso/; Max-Age=0; HttpOnly"
    ))
    .ok()
}

/// True when browsers accept `Secure` cookies from this base URL: HTTPS, or loopback.
fn secure_context(public_url: &str) -> bool {
    match url::Url::parse(public_url) {
        Ok(url) => {
            url.scheme() == "https"
                || matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_survive_the_cross_site_post_where_browsers_allow_it() {
        let binding = Binding::generate().unwrap();
        let https = binding
            .set_cookie("flow_1", "https://gh.example.com")
            .unwrap();
        let https = https.to_str().unwrap();
        assert!(https.contains("SameSite=None; Secure"), "{https}");
        assert!(https.contains("HttpOnly") && https.contains("Path=/sso/"));
        let local = binding
            .set_cookie("flow_1", "http://127.0.0.1:8080")
            .unwrap();
        assert!(local.to_str().unwrap().contains("SameSite=None; Secure"));
        let plain = binding.set_cookie("flow_1", "http://gh.internal").unwrap();
        assert!(plain.to_str().unwrap().contains("SameSite=Lax"));
    }

    #[test]
    fn only_the_matching_cookie_presents_the_hash() {
        let binding = Binding::generate().unwrap();
        let cookie = binding
            .set_cookie("flow_1", "https://gh.example.com")
            .unwrap();
        let pair = cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut headers = HeaderMap::new();
        headers.insert("cookie", HeaderValue::from_str(&pair).unwrap());
        let presented = Presented::from_headers(&headers, "flow_1");
        assert_eq!(presented.hash(), binding.hash());
        assert_eq!(presented.pkce_verifier(), Some(binding.pkce_verifier()));
        assert!(
            Presented::from_headers(&headers, "flow_2")
                .hash()
                .is_empty()
        );
        let none = Presented::from_headers(&HeaderMap::new(), "flow_1");
        assert!(none.hash().is_empty() && none.pkce_verifier().is_none());
    }

    #[test]
    fn the_pkce_verifier_is_valid_and_not_the_stored_hash() {
        let binding = Binding::generate().unwrap();
        let verifier = binding.pkce_verifier();
        assert_eq!(verifier.len(), 43, "RFC 7636 allows 43 to 128 characters");
        assert!(
            verifier
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        );
        assert_ne!(
            verifier.as_bytes(),
            URL_SAFE_NO_PAD.encode(binding.hash()).as_bytes()
        );
        assert_ne!(verifier, Binding::generate().unwrap().pkce_verifier());
    }
}
