//! `verify_response`: the ACS entry point.
//!
//! Order of work, each step on the narrowest trusted input:
//! 1. decode (base64, size cap) and parse with the hardened parser;
//! 2. root must be `samlp:Response`; a non-success Status is reported as is;
//!    IdP-initiated policy; exactly one assertion outside `saml:Advice`;
//! 3. verify the Response signature (if any) and the Assertion signature
//!    (if any), each at its fixed position; every present one must verify;
//! 4. re-parse the canonical bytes that a signature covered, decrypting an
//!    `EncryptedAssertion` from the verified Response copy when there is one,
//!    and read the assertion only from there;
//! 5. apply the SAML rules (issuer, audience, recipient, InResponseTo, time).
//!
//! Bindings that hold unverified data are named `unverified_*`.

use roxmltree::{Document, Node};
use time::OffsetDateTime;

use crate::assertion::{AssertionView, SignatureCoverage, VerifiedAssertion};
use crate::cert::decode_base64;
use crate::config::SpConfig;
use crate::dsig::{self, Policy};
use crate::ns::{SAML, SAMLP, STATUS_SUCCESS};
use crate::rules::{self, Context};
use crate::xml::{self, MAX_DOCUMENT_BYTES, at_most_one, element_qname, is, text_of};
use crate::{Rejection, xmlenc};

/// Verifies the `SAMLResponse` form field of an HTTP-POST binding request
/// (base64, line breaks allowed) and returns the verified sign-in.
///
/// `expected_in_response_to` is the ID of the AuthnRequest this browser
/// started (bound to the browser by the caller), or `None` for an
/// IdP-initiated attempt. Replay protection is the caller's: store
/// [`VerifiedAssertion::assertion_id`] until
/// [`VerifiedAssertion::not_on_or_after`] plus the skew, and refuse repeats.
pub fn verify_response(
    config: &SpConfig,
    saml_response: &str,
    now: OffsetDateTime,
    expected_in_response_to: Option<&str>,
) -> Result<VerifiedAssertion, Rejection> {
    // Cheap cap before decoding: base64 inflates by 4/3, plus line breaks.
    if saml_response.len() > MAX_DOCUMENT_BYTES / 3 * 4 + MAX_DOCUMENT_BYTES / 32 {
        return Err(Rejection::TooLarge {
            size: saml_response.len() / 4 * 3,
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    let xml = decode_base64(saml_response).map_err(|_| Rejection::InvalidEncoding)?;
    verify_response_xml(config, &xml, now, expected_in_response_to)
}

/// Like [`verify_response`], for an already decoded XML document.
pub fn verify_response_xml(
    config: &SpConfig,
    xml: &[u8],
    now: OffsetDateTime,
    expected_in_response_to: Option<&str>,
) -> Result<VerifiedAssertion, Rejection> {
    let unverified_text = xml::decode_utf8(xml, MAX_DOCUMENT_BYTES)?;
    let unverified_doc = xml::parse(unverified_text)?;
    let unverified_response = unverified_doc.root_element();
    if !is(unverified_response, SAMLP, "Response") {
        return Err(Rejection::NotAResponse {
            root: element_qname(unverified_response).unwrap_or("?").to_owned(),
        });
    }
    // A failure status ends the attempt whether or not it is signed:
    // believing an unsigned "no" can only refuse a sign-in.
    check_status(unverified_response)?;
    if expected_in_response_to.is_none() && !config.allow_idp_initiated {
        return Err(Rejection::IdpInitiatedNotAllowed);
    }
    let unverified_assertion = single_assertion(unverified_response)?;

    let policy = Policy {
        certificates: &config.idp_certificates,
        allow_legacy: config.allow_sha1,
    };
    let mut coverage = SignatureCoverage {
        response_signed: false,
        assertion_signed: false,
        encrypted: false,
    };
    let mut certificate = None;

    // The Response signature, at its fixed place.
    let verified_response_text = match dsig::signature_child(unverified_response)? {
        Some(signature) => {
            let verified = dsig::verify(unverified_response, signature, &policy)?;
            coverage.response_signed = true;
            certificate = Some(verified.certificate);
            Some(canonical_text(verified.canonical)?)
        }
        None => None,
    };
    let verified_response_doc = verified_response_text.as_deref().map(reparse).transpose()?;
    let verified_response = verified_response_doc.as_ref().map(Document::root_element);

    let response = verified_response.unwrap_or(unverified_response);

    let view = match unverified_assertion {
        AssertionNode::Plain(unverified) => {
            match dsig::signature_child(unverified)? {
                Some(signature) => {
                    let verified = dsig::verify(unverified, signature, &policy)?;
                    coverage.assertion_signed = true;
                    certificate = Some(verified.certificate);
                    view_from_canonical(verified.canonical)?
                }
                // Covered by the Response signature: read the copy inside
                // the verified Response bytes.
                None => match verified_response.map(single_assertion).transpose()? {
                    Some(AssertionNode::Plain(node)) => AssertionView::read(node)?,
                    _ => return Err(Rejection::Unsigned),
                },
            }
        }
        AssertionNode::Encrypted(unverified) => {
            coverage.encrypted = true;
            // Decrypt the ciphertext the Response signature covers, if any.
            let encrypted = match verified_response.map(single_assertion).transpose()? {
                Some(AssertionNode::Encrypted(node)) => node,
                _ => unverified,
            };
            let plaintext = xmlenc::decrypt(encrypted, &config.decryption_keys)?;
            let (view, signed_by) =
                decrypted_assertion(&plaintext, &policy, coverage.response_signed)?;
            if signed_by.is_some() {
                coverage.assertion_signed = true;
                certificate = signed_by;
            }
            view
        }
    };

    // Response-level fields, checked once every signature has verified:
    // from the verified copy when the Response is signed, otherwise only
    // ever used to refuse.
    check_response_fields(
        response,
        config,
        expected_in_response_to,
        coverage.response_signed,
    )?;
    if config.require_signed_assertion && !coverage.assertion_signed {
        return Err(Rejection::AssertionNotSigned);
    }
    let certificate_sha256 = certificate
        .and_then(|i| config.idp_certificates.get(i))
        .map(|c| c.sha256_fingerprint())
        .ok_or(Rejection::Unsigned)?;
    let response_in_response_to = verified_response.and_then(|r| r.attribute("InResponseTo"));
    rules::check(
        view,
        Context {
            config,
            now,
            expected_in_response_to,
            verified_response_in_response_to: response_in_response_to,
            coverage,
            certificate_sha256,
        },
    )
}

/// Where the single assertion sits.
#[derive(Clone, Copy)]
enum AssertionNode<'a, 'i> {
    Plain(Node<'a, 'i>),
    Encrypted(Node<'a, 'i>),
}

fn is_assertion(node: Node<'_, '_>) -> bool {
    is(node, SAML, "Assertion") || is(node, SAML, "EncryptedAssertion")
}

/// The one `Assertion`/`EncryptedAssertion` child of the Response. Any
/// other assertion anywhere in the document (hidden in Extensions, Status,
/// a signature's Object…) refuses the response, except assertions inside
/// the `saml:Advice` of that one assertion, which are never read.
fn single_assertion<'a, 'i>(response: Node<'a, 'i>) -> Result<AssertionNode<'a, 'i>, Rejection> {
    let direct: Vec<Node<'a, 'i>> = response.children().filter(|c| is_assertion(*c)).collect();
    let in_own_advice = |node: Node<'_, '_>| {
        node.ancestors().any(|a| {
            is(a, SAML, "Advice") && a.parent().is_some_and(|p| direct.first() == Some(&p))
        })
    };
    let found = response
        .descendants()
        .filter(|n| is_assertion(*n) && !in_own_advice(*n))
        .count();
    match direct.as_slice() {
        [only] if found == 1 && is(*only, SAML, "Assertion") => Ok(AssertionNode::Plain(*only)),
        [only] if found == 1 => Ok(AssertionNode::Encrypted(*only)),
        _ => Err(Rejection::AssertionCount { found }),
    }
}

fn check_status(response: Node<'_, '_>) -> Result<(), Rejection> {
    let status = at_most_one(response, SAMLP, "Status")
        .ok()
        .flatten()
        .ok_or(Rejection::MissingElement {
            element: "samlp:Status",
        })?;
    let code = at_most_one(status, SAMLP, "StatusCode")
        .ok()
        .flatten()
        .ok_or(Rejection::MissingElement {
            element: "samlp:StatusCode",
        })?;
    let value = code.attribute("Value").unwrap_or_default();
    if value == STATUS_SUCCESS {
        return Ok(());
    }
    let sub_status = at_most_one(code, SAMLP, "StatusCode")
        .ok()
        .flatten()
        .and_then(|c| c.attribute("Value"))
        .map(str::to_owned);
    let message = at_most_one(status, SAMLP, "StatusMessage")
        .ok()
        .flatten()
        .map(|m| text_of(m).trim().to_owned());
    Err(Rejection::StatusNotSuccess {
        status: value.to_owned(),
        sub_status,
        message,
    })
}

fn check_response_fields(
    response: Node<'_, '_>,
    config: &SpConfig,
    expected_in_response_to: Option<&str>,
    signed: bool,
) -> Result<(), Rejection> {
    if response.attribute("Version") != Some("2.0") {
        return Err(Rejection::InvalidElement {
            element: "samlp:Response/@Version",
            detail: "must be 2.0".into(),
        });
    }
    match response.attribute("Destination") {
        Some(destination) if destination == config.acs_url => {}
        // SAML bindings 3.5.5.2: a signed response must name its Destination.
        None if !signed => {}
        got => {
            return Err(Rejection::DestinationMismatch {
                expected: config.acs_url.clone(),
                got: got.map(str::to_owned),
            });
        }
    }
    let issuer = at_most_one(response, SAML, "Issuer").map_err(|n| Rejection::InvalidElement {
        element: "samlp:Response/saml:Issuer",
        detail: format!("appears {n} times"),
    })?;
    if let Some(issuer) = issuer {
        let got = text_of(issuer).trim().to_owned();
        if got != config.idp_entity_id {
            return Err(Rejection::IssuerMismatch {
                expected: config.idp_entity_id.clone(),
                got: Some(got),
            });
        }
    }
    let got = response.attribute("InResponseTo");
    if got.is_some() && got != expected_in_response_to {
        return Err(Rejection::InResponseToMismatch {
            expected: expected_in_response_to.map(str::to_owned),
            got: got.map(str::to_owned),
        });
    }
    Ok(())
}

fn canonical_text(canonical: Vec<u8>) -> Result<String, Rejection> {
    String::from_utf8(canonical).map_err(|_| Rejection::MalformedXml {
        detail: "canonical form is not UTF-8".into(),
    })
}

/// Parses canonical bytes again with the same hardened options. Canonical
/// output can exceed the input cap slightly (namespace re-declarations).
fn reparse(text: &str) -> Result<Document<'_>, Rejection> {
    Ok(xml::parse(xml::decode_utf8(
        text.as_bytes(),
        4 * MAX_DOCUMENT_BYTES,
    )?)?)
}

/// Reads the assertion view from the canonical bytes a signature covered.
fn view_from_canonical(canonical: Vec<u8>) -> Result<AssertionView, Rejection> {
    let text = canonical_text(canonical)?;
    let doc = reparse(&text)?;
    AssertionView::read(doc.root_element())
}

/// Parses a decrypted assertion (any parse failure is the uniform
/// decryption error), verifies its own signature if it has one, and reads
/// it. Returns the view and the index of the certificate that verified the
/// assertion signature (None when the assertion is unsigned but the
/// enclosing Response signature covered its ciphertext).
fn decrypted_assertion(
    plaintext: &str,
    policy: &Policy<'_>,
    covered_by_response: bool,
) -> Result<(AssertionView, Option<usize>), Rejection> {
    let doc = xml::decode_utf8(plaintext.as_bytes(), MAX_DOCUMENT_BYTES)
        .and_then(xml::parse)
        .map_err(|_| Rejection::DecryptionFailed)?;
    let assertion = doc.root_element();
    if !is(assertion, SAML, "Assertion") {
        return Err(Rejection::DecryptionFailed);
    }
    match dsig::signature_child(assertion)? {
        Some(signature) => {
            let verified = dsig::verify(assertion, signature, policy)?;
            Ok((
                view_from_canonical(verified.canonical)?,
                Some(verified.certificate),
            ))
        }
        None if covered_by_response => Ok((AssertionView::read(assertion)?, None)),
        None => Err(Rejection::Unsigned),
    }
}

#[cfg(test)]
mod manifest_tests;
