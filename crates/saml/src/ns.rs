//! Namespace names and algorithm identifiers, in one place so a typo cannot
//! silently widen what the verifier accepts.

/// SAML 2.0 assertion namespace (`saml:`/`saml2:`).
pub(crate) const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 2.0 protocol namespace (`samlp:`/`saml2p:`).
pub(crate) const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 metadata namespace (`md:`).
pub(crate) const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML-DSig namespace (`ds:`).
pub(crate) const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XML Encryption 1.0 namespace (`xenc:`).
pub(crate) const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML Encryption 1.1 namespace (`xenc11:`).
pub(crate) const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
/// XML Schema namespace, used for `xsi:type="xs:string"` values.
pub(crate) const XS: &str = "http://www.w3.org/2001/XMLSchema";
/// XML Schema instance namespace.
pub(crate) const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Exclusive canonicalization 1.0 without comments: the only c14n we accept.
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The enveloped-signature transform.
pub(crate) const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Status code meaning the IdP authenticated the user.
pub(crate) const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Subject confirmation method of the Web Browser SSO profile.
pub(crate) const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// HTTP-POST binding identifier.
pub const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// HTTP-Redirect binding identifier.
pub const BINDING_HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// Name ID format for entity identifiers (used on `Issuer`).
pub(crate) const NAMEID_ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

/// Well-known Name ID formats, as Okta names them in its app settings.
pub mod nameid_format {
    /// `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified`, Okta's default.
    pub const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
    /// `urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress`.
    pub const EMAIL_ADDRESS: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    /// `urn:oasis:names:tc:SAML:2.0:nameid-format:persistent`.
    pub const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    /// `urn:oasis:names:tc:SAML:2.0:nameid-format:transient`.
    pub const TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
    /// `urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName`.
    pub const X509_SUBJECT_NAME: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName";
}

/// Attribute `NameFormat` values Okta offers.
pub mod attrname_format {
    /// `urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified`, Okta's default.
    pub const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
    /// `urn:oasis:names:tc:SAML:2.0:attrname-format:basic`.
    pub const BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
    /// `urn:oasis:names:tc:SAML:2.0:attrname-format:uri`.
    pub const URI: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
}

/// Authentication context class Okta sends by default.
pub const AC_PASSWORD_PROTECTED_TRANSPORT: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
