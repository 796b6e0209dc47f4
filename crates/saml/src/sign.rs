//! Enveloped XML-DSig signing in the shape the verifier accepts: one
//! Reference to the element's `ID`, enveloped-signature + exc-c14n with
//! `InclusiveNamespaces PrefixList="xs"` (as Okta does), the signing
//! certificate in `KeyInfo`. Used by the simulator IdP; the verify path
//! does not depend on this module.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::escape::escape;
use roxmltree::Node;

use crate::Error;
use crate::algorithms::{DigestAlgorithm, SignatureAlgorithm};
use crate::c14n::{self, Options};
use crate::key::Credential;
use crate::ns::{DS, ENVELOPED, EXC_C14N, SAML};
use crate::xml::{self, is};

/// Prefixes rendered inclusively, as in Okta's signatures.
const PREFIX_LIST: &str = "xs";

/// Signs the element whose `ID` is `id` inside `xml` and returns the
/// document with a `ds:Signature` inserted right after that element's
/// `saml:Issuer` (or as its first child when it has no Issuer).
pub fn sign_enveloped(
    xml: &str,
    id: &str,
    credential: &Credential,
    algorithm: SignatureAlgorithm,
    digest: DigestAlgorithm,
) -> Result<String, Error> {
    let doc = xml::parse(xml)?;
    let target = doc
        .descendants()
        .find(|n| n.is_element() && n.attribute("ID") == Some(id))
        .ok_or_else(|| Error::Xml(format!("no element with ID {id:?} to sign")))?;
    let insert_at = insertion_point(target)?;

    let canonical = c14n::canonicalize(
        target,
        &Options {
            inclusive_prefixes: &[PREFIX_LIST],
            exclude: None,
        },
    )
    .map_err(|e| Error::Xml(e.to_string()))?;
    let digest_value = STANDARD.encode(digest.digest(&canonical));

    let signed_info = format!(
        concat!(
            "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"{c14n}\"/>",
            "<ds:SignatureMethod Algorithm=\"{sig}\"/><ds:Reference URI=\"#{id}\"><ds:Transforms>",
            "<ds:Transform Algorithm=\"{env}\"/><ds:Transform Algorithm=\"{c14n}\">",
            "<ec:InclusiveNamespaces xmlns:ec=\"{c14n}\" PrefixList=\"{prefixes}\"/></ds:Transform>",
            "</ds:Transforms><ds:DigestMethod Algorithm=\"{digest}\"/>",
            "<ds:DigestValue>{value}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        ),
        c14n = EXC_C14N,
        sig = algorithm.uri(),
        id = escape(id),
        env = ENVELOPED,
        prefixes = PREFIX_LIST,
        digest = digest.uri(),
        value = digest_value,
    );
    // Canonicalize SignedInfo exactly where it will sit: inside a
    // ds:Signature that declares the ds prefix.
    let wrapped = format!("<ds:Signature xmlns:ds=\"{DS}\">{signed_info}</ds:Signature>");
    let wrapped_doc = xml::parse(&wrapped)?;
    let signed_info_node = wrapped_doc
        .root_element()
        .first_element_child()
        .ok_or_else(|| Error::Xml("SignedInfo missing".into()))?;
    let signed_info_c14n = c14n::canonicalize(signed_info_node, &Options::default())
        .map_err(|e| Error::Xml(e.to_string()))?;
    let signature_value = STANDARD.encode(credential.key().sign(algorithm, &signed_info_c14n)?);

    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DS}\">{signed_info}<ds:SignatureValue>{signature_value}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
        credential.certificate().to_base64()
    );
    let (head, tail) = xml
        .split_at_checked(insert_at)
        .ok_or_else(|| Error::Xml("insertion point outside the document".into()))?;
    Ok(format!("{head}{signature}{tail}"))
}

/// Byte offset just after the element's `saml:Issuer`, or before its first
/// child when there is no Issuer.
fn insertion_point(target: Node<'_, '_>) -> Result<usize, Error> {
    if let Some(issuer) = target.children().find(|c| is(*c, SAML, "Issuer")) {
        return Ok(issuer.range().end);
    }
    target
        .first_child()
        .map(|c| c.range().start)
        .ok_or_else(|| Error::Xml("cannot sign an empty element".into()))
}
