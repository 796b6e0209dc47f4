//! X.509 certificates: the only source of trusted IdP keys, and what SP and
//! simulator metadata publish.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::Error;

/// A parsed X.509 certificate. Equality is byte equality of the DER.
///
/// Certificates are configured per connection (several at once during key
/// rotation); the verifier takes keys only from them, never from the
/// `KeyInfo` inside a response.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    spki: Vec<u8>,
    key: KeyType,
    subject: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    sha256: [u8; 32],
}

/// The public key inside a certificate, as far as signature checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa { bits: usize },
    EcP256,
    EcP384,
    Unsupported,
}

impl Certificate {
    /// Parses one DER-encoded certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let (rest, cert) = X509Certificate::from_der(der)
            .map_err(|e| Error::InvalidCertificate(format!("not an X.509 certificate: {e}")))?;
        if !rest.is_empty() {
            return Err(Error::InvalidCertificate(
                "trailing bytes after the certificate".into(),
            ));
        }
        let spki = cert.public_key();
        let key = if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
            let bits = spki.parsed().map(|k| k.key_size()).unwrap_or(0);
            KeyType::Rsa { bits }
        } else if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            match curve {
                Some(oid) if oid == OID_EC_P256 => KeyType::EcP256,
                Some(oid) if oid == OID_NIST_EC_P384 => KeyType::EcP384,
                _ => KeyType::Unsupported,
            }
        } else {
            KeyType::Unsupported
        };
        let validity = cert.validity();
        let time = |t: x509_parser::time::ASN1Time| {
            OffsetDateTime::from_unix_timestamp(t.timestamp())
                .map_err(|_| Error::InvalidCertificate("validity date out of range".into()))
        };
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(digest.as_ref());
        Ok(Self {
            der: der.to_vec(),
            spki: spki.raw.to_vec(),
            key,
            subject: cert.subject().to_string(),
            not_before: time(validity.not_before)?,
            not_after: time(validity.not_after)?,
            sha256,
        })
    }

    /// Parses base64 DER as found in `ds:X509Certificate` and metadata;
    /// whitespace (including line breaks) is ignored.
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let der = decode_base64(text)
            .map_err(|_| Error::InvalidCertificate("certificate is not valid base64".into()))?;
        Self::from_der(&der)
    }

    /// Parses the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::all_from_pem(pem)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::InvalidCertificate("no CERTIFICATE block in the PEM text".into()))
    }

    /// Parses every `CERTIFICATE` block of a PEM bundle, in order.
    pub fn all_from_pem(pem: &str) -> Result<Vec<Self>, Error> {
        pem_blocks(pem, "CERTIFICATE")
            .map_err(|e| Error::InvalidCertificate(e.into()))?
            .iter()
            .map(|der| Self::from_der(der))
            .collect()
    }

    /// Accepts what an admin is likely to paste: PEM, or bare base64 DER.
    pub fn parse_text(text: &str) -> Result<Self, Error> {
        if text.contains("-----BEGIN") {
            Self::from_pem(text)
        } else {
            Self::from_base64(text)
        }
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Base64 DER on one line, as written into `ds:X509Certificate`.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// PEM encoding with 64-column lines.
    pub fn to_pem(&self) -> String {
        to_pem("CERTIFICATE", &self.der)
    }

    /// The subject distinguished name, for display.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of the validity period: drives "certificate expires soon" warnings.
    /// Expiry is reported, not enforced: SAML trust comes from configuration.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Whether the certificate expires before `now + within`.
    pub fn expires_within(&self, now: OffsetDateTime, within: time::Duration) -> bool {
        now.checked_add(within)
            .is_none_or(|limit| self.not_after <= limit)
    }

    /// SHA-256 of the DER, lowercase hex without separators.
    pub fn sha256_fingerprint(&self) -> String {
        hex_lower(&self.sha256)
    }

    /// Human description of the key, e.g. `RSA 2048` or `EC P-256`.
    pub fn key_description(&self) -> String {
        match self.key {
            KeyType::Rsa { bits } => format!("RSA {bits}"),
            KeyType::EcP256 => "EC P-256".into(),
            KeyType::EcP384 => "EC P-384".into(),
            KeyType::Unsupported => "unsupported key type".into(),
        }
    }

    pub(crate) fn spki(&self) -> &[u8] {
        &self.spki
    }

    pub(crate) fn key_type(&self) -> KeyType {
        self.key
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("key", &self.key_description())
            .field("not_after", &self.not_after)
            .field("sha256", &self.sha256_fingerprint())
            .finish()
    }
}

/// Base64 decoding that skips ASCII whitespace, as XML-DSig allows.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact)
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The DER bodies of every `-----BEGIN {label}-----` block.
pub(crate) fn pem_blocks(pem: &str, label: &str) -> Result<Vec<Vec<u8>>, &'static str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(&begin) {
        let body_and_more = rest.get(start + begin.len()..).unwrap_or_default();
        let stop = body_and_more
            .find(&end)
            .ok_or("PEM block has no END line")?;
        let body = body_and_more.get(..stop).unwrap_or_default();
        blocks.push(decode_base64(body).map_err(|_| "PEM body is not valid base64")?);
        rest = body_and_more.get(stop + end.len()..).unwrap_or_default();
    }
    Ok(blocks)
}

pub(crate) fn to_pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}
