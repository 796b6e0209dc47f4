//! Entry-point behaviour around the edges: encodings, size, clock skew
//! boundaries, IdP-initiated policy, and the Rejection contract itself.

use saml::idp::SigningOptions;
use saml::{Party, Rejection, verify_response, verify_response_xml};
use time::Duration;

use crate::common::*;

#[test]
fn base64_with_line_breaks_is_accepted_and_garbage_is_not() {
    let issued = issue(&params(), &SigningOptions::default());
    let wrapped: String = issued
        .to_base64()
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    verify_response(&sp_config(), &wrapped, NOW, Some(REQUEST_ID)).unwrap();
    let error = verify_response(&sp_config(), "not base64!", NOW, Some(REQUEST_ID)).unwrap_err();
    assert_eq!(error.code(), "invalid_encoding");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = "A".repeat(2 * 1024 * 1024);
    assert_eq!(
        verify_response(&sp_config(), &huge, NOW, Some(REQUEST_ID))
            .unwrap_err()
            .code(),
        "too_large"
    );
    let padded = format!("<!--{}-->", " ".repeat(600 * 1024));
    assert_eq!(
        verify_response_xml(&sp_config(), padded.as_bytes(), NOW, Some(REQUEST_ID))
            .unwrap_err()
            .code(),
        "too_large"
    );
}

#[test]
fn clock_skew_boundaries() {
    let issued = issue(&params(), &SigningOptions::default()).to_base64();
    let config = sp_config();
    let skew = config.clock_skew;
    let not_on_or_after = NOW + Duration::minutes(5);
    let not_before = NOW - Duration::minutes(5);
    let at = |now| {
        verify_response(&config, &issued, now, Some(REQUEST_ID))
            .map(|_| ())
            .map_err(|e| e.code())
    };
    assert_eq!(
        at(not_on_or_after + skew - Duration::milliseconds(1)),
        Ok(())
    );
    assert_eq!(at(not_on_or_after + skew), Err("expired"));
    assert_eq!(at(not_before - skew), Ok(()));
    assert_eq!(
        at(not_before - skew - Duration::milliseconds(1)),
        Err("not_yet_valid")
    );
}

#[test]
fn idp_initiated_policy() {
    // Why: with IdP-initiated allowed, a response that claims to answer a
    // request nobody here started is still refused.
    let solicited = issue(&params(), &SigningOptions::default()).to_base64();
    let mut config = sp_config();
    config.allow_idp_initiated = true;
    let rejection = verify_response(&config, &solicited, NOW, None).unwrap_err();
    assert_eq!(
        rejection,
        Rejection::InResponseToMismatch {
            expected: None,
            got: Some(REQUEST_ID.to_owned())
        }
    );
    assert_eq!(rejection.who_must_act(), Party::User);
}

#[test]
fn unsigned_response_fields_can_only_refuse() {
    // Only the assertion is signed; the Response's own InResponseTo is
    // unverified. A mismatching value there is refused, a matching value
    // never substitutes for the signed one.
    let signing = SigningOptions {
        sign_response: false,
        ..SigningOptions::default()
    };
    let issued = issue(&params(), &signing);
    let altered = issued.xml.replacen(
        &format!("InResponseTo=\"{REQUEST_ID}\" Version"),
        "InResponseTo=\"idOTHER\" Version",
        1,
    );
    assert_ne!(altered, issued.xml);
    let rejection =
        verify_response_xml(&sp_config(), altered.as_bytes(), NOW, Some(REQUEST_ID)).unwrap_err();
    assert_eq!(rejection.code(), "in_response_to_mismatch");
}

#[test]
fn rejection_codes_are_stable_snake_case_and_messages_name_an_actor() {
    let samples = [
        Rejection::InvalidEncoding,
        Rejection::TooLarge { size: 1, limit: 0 },
        Rejection::MalformedXml { detail: "x".into() },
        Rejection::DtdForbidden,
        Rejection::DuplicateId { id: "a".into() },
        Rejection::NotAResponse { root: "x".into() },
        Rejection::MissingElement {
            element: "saml:Subject",
        },
        Rejection::InvalidElement {
            element: "saml:Subject",
            detail: "x".into(),
        },
        Rejection::StatusNotSuccess {
            status: "s".into(),
            sub_status: Some("t".into()),
            message: Some("m".into()),
        },
        Rejection::IdpInitiatedNotAllowed,
        Rejection::AssertionCount { found: 2 },
        Rejection::Unsigned,
        Rejection::AssertionNotSigned,
        Rejection::SignatureStructure { detail: "x".into() },
        Rejection::UnsupportedAlgorithm {
            kind: "digest",
            uri: "u".into(),
        },
        Rejection::Sha1NotAllowed { uri: "u".into() },
        Rejection::WeakKey { bits: 1024 },
        Rejection::DigestMismatch {
            element: "Assertion".into(),
        },
        Rejection::SignatureInvalid,
        Rejection::UntrustedCertificate {
            fingerprint: "ab".into(),
        },
        Rejection::NoTrustedCertificates,
        Rejection::DecryptionKeyMissing,
        Rejection::DecryptionFailed,
        Rejection::IssuerMismatch {
            expected: "e".into(),
            got: None,
        },
        Rejection::DestinationMismatch {
            expected: "e".into(),
            got: Some("g".into()),
        },
        Rejection::RecipientMismatch {
            expected: "e".into(),
            got: None,
        },
        Rejection::AudienceMismatch {
            expected: "e".into(),
            got: vec![],
        },
        Rejection::InResponseToMismatch {
            expected: Some("e".into()),
            got: None,
        },
        Rejection::NoBearerConfirmation,
        Rejection::NotYetValid {
            not_before: NOW,
            now: NOW,
        },
        Rejection::Expired {
            not_on_or_after: NOW,
            now: NOW,
        },
        Rejection::DuplicateAttribute { name: "uid".into() },
        Rejection::UnsupportedCondition {
            element: "Condition".into(),
        },
    ];
    let mut codes: Vec<&str> = samples.iter().map(Rejection::code).collect();
    for code in &codes {
        assert!(
            code.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{code}"
        );
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), samples.len(), "codes must be unique");
    for rejection in &samples {
        let text = rejection.to_string();
        let actor = [
            "IdP admin",
            "connection admin",
            "Sign in again",
            "Start the sign-in",
            "altered or forged",
            "Check the clocks",
            "clocks",
        ];
        assert!(
            actor.iter().any(|a| text.contains(a)),
            "{:?} does not say who acts: {text}",
            rejection.code()
        );
    }
    // The audience message shows both values, as the error page must.
    let text = Rejection::AudienceMismatch {
        expected: "https://sp".into(),
        got: vec!["https://other".into()],
    }
    .to_string();
    assert!(text.contains("https://sp") && text.contains("https://other"));
}
