//! The assertion as read from verified bytes, and the checks that turn it
//! into a [`VerifiedAssertion`].

use std::collections::BTreeMap;

use roxmltree::Node;
use time::OffsetDateTime;

use crate::Rejection;
use crate::instant;
use crate::ns::{CM_BEARER, SAML};
use crate::xml::{at_most_one, children, has_element_children, is, text_of};

/// A successfully verified sign-in. Every field comes from bytes covered by
/// a verified signature (re-parsed after canonicalization). Fields are
/// private so nothing unverified can be slipped in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    pub(crate) assertion_id: String,
    pub(crate) issuer: String,
    pub(crate) name_id: String,
    pub(crate) name_id_format: Option<String>,
    pub(crate) session_index: Option<String>,
    pub(crate) authn_instant: Option<OffsetDateTime>,
    pub(crate) authn_context_class: Option<String>,
    pub(crate) attributes: BTreeMap<String, Vec<String>>,
    pub(crate) not_on_or_after: OffsetDateTime,
    pub(crate) in_response_to: Option<String>,
    pub(crate) coverage: SignatureCoverage,
    pub(crate) certificate_sha256: String,
}

/// Which parts of the response carried verified signatures (for the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureCoverage {
    /// The Response element's signature verified.
    pub response_signed: bool,
    /// The Assertion's own signature verified.
    pub assertion_signed: bool,
    /// The assertion arrived as an `EncryptedAssertion`.
    pub encrypted: bool,
}

impl VerifiedAssertion {
    /// The assertion `ID`: the key for the caller's replay cache.
    pub fn assertion_id(&self) -> &str {
        &self.assertion_id
    }
    /// The IdP entity ID (equal to the configured one).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
    /// The subject's `NameID` text (all text nodes, comments ignored).
    pub fn name_id(&self) -> &str {
        &self.name_id
    }
    /// The `NameID` `Format`, when given.
    pub fn name_id_format(&self) -> Option<&str> {
        self.name_id_format.as_deref()
    }
    /// `AuthnStatement/@SessionIndex`, needed for Single Logout.
    pub fn session_index(&self) -> Option<&str> {
        self.session_index.as_deref()
    }
    /// When the user authenticated at the IdP.
    pub fn authn_instant(&self) -> Option<OffsetDateTime> {
        self.authn_instant
    }
    /// `AuthnContextClassRef`, e.g. PasswordProtectedTransport.
    pub fn authn_context_class(&self) -> Option<&str> {
        self.authn_context_class.as_deref()
    }
    /// Attributes by `Name`, each with its values in document order.
    pub fn attributes(&self) -> &BTreeMap<String, Vec<String>> {
        &self.attributes
    }
    /// Values of one attribute (empty when absent).
    pub fn attribute(&self, name: &str) -> &[String] {
        self.attributes.get(name).map_or(&[], Vec::as_slice)
    }
    /// The earliest `NotOnOrAfter` (Conditions and SubjectConfirmationData).
    /// Keep the assertion ID in the replay cache at least until this instant
    /// plus the clock skew.
    pub fn not_on_or_after(&self) -> OffsetDateTime {
        self.not_on_or_after
    }
    /// The AuthnRequest ID this answers; None for IdP-initiated sign-in.
    pub fn in_response_to(&self) -> Option<&str> {
        self.in_response_to.as_deref()
    }
    /// Which signatures verified.
    pub fn coverage(&self) -> SignatureCoverage {
        self.coverage
    }
    /// SHA-256 fingerprint of the configured certificate that verified the
    /// assertion (shows which certificate is live during rotation).
    pub fn certificate_sha256(&self) -> &str {
        &self.certificate_sha256
    }
}

/// Everything read from a verified `saml:Assertion`.
#[derive(Debug)]
pub(crate) struct AssertionView {
    pub(crate) id: String,
    pub(crate) issuer: Option<String>,
    pub(crate) name_id: String,
    pub(crate) name_id_format: Option<String>,
    pub(crate) confirmations: Vec<Confirmation>,
    pub(crate) not_before: Option<OffsetDateTime>,
    pub(crate) not_on_or_after: Option<OffsetDateTime>,
    pub(crate) audience_restrictions: Vec<Vec<String>>,
    pub(crate) session_index: Option<String>,
    pub(crate) authn_instant: Option<OffsetDateTime>,
    pub(crate) authn_context_class: Option<String>,
    pub(crate) attributes: BTreeMap<String, Vec<String>>,
}

/// One `SubjectConfirmation` with its data.
#[derive(Debug)]
pub(crate) struct Confirmation {
    pub(crate) bearer: bool,
    pub(crate) recipient: Option<String>,
    pub(crate) in_response_to: Option<String>,
    pub(crate) not_before: Option<OffsetDateTime>,
    pub(crate) not_on_or_after: Option<OffsetDateTime>,
}

fn missing(element: &'static str) -> Rejection {
    Rejection::MissingElement { element }
}

fn invalid(element: &'static str, detail: impl Into<String>) -> Rejection {
    Rejection::InvalidElement {
        element,
        detail: detail.into(),
    }
}

fn one<'a, 'i>(
    parent: Node<'a, 'i>,
    local: &'a str,
    label: &'static str,
) -> Result<Option<Node<'a, 'i>>, Rejection> {
    at_most_one(parent, SAML, local).map_err(|n| invalid(label, format!("appears {n} times")))
}

fn instant_attr(
    node: Node<'_, '_>,
    name: &str,
    label: &'static str,
) -> Result<Option<OffsetDateTime>, Rejection> {
    match node.attribute(name) {
        None => Ok(None),
        Some(value) => instant::parse(value).map(Some).ok_or_else(|| {
            invalid(
                label,
                format!("{value:?} is not a date-time with a time zone"),
            )
        }),
    }
}

/// Plain string content: all text nodes, no child elements.
fn simple_text(node: Node<'_, '_>, label: &'static str) -> Result<String, Rejection> {
    if has_element_children(node) {
        return Err(invalid(label, "must contain text only"));
    }
    Ok(text_of(node).trim().to_owned())
}

impl AssertionView {
    /// Reads a `saml:Assertion` element. Call only on verified nodes.
    pub(crate) fn read(verified: Node<'_, '_>) -> Result<Self, Rejection> {
        if !is(verified, SAML, "Assertion") {
            return Err(missing("saml:Assertion"));
        }
        if verified.attribute("Version") != Some("2.0") {
            return Err(invalid("saml:Assertion/@Version", "must be 2.0"));
        }
        let id = verified
            .attribute("ID")
            .ok_or(missing("saml:Assertion/@ID"))?
            .to_owned();
        let issuer = one(verified, "Issuer", "saml:Assertion/saml:Issuer")?
            .map(|n| simple_text(n, "saml:Assertion/saml:Issuer"))
            .transpose()?;

        let subject = one(verified, "Subject", "saml:Subject")?.ok_or(missing("saml:Subject"))?;
        if children(subject, SAML, "EncryptedID").next().is_some() {
            return Err(invalid("saml:Subject", "EncryptedID is not supported"));
        }
        let name_id_node = one(subject, "NameID", "saml:Subject/saml:NameID")?
            .ok_or(missing("saml:Subject/saml:NameID"))?;
        let name_id = simple_text(name_id_node, "saml:Subject/saml:NameID")?;
        if name_id.is_empty() {
            return Err(invalid("saml:Subject/saml:NameID", "is empty"));
        }
        let confirmations = children(subject, SAML, "SubjectConfirmation")
            .map(Confirmation::read)
            .collect::<Result<Vec<_>, _>>()?;

        let conditions =
            one(verified, "Conditions", "saml:Conditions")?.ok_or(missing("saml:Conditions"))?;
        let not_before = instant_attr(conditions, "NotBefore", "saml:Conditions/@NotBefore")?;
        let not_on_or_after =
            instant_attr(conditions, "NotOnOrAfter", "saml:Conditions/@NotOnOrAfter")?;
        let mut audience_restrictions = Vec::new();
        for condition in conditions.children().filter(Node::is_element) {
            if is(condition, SAML, "AudienceRestriction") {
                let audiences = children(condition, SAML, "Audience")
                    .map(|a| simple_text(a, "saml:Audience"))
                    .collect::<Result<Vec<_>, _>>()?;
                audience_restrictions.push(audiences);
            } else if !is(condition, SAML, "OneTimeUse") && !is(condition, SAML, "ProxyRestriction")
            {
                return Err(Rejection::UnsupportedCondition {
                    element: condition.tag_name().name().to_owned(),
                });
            }
        }

        // At least one AuthnStatement is required by the Web SSO profile,
        // but nothing here depends on it; Keycloak, for one, omits it.
        let authn = children(verified, SAML, "AuthnStatement").next();
        let session_index = authn
            .and_then(|a| a.attribute("SessionIndex"))
            .map(str::to_owned);
        let authn_instant = authn
            .map(|a| instant_attr(a, "AuthnInstant", "saml:AuthnStatement/@AuthnInstant"))
            .transpose()?
            .flatten();
        let authn_context_class = authn
            .and_then(|a| {
                a.descendants()
                    .find(|n| is(*n, SAML, "AuthnContextClassRef"))
            })
            .map(|n| simple_text(n, "saml:AuthnContextClassRef"))
            .transpose()?;

        let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for statement in children(verified, SAML, "AttributeStatement") {
            for attribute in children(statement, SAML, "Attribute") {
                let name = attribute
                    .attribute("Name")
                    .ok_or(missing("saml:Attribute/@Name"))?;
                let values = children(attribute, SAML, "AttributeValue")
                    .map(attribute_value)
                    .collect();
                if attributes.insert(name.to_owned(), values).is_some() {
                    return Err(Rejection::DuplicateAttribute {
                        name: name.to_owned(),
                    });
                }
            }
        }

        Ok(Self {
            id,
            issuer,
            name_id,
            name_id_format: name_id_node.attribute("Format").map(str::to_owned),
            confirmations,
            not_before,
            not_on_or_after,
            audience_restrictions,
            session_index,
            authn_instant,
            authn_context_class,
            attributes,
        })
    }
}

/// An `AttributeValue` as a string: its text, or for the rare structured
/// value holding a `saml:NameID` (eduPersonTargetedID), that NameID's text.
fn attribute_value(value: Node<'_, '_>) -> String {
    match children(value, SAML, "NameID").next() {
        Some(name_id) => text_of(name_id).trim().to_owned(),
        None => text_of(value),
    }
}

impl Confirmation {
    fn read(node: Node<'_, '_>) -> Result<Self, Rejection> {
        let bearer = node.attribute("Method") == Some(CM_BEARER);
        let data = one(
            node,
            "SubjectConfirmationData",
            "saml:SubjectConfirmationData",
        )?;
        let attr = |name: &str| data.and_then(|d| d.attribute(name)).map(str::to_owned);
        Ok(Self {
            bearer,
            recipient: attr("Recipient"),
            in_response_to: attr("InResponseTo"),
            not_before: data
                .map(|d| instant_attr(d, "NotBefore", "saml:SubjectConfirmationData/@NotBefore"))
                .transpose()?
                .flatten(),
            not_on_or_after: data
                .map(|d| {
                    instant_attr(
                        d,
                        "NotOnOrAfter",
                        "saml:SubjectConfirmationData/@NotOnOrAfter",
                    )
                })
                .transpose()?
                .flatten(),
        })
    }
}
