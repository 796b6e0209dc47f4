//! RSA key material: generation with aws-lc-rs, PEM export, the public JWK, and the
//! rotating [`KeySet`] an authorization server signs tokens with.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::sync::{Arc, RwLock};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{Value, json};

use crate::SimError;

/// A generated RSA key: the PKCS#8 PEM private key and the public JWK.
#[derive(Debug, Clone)]
pub struct RsaKey {
    /// `-----BEGIN PRIVATE KEY-----` PEM.
    pub private_pem: String,
    /// Public JWK (`kty`, `kid`, `n`, `e`, `alg`, `use`).
    pub public_jwk: Value,
}

impl RsaKey {
    /// Generates a 2048-bit key with the given `kid`.
    pub fn generate(kid: &str) -> Result<Self, SimError> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| SimError::Crypto("RSA key generation failed"))?;
        let der = pair
            .as_der()
            .map_err(|_| SimError::Crypto("PKCS#8 export failed"))?;
        Self::from_pem(&pem("PRIVATE KEY", der.as_ref()), kid)
    }

    /// Wraps an existing PEM private key (snapshot reload).
    pub fn from_pem(private_pem: &str, kid: &str) -> Result<Self, SimError> {
        let encoding = EncodingKey::from_rsa_pem(private_pem.as_bytes())
            .map_err(|_| SimError::Crypto("bad RSA PEM"))?;
        let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, Algorithm::RS256)
            .map_err(|_| SimError::Crypto("JWK export failed"))?;
        let mut public_jwk =
            serde_json::to_value(&jwk).map_err(|_| SimError::Crypto("JWK export failed"))?;
        let extra = json!({ "kid": kid, "use": "sig", "alg": "RS256" });
        if let (Some(obj), Some(add)) = (public_jwk.as_object_mut(), extra.as_object()) {
            for (k, v) in add {
                obj.insert(k.clone(), v.clone());
            }
        }
        Ok(Self {
            private_pem: private_pem.to_owned(),
            public_jwk,
        })
    }

    /// The signing key for jsonwebtoken.
    pub fn encoding_key(&self) -> Result<EncodingKey, SimError> {
        EncodingKey::from_rsa_pem(self.private_pem.as_bytes())
            .map_err(|_| SimError::Crypto("bad RSA PEM"))
    }
}

/// PEM-armours DER bytes.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url(SHA-256(text)), as used by DPoP `ath`.
pub fn sha256_b64url(text: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    b64url(digest.as_ref())
}

impl RsaKey {
    /// The `kid` the key was created with.
    pub fn kid(&self) -> &str {
        self.public_jwk
            .get("kid")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// One signing key of an authorization server, parsed once for signing and verifying.
pub struct SigningKey {
    /// The key material and public JWK.
    pub key: RsaKey,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.key.kid())
    }
}

impl SigningKey {
    /// Parses the key for signing (RS256) and verifying.
    pub fn new(key: RsaKey) -> Result<Self, SimError> {
        let encoding = key.encoding_key()?;
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.public_jwk.clone())
            .map_err(|_| SimError::Crypto("bad JWK"))?;
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|_| SimError::Crypto("bad JWK"))?;
        Ok(Self {
            key,
            encoding,
            decoding,
        })
    }

    /// The key's `kid`.
    pub fn kid(&self) -> &str {
        self.key.kid()
    }

    /// The verification key.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid` in the header.
    pub fn sign<T: serde::Serialize>(&self, claims: &T) -> Result<String, SimError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid().to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|_| SimError::Crypto("JWT signing failed"))
    }
}

/// The keys an authorization server publishes at its `jwks_uri`: the first one signs,
/// every one verifies. Rotation puts a new key in front and keeps the old ones
/// published until they are retired, as Okta does.
#[derive(Debug)]
pub struct KeySet {
    keys: RwLock<Vec<Arc<SigningKey>>>,
}

impl KeySet {
    /// A set signing with the first of `keys`.
    pub fn new(keys: Vec<RsaKey>) -> Result<Self, SimError> {
        if keys.is_empty() {
            return Err(SimError::Crypto("a key set needs at least one key"));
        }
        let keys = keys
            .into_iter()
            .map(|k| SigningKey::new(k).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            keys: RwLock::new(keys),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<SigningKey>>> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<SigningKey>>> {
        self.keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key that signs new tokens.
    pub fn active(&self) -> Option<Arc<SigningKey>> {
        self.read().first().cloned()
    }

    /// The key with this `kid`, or the only key when `kid` is absent.
    pub fn find(&self, kid: Option<&str>) -> Option<Arc<SigningKey>> {
        let keys = self.read();
        match kid {
            Some(kid) => keys.iter().find(|k| k.kid() == kid).cloned(),
            None if keys.len() == 1 => keys.first().cloned(),
            None => None,
        }
    }

    /// Signs `claims` with the active key.
    pub fn sign<T: serde::Serialize>(&self, claims: &T) -> Result<String, SimError> {
        self.active()
            .ok_or(SimError::Crypto("no signing key"))?
            .sign(claims)
    }

    /// `{"keys":[…]}` with every published key, the active one first.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .read()
            .iter()
            .map(|k| k.key.public_jwk.clone())
            .collect();
        json!({ "keys": keys })
    }

    /// The `kid`s, the active one first.
    pub fn kids(&self) -> Vec<String> {
        self.read().iter().map(|k| k.kid().to_owned()).collect()
    }

    /// Makes `key` the signing key; the previous keys stay published.
    pub fn rotate(&self, key: RsaKey) -> Result<(), SimError> {
        let key = Arc::new(SigningKey::new(key)?);
        self.write().insert(0, key);
        Ok(())
    }

    /// Stops publishing a key that no longer signs; false when `kid` is unknown or
    /// is the active key.
    pub fn retire(&self, kid: &str) -> bool {
        let mut keys = self.write();
        match keys.iter().position(|k| k.kid() == kid) {
            Some(i) if i > 0 => {
                keys.remove(i);
                true
            }
            _ => false,
        }
    }
}
