//! AuthnRequest: SP building and HTTP-Redirect encoding, IdP-side parsing
//! from both bindings, and query-signature checks.

use base64::Engine as _;
use saml::idp::sign_enveloped;
use saml::{
    AuthnRequest, DigestAlgorithm, Error, RequestVerification, SignatureAlgorithm,
    parse_post_authn_request, parse_redirect_authn_request,
};

use crate::common::*;

const IDP_SSO: &str = "https://acme.okta.com/app/acme_saasapp_1/exk1a2b3c4D5e6F7g8h9/sso/saml";

fn request() -> AuthnRequest {
    let mut request = AuthnRequest::new(SP_ENTITY, ACS, IDP_SSO, NOW).unwrap();
    request.name_id_format = Some(saml::ns::nameid_format::EMAIL_ADDRESS.to_owned());
    request
}

fn query_of(url: &str) -> &str {
    url.split_once('?').unwrap().1
}

#[test]
fn unsigned_redirect_round_trip() {
    let request = request();
    let url = request
        .redirect_url(Some("state with spaces & symbols"), None)
        .unwrap();
    assert!(url.starts_with(&format!("{IDP_SSO}?SAMLRequest=")));
    assert!(!url.contains("Signature="));
    let received = parse_redirect_authn_request(query_of(&url), None).unwrap();
    assert_eq!(received.id, request.id);
    assert_eq!(received.issuer, SP_ENTITY);
    assert_eq!(received.acs_url.as_deref(), Some(ACS));
    assert_eq!(received.destination.as_deref(), Some(IDP_SSO));
    assert_eq!(
        received.name_id_format.as_deref(),
        Some(saml::ns::nameid_format::EMAIL_ADDRESS)
    );
    assert_eq!(received.issue_instant, NOW);
    assert_eq!(
        received.relay_state.as_deref(),
        Some("state with spaces & symbols")
    );
    assert!(!received.signature_verified);
}

#[test]
fn request_ids_are_unique() {
    assert_ne!(request().id, request().id);
}

#[test]
fn signed_redirect_verifies_with_the_sp_certificate() {
    let url = request()
        .redirect_url(Some("rs"), Some(&credential("sp")))
        .unwrap();
    assert!(url.contains(
        "&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature="
    ));
    let certificates = [certificate("sp")];
    let verification = RequestVerification {
        certificates: &certificates,
        allow_sha1: false,
    };
    let received = parse_redirect_authn_request(query_of(&url), Some(&verification)).unwrap();
    assert!(received.signature_verified);
}

#[test]
fn redirect_signature_checks_refuse_forgeries() {
    let url = request()
        .redirect_url(Some("rs"), Some(&credential("sp")))
        .unwrap();
    let query = query_of(&url);
    let certificates = [certificate("sp")];
    let verification = RequestVerification {
        certificates: &certificates,
        allow_sha1: false,
    };
    let refuse = |query: &str, why: &str| {
        let result = parse_redirect_authn_request(query, Some(&verification));
        assert!(
            matches!(result, Err(Error::RequestSignature(_))),
            "{why}: {result:?}"
        );
    };
    // Why: a signature by a key the app does not know must not verify.
    let other = [certificate("attacker")];
    let result = parse_redirect_authn_request(
        query,
        Some(&RequestVerification {
            certificates: &other,
            allow_sha1: false,
        }),
    );
    assert!(matches!(result, Err(Error::RequestSignature(_))));
    // Why: RelayState is covered by the signature; changing it is tampering.
    refuse(
        &query.replace("RelayState=rs", "RelayState=evil"),
        "RelayState altered",
    );
    // Why: an unsigned request where a signature is required.
    refuse(query.split("&SigAlg").next().unwrap(), "signature stripped");
    // Why: SHA-1 is not accepted unless allowed.
    let sha1 = query
        .replace("xmldsig-more%23rsa-sha256", "xmldsig%23rsa-sha1")
        .replace("2001%2F04%2F", "2000%2F09%2F");
    refuse(&sha1, "SigAlg downgraded to SHA-1");
}

#[test]
fn malformed_redirect_queries_are_refused() {
    let url = request().redirect_url(None, None).unwrap();
    let query = query_of(&url);
    // Why: duplicated parameters make the signed octets ambiguous.
    assert!(parse_redirect_authn_request(&format!("{query}&{query}"), None).is_err());
    assert!(parse_redirect_authn_request("RelayState=x", None).is_err());
    assert!(parse_redirect_authn_request("SAMLRequest=%%%", None).is_err());
    // Why: a deflate bomb must stop at the size cap, not exhaust memory.
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, &vec![b' '; 4 * 1024 * 1024]).unwrap();
    let bomb = base64::engine::general_purpose::STANDARD.encode(encoder.finish().unwrap());
    let bomb = format!(
        "SAMLRequest={}",
        bomb.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    let error = parse_redirect_authn_request(&bomb, None).unwrap_err();
    assert!(error.to_string().contains("exceeds"), "{error}");
}

#[test]
fn post_binding_unsigned_and_enveloped_signed() {
    let request = request();
    let received =
        parse_post_authn_request(&request.post_value().unwrap(), Some("rs"), None).unwrap();
    assert_eq!(received.id, request.id);
    assert_eq!(received.relay_state.as_deref(), Some("rs"));

    let signed = sign_enveloped(
        &request.to_xml().unwrap(),
        &request.id,
        &credential("sp"),
        SignatureAlgorithm::RsaSha256,
        DigestAlgorithm::Sha256,
    )
    .unwrap();
    let value = base64::engine::general_purpose::STANDARD.encode(&signed);
    let certificates = [certificate("sp")];
    let verification = RequestVerification {
        certificates: &certificates,
        allow_sha1: false,
    };
    let received = parse_post_authn_request(&value, None, Some(&verification)).unwrap();
    assert!(received.signature_verified);
    assert_eq!(received.acs_url.as_deref(), Some(ACS));

    // Why: the ACS URL decides where the IdP posts the user's assertion;
    // changing it after signing must be caught.
    let tampered = signed.replace(ACS, "https://evil.example.com/acs");
    let value = base64::engine::general_purpose::STANDARD.encode(&tampered);
    assert!(matches!(
        parse_post_authn_request(&value, None, Some(&verification)),
        Err(Error::RequestSignature(_))
    ));
    // Why: verification requested but nothing signed.
    assert!(
        parse_post_authn_request(&request.post_value().unwrap(), None, Some(&verification))
            .is_err()
    );
}
