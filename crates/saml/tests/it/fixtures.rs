//! The forged-response corpus in `testdata/{good,bad}/<case>/`.
//!
//! Each case folder holds `response.xml` and `params.json` (the clock, the
//! pending request, the SP config by key file names, the expected outcome,
//! and a `why` line). Every bad case is one mutation of a good case, named
//! in `mutation_of`.
//!
//! `every_fixture_has_its_expected_outcome` checks the committed files.
//! `regenerate_fixtures` (ignored) rewrites them from the mutations below:
//! `cargo test -p saml --test it -- --ignored regenerate_fixtures`.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml::idp::{
    AssertionParams, ContentEncryption, Encryption, SigningOptions, issue_response, sign_enveloped,
};
use saml::{
    Certificate, DigestAlgorithm, PrivateKey, Rejection, SignatureAlgorithm, SpConfig,
    verify_response_xml,
};
use serde_json::{Value, json};

use crate::common::*;

fn load_config(sp: &Value) -> SpConfig {
    let certificates = sp["idp_certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Certificate::from_pem(&read(p.as_str().unwrap())).unwrap())
        .collect();
    let mut config = SpConfig::new(
        sp["entity_id"].as_str().unwrap(),
        sp["acs_url"].as_str().unwrap(),
        sp["idp_entity_id"].as_str().unwrap(),
        certificates,
    );
    config.decryption_keys = sp["decryption_keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .map(|p| PrivateKey::from_pem(&read(p.as_str().unwrap())).unwrap())
                .collect()
        })
        .unwrap_or_default();
    config.allow_sha1 = sp["allow_sha1"].as_bool().unwrap_or(false);
    config.allow_idp_initiated = sp["allow_idp_initiated"].as_bool().unwrap_or(false);
    config.require_signed_assertion = sp["require_signed_assertion"].as_bool().unwrap_or(false);
    config
}

fn run_case(dir: &Path) -> (Value, Result<saml::VerifiedAssertion, Rejection>) {
    let params: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("params.json")).unwrap()).unwrap();
    let xml = std::fs::read(dir.join("response.xml")).unwrap();
    let now = time::OffsetDateTime::parse(
        params["now"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let config = load_config(&params["sp"]);
    let result = verify_response_xml(&config, &xml, now, params["in_response_to"].as_str());
    (params, result)
}

#[test]
fn every_fixture_has_its_expected_outcome() {
    let mut count = 0;
    let mut failures = Vec::new();
    for kind in ["good", "bad"] {
        let mut dirs: Vec<_> = std::fs::read_dir(testdata().join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = format!("{kind}/{}", dir.file_name().unwrap().to_string_lossy());
            let (params, result) = run_case(&dir);
            let expect = params["expect"].as_str().unwrap();
            assert!(
                !params["why"].as_str().unwrap_or_default().is_empty(),
                "{name}: no why line"
            );
            match (&result, expect) {
                (Ok(verified), "accepted") => {
                    if let Some(name_id) = params["name_id"].as_str()
                        && verified.name_id() != name_id
                    {
                        failures.push(format!("{name}: NameID {}", verified.name_id()));
                    }
                }
                (Err(rejection), code) if rejection.code() == code => {}
                (Err(rejection), code) => failures.push(format!(
                    "{name}: expected {code}, got {}: {rejection}",
                    rejection.code()
                )),
                (Ok(_), code) => failures.push(format!("{name}: accepted, expected {code}")),
            }
            if kind == "bad" {
                assert_ne!(expect, "accepted", "{name}");
                let base = params["mutation_of"].as_str().unwrap();
                assert!(
                    testdata().join(base).join("response.xml").exists(),
                    "{name}: base {base} missing"
                );
            } else {
                assert_eq!(expect, "accepted", "{name}");
            }
            count += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(count >= 60, "only {count} fixtures");
}

/// Every CBC failure reads the same: no padding or format oracle.
#[test]
fn cbc_failures_are_indistinguishable() {
    let messages: Vec<String> = [
        "bad/cbc-tampered-padding",
        "bad/cbc-tampered-first-block",
        "bad/cbc-tampered-middle",
        "bad/cbc-wrong-sp-key",
    ]
    .iter()
    .map(|case| run_case(&testdata().join(case)).1.unwrap_err())
    .map(|rejection| format!("{} {rejection} {rejection:?}", rejection.code()))
    .collect();
    assert!(messages.windows(2).all(|w| w[0] == w[1]), "{messages:#?}");
}

// ---------------------------------------------------------------------
// Generator.

struct Sp {
    entity_id: &'static str,
    acs_url: &'static str,
    idp_entity_id: &'static str,
    idp_certificates: Vec<&'static str>,
    decryption_keys: Vec<&'static str>,
    allow_sha1: bool,
    allow_idp_initiated: bool,
    require_signed_assertion: bool,
}

impl Default for Sp {
    fn default() -> Self {
        Self {
            entity_id: SP_ENTITY,
            acs_url: ACS,
            idp_entity_id: IDP_ENTITY,
            idp_certificates: vec!["keys/idp.pem"],
            decryption_keys: vec![],
            allow_sha1: false,
            allow_idp_initiated: false,
            require_signed_assertion: false,
        }
    }
}

struct Fixture<'a> {
    kind: &'a str,
    name: &'a str,
    why: &'a str,
    mutation_of: Option<&'a str>,
    xml: String,
    sp: Sp,
    now: time::OffsetDateTime,
    in_response_to: Option<&'a str>,
    expect: &'a str,
    name_id: Option<&'a str>,
}

impl Fixture<'_> {
    fn write(&self) {
        let dir = testdata().join(self.kind).join(self.name);
        std::fs::create_dir_all(&dir).unwrap();
        // Fixtures that need bytes which are not UTF-8 carry U+FFFD here.
        let bytes = self.xml.replace('\u{fffd}', "\u{0}").into_bytes();
        let bytes: Vec<u8> = bytes
            .into_iter()
            .map(|b| if b == 0 { 0xE9 } else { b })
            .collect();
        std::fs::write(dir.join("response.xml"), bytes).unwrap();
        let sp = &self.sp;
        let params = json!({
            "why": self.why,
            "mutation_of": self.mutation_of,
            "now": time::OffsetDateTime::format(self.now, &time::format_description::well_known::Rfc3339).unwrap(),
            "in_response_to": self.in_response_to,
            "sp": {
                "entity_id": sp.entity_id,
                "acs_url": sp.acs_url,
                "idp_entity_id": sp.idp_entity_id,
                "idp_certificates": sp.idp_certificates,
                "decryption_keys": sp.decryption_keys,
                "allow_sha1": sp.allow_sha1,
                "allow_idp_initiated": sp.allow_idp_initiated,
                "require_signed_assertion": sp.require_signed_assertion,
            },
            "expect": self.expect,
            "name_id": self.name_id,
        });
        std::fs::write(
            dir.join("params.json"),
            serde_json::to_string_pretty(&params).unwrap() + "\n",
        )
        .unwrap();
    }
}

fn good(
    name: &'static str,
    why: &'static str,
    xml: String,
    sp: Sp,
    in_response_to: Option<&'static str>,
) -> Fixture<'static> {
    Fixture {
        kind: "good",
        name,
        why,
        mutation_of: None,
        xml,
        sp,
        now: NOW,
        in_response_to,
        expect: "accepted",
        name_id: Some("dana.ng@example.com"),
    }
}

fn bad(
    name: &'static str,
    of: &'static str,
    why: &'static str,
    xml: String,
    expect: &'static str,
) -> Fixture<'static> {
    Fixture {
        kind: "bad",
        name,
        why,
        mutation_of: Some(of),
        xml,
        sp: Sp::default(),
        now: NOW,
        in_response_to: Some(REQUEST_ID),
        expect,
        name_id: None,
    }
}

fn issue_with(
    params: &AssertionParams,
    key: &str,
    signing: SigningOptions,
    encryption: Option<ContentEncryption>,
) -> String {
    let sp = credential("sp");
    let encryption = encryption.map(|content| Encryption {
        certificate: sp.certificate(),
        content,
    });
    issue_response(params, &credential(key), &signing, encryption.as_ref())
        .unwrap()
        .xml
}

const ASSERTION_ONLY: SigningOptions = SigningOptions {
    sign_response: false,
    sign_assertion: true,
    signature_algorithm: SignatureAlgorithm::RsaSha256,
    digest_algorithm: DigestAlgorithm::Sha256,
};
const RESPONSE_ONLY: SigningOptions = SigningOptions {
    sign_response: true,
    sign_assertion: false,
    ..ASSERTION_ONLY
};
const BOTH: SigningOptions = SigningOptions {
    sign_response: true,
    sign_assertion: true,
    ..ASSERTION_ONLY
};

fn span(xml: &str, open: &str, close: &str) -> (usize, usize) {
    let start = xml.find(open).unwrap_or_else(|| panic!("{open} not found"));
    let end = xml[start..].find(close).unwrap() + start + close.len();
    (start, end)
}

fn cut(xml: &str, open: &str, close: &str) -> String {
    let (start, end) = span(xml, open, close);
    format!("{}{}", &xml[..start], &xml[end..])
}

fn element<'x>(xml: &'x str, open: &str, close: &str) -> &'x str {
    let (start, end) = span(xml, open, close);
    &xml[start..end]
}

fn strip_all_signatures(xml: &str) -> String {
    let mut xml = xml.to_owned();
    while xml.contains("<ds:Signature") {
        xml = cut(&xml, "<ds:Signature", "</ds:Signature>");
    }
    xml
}

fn assertion(xml: &str) -> &str {
    element(xml, "<saml2:Assertion", "</saml2:Assertion>")
}

fn id_of(xml: &str) -> &str {
    let start = xml.find(" ID=\"").unwrap() + 5;
    &xml[start..start + xml[start..].find('"').unwrap()]
}

/// The signed assertion, with a new ID and NameID, signature removed: the
/// "evil" assertion of signature-wrapping attacks.
fn evil_assertion(xml: &str, keep_id: bool) -> String {
    let original = strip_all_signatures(assertion(xml));
    let evil = original.replace("dana.ng@example.com", "admin@example.com");
    if keep_id {
        evil
    } else {
        evil.replace(id_of(&original), "idEVIL0000000000000000000000000000")
    }
}

fn flip_cipher_byte(
    xml: &str,
    which: usize,
    offset_from_end: Option<usize>,
    offset: usize,
) -> String {
    let value = xml
        .match_indices("<xenc:CipherValue>")
        .nth(which)
        .unwrap()
        .0
        + "<xenc:CipherValue>".len();
    let end = value + xml[value..].find('<').unwrap();
    let mut bytes = STANDARD.decode(&xml[value..end]).unwrap();
    let index = offset_from_end.map_or(offset, |o| bytes.len() - 1 - o);
    bytes[index] ^= 0x41;
    format!("{}{}{}", &xml[..value], STANDARD.encode(bytes), &xml[end..])
}

#[test]
#[ignore = "rewrites testdata/{good,bad}; run by hand and review the diff"]
fn regenerate_fixtures() {
    // Remove what this generator wrote before; xmlsec1-* cases come from
    // testdata/independent/make.sh and stay.
    for kind in ["good", "bad"] {
        for entry in std::fs::read_dir(testdata().join(kind))
            .into_iter()
            .flatten()
            .flatten()
        {
            if !entry.file_name().to_string_lossy().starts_with("xmlsec1-") {
                std::fs::remove_dir_all(entry.path()).unwrap();
            }
        }
    }
    let p = params();
    let both = issue_with(&p, "idp", BOTH, None);
    let assertion_only = issue_with(&p, "idp", ASSERTION_ONLY, None);
    let response_only = issue_with(&p, "idp", RESPONSE_ONLY, None);
    let mut unsolicited = p.clone();
    unsolicited.in_response_to = None;
    let idp_initiated = issue_with(&unsolicited, "idp", BOTH, None);
    let gcm = issue_with(&p, "idp", BOTH, Some(ContentEncryption::Aes256Gcm));
    let cbc = issue_with(
        &p,
        "idp",
        ASSERTION_ONLY,
        Some(ContentEncryption::Aes128Cbc),
    );
    let ec = issue_with(
        &p,
        "idp-ec",
        SigningOptions {
            signature_algorithm: SignatureAlgorithm::EcdsaSha256,
            ..BOTH
        },
        None,
    );
    let rotated = issue_with(&p, "idp-rotated", BOTH, None);
    let sha1_digest = issue_with(
        &p,
        "idp",
        SigningOptions {
            digest_algorithm: DigestAlgorithm::Sha1,
            ..BOTH
        },
        None,
    );
    let with_key = |keys: Vec<&'static str>| Sp {
        decryption_keys: keys,
        ..Sp::default()
    };

    let mut fixtures = vec![
        good(
            "okta-both-signed",
            "Okta default shape: Response and Assertion signed, RSA-SHA256/SHA-256, SP-initiated",
            both.clone(),
            Sp::default(),
            Some(REQUEST_ID),
        ),
        good(
            "okta-assertion-signed",
            "only the Assertion signed (Okta 'Assertion Signature: Signed', response unsigned)",
            assertion_only.clone(),
            Sp::default(),
            Some(REQUEST_ID),
        ),
        good(
            "okta-response-signed",
            "only the Response signed; the assertion is read from the verified Response bytes",
            response_only.clone(),
            Sp::default(),
            Some(REQUEST_ID),
        ),
        good(
            "okta-idp-initiated",
            "unsolicited response (no InResponseTo) on a connection that allows IdP-initiated sign-in",
            idp_initiated.clone(),
            Sp {
                allow_idp_initiated: true,
                ..Sp::default()
            },
            None,
        ),
        good(
            "okta-encrypted-aes256-gcm",
            "EncryptedAssertion (RSA-OAEP-MGF1P + AES-256-GCM), signed assertion inside a signed Response",
            gcm.clone(),
            with_key(vec!["keys/sp.key"]),
            Some(REQUEST_ID),
        ),
        good(
            "okta-encrypted-aes128-cbc",
            "EncryptedAssertion with AES-128-CBC (ISO 10126 padding); only the inner assertion signed",
            cbc.clone(),
            with_key(vec!["keys/sp.key"]),
            Some(REQUEST_ID),
        ),
        good(
            "ecdsa-p256",
            "ECDSA-SHA256 signatures with a P-256 certificate",
            ec,
            Sp {
                idp_certificates: vec!["keys/idp-ec.pem"],
                ..Sp::default()
            },
            Some(REQUEST_ID),
        ),
        good(
            "rotated-certificate",
            "signed with the new key during rotation; both old and new certificates configured",
            rotated.clone(),
            Sp {
                idp_certificates: vec!["keys/idp.pem", "keys/idp-rotated.pem"],
                ..Sp::default()
            },
            Some(REQUEST_ID),
        ),
        good(
            "sha1-digest-allowed",
            "SHA-1 digests accepted because the connection opted in to SHA-1",
            sha1_digest.clone(),
            Sp {
                allow_sha1: true,
                ..Sp::default()
            },
            Some(REQUEST_ID),
        ),
        good(
            "comment-in-name-id",
            "a comment inside the signed NameID is dropped by exc-c14n; the NameID must still read in full",
            both.replacen(
                "dana.ng@example.com</saml2:NameID>",
                "dana.ng<!-- a comment -->@example.com</saml2:NameID>",
                1,
            ),
            Sp::default(),
            Some(REQUEST_ID),
        ),
    ];
    let mut add = |f: Fixture<'static>| fixtures.push(f);

    // Signatures removed or replaced.
    add(bad(
        "signature-stripped",
        "good/okta-both-signed",
        "both signatures removed: nothing vouches for the assertion",
        strip_all_signatures(&both),
        "unsigned",
    ));
    add(bad(
        "assertion-signature-stripped",
        "good/okta-assertion-signed",
        "the only signature removed",
        strip_all_signatures(&assertion_only),
        "unsigned",
    ));
    let resigned = sign_enveloped(
        &strip_all_signatures(&assertion_only),
        id_of(assertion(&assertion_only)),
        &credential("attacker"),
        SignatureAlgorithm::RsaSha256,
        DigestAlgorithm::Sha256,
    )
    .unwrap();
    add(bad(
        "attacker-cert-in-keyinfo",
        "good/okta-assertion-signed",
        "re-signed by an attacker key whose certificate (same subject as the IdP) rides in KeyInfo: KeyInfo is never trusted",
        resigned.clone(),
        "untrusted_certificate",
    ));
    let keyinfo_lies = resigned.replace(
        &credential("attacker").certificate().to_base64(),
        &credential("idp").certificate().to_base64(),
    );
    add(bad(
        "keyinfo-names-trusted-cert",
        "good/okta-assertion-signed",
        "attacker signature with the trusted IdP certificate pasted into KeyInfo: the trusted key must still verify the bytes",
        keyinfo_lies.clone(),
        "signature_invalid",
    ));
    add(bad(
        "wrong-key-no-keyinfo",
        "good/okta-assertion-signed",
        "attacker signature without KeyInfo",
        cut(&keyinfo_lies, "<ds:KeyInfo>", "</ds:KeyInfo>"),
        "signature_invalid",
    ));
    add(bad(
        "response-signature-broken",
        "good/okta-both-signed",
        "Response signature value corrupted while the assertion signature stays valid: every present signature must verify",
        {
            let (start, _) = span(&both, "<ds:SignatureValue>", "</ds:SignatureValue>");
            let at = start + "<ds:SignatureValue>".len();
            format!(
                "{}{}{}",
                &both[..at],
                if &both[at..at + 1] == "A" { "B" } else { "A" },
                &both[at + 1..]
            )
        },
        "signature_invalid",
    ));

    // Content altered after signing.
    add(bad(
        "name-id-altered",
        "good/okta-both-signed",
        "NameID changed after signing",
        both.replace(
            "dana.ng@example.com</saml2:NameID>",
            "admin@example.com</saml2:NameID>",
        ),
        "digest_mismatch",
    ));
    add(bad(
        "group-altered",
        "good/okta-assertion-signed",
        "a group value changed after signing (privilege escalation)",
        assertion_only.replace(">Sales<", ">Admins<"),
        "digest_mismatch",
    ));
    add(bad(
        "comment-injection-changes-name-id",
        "good/okta-assertion-signed",
        "CVE-2018-7340 style: text appended after a comment changes the canonical NameID, so the digest fails",
        assertion_only.replacen(
            "dana.ng@example.com</saml2:NameID>",
            "dana.ng@example.com<!---->.evil.com</saml2:NameID>",
            1,
        ),
        "digest_mismatch",
    ));
    add(bad(
        "audience-altered",
        "good/okta-response-signed",
        "Audience changed inside a Response-signed document",
        response_only.replace(&format!(">{SP_ENTITY}<"), ">https://other.example.com<"),
        "digest_mismatch",
    ));

    // Signature wrapping (the assertion-only layout leaves the Response unsigned).
    let signed_assertion = assertion(&assertion_only).to_owned();
    add(bad(
        "xsw-evil-assertion-first",
        "good/okta-assertion-signed",
        "unsigned evil assertion inserted before the signed one",
        assertion_only.replacen(
            "<saml2:Assertion",
            &format!("{}<saml2:Assertion", evil_assertion(&assertion_only, false)),
            1,
        ),
        "assertion_count",
    ));
    add(bad(
        "xsw-original-in-extensions",
        "good/okta-assertion-signed",
        "signed assertion moved into samlp:Extensions, evil assertion with the same ID in its place",
        assertion_only
            .replacen(&signed_assertion, &evil_assertion(&assertion_only, true), 1)
            .replacen(
                "<saml2p:Status>",
                &format!(
                    "<saml2p:Extensions>{signed_assertion}</saml2p:Extensions><saml2p:Status>"
                ),
                1,
            ),
        "duplicate_id",
    ));
    add(bad(
        "xsw-original-in-signature-object",
        "good/okta-assertion-signed",
        "evil assertion (same ID) carries the original signature with the original assertion hidden in a ds:Object",
        {
            let signature = element(&signed_assertion, "<ds:Signature", "</ds:Signature>");
            let with_object = signature.replace(
                "</ds:Signature>",
                &format!("<ds:Object>{signed_assertion}</ds:Object></ds:Signature>"),
            );
            let evil = evil_assertion(&assertion_only, true).replacen(
                "</saml2:Issuer>",
                &format!("</saml2:Issuer>{with_object}"),
                1,
            );
            assertion_only.replacen(&signed_assertion, &evil, 1)
        },
        "duplicate_id",
    ));
    add(bad(
        "xsw-original-in-evil-advice",
        "good/okta-assertion-signed",
        "evil unsigned assertion wraps the signed one in saml:Advice (which is never read)",
        {
            let evil = evil_assertion(&assertion_only, false).replacen(
                "<saml2:AuthnStatement",
                &format!("<saml2:Advice>{signed_assertion}</saml2:Advice><saml2:AuthnStatement"),
                1,
            );
            assertion_only.replacen(&signed_assertion, &evil, 1)
        },
        "unsigned",
    ));
    add(bad(
        "xsw-signature-moved-to-evil",
        "good/okta-assertion-signed",
        "evil assertion (new ID) carries the original signature, whose Reference names an ID no longer present",
        {
            let signature = element(&signed_assertion, "<ds:Signature", "</ds:Signature>");
            let evil = evil_assertion(&assertion_only, false).replacen(
                "</saml2:Issuer>",
                &format!("</saml2:Issuer>{signature}"),
                1,
            );
            assertion_only.replacen(&signed_assertion, &evil, 1)
        },
        "signature_structure",
    ));
    add(bad(
        "xsw-response-wrapped",
        "good/okta-both-signed",
        "the whole signed Response nested in the Extensions of an evil unsigned Response",
        {
            let evil_root = strip_all_signatures(&both)
                .replace("dana.ng@example.com", "admin@example.com")
                .replace(id_of(&both), "idEVILRESPONSE0000000000000000000")
                .replace(id_of(assertion(&both)), "idEVILASSERTION000000000000000000");
            evil_root.replacen(
                "<saml2p:Status>",
                &format!("<saml2p:Extensions>{both}</saml2p:Extensions><saml2p:Status>"),
                1,
            )
        },
        "assertion_count",
    ));
    add(bad(
        "two-assertions",
        "good/okta-response-signed",
        "a second assertion appended to the Response (under a Response signature that then fails)",
        response_only.replacen(
            "</saml2p:Response>",
            &format!(
                "{}</saml2p:Response>",
                evil_assertion(&response_only, false)
            ),
            1,
        ),
        "assertion_count",
    ));
    add(bad(
        "duplicate-id-in-status",
        "good/okta-assertion-signed",
        "an element elsewhere reuses the signed assertion's ID",
        assertion_only.replacen(
            "<saml2p:Status>",
            &format!(
                "<saml2p:Status><saml2p:StatusDetail><x ID=\"{}\"/></saml2p:StatusDetail>",
                id_of(&signed_assertion)
            ),
            1,
        ),
        "duplicate_id",
    ));
    add(bad(
        "assertion-signature-not-direct-child",
        "good/okta-assertion-signed",
        "the assertion's signature moved into saml:Subject, off its fixed place",
        {
            let signature =
                element(&signed_assertion, "<ds:Signature", "</ds:Signature>").to_owned();
            assertion_only.replacen(&signature, "", 1).replacen(
                "<saml2:Subject>",
                &format!("<saml2:Subject>{signature}"),
                1,
            )
        },
        "unsigned",
    ));
    add(bad(
        "two-signatures-on-assertion",
        "good/okta-assertion-signed",
        "the assertion carries its signature twice",
        {
            let signature =
                element(&signed_assertion, "<ds:Signature", "</ds:Signature>").to_owned();
            assertion_only.replacen(&signature, &format!("{signature}{signature}"), 1)
        },
        "signature_structure",
    ));
    add(bad(
        "reference-uri-empty",
        "good/okta-assertion-signed",
        "Reference URI=\"\" (whole document) instead of #ID",
        assertion_only.replacen(
            &format!("URI=\"#{}\"", id_of(&signed_assertion)),
            "URI=\"\"",
            1,
        ),
        "signature_structure",
    ));
    add(bad(
        "reference-to-response",
        "good/okta-assertion-signed",
        "the assertion signature's Reference points at the Response ID",
        assertion_only.replacen(
            &format!("URI=\"#{}\"", id_of(&signed_assertion)),
            &format!("URI=\"#{}\"", id_of(&assertion_only)),
            1,
        ),
        "signature_structure",
    ));
    add(bad(
        "signature-object",
        "good/okta-assertion-signed",
        "a ds:Object added inside the signature",
        assertion_only.replacen(
            "</ds:KeyInfo>",
            "</ds:KeyInfo><ds:Object><saml2:Attribute Name=\"role\"/></ds:Object>",
            1,
        ),
        "signature_structure",
    ));

    // Algorithms.
    add(bad("c14n-with-comments", "good/okta-assertion-signed", "CanonicalizationMethod switched to exc-c14n#WithComments", assertion_only.replacen("<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"", "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\"", 1), "unsupported_algorithm"));
    add(bad(
        "transform-with-comments",
        "good/okta-assertion-signed",
        "reference transform switched to exc-c14n#WithComments",
        assertion_only.replacen(
            "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">",
            "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\">",
            1,
        ),
        "unsupported_algorithm",
    ));
    add(bad("transform-xpath", "good/okta-assertion-signed", "an XPath transform added to the reference", assertion_only.replacen("</ds:Transforms>", "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>not(ancestor-or-self::saml2:Subject)</ds:XPath></ds:Transform></ds:Transforms>", 1), "unsupported_algorithm"));
    add(bad("inclusive-c14n", "good/okta-assertion-signed", "canonicalization switched to inclusive C14N 1.0", assertion_only.replacen("<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"", "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"", 1), "unsupported_algorithm"));
    add(bad(
        "digest-md5",
        "good/okta-assertion-signed",
        "DigestMethod switched to MD5",
        assertion_only.replacen(
            "http://www.w3.org/2001/04/xmlenc#sha256",
            "http://www.w3.org/2001/04/xmldsig-more#md5",
            1,
        ),
        "unsupported_algorithm",
    ));
    add(bad(
        "signature-hmac",
        "good/okta-assertion-signed",
        "SignatureMethod switched to HMAC-SHA256 (key confusion)",
        assertion_only.replacen(
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
            1,
        ),
        "unsupported_algorithm",
    ));
    add(bad(
        "sha1-not-allowed",
        "good/sha1-digest-allowed",
        "the same SHA-1-digest response on a connection without the SHA-1 opt-in",
        sha1_digest,
        "sha1_not_allowed",
    ));

    // SAML rules, with validly signed responses issued for the wrong place or time.
    let reissue = |f: &dyn Fn(&mut AssertionParams)| {
        let mut q = params();
        f(&mut q);
        issue_with(&q, "idp", BOTH, None)
    };
    add(bad(
        "wrong-audience",
        "good/okta-both-signed",
        "validly signed, but for another SP's entity ID (replayed across SPs)",
        reissue(&|q| q.audience = "https://other-sp.example.com/metadata".into()),
        "audience_mismatch",
    ));
    add(bad(
        "wrong-recipient",
        "good/okta-both-signed",
        "validly signed, Recipient is another ACS URL",
        reissue(&|q| q.recipient = "https://other-sp.example.com/acs".into()),
        "recipient_mismatch",
    ));
    add(bad(
        "wrong-destination",
        "good/okta-both-signed",
        "validly signed, Destination is another ACS URL",
        reissue(&|q| q.destination = "https://other-sp.example.com/acs".into()),
        "destination_mismatch",
    ));
    add(bad(
        "wrong-issuer",
        "good/okta-both-signed",
        "validly signed by a trusted key, but issued as another IdP entity",
        reissue(&|q| q.issuer = "http://www.okta.com/exkOTHERAPP000000000".into()),
        "issuer_mismatch",
    ));
    add(bad(
        "wrong-in-response-to",
        "good/okta-both-signed",
        "answers another browser's AuthnRequest",
        reissue(&|q| q.in_response_to = Some("idSOMEONEELSE".into())),
        "in_response_to_mismatch",
    ));
    add(bad(
        "no-in-response-to-for-sp-flow",
        "good/okta-both-signed",
        "an unsolicited response delivered where this browser started a request",
        idp_initiated.clone(),
        "in_response_to_mismatch",
    ));
    let mut unsolicited_refused = bad(
        "idp-initiated-not-allowed",
        "good/okta-idp-initiated",
        "unsolicited response on a connection that does not allow IdP-initiated sign-in",
        idp_initiated.clone(),
        "idp_initiated_not_allowed",
    );
    unsolicited_refused.in_response_to = None;
    add(unsolicited_refused);
    let mut expired = bad(
        "expired",
        "good/okta-both-signed",
        "presented 10 minutes after issue: past NotOnOrAfter (5 min) plus skew (3 min)",
        both.clone(),
        "expired",
    );
    expired.now = NOW + time::Duration::minutes(10);
    add(expired);
    let mut early = bad(
        "not-yet-valid",
        "good/okta-both-signed",
        "presented 10 minutes before issue: before NotBefore (issue - 5 min) minus skew",
        both.clone(),
        "not_yet_valid",
    );
    early.now = NOW - time::Duration::minutes(10);
    add(early);
    let mut require_assertion = bad(
        "assertion-signature-required",
        "good/okta-response-signed",
        "the connection requires a signed assertion; only the Response is signed",
        response_only.clone(),
        "assertion_not_signed",
    );
    require_assertion.sp.require_signed_assertion = true;
    fixtures.push(require_assertion);
    fixtures.push(bad(
        "holder-of-key-only",
        "good/okta-both-signed",
        "validly signed, but the only SubjectConfirmation is holder-of-key, not bearer",
        reissue_raw(|x| {
            x.replace(
                "urn:oasis:names:tc:SAML:2.0:cm:bearer",
                "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
            )
        }),
        "no_bearer_confirmation",
    ));
    fixtures.push(bad(
        "no-audience-restriction",
        "good/okta-both-signed",
        "validly signed without any AudienceRestriction",
        reissue_raw(|x| {
            cut(
                &x,
                "<saml2:AudienceRestriction>",
                "</saml2:AudienceRestriction>",
            )
        }),
        "audience_mismatch",
    ));
    fixtures.push(bad(
        "no-subject-confirmation-expiry",
        "good/okta-both-signed",
        "validly signed bearer confirmation without NotOnOrAfter",
        reissue_raw(|x| {
            let (start, end) = span(&x, "<saml2:SubjectConfirmationData", "/>");
            let data = &x[start..end];
            let stripped = data
                .split(' ')
                .filter(|a| !a.starts_with("NotOnOrAfter="))
                .collect::<Vec<_>>()
                .join(" ");
            x.replacen(data, &stripped, 1)
        }),
        "missing_element",
    ));
    fixtures.push(bad("unknown-condition", "good/okta-both-signed", "validly signed with a Condition this SP does not understand", reissue_raw(|x| x.replacen("</saml2:AudienceRestriction>", "</saml2:AudienceRestriction><saml2:Condition xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"custom\"/>", 1)), "unsupported_condition"));
    fixtures.push(bad("status-requester", "good/okta-both-signed", "the IdP refused the user (Requester / RequestDenied)", strip_all_signatures(&both).replacen("<saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>", "<saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Requester\"><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:RequestDenied\"/></saml2p:StatusCode><saml2p:StatusMessage>User is not assigned to this application</saml2p:StatusMessage>", 1), "idp_status_not_success"));

    // Parser-level attacks.
    add_parser_attacks(&mut fixtures, &both);

    // Encryption.
    let mut no_key = bad(
        "encrypted-no-sp-key",
        "good/okta-encrypted-aes256-gcm",
        "encrypted assertion on a connection without a decryption key",
        gcm.clone(),
        "decryption_key_missing",
    );
    no_key.sp.decryption_keys = vec![];
    fixtures.push(no_key);
    let cbc_sp = || Sp {
        decryption_keys: vec!["keys/sp.key"],
        ..Sp::default()
    };
    for (name, why, xml) in [
        (
            "cbc-tampered-padding",
            "last ciphertext byte flipped (padding-oracle probe)",
            flip_cipher_byte(&cbc, 1, Some(0), 0),
        ),
        (
            "cbc-tampered-first-block",
            "IV byte flipped: decrypts to malformed XML (format-oracle probe)",
            flip_cipher_byte(&cbc, 1, None, 0),
        ),
        (
            "cbc-tampered-middle",
            "a middle ciphertext byte flipped",
            flip_cipher_byte(&cbc, 1, None, 200),
        ),
    ] {
        let mut f = bad(
            name,
            "good/okta-encrypted-aes128-cbc",
            why,
            xml,
            "decryption_failed",
        );
        f.sp = cbc_sp();
        fixtures.push(f);
    }
    let mut wrong_key = bad(
        "cbc-wrong-sp-key",
        "good/okta-encrypted-aes128-cbc",
        "decrypted with another SP key than the one the IdP encrypted for",
        cbc.clone(),
        "decryption_failed",
    );
    wrong_key.sp.decryption_keys = vec!["keys/attacker.key"];
    fixtures.push(wrong_key);
    let mut gcm_tampered = bad(
        "gcm-tampered",
        "good/okta-encrypted-aes256-gcm",
        "GCM tag fails after a ciphertext byte flip (the Response signature is removed so decryption is reached)",
        flip_cipher_byte(&strip_response_signature(&gcm), 1, None, 40),
        "decryption_failed",
    );
    gcm_tampered.sp.decryption_keys = vec!["keys/sp.key"];
    fixtures.push(gcm_tampered);
    let mut rsa15 = bad(
        "key-transport-rsa-1_5",
        "good/okta-encrypted-aes128-cbc",
        "key transport switched to RSA PKCS#1 v1.5 (Bleichenbacher-prone)",
        cbc.replace(
            "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
            "http://www.w3.org/2001/04/xmlenc#rsa-1_5",
        ),
        "unsupported_algorithm",
    );
    rsa15.sp.decryption_keys = vec!["keys/sp.key"];
    fixtures.push(rsa15);
    let mut gcm_signed_ciphertext = bad(
        "encrypted-ciphertext-altered-under-response-signature",
        "good/okta-encrypted-aes256-gcm",
        "ciphertext altered while the Response signature covers it: refused before decryption",
        flip_cipher_byte(&gcm, 1, None, 40),
        "digest_mismatch",
    );
    gcm_signed_ciphertext.sp.decryption_keys = vec!["keys/sp.key"];
    fixtures.push(gcm_signed_ciphertext);

    for fixture in &fixtures {
        fixture.write();
    }
}

fn strip_response_signature(xml: &str) -> String {
    let end_of_issuer = xml.find("</saml2:Issuer>").unwrap() + "</saml2:Issuer>".len();
    let (head, tail) = xml.split_at(end_of_issuer);
    format!("{head}{}", cut(tail, "<ds:Signature", "</ds:Signature>"))
}

/// An Okta-shaped assertion edited before signing, then signed by the real
/// IdP key: a well-signed document that breaks one SAML rule.
fn reissue_raw(edit: impl Fn(String) -> String) -> String {
    let p = params();
    let unsigned = issue_with(&p, "idp", BOTH, None);
    let unsigned = strip_all_signatures(&unsigned);
    let edited = edit(unsigned);
    let assertion_id = id_of(assertion(&edited)).to_owned();
    let idp = credential("idp");
    let signed = sign_enveloped(
        &edited,
        &assertion_id,
        &idp,
        SignatureAlgorithm::RsaSha256,
        DigestAlgorithm::Sha256,
    )
    .unwrap();
    let response_id = id_of(&signed).to_owned();
    sign_enveloped(
        &signed,
        &response_id,
        &idp,
        SignatureAlgorithm::RsaSha256,
        DigestAlgorithm::Sha256,
    )
    .unwrap()
}

fn add_parser_attacks(fixtures: &mut Vec<Fixture<'static>>, both: &str) {
    let with_prolog = |prolog: &str| format!("{prolog}{both}");
    fixtures.push(bad(
        "dtd-internal-subset",
        "good/okta-both-signed",
        "a DOCTYPE with an internal subset",
        with_prolog("<!DOCTYPE saml2p:Response [<!ELEMENT saml2p:Response ANY>]>"),
        "dtd_forbidden",
    ));
    fixtures.push(bad("billion-laughs", "good/okta-both-signed", "entity expansion bomb", with_prolog("<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"), "dtd_forbidden"));
    fixtures.push(bad(
        "external-entity",
        "good/okta-both-signed",
        "XXE: an external entity reading a local file into the NameID",
        with_prolog("<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>").replacen(
            "dana.ng@example.com</saml2:NameID>",
            "&xxe;</saml2:NameID>",
            1,
        ),
        "dtd_forbidden",
    ));
    fixtures.push(bad(
        "bare-doctype",
        "good/okta-both-signed",
        "a DOCTYPE without a subset (roxmltree alone would let it through)",
        with_prolog("<!DOCTYPE saml2p:Response>"),
        "dtd_forbidden",
    ));
    fixtures.push(bad(
        "truncated",
        "good/okta-both-signed",
        "document cut in half",
        both[..both.len() / 2].to_owned(),
        "malformed_xml",
    ));
    fixtures.push(bad(
        "not-a-response",
        "good/okta-both-signed",
        "a bare signed Assertion posted instead of a Response",
        assertion(both).to_owned(),
        "not_a_response",
    ));
    fixtures.push(bad(
        "wrong-namespace",
        "good/okta-both-signed",
        "the assertion moved into another namespace, so no SAML 2.0 assertion remains",
        strip_all_signatures(both).replace(
            "xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
            "xmlns:saml2=\"urn:oasis:names:tc:SAML:1.0:assertion\"",
        ),
        "assertion_count",
    ));
    // U+FFFD is swapped for a raw ISO-8859-1 byte (0xE9) when written.
    fixtures.push(bad(
        "latin1-bytes",
        "good/okta-both-signed",
        "an ISO-8859-1 byte (0xE9) in the NameID: only UTF-8 is accepted",
        both.replacen("dana.ng", "dana.ng\u{fffd}", 1),
        "malformed_xml",
    ));
    fixtures.push(bad(
        "deep-nesting",
        "good/okta-both-signed",
        "elements nested 100 deep inside Extensions",
        both.replacen(
            "<saml2p:Status>",
            &format!(
                "<saml2p:Extensions>{}{}</saml2p:Extensions><saml2p:Status>",
                "<a>".repeat(100),
                "</a>".repeat(100)
            ),
            1,
        ),
        "malformed_xml",
    ));
}
