//! Building the two JWTs a service app sends: the `private_key_jwt` client assertion
//! (okta-reference §2.2) and DPoP proofs (RFC 9449, §2.3). Pure: time and `jti` are inputs.

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use url::Url;

use super::key::{KeyError, SigningKey};

/// Lifetime of a client assertion. Okta allows at most one hour; five minutes is ample
/// for one token request and limits replay.
const ASSERTION_LIFETIME_S: i64 = 300;

#[derive(Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    iat: i64,
    exp: i64,
    jti: &'a str,
}

/// Signs a client assertion: `iss` = `sub` = client id, `aud` = the exact token endpoint
/// URL, `iat` = now, `exp` = now + 5 min, and a single-use `jti`.
pub fn client_assertion(
    client_id: &str,
    token_endpoint: &str,
    key: &SigningKey,
    key_id: Option<&str>,
    now_unix: i64,
    jti: &str,
) -> Result<String, KeyError> {
    let mut header = Header::new(key.algorithm());
    header.kid = key_id.map(str::to_owned);
    let claims = AssertionClaims {
        aud: token_endpoint,
        iss: client_id,
        sub: client_id,
        iat: now_unix,
        exp: now_unix + ASSERTION_LIFETIME_S,
        jti,
    };
    jsonwebtoken::encode(&header, &claims, key.encoding_key())
        .map_err(|e| KeyError::Signing(e.to_string()))
}

/// The DPoP key pair: a P-256 key generated per client, separate from the
/// client-authentication key as Okta requires. Its public half travels in each proof.
#[derive(Clone)]
pub struct DpopKey {
    key: EncodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey(ES256, [redacted])")
    }
}

#[derive(Serialize)]
struct ProofClaims<'a> {
    htm: &'a str,
    htu: &'a str,
    iat: i64,
    jti: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

impl DpopKey {
    /// Generates a fresh P-256 key pair.
    pub fn generate() -> Result<DpopKey, KeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|e| KeyError::Signing(e.to_string()))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .map_err(|e| KeyError::Signing(e.to_string()))?;
        // Uncompressed point: 0x04 || X (32 bytes) || Y (32 bytes).
        let point = pair.public_key().as_ref();
        let (x, y) = match (point.get(1..33), point.get(33..65)) {
            (Some(x), Some(y)) => (x, y),
            _ => {
                return Err(KeyError::Signing(
                    "unexpected EC public key encoding".to_owned(),
                ));
            }
        };
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x: URL_SAFE_NO_PAD.encode(x),
                y: URL_SAFE_NO_PAD.encode(y),
            }),
        };
        Ok(DpopKey {
            key: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
        })
    }

    /// The public key as a JWK (what the proof header carries).
    pub fn public_jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// A DPoP proof for one request: `htm` and `htu` name the request, `ath` binds it to
    /// the access token on resource calls, `nonce` echoes the server's `DPoP-Nonce`.
    pub fn proof(
        &self,
        method: &str,
        url: &Url,
        now_unix: i64,
        jti: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".to_owned());
        header.jwk = Some(self.jwk.clone());
        let target = htu(url);
        let claims = ProofClaims {
            htm: method,
            htu: &target,
            iat: now_unix,
            jti,
            ath: access_token.map(ath),
            nonce,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| KeyError::Signing(e.to_string()))
    }
}

/// The `htu` claim: the request URL without query and fragment (RFC 9449 §4.2).
pub(crate) fn htu(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The `ath` claim: base64url(SHA-256(access token)).
pub(crate) fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, access_token.as_bytes()))
}
