//! Key-transport variants the simulator does not produce: an encrypted
//! assertion is re-wrapped with XML Encryption 1.1 `rsa-oaep` parameters.

use std::path::Path;

use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepPublicEncryptingKey, PublicEncryptingKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::macros::datetime;

use crate::idp::{AssertionParams, ContentEncryption, Encryption, SigningOptions, issue_response};
use crate::{Credential, PrivateKey, SpConfig, verify_response_xml};

fn key_file(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/keys")
            .join(name),
    )
    .unwrap()
}

/// An assertion-signed response with the assertion encrypted for the SP,
/// its wrapped key re-encrypted with OAEP-SHA256/MGF1-SHA256 and the
/// EncryptionMethod replaced by `method`.
fn rewrapped(method: &str) -> (String, SpConfig) {
    let now = datetime!(2026-03-01 10:00 UTC);
    let idp = Credential::from_pem(&key_file("idp.key"), &key_file("idp.pem")).unwrap();
    let sp = Credential::from_pem(&key_file("sp.key"), &key_file("sp.pem")).unwrap();
    let mut params = AssertionParams::new(
        "http://www.okta.com/exk1",
        "https://sp/acs",
        "https://sp",
        "dana@example.com",
        now,
    );
    params.in_response_to = Some("id1".into());
    let signing = SigningOptions {
        sign_response: false,
        ..SigningOptions::default()
    };
    let encryption = Encryption {
        certificate: sp.certificate(),
        content: ContentEncryption::Aes256Gcm,
    };
    let xml = issue_response(&params, &idp, &signing, Some(&encryption))
        .unwrap()
        .xml;

    // Unwrap the content key with the SP key, wrap it again with SHA-256.
    let start = xml.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let end = start + xml[start..].find('<').unwrap();
    let sp_key = PrivateKey::from_pem(&key_file("sp.key")).unwrap();
    let content_key = sp_key
        .decrypt_oaep(
            &OAEP_SHA1_MGF1SHA1,
            &STANDARD.decode(&xml[start..end]).unwrap(),
            None,
        )
        .unwrap();
    let public = OaepPublicEncryptingKey::new(
        PublicEncryptingKey::from_der(sp.certificate().spki()).unwrap(),
    )
    .unwrap();
    let mut wrapped = vec![0u8; public.ciphertext_size()];
    let wrapped = public
        .encrypt(&OAEP_SHA256_MGF1SHA256, &content_key, &mut wrapped, None)
        .unwrap();
    let xml = format!(
        "{}{}{}",
        &xml[..start],
        STANDARD.encode(wrapped),
        &xml[end..]
    );

    let old_method = &xml[xml
        .find(
            "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\"",
        )
        .unwrap()..];
    let old_method = &old_method
        [..old_method.find("</xenc:EncryptionMethod>").unwrap() + "</xenc:EncryptionMethod>".len()];
    let xml = xml.replacen(old_method, method, 1);

    let mut config = SpConfig::new(
        "https://sp",
        "https://sp/acs",
        "http://www.okta.com/exk1",
        vec![idp.certificate().clone()],
    );
    config.decryption_keys = vec![sp_key];
    (xml, config)
}

const NOW: time::OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

#[test]
fn xmlenc11_rsa_oaep_with_sha256_and_mgf1_sha256_decrypts() {
    let (xml, config) = rewrapped(concat!(
        "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#rsa-oaep\">",
        "<ds:DigestMethod xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
        "<xenc11:MGF xmlns:xenc11=\"http://www.w3.org/2009/xmlenc11#\" Algorithm=\"http://www.w3.org/2009/xmlenc11#mgf1sha256\"/>",
        "</xenc:EncryptionMethod>"
    ));
    let verified = verify_response_xml(&config, xml.as_bytes(), NOW, Some("id1")).unwrap();
    assert_eq!(verified.name_id(), "dana@example.com");
}

#[test]
fn sha256_digest_with_mgf1_sha1_is_refused_by_name() {
    // Java stacks emit this pairing; aws-lc-rs cannot compute it, so it is
    // refused with the parameters spelled out rather than failing opaquely.
    let (xml, config) = rewrapped(concat!(
        "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#rsa-oaep\">",
        "<ds:DigestMethod xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
        "</xenc:EncryptionMethod>"
    ));
    let rejection = verify_response_xml(&config, xml.as_bytes(), NOW, Some("id1")).unwrap_err();
    assert_eq!(rejection.code(), "unsupported_algorithm");
    assert!(rejection.to_string().contains("mgf1sha1"), "{rejection}");
}

#[test]
fn wrong_oaep_digest_is_the_uniform_decryption_failure() {
    // The key was wrapped with SHA-256 but the element claims SHA-1.
    let (xml, config) = rewrapped(concat!(
        "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\">",
        "<ds:DigestMethod xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>",
        "</xenc:EncryptionMethod>"
    ));
    let rejection = verify_response_xml(&config, xml.as_bytes(), NOW, Some("id1")).unwrap_err();
    assert_eq!(rejection, crate::Rejection::DecryptionFailed);
}
