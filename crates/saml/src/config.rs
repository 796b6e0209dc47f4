//! What a service provider connection trusts and expects.

use time::Duration;

use crate::cert::Certificate;
use crate::key::PrivateKey;

/// One SAML connection as the verifier sees it. Build it with
/// [`SpConfig::new`] (which sets the safe defaults) and adjust the public
/// fields.
#[derive(Debug)]
#[non_exhaustive]
pub struct SpConfig {
    /// Our SP entity ID: the only accepted `Audience`.
    pub entity_id: String,
    /// Our ACS URL: the only accepted `Destination` and `Recipient`.
    pub acs_url: String,
    /// The IdP entity ID: the only accepted `Issuer`.
    pub idp_entity_id: String,
    /// Trusted IdP signing certificates. Several during rotation; any of them
    /// may verify. `KeyInfo` in responses never adds to this list.
    pub idp_certificates: Vec<Certificate>,
    /// SP private keys for `EncryptedAssertion` (several during SP rotation).
    pub decryption_keys: Vec<PrivateKey>,
    /// Tolerance applied to `NotBefore`/`NotOnOrAfter`. Default 3 minutes.
    pub clock_skew: Duration,
    /// Accept SHA-1 digests and RSA-SHA1 signatures, and RSA keys of
    /// 1024–2047 bits. Default false; a per-connection, explicit opt-in.
    pub allow_sha1: bool,
    /// Accept unsolicited responses (no pending AuthnRequest). Default false.
    pub allow_idp_initiated: bool,
    /// Require the assertion itself to carry a valid signature; when false a
    /// valid Response signature covering the assertion suffices. Default false.
    pub require_signed_assertion: bool,
}

impl SpConfig {
    /// A connection with the defaults: 3-minute skew, no SHA-1, no
    /// IdP-initiated sign-in, Response or Assertion signature accepted, no
    /// decryption key.
    pub fn new(
        entity_id: impl Into<String>,
        acs_url: impl Into<String>,
        idp_entity_id: impl Into<String>,
        idp_certificates: Vec<Certificate>,
    ) -> Self {
        Self {
            entity_id: entity_id.into(),
            acs_url: acs_url.into(),
            idp_entity_id: idp_entity_id.into(),
            idp_certificates,
            decryption_keys: Vec::new(),
            clock_skew: Duration::minutes(3),
            allow_sha1: false,
            allow_idp_initiated: false,
            require_signed_assertion: false,
        }
    }
}
