//! IdP metadata parsing (real Okta files), EntitiesDescriptor wrapping,
//! rotation, generation for the simulator, SP metadata, certificate helpers.

use saml::{Certificate, IdpMetadata, SpMetadata};

use crate::common::*;

fn shared(path: &str) -> Vec<u8> {
    let base = std::env::var("GATEHOUSE_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
        });
    std::fs::read(base.join("testdata").join(path)).unwrap()
}

#[test]
fn real_okta_metadata_parses() {
    let metadata = IdpMetadata::parse(&shared("saml/ssoready/metadata/okta.xml")).unwrap();
    assert_eq!(
        metadata.entity_id,
        "http://www.okta.com/exkdoocxa1VmjpXmX697"
    );
    assert!(
        metadata
            .sso_redirect_url
            .as_deref()
            .unwrap()
            .ends_with("/sso/saml")
    );
    assert!(metadata.sso_post_url.is_some());
    assert_eq!(metadata.signing_certificates.len(), 1);
    let pem = String::from_utf8(shared("saml/ssoready/certs/okta.pem")).unwrap();
    assert_eq!(
        metadata.signing_certificates[0],
        Certificate::from_pem(&pem).unwrap()
    );

    let crewjam =
        IdpMetadata::parse(&shared("saml/crewjam-saml/metadata/okta-dev-513394.xml")).unwrap();
    assert_eq!(
        crewjam.entity_id,
        "http://www.okta.com/exkppsa1qwuFV4D7z0h7"
    );
}

#[test]
fn entities_descriptor_and_rotation() {
    let two = IdpMetadata::new(
        IDP_ENTITY,
        "https://acme.okta.com/sso",
        vec![certificate("idp"), certificate("idp-rotated")],
    );
    let xml = two.to_xml().unwrap();
    let parsed = IdpMetadata::parse(xml.as_bytes()).unwrap();
    assert_eq!(parsed, two);

    let body = xml.replace(
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"",
        "<md:EntityDescriptor",
    );
    let other = body.replace(IDP_ENTITY, "http://www.okta.com/other");
    let wrapped = format!(
        "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">{body}{other}</md:EntitiesDescriptor>"
    );
    // Why: two IdPs in one aggregate; the caller must say which one.
    assert!(IdpMetadata::parse(wrapped.as_bytes()).is_err());
    let picked = IdpMetadata::parse_for_entity(wrapped.as_bytes(), IDP_ENTITY).unwrap();
    assert_eq!(picked.signing_certificates.len(), 2);
}

#[test]
fn bad_metadata_is_refused() {
    for (bad, why) in [
        (
            "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\"/>",
            "no IdP descriptor",
        ),
        ("<x/>", "not metadata"),
        ("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>", "DTD"),
    ] {
        assert!(IdpMetadata::parse(bad.as_bytes()).is_err(), "{why}");
    }
    let no_cert = IdpMetadata::new(IDP_ENTITY, "https://acme.okta.com/sso", vec![])
        .to_xml()
        .unwrap();
    assert!(
        IdpMetadata::parse(no_cert.as_bytes()).is_err(),
        "no signing certificate"
    );
    // ssoready's altered copy of the Okta metadata still parses (its
    // certificate is a valid one, just not the signer's); trust decisions
    // happen at verification time.
    let altered =
        IdpMetadata::parse(&shared("saml/ssoready/metadata/bad-certificate.xml")).unwrap();
    let original = IdpMetadata::parse(&shared("saml/ssoready/metadata/okta.xml")).unwrap();
    assert_ne!(altered.signing_certificates, original.signing_certificates);
}

#[test]
fn sp_metadata_lists_acs_and_certificates() {
    let signing = certificate("sp");
    let xml = SpMetadata {
        entity_id: SP_ENTITY,
        acs_url: ACS,
        name_id_format: Some(saml::ns::nameid_format::EMAIL_ADDRESS),
        signing_certificate: Some(&signing),
        encryption_certificate: Some(&signing),
        authn_requests_signed: true,
        want_assertions_signed: true,
    }
    .to_xml()
    .unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.attribute("entityID"), Some(SP_ENTITY));
    let acs = doc
        .descendants()
        .find(|n| n.has_tag_name("AssertionConsumerService"))
        .unwrap();
    assert_eq!(acs.attribute("Location"), Some(ACS));
    assert_eq!(acs.attribute("Binding"), Some(saml::ns::BINDING_HTTP_POST));
    let uses: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("KeyDescriptor"))
        .filter_map(|n| n.attribute("use"))
        .collect();
    assert_eq!(uses, ["signing", "encryption"]);
    assert!(xml.contains("AuthnRequestsSigned=\"true\""));
    assert!(xml.contains(&signing.to_base64()));
}

#[test]
fn certificate_helpers_match_the_manifest_facts() {
    let pem = String::from_utf8(shared("saml/gosaml2/certs/okta.pem")).unwrap();
    let certificate = Certificate::parse_text(&pem).unwrap();
    assert_eq!(
        certificate.sha256_fingerprint(),
        "0f8823909edc8e036a1be2bb65b6ba5a3c11256d0e0c1f7f4c30451092999d5f"
    );
    assert_eq!(
        certificate.not_after(),
        time::macros::datetime!(2026-02-09 21:53:06 UTC)
    );
    assert_eq!(certificate.key_description(), "RSA 2048");
    assert!(certificate.expires_within(
        time::macros::datetime!(2026-01-20 00:00 UTC),
        time::Duration::days(30)
    ));
    assert!(!certificate.expires_within(
        time::macros::datetime!(2025-01-01 00:00 UTC),
        time::Duration::days(30)
    ));
    // The same certificate as bare base64 and as DER.
    assert_eq!(
        Certificate::parse_text(&certificate.to_base64()).unwrap(),
        certificate
    );
    assert_eq!(
        Certificate::from_der(certificate.der()).unwrap(),
        certificate
    );
    assert_eq!(
        Certificate::from_pem(&certificate.to_pem()).unwrap(),
        certificate
    );
    assert!(Certificate::parse_text("not a certificate").is_err());
    let bundle = format!(
        "{}{}",
        certificate.to_pem(),
        crate::common::certificate("idp").to_pem()
    );
    assert_eq!(Certificate::all_from_pem(&bundle).unwrap().len(), 2);
}

#[test]
fn generated_credentials_are_self_consistent() {
    let credential = saml::Credential::generate_self_signed(
        "okta-sim app",
        NOW,
        time::Duration::days(3650),
        false,
    )
    .unwrap();
    assert_eq!(
        credential.certificate().not_after(),
        NOW.replace_nanosecond(0).unwrap() + time::Duration::days(3650)
    );
    let again = saml::Credential::from_pem(
        &credential.key().to_pkcs8_pem(),
        &credential.certificate().to_pem(),
    )
    .unwrap();
    assert_eq!(again.certificate(), credential.certificate());
    // Why: a key must never pair with someone else's certificate.
    let key = saml::PrivateKey::from_pem(&credential.key().to_pkcs8_pem()).unwrap();
    assert!(saml::Credential::new(key, certificate("idp")).is_err());
    let ec =
        saml::Credential::generate_self_signed("ec", NOW, time::Duration::days(1), true).unwrap();
    assert_eq!(ec.certificate().key_description(), "EC P-256");
    assert!(format!("{:?}", credential.key()).contains("redacted"));
}
