//! Parsing the service app's private key from PEM into a JWT signing key.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
    EcdsaSigningAlgorithm, RsaKeyPair,
};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey};

use crate::secret::Secret;

/// A private key ready to sign client assertions: RS256 for RSA keys, ES256/ES384 for
/// P-256/P-384 keys.
#[derive(Clone)]
pub struct SigningKey {
    algorithm: Algorithm,
    key: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?}, [redacted])", self.algorithm)
    }
}

/// Why a private key was refused. Messages are meant for the admin who pasted it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// No `-----BEGIN …-----` block.
    #[error(
        "the private key is not PEM: paste the text starting with \"-----BEGIN PRIVATE KEY-----\""
    )]
    NotPem,
    /// The PEM body is not valid base64.
    #[error("the private key PEM is damaged (its body is not valid base64)")]
    BadBase64,
    /// A public key or certificate was pasted.
    #[error(
        "this is a {0}, not a private key: paste the private key of the service app's key pair"
    )]
    NotPrivate(String),
    /// A passphrase-protected key.
    #[error("encrypted private keys are not supported: export the key without a passphrase")]
    Encrypted,
    /// A key type Okta service apps do not accept, or a malformed key.
    #[error("the private key is not a usable RSA or EC (P-256/P-384) key: {0}")]
    Unsupported(String),
    /// Signing failed (should not happen with a validated key).
    #[error("signing failed: {0}")]
    Signing(String),
}

impl SigningKey {
    /// Parses a PEM private key: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or
    /// SEC1 (`EC PRIVATE KEY`). Literal `\n` sequences (keys pasted from JSON) are accepted.
    pub fn from_pem(pem: &Secret) -> Result<SigningKey, KeyError> {
        let text = pem.expose().replace("\\n", "\n");
        let (tag, der) = decode_pem(&text)?;
        match tag.as_str() {
            "RSA PRIVATE KEY" => {
                RsaKeyPair::from_der(&der).map_err(|e| KeyError::Unsupported(e.to_string()))?;
                Ok(SigningKey {
                    algorithm: Algorithm::RS256,
                    key: EncodingKey::from_rsa_der(&der),
                })
            }
            "EC PRIVATE KEY" => {
                for (alg, jwt_alg) in EC_ALGS {
                    if let Ok(pair) = EcdsaKeyPair::from_private_key_der(alg, &der) {
                        let pkcs8 = pair
                            .to_pkcs8v1()
                            .map_err(|e| KeyError::Unsupported(e.to_string()))?;
                        return Ok(SigningKey {
                            algorithm: *jwt_alg,
                            key: EncodingKey::from_ec_der(pkcs8.as_ref()),
                        });
                    }
                }
                Err(KeyError::Unsupported(
                    "EC key on an unsupported curve".to_owned(),
                ))
            }
            "PRIVATE KEY" => {
                for (alg, jwt_alg) in EC_ALGS {
                    if EcdsaKeyPair::from_pkcs8(alg, &der).is_ok() {
                        return Ok(SigningKey {
                            algorithm: *jwt_alg,
                            key: EncodingKey::from_ec_der(&der),
                        });
                    }
                }
                RsaKeyPair::from_pkcs8(&der).map_err(|e| KeyError::Unsupported(e.to_string()))?;
                // jsonwebtoken signs RSA from PKCS#1; its PEM reader unwraps PKCS#8 for us.
                let key = EncodingKey::from_rsa_pem(text.as_bytes())
                    .map_err(|e| KeyError::Unsupported(e.to_string()))?;
                Ok(SigningKey {
                    algorithm: Algorithm::RS256,
                    key,
                })
            }
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::Encrypted),
            "PUBLIC KEY" | "RSA PUBLIC KEY" => Err(KeyError::NotPrivate("public key".to_owned())),
            "CERTIFICATE" => Err(KeyError::NotPrivate("certificate".to_owned())),
            other => Err(KeyError::Unsupported(format!("PEM block \"{other}\""))),
        }
    }

    /// The JWS algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.key
    }
}

const EC_ALGS: &[(&EcdsaSigningAlgorithm, Algorithm)] = &[
    (&ECDSA_P256_SHA256_FIXED_SIGNING, Algorithm::ES256),
    (&ECDSA_P384_SHA384_FIXED_SIGNING, Algorithm::ES384),
];

/// Finds the first PEM block and returns its tag and DER bytes.
fn decode_pem(text: &str) -> Result<(String, Vec<u8>), KeyError> {
    let begin = text.find("-----BEGIN ").ok_or(KeyError::NotPem)?;
    let after_begin = text
        .get(begin + "-----BEGIN ".len()..)
        .ok_or(KeyError::NotPem)?;
    let (tag, rest) = after_begin.split_once("-----").ok_or(KeyError::NotPem)?;
    let end_marker = format!("-----END {tag}-----");
    let (body, _) = rest.split_once(&end_marker).ok_or(KeyError::NotPem)?;
    // Skip RFC 1421 headers such as "Proc-Type:" (present in encrypted PKCS#1 keys).
    if body.contains("Proc-Type:") || body.contains("DEK-Info:") {
        return Err(KeyError::Encrypted);
    }
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|_| KeyError::BadBase64)?;
    Ok((tag.to_owned(), der))
}
