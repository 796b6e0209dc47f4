//! SAML metadata: reading IdP metadata (Okta's, or any EntityDescriptor /
//! EntitiesDescriptor), and writing IdP metadata for the simulator and SP
//! metadata for Gatehouse connections.

use roxmltree::Node;

use crate::Error;
use crate::cert::Certificate;
use crate::ns::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, DS, MD, SAMLP, XENC11};
use crate::writer::{self, XmlWriter, empty_element, io, text_element};
use crate::xml::{self, children, is, text_of};

/// The parts of IdP metadata a service provider uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdpMetadata {
    /// `entityID`: the expected `Issuer`.
    pub entity_id: String,
    /// `SingleSignOnService` location for the HTTP-Redirect binding.
    pub sso_redirect_url: Option<String>,
    /// `SingleSignOnService` location for the HTTP-POST binding.
    pub sso_post_url: Option<String>,
    /// Every signing certificate (`use="signing"` or no `use`), in order.
    /// More than one during a key rotation: trust them all.
    pub signing_certificates: Vec<Certificate>,
    /// `WantAuthnRequestsSigned`.
    pub want_authn_requests_signed: bool,
}

impl IdpMetadata {
    /// Metadata for one IdP, e.g. what okta-sim publishes.
    pub fn new(
        entity_id: impl Into<String>,
        sso_url: impl Into<String>,
        signing_certificates: Vec<Certificate>,
    ) -> Self {
        let sso_url = sso_url.into();
        Self {
            entity_id: entity_id.into(),
            sso_redirect_url: Some(sso_url.clone()),
            sso_post_url: Some(sso_url),
            signing_certificates,
            want_authn_requests_signed: false,
        }
    }

    /// Parses metadata holding exactly one IdP (an `EntityDescriptor`, or
    /// an `EntitiesDescriptor` with a single IdP entity).
    pub fn parse(xml: &[u8]) -> Result<Self, Error> {
        Self::parse_entity(xml, None)
    }

    /// Parses metadata and picks the IdP entity named `entity_id`
    /// (for aggregates holding several).
    pub fn parse_for_entity(xml: &[u8], entity_id: &str) -> Result<Self, Error> {
        Self::parse_entity(xml, Some(entity_id))
    }

    fn parse_entity(xml: &[u8], wanted: Option<&str>) -> Result<Self, Error> {
        let text = xml::decode_utf8(xml, xml::MAX_DOCUMENT_BYTES)?;
        let doc = xml::parse(text)?;
        let root = doc.root_element();
        if !is(root, MD, "EntityDescriptor") && !is(root, MD, "EntitiesDescriptor") {
            return Err(invalid(format!(
                "root element is {}, not md:EntityDescriptor",
                root.tag_name().name()
            )));
        }
        let idps: Vec<Node<'_, '_>> = root
            .descendants()
            .filter(|n| {
                is(*n, MD, "EntityDescriptor")
                    && children(*n, MD, "IDPSSODescriptor").next().is_some()
            })
            .filter(|n| wanted.is_none_or(|w| n.attribute("entityID") == Some(w)))
            .collect();
        let entity = match idps.as_slice() {
            [one] => *one,
            [] => {
                return Err(invalid(match wanted {
                    Some(w) => format!("no IdP entity with entityID {w:?}"),
                    None => "no EntityDescriptor with an IDPSSODescriptor".to_owned(),
                }));
            }
            many => {
                return Err(invalid(format!(
                    "{} IdP entities; choose one by entityID",
                    many.len()
                )));
            }
        };
        let entity_id = entity
            .attribute("entityID")
            .filter(|e| !e.is_empty())
            .ok_or_else(|| invalid("entityID is missing"))?;
        let descriptor = children(entity, MD, "IDPSSODescriptor")
            .find(|d| {
                d.attribute("protocolSupportEnumeration")
                    .is_some_and(|p| p.split_ascii_whitespace().any(|p| p == SAMLP))
            })
            .ok_or_else(|| invalid("no IDPSSODescriptor supports SAML 2.0"))?;

        let mut signing_certificates: Vec<Certificate> = Vec::new();
        for key in children(descriptor, MD, "KeyDescriptor")
            .filter(|k| k.attribute("use").is_none_or(|u| u == "signing"))
        {
            for x509 in key.descendants().filter(|n| is(*n, DS, "X509Certificate")) {
                let certificate = Certificate::from_base64(&text_of(x509))?;
                if !signing_certificates.contains(&certificate) {
                    signing_certificates.push(certificate);
                }
            }
        }
        if signing_certificates.is_empty() {
            return Err(invalid(
                "no signing certificate (KeyDescriptor use=\"signing\")",
            ));
        }
        let sso = |binding: &str| {
            children(descriptor, MD, "SingleSignOnService")
                .find(|s| s.attribute("Binding") == Some(binding))
                .and_then(|s| s.attribute("Location"))
                .map(str::to_owned)
        };
        let metadata = Self {
            entity_id: entity_id.to_owned(),
            sso_redirect_url: sso(BINDING_HTTP_REDIRECT),
            sso_post_url: sso(BINDING_HTTP_POST),
            signing_certificates,
            want_authn_requests_signed: matches!(
                descriptor.attribute("WantAuthnRequestsSigned"),
                Some("true" | "1")
            ),
        };
        if metadata.sso_redirect_url.is_none() && metadata.sso_post_url.is_none() {
            return Err(invalid(
                "no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding",
            ));
        }
        Ok(metadata)
    }

    /// Okta-shaped IdP metadata XML (what okta-sim serves).
    pub fn to_xml(&self) -> Result<String, Error> {
        let mut w = writer::new();
        let want_signed = if self.want_authn_requests_signed {
            "true"
        } else {
            "false"
        };
        w.create_element("md:EntityDescriptor")
            .with_attributes([("xmlns:md", MD), ("entityID", self.entity_id.as_str())])
            .write_inner_content(|w| {
                w.create_element("md:IDPSSODescriptor")
                    .with_attributes([
                        ("WantAuthnRequestsSigned", want_signed),
                        ("protocolSupportEnumeration", SAMLP),
                    ])
                    .write_inner_content(|w| {
                        for certificate in &self.signing_certificates {
                            key_descriptor(w, "signing", certificate, None)?;
                        }
                        for format in [
                            crate::ns::nameid_format::EMAIL_ADDRESS,
                            crate::ns::nameid_format::UNSPECIFIED,
                        ] {
                            text_element(w, "md:NameIDFormat", &[], format)?;
                        }
                        for (binding, location) in [
                            (BINDING_HTTP_POST, &self.sso_post_url),
                            (BINDING_HTTP_REDIRECT, &self.sso_redirect_url),
                        ] {
                            if let Some(location) = location {
                                empty_element(
                                    w,
                                    "md:SingleSignOnService",
                                    &[("Binding", binding), ("Location", location)],
                                )?;
                            }
                        }
                        Ok(())
                    })?;
                Ok(())
            })
            .map_err(io)?;
        writer::finish(w)
    }
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::InvalidMetadata(detail.into())
}

fn key_descriptor(
    w: &mut XmlWriter,
    usage: &str,
    certificate: &Certificate,
    encryption_method: Option<&str>,
) -> std::io::Result<()> {
    w.create_element("md:KeyDescriptor")
        .with_attribute(("use", usage))
        .write_inner_content(|w| {
            w.create_element("ds:KeyInfo")
                .with_attribute(("xmlns:ds", DS))
                .write_inner_content(|w| {
                    w.create_element("ds:X509Data").write_inner_content(|w| {
                        text_element(w, "ds:X509Certificate", &[], &certificate.to_base64())
                    })?;
                    Ok(())
                })?;
            if let Some(algorithm) = encryption_method {
                empty_element(w, "md:EncryptionMethod", &[("Algorithm", algorithm)])?;
            }
            Ok(())
        })?;
    Ok(())
}

/// What Gatehouse publishes about one SP connection.
#[derive(Debug, Clone, Copy)]
pub struct SpMetadata<'a> {
    /// SP entity ID (the Audience the IdP must use).
    pub entity_id: &'a str,
    /// ACS URL, HTTP-POST binding.
    pub acs_url: &'a str,
    /// Preferred Name ID format, if any.
    pub name_id_format: Option<&'a str>,
    /// Certificate for signed AuthnRequests.
    pub signing_certificate: Option<&'a Certificate>,
    /// Certificate the IdP encrypts assertions with.
    pub encryption_certificate: Option<&'a Certificate>,
    /// `AuthnRequestsSigned`.
    pub authn_requests_signed: bool,
    /// `WantAssertionsSigned`.
    pub want_assertions_signed: bool,
}

impl SpMetadata<'_> {
    /// The `md:EntityDescriptor` XML.
    pub fn to_xml(&self) -> Result<String, Error> {
        let flag = |b: bool| if b { "true" } else { "false" };
        let mut w = writer::new();
        w.create_element("md:EntityDescriptor")
            .with_attributes([("xmlns:md", MD), ("entityID", self.entity_id)])
            .write_inner_content(|w| {
                w.create_element("md:SPSSODescriptor")
                    .with_attributes([
                        ("AuthnRequestsSigned", flag(self.authn_requests_signed)),
                        ("WantAssertionsSigned", flag(self.want_assertions_signed)),
                        ("protocolSupportEnumeration", SAMLP),
                    ])
                    .write_inner_content(|w| {
                        if let Some(certificate) = self.signing_certificate {
                            key_descriptor(w, "signing", certificate, None)?;
                        }
                        if let Some(certificate) = self.encryption_certificate {
                            let gcm = format!("{XENC11}aes256-gcm");
                            key_descriptor(w, "encryption", certificate, Some(&gcm))?;
                        }
                        if let Some(format) = self.name_id_format {
                            text_element(w, "md:NameIDFormat", &[], format)?;
                        }
                        empty_element(
                            w,
                            "md:AssertionConsumerService",
                            &[
                                ("Binding", BINDING_HTTP_POST),
                                ("Location", self.acs_url),
                                ("index", "0"),
                                ("isDefault", "true"),
                            ],
                        )
                    })?;
                Ok(())
            })
            .map_err(io)?;
        writer::finish(w)
    }
}
