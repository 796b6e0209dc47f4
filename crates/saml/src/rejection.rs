//! Why a SAML response was refused: one variant per reason, with the values
//! involved, a stable snake_case [`Rejection::code`] for audit rows and API
//! bodies, and a `Display` text that says who must act.

use time::OffsetDateTime;

use crate::instant;
use crate::xml::XmlError;

/// Who can fix the problem a [`Rejection`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// The IdP admin must change the IdP app (audience, ACS URL, certificate…).
    IdentityProvider,
    /// The Gatehouse connection admin must change the connection settings.
    Connection,
    /// The user should start sign-in again (expired, stale or foreign response).
    User,
    /// Nobody legitimate: the message was malformed, altered or forged.
    /// Persisting failures deserve a look from the IdP admin and security.
    Sender,
}

/// A refused SAML response. Every variant has a stable [`code`](Self::code).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// `SAMLResponse` is not base64.
    InvalidEncoding,
    /// The decoded document is larger than the limit.
    TooLarge {
        /// Size received, in bytes.
        size: usize,
        /// Largest size accepted.
        limit: usize,
    },
    /// Not well-formed XML, not UTF-8, or nested too deep.
    MalformedXml {
        /// Parser message.
        detail: String,
    },
    /// The document carries a DTD or entity declaration.
    DtdForbidden,
    /// Two elements carry the same `ID` (a signature-wrapping precondition).
    DuplicateId {
        /// The repeated ID value.
        id: String,
    },
    /// The root element is not `samlp:Response`.
    NotAResponse {
        /// The root element found.
        root: String,
    },
    /// A required element or attribute is missing.
    MissingElement {
        /// Which one, e.g. `saml:Subject/saml:NameID`.
        element: &'static str,
    },
    /// An element is present but unusable (bad version, timestamp, content).
    InvalidElement {
        /// Which one.
        element: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// The IdP answered with a non-success status.
    StatusNotSuccess {
        /// Top-level `StatusCode/@Value`.
        status: String,
        /// Second-level status code, when present.
        sub_status: Option<String>,
        /// `StatusMessage`, when present.
        message: Option<String>,
    },
    /// An unsolicited (IdP-initiated) response reached a connection that does
    /// not allow IdP-initiated sign-in.
    IdpInitiatedNotAllowed,
    /// The response does not hold exactly one assertion.
    AssertionCount {
        /// Assertions (plain or encrypted) found outside `saml:Advice`.
        found: usize,
    },
    /// No verified signature covers the assertion.
    Unsigned,
    /// The connection requires the assertion itself to be signed, and only
    /// the response is.
    AssertionNotSigned,
    /// A signature is not shaped as the SAML profile requires (placement,
    /// reference, transforms, extra elements).
    SignatureStructure {
        /// What is wrong.
        detail: String,
    },
    /// An algorithm outside the accepted list.
    UnsupportedAlgorithm {
        /// Where it appeared: `canonicalization`, `transform`, `digest`,
        /// `signature`, `key transport` or `encryption`.
        kind: &'static str,
        /// The algorithm identifier received.
        uri: String,
    },
    /// A SHA-1 digest or signature while the connection does not allow SHA-1.
    Sha1NotAllowed {
        /// The algorithm identifier received.
        uri: String,
    },
    /// A configured RSA key is shorter than 2048 bits and legacy algorithms
    /// are not allowed.
    WeakKey {
        /// Key length in bits.
        bits: usize,
    },
    /// The signed content was changed after signing.
    DigestMismatch {
        /// Local name of the signed element (`Response` or `Assertion`).
        element: String,
    },
    /// The signature does not verify with any configured certificate.
    SignatureInvalid,
    /// The signature does not verify with any configured certificate, and
    /// `KeyInfo` names a certificate the connection does not trust (typical
    /// after an IdP certificate rotation).
    UntrustedCertificate {
        /// SHA-256 fingerprint of the certificate in `KeyInfo`.
        fingerprint: String,
    },
    /// The connection has no IdP certificate configured.
    NoTrustedCertificates,
    /// The assertion is encrypted and the connection has no decryption key.
    DecryptionKeyMissing,
    /// The encrypted assertion could not be decrypted. Deliberately one
    /// variant for every cause (no padding oracle).
    DecryptionFailed,
    /// Response or assertion `Issuer` differs from the configured IdP.
    IssuerMismatch {
        /// Configured IdP entity ID.
        expected: String,
        /// Issuer received (None when absent from the assertion).
        got: Option<String>,
    },
    /// Response `Destination` is not this connection's ACS URL.
    DestinationMismatch {
        /// This connection's ACS URL.
        expected: String,
        /// Destination received.
        got: Option<String>,
    },
    /// `SubjectConfirmationData/@Recipient` is not this connection's ACS URL.
    RecipientMismatch {
        /// This connection's ACS URL.
        expected: String,
        /// Recipient received.
        got: Option<String>,
    },
    /// The audience restriction does not name this connection's SP entity ID.
    AudienceMismatch {
        /// This connection's SP entity ID.
        expected: String,
        /// Audiences received (empty when the assertion has none).
        got: Vec<String>,
    },
    /// `InResponseTo` does not match the request this browser started.
    InResponseToMismatch {
        /// The pending AuthnRequest ID (None for an IdP-initiated flow).
        expected: Option<String>,
        /// The value received (None when absent).
        got: Option<String>,
    },
    /// No `SubjectConfirmation` with the bearer method.
    NoBearerConfirmation,
    /// The assertion is not valid yet, even with the clock skew.
    NotYetValid {
        /// Earliest `NotBefore`.
        not_before: OffsetDateTime,
        /// The time the check ran at.
        now: OffsetDateTime,
    },
    /// The assertion has expired, even with the clock skew.
    Expired {
        /// Earliest `NotOnOrAfter`.
        not_on_or_after: OffsetDateTime,
        /// The time the check ran at.
        now: OffsetDateTime,
    },
    /// Two `saml:Attribute` elements share a `Name`.
    DuplicateAttribute {
        /// The repeated name.
        name: String,
    },
    /// A condition this SP does not understand (SAML says: reject).
    UnsupportedCondition {
        /// Local name of the condition element.
        element: String,
    },
}

impl Rejection {
    /// Stable snake_case code for audit rows, API error bodies and pages.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidEncoding => "invalid_encoding",
            Self::TooLarge { .. } => "too_large",
            Self::MalformedXml { .. } => "malformed_xml",
            Self::DtdForbidden => "dtd_forbidden",
            Self::DuplicateId { .. } => "duplicate_id",
            Self::NotAResponse { .. } => "not_a_response",
            Self::MissingElement { .. } => "missing_element",
            Self::InvalidElement { .. } => "invalid_element",
            Self::StatusNotSuccess { .. } => "idp_status_not_success",
            Self::IdpInitiatedNotAllowed => "idp_initiated_not_allowed",
            Self::AssertionCount { .. } => "assertion_count",
            Self::Unsigned => "unsigned",
            Self::AssertionNotSigned => "assertion_not_signed",
            Self::SignatureStructure { .. } => "signature_structure",
            Self::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Self::Sha1NotAllowed { .. } => "sha1_not_allowed",
            Self::WeakKey { .. } => "weak_key",
            Self::DigestMismatch { .. } => "digest_mismatch",
            Self::SignatureInvalid => "signature_invalid",
            Self::UntrustedCertificate { .. } => "untrusted_certificate",
            Self::NoTrustedCertificates => "no_trusted_certificates",
            Self::DecryptionKeyMissing => "decryption_key_missing",
            Self::DecryptionFailed => "decryption_failed",
            Self::IssuerMismatch { .. } => "issuer_mismatch",
            Self::DestinationMismatch { .. } => "destination_mismatch",
            Self::RecipientMismatch { .. } => "recipient_mismatch",
            Self::AudienceMismatch { .. } => "audience_mismatch",
            Self::InResponseToMismatch { .. } => "in_response_to_mismatch",
            Self::NoBearerConfirmation => "no_bearer_confirmation",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::Expired { .. } => "expired",
            Self::DuplicateAttribute { .. } => "duplicate_attribute",
            Self::UnsupportedCondition { .. } => "unsupported_condition",
        }
    }

    /// Who can fix it; the error page names this party.
    pub fn who_must_act(&self) -> Party {
        match self {
            Self::InvalidEncoding
            | Self::TooLarge { .. }
            | Self::MalformedXml { .. }
            | Self::DtdForbidden
            | Self::DuplicateId { .. }
            | Self::NotAResponse { .. }
            | Self::AssertionCount { .. }
            | Self::SignatureStructure { .. }
            | Self::DigestMismatch { .. }
            | Self::SignatureInvalid
            | Self::DecryptionFailed => Party::Sender,
            Self::MissingElement { .. }
            | Self::InvalidElement { .. }
            | Self::StatusNotSuccess { .. }
            | Self::Unsigned
            | Self::AssertionNotSigned
            | Self::UnsupportedAlgorithm { .. }
            | Self::Sha1NotAllowed { .. }
            | Self::WeakKey { .. }
            | Self::IssuerMismatch { .. }
            | Self::DestinationMismatch { .. }
            | Self::RecipientMismatch { .. }
            | Self::AudienceMismatch { .. }
            | Self::NoBearerConfirmation
            | Self::DuplicateAttribute { .. }
            | Self::UnsupportedCondition { .. } => Party::IdentityProvider,
            Self::UntrustedCertificate { .. }
            | Self::NoTrustedCertificates
            | Self::DecryptionKeyMissing
            | Self::IdpInitiatedNotAllowed => Party::Connection,
            Self::InResponseToMismatch { .. } | Self::NotYetValid { .. } | Self::Expired { .. } => {
                Party::User
            }
        }
    }
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("nothing")
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const FORGED: &str = "The message was altered or forged; nothing to fix on either side unless this persists.";
        match self {
            Self::InvalidEncoding => {
                write!(f, "The SAMLResponse field is not valid base64. {FORGED}")
            }
            Self::TooLarge { size, limit } => {
                write!(
                    f,
                    "The SAML response is {size} bytes, above the {limit}-byte limit. {FORGED}"
                )
            }
            Self::MalformedXml { detail } => write!(
                f,
                "The SAML response is not usable XML ({detail}). {FORGED}"
            ),
            Self::DtdForbidden => write!(
                f,
                "The SAML response contains a DTD or entity declaration, which is never accepted. {FORGED}"
            ),
            Self::DuplicateId { id } => write!(
                f,
                "The ID {id:?} appears on more than one element, a signature-wrapping pattern. {FORGED}"
            ),
            Self::NotAResponse { root } => {
                write!(f, "Expected a samlp:Response, received {root}. {FORGED}")
            }
            Self::MissingElement { element } => write!(
                f,
                "The SAML response lacks {element}. The IdP admin must fix the app's SAML settings."
            ),
            Self::InvalidElement { element, detail } => write!(
                f,
                "{element} is invalid: {detail}. The IdP admin must fix the app's SAML settings."
            ),
            Self::StatusNotSuccess {
                status,
                sub_status,
                message,
            } => {
                write!(f, "The IdP refused the sign-in with status {status}")?;
                if let Some(sub) = sub_status {
                    write!(f, " ({sub})")?;
                }
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                write!(
                    f,
                    ". The IdP admin should check the user's assignment to the app."
                )
            }
            Self::IdpInitiatedNotAllowed => write!(
                f,
                "The IdP sent an unsolicited (IdP-initiated) response, and this connection allows only sign-ins started here. The connection admin can enable IdP-initiated sign-in, or the user can start from the application."
            ),
            Self::AssertionCount { found } => write!(
                f,
                "The response must hold exactly one assertion, it holds {found}. {FORGED}"
            ),
            Self::Unsigned => write!(
                f,
                "No valid signature covers the assertion. The IdP admin must sign the response or the assertion."
            ),
            Self::AssertionNotSigned => write!(
                f,
                "This connection requires a signed assertion, but only the response is signed. The IdP admin must enable assertion signing, or the connection admin can accept response signatures."
            ),
            Self::SignatureStructure { detail } => write!(
                f,
                "The XML signature is not shaped as the SAML profile requires: {detail}. {FORGED}"
            ),
            Self::UnsupportedAlgorithm { kind, uri } => write!(
                f,
                "The {kind} algorithm {uri} is not accepted. The IdP admin must use RSA-SHA256 with SHA-256 digests and exclusive canonicalization."
            ),
            Self::Sha1NotAllowed { uri } => write!(
                f,
                "The IdP uses {uri}, a legacy SHA-1 algorithm this connection does not allow. The IdP admin should switch to SHA-256; the connection admin can allow SHA-1 explicitly."
            ),
            Self::WeakKey { bits } => write!(
                f,
                "The configured IdP certificate holds a {bits}-bit RSA key; at least 2048 bits are required. The IdP admin must rotate to a stronger key, or the connection admin can allow legacy algorithms."
            ),
            Self::DigestMismatch { element } => write!(
                f,
                "The signed {element} was modified after it was signed. {FORGED}"
            ),
            Self::SignatureInvalid => write!(
                f,
                "The signature does not verify with any certificate configured for this connection. If the IdP rotated its certificate, the connection admin must add the new one (or refresh the metadata)."
            ),
            Self::UntrustedCertificate { fingerprint } => write!(
                f,
                "The response was signed with a certificate this connection does not trust (SHA-256 {fingerprint}). If the IdP rotated its signing certificate, the connection admin must add it (or refresh the metadata)."
            ),
            Self::NoTrustedCertificates => write!(
                f,
                "This connection has no IdP signing certificate. The connection admin must add one."
            ),
            Self::DecryptionKeyMissing => write!(
                f,
                "The assertion is encrypted, but this connection has no decryption key. The connection admin must configure the SP encryption key, or the IdP admin must turn off assertion encryption."
            ),
            Self::DecryptionFailed => write!(
                f,
                "The encrypted assertion could not be decrypted. The IdP admin must encrypt with this connection's current encryption certificate."
            ),
            Self::IssuerMismatch { expected, got } => write!(
                f,
                "The issuer is {}, but this connection trusts {expected}. The IdP admin or the connection admin must make them match.",
                opt(got)
            ),
            Self::DestinationMismatch { expected, got } => write!(
                f,
                "The response is addressed to {}, not to this connection's ACS URL {expected}. The IdP admin must set the Single sign-on URL (Destination) to {expected}.",
                opt(got)
            ),
            Self::RecipientMismatch { expected, got } => write!(
                f,
                "The assertion's Recipient is {}, not this connection's ACS URL {expected}. The IdP admin must set the Recipient to {expected}.",
                opt(got)
            ),
            Self::AudienceMismatch { expected, got } => {
                let got = if got.is_empty() {
                    "no audience".to_owned()
                } else {
                    got.join(", ")
                };
                write!(
                    f,
                    "The assertion is meant for {got}, not for this connection's SP entity ID {expected}. The IdP admin must set the Audience URI to {expected}."
                )
            }
            Self::InResponseToMismatch { expected, got } => match expected {
                Some(expected) => write!(
                    f,
                    "The response answers request {}, but this browser started request {expected}. Start the sign-in again from the application.",
                    opt(got)
                ),
                None => write!(
                    f,
                    "The response answers request {}, which this browser has no record of. Start the sign-in again from the application.",
                    opt(got)
                ),
            },
            Self::NoBearerConfirmation => write!(
                f,
                "The assertion has no bearer SubjectConfirmation. The IdP admin must use the Web Browser SSO profile."
            ),
            Self::NotYetValid { not_before, now } => write!(
                f,
                "The assertion is valid only from {}, and the time is {}. Check the clocks of the IdP and this server, then sign in again.",
                instant::format(*not_before),
                instant::format(*now)
            ),
            Self::Expired {
                not_on_or_after,
                now,
            } => write!(
                f,
                "The assertion expired at {}, and the time is {}. Sign in again; if it keeps happening, check the server clocks.",
                instant::format(*not_on_or_after),
                instant::format(*now)
            ),
            Self::DuplicateAttribute { name } => write!(
                f,
                "The attribute {name:?} appears more than once. The IdP admin must merge its attribute statements."
            ),
            Self::UnsupportedCondition { element } => write!(
                f,
                "The assertion carries a {element} condition this service does not understand, so it must be refused. The IdP admin must remove it."
            ),
        }
    }
}

impl std::error::Error for Rejection {}

impl From<XmlError> for Rejection {
    fn from(e: XmlError) -> Self {
        match e {
            XmlError::TooLarge { size, limit } => Rejection::TooLarge { size, limit },
            XmlError::Dtd => Rejection::DtdForbidden,
            XmlError::DuplicateId(id) => Rejection::DuplicateId { id },
            XmlError::NotUtf8 | XmlError::TooDeep | XmlError::Syntax(_) => {
                Rejection::MalformedXml {
                    detail: e.to_string(),
                }
            }
        }
    }
}
