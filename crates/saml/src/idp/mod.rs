//! The identity-provider side, for the okta-sim simulator: Okta-shaped
//! Responses and Assertions, enveloped signatures over either or both, and
//! optional assertion encryption with the SP's certificate.
//!
//! Nothing on the verification path depends on this module.

mod encrypt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::{Duration, OffsetDateTime};

use crate::algorithms::{DigestAlgorithm, SignatureAlgorithm};
use crate::key::Credential;
use crate::ns::{
    AC_PASSWORD_PROTECTED_TRANSPORT, CM_BEARER, NAMEID_ENTITY, SAML, SAMLP, STATUS_SUCCESS, XS,
    XSI, attrname_format, nameid_format,
};
use crate::writer::{self, XmlWriter, empty_element, io, text_element};
use crate::{Error, id, instant};

pub use crate::sign::sign_enveloped;
pub use encrypt::{ContentEncryption, Encryption};

/// One attribute statement entry; values are written as `xs:string`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// `Name`, e.g. `email` or `groups`.
    pub name: String,
    /// `NameFormat`; Okta's default is unspecified.
    pub name_format: String,
    /// One `AttributeValue` per entry (groups are multi-valued).
    pub values: Vec<String>,
}

impl Attribute {
    /// An attribute with Okta's default (unspecified) name format.
    pub fn new(name: impl Into<String>, values: Vec<String>) -> Self {
        Self {
            name: name.into(),
            name_format: attrname_format::UNSPECIFIED.to_owned(),
            values,
        }
    }
}

/// What goes into one Response, with Okta's defaults from [`Self::new`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AssertionParams {
    /// IdP issuer, `http://www.okta.com/<app external key>`.
    pub issuer: String,
    /// Response `Destination` (the app's Single sign-on URL).
    pub destination: String,
    /// SubjectConfirmationData `Recipient` (defaults to the destination).
    pub recipient: String,
    /// Audience URI (the SP entity ID).
    pub audience: String,
    /// The AuthnRequest ID answered; None for IdP-initiated sign-in.
    pub in_response_to: Option<String>,
    /// The subject's name identifier.
    pub name_id: String,
    /// Name ID format (default unspecified, as in Okta).
    pub name_id_format: String,
    /// Authentication context class (default PasswordProtectedTransport).
    pub authn_context_class: String,
    /// Attribute statements.
    pub attributes: Vec<Attribute>,
    /// IssueInstant of Response and Assertion.
    pub issue_instant: OffsetDateTime,
    /// When the user authenticated.
    pub authn_instant: OffsetDateTime,
    /// Validity on each side of IssueInstant: Okta uses 5 minutes
    /// (`NotBefore` = issue − 5 min, `NotOnOrAfter` = issue + 5 min).
    pub validity: Duration,
}

impl AssertionParams {
    /// Params with Okta's defaults for everything not given.
    pub fn new(
        issuer: impl Into<String>,
        acs_url: impl Into<String>,
        audience: impl Into<String>,
        name_id: impl Into<String>,
        now: OffsetDateTime,
    ) -> Self {
        let acs_url = acs_url.into();
        Self {
            issuer: issuer.into(),
            recipient: acs_url.clone(),
            destination: acs_url,
            audience: audience.into(),
            in_response_to: None,
            name_id: name_id.into(),
            name_id_format: nameid_format::UNSPECIFIED.to_owned(),
            authn_context_class: AC_PASSWORD_PROTECTED_TRANSPORT.to_owned(),
            attributes: Vec::new(),
            issue_instant: now,
            authn_instant: now,
            validity: Duration::minutes(5),
        }
    }
}

/// Which parts to sign and how (Okta: response and/or assertion,
/// RSA-SHA256 with SHA-256 digests by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningOptions {
    /// Sign the Response element.
    pub sign_response: bool,
    /// Sign the Assertion element (before any encryption).
    pub sign_assertion: bool,
    /// Signature algorithm. RSA-SHA1 cannot be produced (aws-lc-rs offers
    /// SHA-1 for verification only); Okta's "SHA1" setting maps to the
    /// digest algorithm below.
    pub signature_algorithm: SignatureAlgorithm,
    /// Digest algorithm (SHA-256 default, SHA-1 optional).
    pub digest_algorithm: DigestAlgorithm,
}

impl Default for SigningOptions {
    fn default() -> Self {
        Self {
            sign_response: true,
            sign_assertion: true,
            signature_algorithm: SignatureAlgorithm::RsaSha256,
            digest_algorithm: DigestAlgorithm::Sha256,
        }
    }
}

/// A Response ready to post, with the IDs for the simulator's logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedResponse {
    /// The Response document.
    pub xml: String,
    /// The Response `ID`.
    pub response_id: String,
    /// The Assertion `ID`.
    pub assertion_id: String,
}

impl IssuedResponse {
    /// The `SAMLResponse` form value (base64 of the XML).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.xml)
    }
}

/// Builds, signs and optionally encrypts a Response as Okta would.
///
/// Order: the assertion is signed first, then encrypted, then the Response
/// (holding the assertion or its `EncryptedAssertion`) is signed.
pub fn issue_response(
    params: &AssertionParams,
    credential: &Credential,
    signing: &SigningOptions,
    encryption: Option<&Encryption<'_>>,
) -> Result<IssuedResponse, Error> {
    if !signing.sign_response && !signing.sign_assertion {
        return Err(Error::InvalidKey(
            "at least one of response and assertion must be signed".into(),
        ));
    }
    let response_id = id::new_id()?;
    let assertion_id = id::new_id()?;
    let session_index = id::new_id()?;

    let mut assertion = build_assertion(params, &assertion_id, &session_index)?;
    if signing.sign_assertion {
        assertion = sign_enveloped(
            &assertion,
            &assertion_id,
            credential,
            signing.signature_algorithm,
            signing.digest_algorithm,
        )?;
    }
    if let Some(encryption) = encryption {
        assertion = encrypt::encrypt_assertion(&assertion, encryption)?;
    }
    let mut xml = build_response(params, &response_id, &assertion)?;
    if signing.sign_response {
        xml = sign_enveloped(
            &xml,
            &response_id,
            credential,
            signing.signature_algorithm,
            signing.digest_algorithm,
        )?;
    }
    Ok(IssuedResponse {
        xml,
        response_id,
        assertion_id,
    })
}

fn build_assertion(
    params: &AssertionParams,
    assertion_id: &str,
    session_index: &str,
) -> Result<String, Error> {
    let issue = instant::format(params.issue_instant);
    let out_of_range = || Error::Xml("validity period out of range".into());
    let not_before = instant::format(
        params
            .issue_instant
            .checked_sub(params.validity)
            .ok_or_else(out_of_range)?,
    );
    let not_on_or_after = instant::format(
        params
            .issue_instant
            .checked_add(params.validity)
            .ok_or_else(out_of_range)?,
    );
    let authn_instant = instant::format(params.authn_instant);

    let mut w = writer::new();
    w.create_element("saml2:Assertion")
        .with_attributes([
            ("xmlns:saml2", SAML),
            ("ID", assertion_id),
            ("IssueInstant", issue.as_str()),
            ("Version", "2.0"),
        ])
        .write_inner_content(|w| {
            text_element(
                w,
                "saml2:Issuer",
                &[("Format", NAMEID_ENTITY)],
                &params.issuer,
            )?;
            w.create_element("saml2:Subject").write_inner_content(|w| {
                text_element(
                    w,
                    "saml2:NameID",
                    &[("Format", params.name_id_format.as_str())],
                    &params.name_id,
                )?;
                w.create_element("saml2:SubjectConfirmation")
                    .with_attribute(("Method", CM_BEARER))
                    .write_inner_content(|w| {
                        let mut data = vec![];
                        if let Some(irt) = &params.in_response_to {
                            data.push(("InResponseTo", irt.as_str()));
                        }
                        data.push(("NotOnOrAfter", not_on_or_after.as_str()));
                        data.push(("Recipient", params.recipient.as_str()));
                        empty_element(w, "saml2:SubjectConfirmationData", &data)
                    })?;
                Ok(())
            })?;
            w.create_element("saml2:Conditions")
                .with_attributes([
                    ("NotBefore", not_before.as_str()),
                    ("NotOnOrAfter", not_on_or_after.as_str()),
                ])
                .write_inner_content(|w| {
                    w.create_element("saml2:AudienceRestriction")
                        .write_inner_content(|w| {
                            text_element(w, "saml2:Audience", &[], &params.audience)
                        })?;
                    Ok(())
                })?;
            w.create_element("saml2:AuthnStatement")
                .with_attributes([
                    ("AuthnInstant", authn_instant.as_str()),
                    ("SessionIndex", session_index),
                ])
                .write_inner_content(|w| {
                    w.create_element("saml2:AuthnContext")
                        .write_inner_content(|w| {
                            text_element(
                                w,
                                "saml2:AuthnContextClassRef",
                                &[],
                                &params.authn_context_class,
                            )
                        })?;
                    Ok(())
                })?;
            if !params.attributes.is_empty() {
                w.create_element("saml2:AttributeStatement")
                    .write_inner_content(|w| write_attributes(w, &params.attributes))?;
            }
            Ok(())
        })
        .map_err(io)?;
    writer::finish(w)
}

fn write_attributes(w: &mut XmlWriter, attributes: &[Attribute]) -> std::io::Result<()> {
    for attribute in attributes {
        w.create_element("saml2:Attribute")
            .with_attributes([
                ("Name", attribute.name.as_str()),
                ("NameFormat", attribute.name_format.as_str()),
            ])
            .write_inner_content(|w| {
                for value in &attribute.values {
                    text_element(
                        w,
                        "saml2:AttributeValue",
                        &[
                            ("xmlns:xs", XS),
                            ("xmlns:xsi", XSI),
                            ("xsi:type", "xs:string"),
                        ],
                        value,
                    )?;
                }
                Ok(())
            })?;
    }
    Ok(())
}

fn build_response(
    params: &AssertionParams,
    response_id: &str,
    assertion: &str,
) -> Result<String, Error> {
    let issue = instant::format(params.issue_instant);
    let mut attributes = vec![
        ("xmlns:saml2p", SAMLP),
        ("Destination", params.destination.as_str()),
        ("ID", response_id),
        ("IssueInstant", issue.as_str()),
    ];
    if let Some(irt) = &params.in_response_to {
        attributes.push(("InResponseTo", irt.as_str()));
    }
    attributes.push(("Version", "2.0"));
    let mut w = writer::new();
    w.create_element("saml2p:Response")
        .with_attributes(attributes)
        .write_inner_content(|w| {
            text_element(
                w,
                "saml2:Issuer",
                &[("xmlns:saml2", SAML), ("Format", NAMEID_ENTITY)],
                &params.issuer,
            )?;
            w.create_element("saml2p:Status").write_inner_content(|w| {
                empty_element(w, "saml2p:StatusCode", &[("Value", STATUS_SUCCESS)])
            })?;
            writer::raw(w, assertion)
        })
        .map_err(io)?;
    writer::finish(w)
}
