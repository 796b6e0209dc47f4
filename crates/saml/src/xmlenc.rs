//! XML Encryption for `saml:EncryptedAssertion`: RSA-OAEP key transport and
//! AES-GCM or AES-CBC content encryption, decrypted with the SP's keys.
//!
//! Algorithm checks report precise errors (they do not depend on secret
//! data). Once decryption starts, every failure — key unwrap, length,
//! padding, tag, UTF-8, XML — is the same [`Rejection::DecryptionFailed`],
//! so no padding or format oracle exists.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{self, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{self, OaepAlgorithm};
use roxmltree::Node;
use zeroize::Zeroizing;

use crate::Rejection;
use crate::cert::decode_base64;
use crate::key::PrivateKey;
use crate::ns::{DS, XENC, XENC11};
use crate::xml::{children, is, text_of};

/// Content (bulk) encryption algorithms for `EncryptedAssertion`, the
/// ones Okta offers plus AES-128-GCM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentEncryption {
    /// `xmlenc#aes128-cbc` (ISO 10126 padding).
    Aes128Cbc,
    /// `xmlenc#aes256-cbc` (ISO 10126 padding).
    Aes256Cbc,
    /// `xmlenc11#aes128-gcm`.
    Aes128Gcm,
    /// `xmlenc11#aes256-gcm`.
    Aes256Gcm,
}

type Content = ContentEncryption;

/// AES-GCM (IV 12 bytes, tag appended) or AES-CBC (IV 16 bytes).
pub(crate) enum Mode {
    Gcm(&'static aead::Algorithm),
    Cbc(&'static cipher::Algorithm),
}

impl ContentEncryption {
    /// The XML Encryption identifier.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Aes128Cbc => "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            Self::Aes256Cbc => "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
            Self::Aes128Gcm => "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            Self::Aes256Gcm => "http://www.w3.org/2009/xmlenc11#aes256-gcm",
        }
    }

    fn from_uri(uri: &str) -> Option<Self> {
        [
            Self::Aes128Cbc,
            Self::Aes256Cbc,
            Self::Aes128Gcm,
            Self::Aes256Gcm,
        ]
        .into_iter()
        .find(|c| c.uri() == uri)
    }

    /// The AES primitive behind the identifier, shared by encryption and
    /// decryption.
    pub(crate) fn mode(self) -> Mode {
        match self {
            Self::Aes128Gcm => Mode::Gcm(&aead::AES_128_GCM),
            Self::Aes256Gcm => Mode::Gcm(&aead::AES_256_GCM),
            Self::Aes128Cbc => Mode::Cbc(&cipher::AES_128),
            Self::Aes256Cbc => Mode::Cbc(&cipher::AES_256),
        }
    }

    /// Key length in bytes.
    pub(crate) fn key_len(self) -> usize {
        match self {
            Self::Aes128Cbc | Self::Aes128Gcm => 16,
            Self::Aes256Cbc | Self::Aes256Gcm => 32,
        }
    }
}

/// `rsa-oaep-mgf1p` (XML Enc 1.0): OAEP with MGF1-SHA1.
pub(crate) const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const RSA_OAEP_11: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
/// Most keys we will try to unwrap (several EncryptedKey elements exist
/// only for multiple recipients).
const MAX_WRAPPED_KEYS: usize = 4;
/// AES block size in bytes.
const AES_BLOCK: usize = 16;

fn unsupported(kind: &'static str, uri: &str) -> Rejection {
    Rejection::UnsupportedAlgorithm {
        kind,
        uri: uri.to_owned(),
    }
}

fn malformed(detail: &str) -> Rejection {
    Rejection::InvalidElement {
        element: "saml:EncryptedAssertion",
        detail: detail.to_owned(),
    }
}

struct WrappedKey {
    algorithm: &'static OaepAlgorithm,
    label: Option<Vec<u8>>,
    ciphertext: Vec<u8>,
}

/// Decrypts an `EncryptedAssertion` to the plaintext XML of the assertion.
pub(crate) fn decrypt(
    encrypted_assertion: Node<'_, '_>,
    keys: &[PrivateKey],
) -> Result<Zeroizing<String>, Rejection> {
    let mut data = children(encrypted_assertion, XENC, "EncryptedData");
    let encrypted_data = data
        .next()
        .ok_or_else(|| malformed("has no xenc:EncryptedData"))?;
    if data.next().is_some() {
        return Err(malformed("has more than one xenc:EncryptedData"));
    }
    let method = children(encrypted_data, XENC, "EncryptionMethod")
        .next()
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or_else(|| malformed("xenc:EncryptedData has no EncryptionMethod"))?;
    let content = Content::from_uri(method).ok_or_else(|| unsupported("encryption", method))?;
    let ciphertext = cipher_value(encrypted_data)
        .ok_or_else(|| malformed("xenc:CipherValue is missing or not base64"))?;

    // EncryptedKey inside EncryptedData/KeyInfo, or beside EncryptedData.
    let inline =
        children(encrypted_data, DS, "KeyInfo").flat_map(|k| children(k, XENC, "EncryptedKey"));
    let detached = children(encrypted_assertion, XENC, "EncryptedKey");
    let wrapped: Vec<WrappedKey> = inline
        .chain(detached)
        .take(MAX_WRAPPED_KEYS)
        .map(wrapped_key)
        .collect::<Result<_, _>>()?;
    if wrapped.is_empty() {
        return Err(malformed("has no xenc:EncryptedKey"));
    }
    if keys.is_empty() {
        return Err(Rejection::DecryptionKeyMissing);
    }

    for key in keys {
        for wrapped in &wrapped {
            let Some(content_key) = key.decrypt_oaep(
                wrapped.algorithm,
                &wrapped.ciphertext,
                wrapped.label.as_deref(),
            ) else {
                continue;
            };
            if let Some(plaintext) = decrypt_content(content, &content_key, &ciphertext) {
                return String::from_utf8(plaintext.to_vec())
                    .map(Zeroizing::new)
                    .map_err(|_| Rejection::DecryptionFailed);
            }
        }
    }
    Err(Rejection::DecryptionFailed)
}

fn cipher_value(node: Node<'_, '_>) -> Option<Vec<u8>> {
    let value = children(node, XENC, "CipherData")
        .next()
        .and_then(|d| children(d, XENC, "CipherValue").next())?;
    decode_base64(&text_of(value)).ok()
}

fn wrapped_key(node: Node<'_, '_>) -> Result<WrappedKey, Rejection> {
    let method = children(node, XENC, "EncryptionMethod")
        .next()
        .ok_or_else(|| malformed("xenc:EncryptedKey has no EncryptionMethod"))?;
    let uri = method.attribute("Algorithm").unwrap_or_default();
    let digest = method
        .children()
        .find(|c| is(*c, DS, "DigestMethod"))
        .and_then(|d| d.attribute("Algorithm"))
        .unwrap_or(SHA1);
    let mgf = method
        .children()
        .find(|c| is(*c, XENC11, "MGF"))
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or(MGF1_SHA1);
    let algorithm: &'static OaepAlgorithm = match (uri, digest, mgf) {
        (RSA_OAEP_MGF1P, SHA1, _) | (RSA_OAEP_11, SHA1, MGF1_SHA1) => &rsa::OAEP_SHA1_MGF1SHA1,
        (RSA_OAEP_11, SHA256, MGF1_SHA256) => &rsa::OAEP_SHA256_MGF1SHA256,
        (RSA_OAEP_MGF1P | RSA_OAEP_11, _, _) => {
            return Err(unsupported(
                "key transport",
                &format!("{uri} with digest {digest} and {mgf}"),
            ));
        }
        (RSA_1_5, _, _) => return Err(unsupported("key transport", uri)),
        _ => return Err(unsupported("key transport", uri)),
    };
    let label = match children(method, XENC, "OAEPparams").next() {
        None => None,
        Some(params) => Some(
            decode_base64(&text_of(params)).map_err(|_| malformed("OAEPparams is not base64"))?,
        ),
    };
    let ciphertext = cipher_value(node)
        .ok_or_else(|| malformed("xenc:EncryptedKey has no usable CipherValue"))?;
    Ok(WrappedKey {
        algorithm,
        label,
        ciphertext,
    })
}

/// Decrypts `IV || ciphertext [|| tag]`; `None` on any failure.
fn decrypt_content(content: Content, key: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if key.len() != content.key_len() {
        return None;
    }
    match content.mode() {
        Mode::Gcm(algorithm) => {
            let (iv, sealed) = data.split_at_checked(aead::NONCE_LEN)?;
            if sealed.len() < aead::MAX_TAG_LEN {
                return None;
            }
            let key = LessSafeKey::new(UnboundKey::new(algorithm, key).ok()?);
            let nonce = Nonce::try_assume_unique_for_key(iv).ok()?;
            let mut buffer = Zeroizing::new(sealed.to_vec());
            let len = key
                .open_in_place(nonce, Aad::empty(), buffer.as_mut_slice())
                .ok()?
                .len();
            buffer.truncate(len);
            Some(buffer)
        }
        Mode::Cbc(algorithm) => {
            let (iv, body) = data.split_at_checked(cipher::AES_CBC_IV_LEN)?;
            if body.is_empty() || body.len() % AES_BLOCK != 0 {
                return None;
            }
            let iv: [u8; cipher::AES_CBC_IV_LEN] = iv.try_into().ok()?;
            let key =
                PaddedBlockDecryptingKey::cbc_iso10126(UnboundCipherKey::new(algorithm, key).ok()?)
                    .ok()?;
            let mut buffer = Zeroizing::new(body.to_vec());
            let len = key
                .decrypt(
                    buffer.as_mut_slice(),
                    DecryptionContext::Iv128(FixedLength::from(iv)),
                )
                .ok()?
                .len();
            buffer.truncate(len);
            Some(buffer)
        }
    }
}

#[cfg(test)]
mod tests;
