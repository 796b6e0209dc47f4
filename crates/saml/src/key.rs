//! Private keys and self-signed credentials: the SP's signing/decryption key
//! and the simulator IdP's signing key. Generation uses rcgen on aws-lc-rs.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{self, OaepAlgorithm, OaepPrivateDecryptingKey, PrivateDecryptingKey};
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use crate::Error;
use crate::algorithms::SignatureAlgorithm;
use crate::cert::{Certificate, pem_blocks, to_pem};

/// An RSA or ECDSA private key. `Debug` never shows key material.
pub struct PrivateKey {
    inner: Inner,
    pkcs8: Zeroizing<Vec<u8>>,
}

enum Inner {
    Rsa(rsa::KeyPair),
    EcP256(EcdsaKeyPair),
    EcP384(EcdsaKeyPair),
}

impl PrivateKey {
    /// Parses an unencrypted PKCS#8 `PRIVATE KEY` (RSA, EC P-256 or P-384).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        let pkcs8 = Zeroizing::new(der.to_vec());
        if let Ok(key) = rsa::KeyPair::from_pkcs8(der) {
            return Ok(Self {
                inner: Inner::Rsa(key),
                pkcs8,
            });
        }
        if let Ok(key) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der)
        {
            return Ok(Self {
                inner: Inner::EcP256(key),
                pkcs8,
            });
        }
        if let Ok(key) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, der)
        {
            return Ok(Self {
                inner: Inner::EcP384(key),
                pkcs8,
            });
        }
        Err(Error::InvalidKey(
            "not an RSA, P-256 or P-384 PKCS#8 private key".into(),
        ))
    }

    /// Parses PEM: `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let invalid = |e: &str| Error::InvalidKey(e.to_owned());
        if let Some(der) = pem_blocks(pem, "PRIVATE KEY").map_err(invalid)?.first() {
            return Self::from_pkcs8_der(der);
        }
        if let Some(der) = pem_blocks(pem, "RSA PRIVATE KEY").map_err(invalid)?.first() {
            let key = rsa::KeyPair::from_der(der)
                .map_err(|e| Error::InvalidKey(format!("RSA PRIVATE KEY rejected: {e}")))?;
            let pkcs8: Pkcs8V1Der<'_> = key
                .as_der()
                .map_err(|_| invalid("cannot re-encode the RSA key"))?;
            return Self::from_pkcs8_der(pkcs8.as_ref());
        }
        Err(invalid(
            "no PRIVATE KEY or RSA PRIVATE KEY block in the PEM text",
        ))
    }

    /// PKCS#8 PEM, for storing the key.
    pub fn to_pkcs8_pem(&self) -> String {
        to_pem("PRIVATE KEY", &self.pkcs8)
    }

    /// Generates an RSA-2048 key, what Okta uses for SAML signing.
    pub fn generate_rsa_2048() -> Result<Self, Error> {
        let key = rsa::KeyPair::generate(rsa::KeySize::Rsa2048)
            .map_err(|_| Error::Crypto("RSA key generation failed"))?;
        let pkcs8: Pkcs8V1Der<'_> = key
            .as_der()
            .map_err(|_| Error::Crypto("RSA key encoding failed"))?;
        Self::from_pkcs8_der(pkcs8.as_ref())
    }

    /// Generates an ECDSA P-256 key.
    pub fn generate_ecdsa_p256() -> Result<Self, Error> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| Error::Crypto("ECDSA key generation failed"))?;
        Self::from_pkcs8_der(pkcs8.as_ref())
    }

    /// The algorithm this key signs with unless told otherwise.
    pub fn default_signature_algorithm(&self) -> SignatureAlgorithm {
        match self.inner {
            Inner::Rsa(_) => SignatureAlgorithm::RsaSha256,
            Inner::EcP256(_) => SignatureAlgorithm::EcdsaSha256,
            Inner::EcP384(_) => SignatureAlgorithm::EcdsaSha384,
        }
    }

    /// SubjectPublicKeyInfo DER of the public half.
    pub(crate) fn public_spki(&self) -> Option<Vec<u8>> {
        let der: Result<PublicKeyX509Der<'_>, _> = match &self.inner {
            Inner::Rsa(key) => key.public_key().as_der(),
            Inner::EcP256(key) | Inner::EcP384(key) => key.public_key().as_der(),
        };
        der.ok().map(|d| d.as_ref().to_vec())
    }

    /// Signs `message` with `algorithm`, which must suit the key type.
    pub(crate) fn sign(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let rng = SystemRandom::new();
        let mismatch = Error::InvalidKey(format!("this key cannot sign with {}", algorithm.uri()));
        match (&self.inner, algorithm) {
            (Inner::Rsa(key), _) => {
                let padding: &'static dyn signature::RsaEncoding = match algorithm {
                    // aws-lc-rs verifies RSA-SHA1 but offers no way to create
                    // it; SHA-1 remains available as a digest algorithm.
                    SignatureAlgorithm::RsaSha1 => {
                        return Err(Error::InvalidKey("RSA-SHA1 signing is not supported (use a SHA-1 digest with RSA-SHA256)".into()));
                    }
                    SignatureAlgorithm::RsaSha256 => &signature::RSA_PKCS1_SHA256,
                    SignatureAlgorithm::RsaSha384 => &signature::RSA_PKCS1_SHA384,
                    SignatureAlgorithm::RsaSha512 => &signature::RSA_PKCS1_SHA512,
                    SignatureAlgorithm::EcdsaSha256 | SignatureAlgorithm::EcdsaSha384 => {
                        return Err(mismatch);
                    }
                };
                let mut out = vec![0u8; key.public_modulus_len()];
                key.sign(padding, &rng, message, &mut out)
                    .map_err(|_| Error::Crypto("RSA signing failed"))?;
                Ok(out)
            }
            (Inner::EcP256(key), SignatureAlgorithm::EcdsaSha256)
            | (Inner::EcP384(key), SignatureAlgorithm::EcdsaSha384) => key
                .sign(&rng, message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| Error::Crypto("ECDSA signing failed")),
            _ => Err(mismatch),
        }
    }

    /// RSA-OAEP decryption of a wrapped content key. Every failure is `None`
    /// so callers cannot tell one cause from another.
    pub(crate) fn decrypt_oaep(
        &self,
        algorithm: &'static OaepAlgorithm,
        ciphertext: &[u8],
        label: Option<&[u8]>,
    ) -> Option<Zeroizing<Vec<u8>>> {
        if !matches!(self.inner, Inner::Rsa(_)) {
            return None;
        }
        let key = PrivateDecryptingKey::from_pkcs8(&self.pkcs8).ok()?;
        let key = OaepPrivateDecryptingKey::new(key).ok()?;
        let mut out = Zeroizing::new(vec![0u8; key.min_output_size()]);
        let len = key
            .decrypt(algorithm, ciphertext, &mut out, label)
            .ok()?
            .len();
        out.truncate(len);
        Some(out)
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.inner {
            Inner::Rsa(_) => "RSA",
            Inner::EcP256(_) => "EC P-256",
            Inner::EcP384(_) => "EC P-384",
        };
        write!(f, "PrivateKey({kind}, redacted)")
    }
}

/// A private key with its certificate: what signs AuthnRequests and
/// simulator responses, and what decrypts encrypted assertions.
#[derive(Debug)]
pub struct Credential {
    key: PrivateKey,
    certificate: Certificate,
}

impl Credential {
    /// Pairs a key with its certificate; refuses a certificate for another key.
    pub fn new(key: PrivateKey, certificate: Certificate) -> Result<Self, Error> {
        if key.public_spki().as_deref() != Some(certificate.spki()) {
            return Err(Error::InvalidKey(
                "the certificate does not belong to this private key".into(),
            ));
        }
        Ok(Self { key, certificate })
    }

    /// Parses a PEM key and a PEM certificate (as stored by gatehouse/okta-sim).
    pub fn from_pem(key_pem: &str, certificate_pem: &str) -> Result<Self, Error> {
        Self::new(
            PrivateKey::from_pem(key_pem)?,
            Certificate::from_pem(certificate_pem)?,
        )
    }

    /// Generates a key and a self-signed certificate with the given common
    /// name, valid from `not_before` for `validity`. RSA-2048 unless
    /// `ecdsa` is set (then P-256).
    pub fn generate_self_signed(
        common_name: &str,
        not_before: OffsetDateTime,
        validity: Duration,
        ecdsa: bool,
    ) -> Result<Self, Error> {
        let (key, algorithm) = if ecdsa {
            (
                PrivateKey::generate_ecdsa_p256()?,
                &rcgen::PKCS_ECDSA_P256_SHA256,
            )
        } else {
            (PrivateKey::generate_rsa_2048()?, &rcgen::PKCS_RSA_SHA256)
        };
        let pem = key.to_pkcs8_pem();
        let rc_key = rcgen::KeyPair::from_pem_and_sign_algo(&pem, algorithm)
            .map_err(|e| Error::InvalidKey(format!("rcgen refused the key: {e}")))?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
            .map_err(|e| Error::InvalidCertificate(e.to_string()))?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.not_before = not_before;
        params.not_after = not_before
            .checked_add(validity)
            .ok_or_else(|| Error::InvalidCertificate("validity period out of range".into()))?;
        let mut serial = [0u8; 16];
        aws_lc_rs::rand::fill(&mut serial).map_err(|_| Error::Crypto("random serial failed"))?;
        serial[0] &= 0x7f;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
        let cert = params.self_signed(&rc_key).map_err(|e| {
            Error::InvalidCertificate(format!("certificate generation failed: {e}"))
        })?;
        Self::new(key, Certificate::from_der(cert.der())?)
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }
}
