//! XML-DSig verification restricted to the SAML profile.
//!
//! The caller finds the element and its signature by a fixed path (direct
//! `ds:Signature` child of the Response or the Assertion); this module then
//! insists that the signature's single `Reference` names exactly that element,
//! that the transforms are enveloped-signature followed by exc-c14n, that every
//! algorithm is on the closed list, and that a *configured* certificate
//! verifies it. `KeyInfo` only orders the configured certificates; a
//! certificate found there is never trusted.
//!
//! On success it returns the canonical bytes the digest covers: the caller
//! re-parses them and reads claims from nothing else.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use roxmltree::Node;

use crate::Rejection;
use crate::algorithms::{DigestAlgorithm, SignatureAlgorithm};
use crate::c14n::{self, Options};
use crate::cert::{Certificate, KeyType, decode_base64, hex_lower};
use crate::ns::{DS, ENVELOPED, EXC_C14N};
use crate::xml::{element_qname, is, text_of};

/// Which keys and algorithms a verification may use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy<'a> {
    /// The trusted certificates (several during rotation).
    pub(crate) certificates: &'a [Certificate],
    /// Admit SHA-1 digests/signatures and RSA keys of 1024–2047 bits.
    pub(crate) allow_legacy: bool,
}

/// A signature that verified.
#[derive(Debug)]
pub(crate) struct Verified {
    /// exc-c14n of the signed element without its signature.
    pub(crate) canonical: Vec<u8>,
    /// Index into [`Policy::certificates`] of the certificate that verified.
    pub(crate) certificate: usize,
}

fn structure(detail: impl Into<String>) -> Rejection {
    Rejection::SignatureStructure {
        detail: detail.into(),
    }
}

/// The `ds:Signature` child of `element`: `Ok(None)` when unsigned; an
/// error when there is more than one.
pub(crate) fn signature_child<'a, 'i>(
    element: Node<'a, 'i>,
) -> Result<Option<Node<'a, 'i>>, Rejection> {
    crate::xml::at_most_one(element, DS, "Signature").map_err(|count| {
        structure(format!(
            "{} carries {count} ds:Signature children; exactly one is allowed",
            element.tag_name().name()
        ))
    })
}

/// Verifies `signature`, a direct child of `element`, over `element`.
pub(crate) fn verify(
    element: Node<'_, '_>,
    signature: Node<'_, '_>,
    policy: &Policy<'_>,
) -> Result<Verified, Rejection> {
    if signature.parent() != Some(element) {
        return Err(structure(
            "the signature is not a direct child of the signed element",
        ));
    }
    let id = element
        .attribute("ID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            structure(format!(
                "the signed {} has no ID attribute",
                element.tag_name().name()
            ))
        })?;

    let mut parts = signature.children().filter(Node::is_element);
    let signed_info = expect(
        parts.next(),
        "SignedInfo",
        "ds:Signature must start with ds:SignedInfo",
    )?;
    let signature_value = expect(
        parts.next(),
        "SignatureValue",
        "ds:SignedInfo must be followed by ds:SignatureValue",
    )?;
    let mut key_info = None;
    for extra in parts {
        if key_info.is_none() && is(extra, DS, "KeyInfo") {
            key_info = Some(extra);
        } else {
            return Err(structure(format!(
                "unexpected {} in ds:Signature (only SignedInfo, SignatureValue and KeyInfo are accepted)",
                element_qname(extra).unwrap_or("element")
            )));
        }
    }

    let mut info = signed_info.children().filter(Node::is_element);
    let c14n_method = expect(
        info.next(),
        "CanonicalizationMethod",
        "ds:SignedInfo must start with ds:CanonicalizationMethod",
    )?;
    let signature_method = expect(
        info.next(),
        "SignatureMethod",
        "ds:CanonicalizationMethod must be followed by ds:SignatureMethod",
    )?;
    let reference = expect(
        info.next(),
        "Reference",
        "ds:SignedInfo must hold a ds:Reference",
    )?;
    if info.next().is_some() {
        return Err(structure(
            "ds:SignedInfo must hold exactly one ds:Reference",
        ));
    }

    let signed_info_prefixes = exc_c14n_prefixes(c14n_method, "canonicalization")?;
    let algorithm_uri = algorithm_of(signature_method)?;
    let algorithm = SignatureAlgorithm::from_uri(algorithm_uri).ok_or_else(|| {
        Rejection::UnsupportedAlgorithm {
            kind: "signature",
            uri: algorithm_uri.to_owned(),
        }
    })?;
    if signature_method.children().any(|c| c.is_element()) {
        return Err(structure("ds:SignatureMethod must be empty"));
    }
    if algorithm.is_sha1() && !policy.allow_legacy {
        return Err(Rejection::Sha1NotAllowed {
            uri: algorithm_uri.to_owned(),
        });
    }

    let (digest, digest_value, reference_prefixes) = check_reference(reference, id, policy)?;

    let canonical = canonicalize(element, &reference_prefixes, Some(signature))?;
    if digest.digest(&canonical).as_ref() != digest_value.as_slice() {
        return Err(Rejection::DigestMismatch {
            element: element.tag_name().name().to_owned(),
        });
    }

    let signed_info_bytes = canonicalize(signed_info, &signed_info_prefixes, None)?;
    let signature_bytes = decode_base64(&text_of(signature_value))
        .map_err(|_| structure("ds:SignatureValue is not valid base64"))?;
    let certificate = check_signature(
        algorithm,
        &signed_info_bytes,
        &signature_bytes,
        key_info,
        policy,
    )?;
    Ok(Verified {
        canonical,
        certificate,
    })
}

fn expect<'a, 'i>(
    node: Option<Node<'a, 'i>>,
    local: &str,
    message: &str,
) -> Result<Node<'a, 'i>, Rejection> {
    node.filter(|n| is(*n, DS, local))
        .ok_or_else(|| structure(message))
}

fn algorithm_of<'a>(node: Node<'a, '_>) -> Result<&'a str, Rejection> {
    node.attribute("Algorithm")
        .ok_or_else(|| structure(format!("{} has no Algorithm", node.tag_name().name())))
}

/// Checks a node whose Algorithm must be exc-c14n (CanonicalizationMethod
/// or Transform) and returns its InclusiveNamespaces prefixes.
fn exc_c14n_prefixes<'a>(
    node: Node<'a, '_>,
    kind: &'static str,
) -> Result<Vec<&'a str>, Rejection> {
    let uri = algorithm_of(node)?;
    if uri != EXC_C14N {
        return Err(Rejection::UnsupportedAlgorithm {
            kind,
            uri: uri.to_owned(),
        });
    }
    let mut prefixes = Vec::new();
    for child in node.children().filter(Node::is_element) {
        if !is(child, EXC_C14N, "InclusiveNamespaces") {
            return Err(structure(format!(
                "unexpected {} under the exc-c14n algorithm",
                element_qname(child).unwrap_or("element")
            )));
        }
        prefixes.extend(
            child
                .attribute("PrefixList")
                .unwrap_or_default()
                .split_ascii_whitespace(),
        );
    }
    Ok(prefixes)
}

/// Checks the single Reference: URI, transforms, digest method and value.
fn check_reference<'a>(
    reference: Node<'a, '_>,
    id: &str,
    policy: &Policy<'_>,
) -> Result<(DigestAlgorithm, Vec<u8>, Vec<&'a str>), Rejection> {
    let uri = reference.attribute("URI").unwrap_or_default();
    if uri.strip_prefix('#') != Some(id) {
        return Err(structure(format!(
            "the Reference URI {uri:?} does not name the element that holds the signature (#{id})"
        )));
    }
    let mut parts = reference.children().filter(Node::is_element);
    let transforms = expect(
        parts.next(),
        "Transforms",
        "ds:Reference must list its transforms",
    )?;
    let digest_method = expect(
        parts.next(),
        "DigestMethod",
        "ds:Transforms must be followed by ds:DigestMethod",
    )?;
    let digest_value = expect(
        parts.next(),
        "DigestValue",
        "ds:DigestMethod must be followed by ds:DigestValue",
    )?;
    if parts.next().is_some() {
        return Err(structure("unexpected element after ds:DigestValue"));
    }

    let steps: Vec<Node<'a, '_>> = transforms.children().filter(Node::is_element).collect();
    for step in &steps {
        if !is(*step, DS, "Transform") {
            return Err(structure("ds:Transforms may hold only ds:Transform"));
        }
        let uri = algorithm_of(*step)?;
        if uri != ENVELOPED && uri != EXC_C14N {
            return Err(Rejection::UnsupportedAlgorithm {
                kind: "transform",
                uri: uri.to_owned(),
            });
        }
    }
    let [enveloped, exclusive] = steps.as_slice() else {
        return Err(structure(format!(
            "expected exactly 2 transforms (enveloped-signature, exc-c14n), found {}",
            steps.len()
        )));
    };
    if algorithm_of(*enveloped)? != ENVELOPED || enveloped.children().any(|c| c.is_element()) {
        return Err(structure(
            "the first transform must be a plain enveloped-signature",
        ));
    }
    let prefixes = exc_c14n_prefixes(*exclusive, "transform")?;

    let digest_uri = algorithm_of(digest_method)?;
    let digest =
        DigestAlgorithm::from_uri(digest_uri).ok_or_else(|| Rejection::UnsupportedAlgorithm {
            kind: "digest",
            uri: digest_uri.to_owned(),
        })?;
    if digest.is_sha1() && !policy.allow_legacy {
        return Err(Rejection::Sha1NotAllowed {
            uri: digest_uri.to_owned(),
        });
    }
    let value = decode_base64(&text_of(digest_value))
        .map_err(|_| structure("ds:DigestValue is not valid base64"))?;
    Ok((digest, value, prefixes))
}

fn canonicalize(
    node: Node<'_, '_>,
    prefixes: &[&str],
    exclude: Option<Node<'_, '_>>,
) -> Result<Vec<u8>, Rejection> {
    let options = Options {
        inclusive_prefixes: prefixes,
        exclude: exclude.map(|n| n.id()),
    };
    c14n::canonicalize(node, &options).map_err(|e| Rejection::MalformedXml {
        detail: e.to_string(),
    })
}

/// Tries the configured certificates (the one `KeyInfo` names first) and
/// returns the index of the one that verifies. Also used for the
/// HTTP-Redirect binding's query signatures (no `KeyInfo` there).
pub(crate) fn check_signature(
    algorithm: SignatureAlgorithm,
    message: &[u8],
    signature_bytes: &[u8],
    key_info: Option<Node<'_, '_>>,
    policy: &Policy<'_>,
) -> Result<usize, Rejection> {
    if policy.certificates.is_empty() {
        return Err(Rejection::NoTrustedCertificates);
    }
    // The unverified KeyInfo certificate only decides the order of trial.
    let unverified_key_info_der = key_info.and_then(key_info_certificate);
    let mut order: Vec<usize> = (0..policy.certificates.len()).collect();
    if let Some(der) = &unverified_key_info_der {
        order.sort_by_key(|i| {
            policy
                .certificates
                .get(*i)
                .is_none_or(|c| c.der() != der.as_slice())
        });
    }

    let mut weak_key = None;
    for index in order {
        let Some(certificate) = policy.certificates.get(index) else {
            continue;
        };
        match verification_algorithm(algorithm, certificate.key_type(), policy.allow_legacy) {
            Ok(Some(verifier)) => {
                if UnparsedPublicKey::new(verifier, certificate.spki())
                    .verify(message, signature_bytes)
                    .is_ok()
                {
                    return Ok(index);
                }
            }
            Ok(None) => {}
            Err(bits) => weak_key = Some(bits),
        }
    }
    if let Some(der) = unverified_key_info_der
        && !policy
            .certificates
            .iter()
            .any(|c| c.der() == der.as_slice())
    {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &der);
        return Err(Rejection::UntrustedCertificate {
            fingerprint: hex_lower(digest.as_ref()),
        });
    }
    match weak_key {
        Some(bits) => Err(Rejection::WeakKey { bits }),
        None => Err(Rejection::SignatureInvalid),
    }
}

fn key_info_certificate(key_info: Node<'_, '_>) -> Option<Vec<u8>> {
    let x509 = key_info
        .descendants()
        .find(|n| is(*n, DS, "X509Certificate"))?;
    decode_base64(&text_of(x509)).ok()
}

/// The aws-lc-rs verifier for this algorithm and key, `Ok(None)` when they
/// do not fit each other, `Err(bits)` for an RSA key too short for policy.
fn verification_algorithm(
    algorithm: SignatureAlgorithm,
    key: KeyType,
    allow_legacy: bool,
) -> Result<Option<&'static dyn VerificationAlgorithm>, usize> {
    use SignatureAlgorithm as A;
    Ok(match (algorithm, key) {
        (A::RsaSha1 | A::RsaSha256 | A::RsaSha384 | A::RsaSha512, KeyType::Rsa { bits })
            if bits < 2048 =>
        {
            if !allow_legacy || bits < 1024 {
                return Err(bits);
            }
            match algorithm {
                A::RsaSha1 => Some(&signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
                A::RsaSha256 => Some(&signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
                A::RsaSha512 => Some(&signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
                _ => None,
            }
        }
        (A::RsaSha1, KeyType::Rsa { .. }) => {
            Some(&signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY)
        }
        (A::RsaSha256, KeyType::Rsa { .. }) => Some(&signature::RSA_PKCS1_2048_8192_SHA256),
        (A::RsaSha384, KeyType::Rsa { .. }) => Some(&signature::RSA_PKCS1_2048_8192_SHA384),
        (A::RsaSha512, KeyType::Rsa { .. }) => Some(&signature::RSA_PKCS1_2048_8192_SHA512),
        (A::EcdsaSha256, KeyType::EcP256) => Some(&signature::ECDSA_P256_SHA256_FIXED),
        (A::EcdsaSha384, KeyType::EcP384) => Some(&signature::ECDSA_P384_SHA384_FIXED),
        _ => None,
    })
}
