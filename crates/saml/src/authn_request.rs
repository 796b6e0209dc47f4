//! AuthnRequest: built and sent by the SP (HTTP-Redirect, optionally
//! signed), and parsed by the IdP simulator from HTTP-Redirect or HTTP-POST.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::Node;
use time::OffsetDateTime;

use crate::binding::{self, RequestVerification};
use crate::cert::decode_base64;
use crate::dsig::{self, Policy};
use crate::key::Credential;
use crate::ns::{BINDING_HTTP_POST, SAML, SAMLP};
use crate::writer::{self, empty_element, io, text_element};
use crate::xml::{self, MAX_DOCUMENT_BYTES, is, text_of};
use crate::{Error, id, instant};

/// An AuthnRequest the SP sends to the IdP's SSO URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthnRequest {
    /// Request `ID`: keep it (bound to the browser) to check
    /// `InResponseTo` when the response arrives.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// `Destination`: the IdP SSO URL.
    pub destination: String,
    /// `AssertionConsumerServiceURL` (HTTP-POST binding).
    pub acs_url: String,
    /// `Issuer`: the SP entity ID.
    pub issuer: String,
    /// `NameIDPolicy/@Format`, if the SP asks for one.
    pub name_id_format: Option<String>,
    /// `ForceAuthn`.
    pub force_authn: bool,
}

impl AuthnRequest {
    /// A request with a fresh random ID.
    pub fn new(
        sp_entity_id: impl Into<String>,
        acs_url: impl Into<String>,
        idp_sso_url: impl Into<String>,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        Ok(Self {
            id: id::new_id()?,
            issue_instant: now,
            destination: idp_sso_url.into(),
            acs_url: acs_url.into(),
            issuer: sp_entity_id.into(),
            name_id_format: None,
            force_authn: false,
        })
    }

    /// The request XML.
    pub fn to_xml(&self) -> Result<String, Error> {
        let issue = instant::format(self.issue_instant);
        let mut attributes = vec![
            ("xmlns:samlp", SAMLP),
            ("xmlns:saml", SAML),
            ("ID", self.id.as_str()),
            ("Version", "2.0"),
            ("IssueInstant", issue.as_str()),
            ("Destination", self.destination.as_str()),
            ("AssertionConsumerServiceURL", self.acs_url.as_str()),
            ("ProtocolBinding", BINDING_HTTP_POST),
        ];
        if self.force_authn {
            attributes.push(("ForceAuthn", "true"));
        }
        let mut w = writer::new();
        w.create_element("samlp:AuthnRequest")
            .with_attributes(attributes)
            .write_inner_content(|w| {
                text_element(w, "saml:Issuer", &[], &self.issuer)?;
                let mut policy = vec![("AllowCreate", "true")];
                if let Some(format) = &self.name_id_format {
                    policy.insert(0, ("Format", format.as_str()));
                }
                empty_element(w, "samlp:NameIDPolicy", &policy)
            })
            .map_err(io)?;
        writer::finish(w)
    }

    /// The URL to redirect the browser to (HTTP-Redirect binding), with
    /// `RelayState` and, when `signer` is given, a query signature with the
    /// key's default algorithm (RSA-SHA256 for RSA keys).
    pub fn redirect_url(
        &self,
        relay_state: Option<&str>,
        signer: Option<&Credential>,
    ) -> Result<String, Error> {
        binding::redirect_url(
            &self.destination,
            "SAMLRequest",
            &self.to_xml()?,
            relay_state,
            signer,
        )
    }

    /// The `SAMLRequest` value for the HTTP-POST binding (base64, unsigned).
    pub fn post_value(&self) -> Result<String, Error> {
        Ok(STANDARD.encode(self.to_xml()?))
    }
}

/// An AuthnRequest as the IdP received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedAuthnRequest {
    /// Request `ID`, to echo as `InResponseTo`.
    pub id: String,
    /// `Issuer`: the SP entity ID, to match against the app's audience.
    pub issuer: String,
    /// `Destination`, when present.
    pub destination: Option<String>,
    /// `AssertionConsumerServiceURL`, when present; check it against the
    /// app's configured ACS URLs before using it.
    pub acs_url: Option<String>,
    /// `ProtocolBinding`, when present.
    pub protocol_binding: Option<String>,
    /// `NameIDPolicy/@Format`, when present.
    pub name_id_format: Option<String>,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// `ForceAuthn`.
    pub force_authn: bool,
    /// `RelayState` that came with the request.
    pub relay_state: Option<String>,
    /// Whether a signature by one of the given certificates verified.
    pub signature_verified: bool,
}

/// Parses an AuthnRequest from an HTTP-Redirect query string. With
/// `verification`, the query must carry a valid `Signature`.
pub fn parse_redirect_authn_request(
    query: &str,
    verification: Option<&RequestVerification<'_>>,
) -> Result<ReceivedAuthnRequest, Error> {
    let message = binding::parse_redirect(query, "SAMLRequest", verification)?;
    let doc = xml::parse(&message.xml)?;
    read_request(
        doc.root_element(),
        message.relay_state,
        message.signature_verified,
    )
}

/// Parses an AuthnRequest from the HTTP-POST binding's `SAMLRequest` form
/// value. With `verification`, the request must carry an enveloped XML
/// signature (verified as strictly as responses are).
pub fn parse_post_authn_request(
    saml_request: &str,
    relay_state: Option<&str>,
    verification: Option<&RequestVerification<'_>>,
) -> Result<ReceivedAuthnRequest, Error> {
    let bytes = decode_base64(saml_request)
        .map_err(|_| Error::InvalidRequest("SAMLRequest is not base64".into()))?;
    let text = xml::decode_utf8(&bytes, MAX_DOCUMENT_BYTES)?;
    let doc = xml::parse(text)?;
    let relay_state = relay_state.map(str::to_owned);
    let Some(verification) = verification else {
        return read_request(doc.root_element(), relay_state, false);
    };
    let root = doc.root_element();
    let signature = dsig::signature_child(root)
        .map_err(|r| Error::RequestSignature(r.to_string()))?
        .ok_or_else(|| Error::RequestSignature("the request is not signed".into()))?;
    let policy = Policy {
        certificates: verification.certificates,
        allow_legacy: verification.allow_sha1,
    };
    let verified = dsig::verify(root, signature, &policy)
        .map_err(|r| Error::RequestSignature(r.to_string()))?;
    // Read only what the signature covered.
    let canonical = String::from_utf8(verified.canonical)
        .map_err(|_| Error::Xml("canonical form is not UTF-8".into()))?;
    let verified_doc = xml::parse(&canonical)?;
    read_request(verified_doc.root_element(), relay_state, true)
}

fn read_request(
    root: Node<'_, '_>,
    relay_state: Option<String>,
    signature_verified: bool,
) -> Result<ReceivedAuthnRequest, Error> {
    let invalid = |detail: &str| Error::InvalidRequest(detail.to_owned());
    if !is(root, SAMLP, "AuthnRequest") {
        return Err(invalid("the message is not a samlp:AuthnRequest"));
    }
    if root.attribute("Version") != Some("2.0") {
        return Err(invalid("Version must be 2.0"));
    }
    let attr = |name: &str| root.attribute(name).map(str::to_owned);
    let issuer = root
        .children()
        .find(|c| is(*c, SAML, "Issuer"))
        .map(|i| text_of(i).trim().to_owned())
        .filter(|i| !i.is_empty())
        .ok_or_else(|| invalid("the request has no Issuer"))?;
    let issue_instant = root
        .attribute("IssueInstant")
        .and_then(instant::parse)
        .ok_or_else(|| invalid("IssueInstant is missing or not a date-time"))?;
    let name_id_format = root
        .children()
        .find(|c| is(*c, SAMLP, "NameIDPolicy"))
        .and_then(|p| p.attribute("Format"))
        .map(str::to_owned);
    Ok(ReceivedAuthnRequest {
        id: attr("ID")
            .filter(|i| !i.is_empty())
            .ok_or_else(|| invalid("the request has no ID"))?,
        issuer,
        destination: attr("Destination"),
        acs_url: attr("AssertionConsumerServiceURL"),
        protocol_binding: attr("ProtocolBinding"),
        name_id_format,
        issue_instant,
        force_authn: matches!(root.attribute("ForceAuthn"), Some("true" | "1")),
        relay_state,
        signature_verified,
    })
}
