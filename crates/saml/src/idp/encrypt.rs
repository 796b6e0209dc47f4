//! Assertion encryption with the SP's certificate: RSA-OAEP (MGF1-SHA1, the
//! `rsa-oaep-mgf1p` identifier every SAML SP understands) wrapping a fresh
//! AES key, AES-GCM or AES-CBC over the signed assertion.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{self, EncryptionContext, PaddedBlockEncryptingKey, UnboundCipherKey};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::Error;
use crate::cert::Certificate;
use crate::ns::{DS, SAML, XENC};
use crate::writer::{self, empty_element, io, text_element};
use crate::xmlenc::{Mode, RSA_OAEP_MGF1P};

pub use crate::xmlenc::ContentEncryption;

/// Encrypt the assertion for this SP certificate with this algorithm.
#[derive(Debug, Clone, Copy)]
pub struct Encryption<'a> {
    /// The SP's encryption certificate (RSA).
    pub certificate: &'a Certificate,
    /// Content encryption algorithm.
    pub content: ContentEncryption,
}

fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, Error> {
    let mut bytes = Zeroizing::new([0u8; N]);
    aws_lc_rs::rand::fill(bytes.as_mut())
        .map_err(|_| Error::Crypto("random number generator failed"))?;
    Ok(bytes)
}

/// Wraps `assertion_xml` in a `saml2:EncryptedAssertion`.
pub(crate) fn encrypt_assertion(
    assertion_xml: &str,
    encryption: &Encryption<'_>,
) -> Result<String, Error> {
    let content = encryption.content;
    let key32 = random::<32>()?;
    let key = key32
        .get(..content.key_len())
        .ok_or(Error::Crypto("key length"))?;
    let sealed = encrypt_content(content, key, assertion_xml.as_bytes())?;

    let not_rsa = || {
        Error::InvalidCertificate("the SP encryption certificate does not hold an RSA key".into())
    };
    let public =
        PublicEncryptingKey::from_der(encryption.certificate.spki()).map_err(|_| not_rsa())?;
    let public = OaepPublicEncryptingKey::new(public).map_err(|_| not_rsa())?;
    let mut wrapped = vec![0u8; public.ciphertext_size()];
    let wrapped = public
        .encrypt(&OAEP_SHA1_MGF1SHA1, key, &mut wrapped, None)
        .map_err(|_| Error::Crypto("RSA-OAEP key wrapping failed"))?;

    let mut w = writer::new();
    w.create_element("saml2:EncryptedAssertion")
        .with_attribute(("xmlns:saml2", SAML))
        .write_inner_content(|w| {
            w.create_element("xenc:EncryptedData")
                .with_attributes([
                    ("xmlns:xenc", XENC),
                    ("Type", "http://www.w3.org/2001/04/xmlenc#Element"),
                ])
                .write_inner_content(|w| {
                    empty_element(w, "xenc:EncryptionMethod", &[("Algorithm", content.uri())])?;
                    w.create_element("ds:KeyInfo")
                        .with_attribute(("xmlns:ds", DS))
                        .write_inner_content(|w| {
                            w.create_element("xenc:EncryptedKey")
                                .write_inner_content(|w| {
                                    w.create_element("xenc:EncryptionMethod")
                                        .with_attribute(("Algorithm", RSA_OAEP_MGF1P))
                                        .write_inner_content(|w| {
                                            empty_element(
                                                w,
                                                "ds:DigestMethod",
                                                &[(
                                                    "Algorithm",
                                                    "http://www.w3.org/2000/09/xmldsig#sha1",
                                                )],
                                            )
                                        })?;
                                    cipher_data(w, &STANDARD.encode(&*wrapped))
                                })?;
                            Ok(())
                        })?;
                    cipher_data(w, &STANDARD.encode(&sealed))
                })?;
            Ok(())
        })
        .map_err(io)?;
    writer::finish(w)
}

fn cipher_data(w: &mut writer::XmlWriter, value: &str) -> std::io::Result<()> {
    w.create_element("xenc:CipherData")
        .write_inner_content(|w| text_element(w, "xenc:CipherValue", &[], value))?;
    Ok(())
}

/// `IV || ciphertext [|| tag]` as XML Encryption lays it out.
fn encrypt_content(
    content: ContentEncryption,
    key: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let failed = |_| Error::Crypto("content encryption failed");
    match content.mode() {
        Mode::Gcm(algorithm) => {
            let nonce = random::<{ aead::NONCE_LEN }>()?;
            let key = LessSafeKey::new(UnboundKey::new(algorithm, key).map_err(failed)?);
            let mut buffer = plaintext.to_vec();
            key.seal_in_place_append_tag(
                Nonce::assume_unique_for_key(*nonce),
                Aad::empty(),
                &mut buffer,
            )
            .map_err(failed)?;
            Ok([nonce.as_slice(), &buffer].concat())
        }
        Mode::Cbc(algorithm) => {
            let iv = random::<{ cipher::AES_CBC_IV_LEN }>()?;
            // PKCS#7 padding is a valid instance of ISO 10126 padding.
            let key = PaddedBlockEncryptingKey::cbc_pkcs7(
                UnboundCipherKey::new(algorithm, key).map_err(failed)?,
            )
            .map_err(failed)?;
            let mut buffer = plaintext.to_vec();
            key.less_safe_encrypt(
                &mut buffer,
                EncryptionContext::Iv128(FixedLength::from(*iv)),
            )
            .map_err(failed)?;
            Ok([iv.as_slice(), &buffer].concat())
        }
    }
}
