//! SAML signing key credentials of an app, as Okta's Application SSO Credential Key
//! API shows them: generated X.509 certificates with their JWK view, the active one
//! chosen by the app's `credentials.signing.kid`.

use saml::{Certificate, Credential, PrivateKey};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::SimError;
use crate::clock::{Millis, format_ms};
use crate::keys::{RsaKey, b64url};
use crate::model::app::{App, AppKey};

const DAY_MS: Millis = 86_400_000;

/// Generates a key credential valid for `years` from `now` (Okta: 2–10, default 10).
/// CPU-heavy (RSA key generation): call it outside the org lock.
pub fn generate(
    kid: String,
    common_name: &str,
    now: Millis,
    years: u32,
) -> Result<AppKey, SimError> {
    let start = OffsetDateTime::from_unix_timestamp_nanos(i128::from(now) * 1_000_000)
        .map_err(|_| SimError::Crypto("clock out of range"))?;
    let days = i64::from(years) * 365;
    let credential =
        Credential::generate_self_signed(common_name, start, Duration::days(days), false)
            .map_err(|_| SimError::Crypto("certificate generation failed"))?;
    Ok(AppKey {
        kid,
        created: now,
        expires_at: now + days * DAY_MS,
        key_pem: credential.key().to_pkcs8_pem(),
        certificate: credential.certificate().to_base64(),
    })
}

/// The signing credential (key and certificate) of a stored key.
pub fn credential(key: &AppKey) -> Result<Credential, SimError> {
    let bad = |_| SimError::Crypto("stored app key is invalid");
    Credential::new(
        PrivateKey::from_pem(&key.key_pem).map_err(bad)?,
        Certificate::from_base64(&key.certificate).map_err(bad)?,
    )
    .map_err(bad)
}

/// The certificate of a stored key.
pub fn certificate(key: &AppKey) -> Result<Certificate, SimError> {
    Certificate::from_base64(&key.certificate)
        .map_err(|_| SimError::Crypto("stored app certificate is invalid"))
}

/// The key Okta's API returns: a JWK with `x5c`, `x5t#S256` and dates.
pub fn key_json(key: &AppKey) -> Value {
    let jwk = RsaKey::from_pem(&key.key_pem, &key.kid)
        .map(|k| k.public_jwk)
        .unwrap_or(Value::Null);
    let der = certificate(key)
        .map(|c| c.der().to_vec())
        .unwrap_or_default();
    let thumbprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &der);
    json!({
        "created": format_ms(key.created),
        "lastUpdated": format_ms(key.created),
        "expiresAt": format_ms(key.expires_at),
        "x5c": [key.certificate],
        "e": jwk.get("e"),
        "n": jwk.get("n"),
        "kid": key.kid,
        "kty": "RSA",
        "use": "sig",
        "x5t#S256": b64url(thumbprint.as_ref()),
    })
}

/// The active signing key of an app.
pub fn active(app: &App) -> Option<&AppKey> {
    let kid = app.signing_kid()?;
    app.keys.iter().find(|k| k.kid == kid)
}
