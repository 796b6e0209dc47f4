//! Our signer → our verifier, over every signing layout Okta offers.

use saml::idp::{ContentEncryption, Encryption, SigningOptions, issue_response};
use saml::{DigestAlgorithm, PrivateKey, SignatureAlgorithm, verify_response};

use crate::common::*;

fn layouts() -> Vec<(&'static str, SigningOptions)> {
    let both = SigningOptions::default();
    vec![
        ("both", both),
        (
            "response only",
            SigningOptions {
                sign_assertion: false,
                ..both
            },
        ),
        (
            "assertion only",
            SigningOptions {
                sign_response: false,
                ..both
            },
        ),
    ]
}

#[test]
fn every_signing_layout_verifies() {
    for (name, signing) in layouts() {
        let issued = issue(&params(), &signing);
        let verified = verify_response(&sp_config(), &issued.to_base64(), NOW, Some(REQUEST_ID))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.assertion_id(), issued.assertion_id, "{name}");
        assert_eq!(verified.name_id(), "dana.ng@example.com");
        assert_eq!(
            verified.name_id_format(),
            Some(saml::ns::nameid_format::EMAIL_ADDRESS)
        );
        assert_eq!(verified.attribute("groups"), ["Sales", "Everyone"]);
        assert_eq!(verified.attribute("email"), ["dana.ng@example.com"]);
        assert_eq!(verified.issuer(), IDP_ENTITY);
        assert_eq!(verified.in_response_to(), Some(REQUEST_ID));
        assert!(verified.session_index().is_some());
        assert_eq!(verified.not_on_or_after(), NOW + time::Duration::minutes(5));
        assert_eq!(
            verified.coverage().response_signed,
            signing.sign_response,
            "{name}"
        );
        assert_eq!(
            verified.coverage().assertion_signed,
            signing.sign_assertion,
            "{name}"
        );
        assert_eq!(
            verified.certificate_sha256(),
            certificate("idp").sha256_fingerprint()
        );
    }
}

#[test]
fn encrypted_assertions_decrypt_with_every_content_algorithm() {
    let sp = credential("sp");
    for content in [
        ContentEncryption::Aes128Cbc,
        ContentEncryption::Aes256Cbc,
        ContentEncryption::Aes128Gcm,
        ContentEncryption::Aes256Gcm,
    ] {
        for (name, signing) in layouts() {
            let encryption = Encryption {
                certificate: sp.certificate(),
                content,
            };
            let issued =
                issue_response(&params(), &credential("idp"), &signing, Some(&encryption)).unwrap();
            assert!(issued.xml.contains("EncryptedAssertion") && !issued.xml.contains("dana.ng"));
            let mut config = sp_config();
            config.decryption_keys = vec![PrivateKey::from_pem(&read("keys/sp.key")).unwrap()];
            let verified = verify_response(&config, &issued.to_base64(), NOW, Some(REQUEST_ID))
                .unwrap_or_else(|e| panic!("{content:?} {name}: {e}"));
            assert_eq!(verified.name_id(), "dana.ng@example.com");
            assert!(verified.coverage().encrypted);
        }
    }
}

#[test]
fn sha1_digest_and_other_rsa_hashes_round_trip() {
    for (signature_algorithm, digest_algorithm, allow_sha1) in [
        (SignatureAlgorithm::RsaSha256, DigestAlgorithm::Sha1, true),
        (
            SignatureAlgorithm::RsaSha384,
            DigestAlgorithm::Sha384,
            false,
        ),
        (
            SignatureAlgorithm::RsaSha512,
            DigestAlgorithm::Sha512,
            false,
        ),
    ] {
        let signing = SigningOptions {
            signature_algorithm,
            digest_algorithm,
            ..SigningOptions::default()
        };
        let issued = issue(&params(), &signing);
        let mut config = sp_config();
        config.allow_sha1 = allow_sha1;
        verify_response(&config, &issued.to_base64(), NOW, Some(REQUEST_ID))
            .unwrap_or_else(|e| panic!("{signature_algorithm:?}/{digest_algorithm:?}: {e}"));
    }
}

#[test]
fn ecdsa_p256_signatures_verify() {
    let signing = SigningOptions {
        signature_algorithm: SignatureAlgorithm::EcdsaSha256,
        ..SigningOptions::default()
    };
    let issued = issue_response(&params(), &credential("idp-ec"), &signing, None).unwrap();
    let mut config = sp_config();
    config.idp_certificates = vec![certificate("idp-ec")];
    verify_response(&config, &issued.to_base64(), NOW, Some(REQUEST_ID)).unwrap();
}

#[test]
fn rotation_accepts_any_configured_certificate() {
    let issued = issue_response(
        &params(),
        &credential("idp-rotated"),
        &SigningOptions::default(),
        None,
    )
    .unwrap();
    let mut config = sp_config();
    config.idp_certificates = vec![certificate("idp"), certificate("idp-rotated")];
    let verified = verify_response(&config, &issued.to_base64(), NOW, Some(REQUEST_ID)).unwrap();
    assert_eq!(
        verified.certificate_sha256(),
        certificate("idp-rotated").sha256_fingerprint()
    );
}

#[test]
fn idp_initiated_round_trip_when_allowed() {
    let mut params = params();
    params.in_response_to = None;
    let issued = issue(&params, &SigningOptions::default());
    let mut config = sp_config();
    config.allow_idp_initiated = true;
    let verified = verify_response(&config, &issued.to_base64(), NOW, None).unwrap();
    assert_eq!(verified.in_response_to(), None);
}
