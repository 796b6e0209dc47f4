//! Errors of everything except response verification (which answers with a
//! [`crate::Rejection`]): configuration, keys, metadata, bindings, signing.

/// What went wrong outside response verification. Messages are written for
/// the admin who supplied the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate could not be parsed.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    /// A private key could not be parsed, or does not fit its use.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// A cryptographic primitive failed (key generation, signing, randomness).
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
    /// IdP metadata is unusable.
    #[error("invalid IdP metadata: {0}")]
    InvalidMetadata(String),
    /// A SAML request (AuthnRequest) or binding message is malformed.
    #[error("invalid SAML request: {0}")]
    InvalidRequest(String),
    /// A SAML request's signature is missing or does not verify.
    #[error("SAML request signature rejected: {0}")]
    RequestSignature(String),
    /// XML could not be built or parsed.
    #[error("XML error: {0}")]
    Xml(String),
}

impl From<crate::xml::XmlError> for Error {
    fn from(e: crate::xml::XmlError) -> Self {
        Error::Xml(e.to_string())
    }
}
