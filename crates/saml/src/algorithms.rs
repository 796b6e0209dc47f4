//! The closed lists of XML-DSig algorithms this crate knows. Anything else is
//! refused by URI, with the URI reported back.

use aws_lc_rs::digest;

/// A signature algorithm, named by its XML-DSig URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// `http://www.w3.org/2000/09/xmldsig#rsa-sha1`, legacy: accepted only
    /// when the connection allows SHA-1.
    RsaSha1,
    /// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`, Okta's default.
    RsaSha256,
    /// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha384`.
    RsaSha384,
    /// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha512`.
    RsaSha512,
    /// `http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256` with a P-256 key.
    EcdsaSha256,
    /// `http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384` with a P-384 key.
    EcdsaSha384,
}

impl SignatureAlgorithm {
    const ALL: [SignatureAlgorithm; 6] = [
        Self::RsaSha1,
        Self::RsaSha256,
        Self::RsaSha384,
        Self::RsaSha512,
        Self::EcdsaSha256,
        Self::EcdsaSha384,
    ];

    /// The XML-DSig identifier (also used as `SigAlg` in the Redirect binding).
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            Self::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            Self::RsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            Self::RsaSha512 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            Self::EcdsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            Self::EcdsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        }
    }

    /// Looks an identifier up in the closed list.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.uri() == uri)
    }

    /// Whether this algorithm hashes with SHA-1 (opt-in only).
    pub fn is_sha1(self) -> bool {
        self == Self::RsaSha1
    }
}

/// A digest algorithm, named by its XML-DSig/XML-Enc URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `http://www.w3.org/2000/09/xmldsig#sha1`, legacy: opt-in only.
    Sha1,
    /// `http://www.w3.org/2001/04/xmlenc#sha256`, Okta's default.
    Sha256,
    /// `http://www.w3.org/2001/04/xmldsig-more#sha384`.
    Sha384,
    /// `http://www.w3.org/2001/04/xmlenc#sha512`.
    Sha512,
}

impl DigestAlgorithm {
    const ALL: [DigestAlgorithm; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// The XML-DSig identifier.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            Self::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            Self::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
            Self::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        }
    }

    /// Looks an identifier up in the closed list.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.uri() == uri)
    }

    /// Whether this is SHA-1 (opt-in only).
    pub fn is_sha1(self) -> bool {
        self == Self::Sha1
    }

    /// Hashes `data`.
    pub(crate) fn digest(self, data: &[u8]) -> digest::Digest {
        let algorithm = match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        };
        digest::digest(algorithm, data)
    }
}
