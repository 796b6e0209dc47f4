//! SAML 2.0 building blocks for Gatehouse's service provider and for the
//! okta-sim identity provider, with no I/O: no runtime, no HTTP, no SQL. The
//! clock (`now`), keys and configuration are parameters.
//!
//! What it must never do: trust a byte that a verified signature did not
//! cover. Responses are parsed once with hardened options (no DTD, size,
//! node and depth caps, duplicate IDs refused); the signature and the signed
//! element are found at fixed places (direct `ds:Signature` child of the
//! Response or the Assertion); the key comes only from the configured
//! certificates; and the identity is read only after re-parsing the
//! canonical bytes the signature covered.
//!
//! Central types:
//! - [`SpConfig`]: one connection (SP entity ID, ACS URL, IdP entity ID and
//!   certificate set, skew, SHA-1 / IdP-initiated / assertion-signature
//!   policy, decryption keys);
//! - [`verify_response`] → [`VerifiedAssertion`] (private fields, read-only
//!   accessors) or [`Rejection`] (one variant per reason, stable
//!   [`Rejection::code`], `Display` naming who must act);
//! - [`AuthnRequest`] / [`IdpMetadata`] / [`SpMetadata`] for the SP flow;
//! - [`idp::issue_response`] and [`Credential`] for the simulator IdP.
//!
//! How they fit: the SP builds an [`AuthnRequest`], remembers its `id` for
//! the browser, and redirects with [`AuthnRequest::redirect_url`]. The IdP
//! (okta-sim) parses it with [`parse_redirect_authn_request`], answers with
//! [`idp::issue_response`] and [`post_form_html`]. The SP's ACS passes the
//! `SAMLResponse` field to [`verify_response`] with the remembered request
//! ID; on success it stores [`VerifiedAssertion::assertion_id`] in its
//! replay cache until [`VerifiedAssertion::not_on_or_after`] plus skew.
//!
//! ```
//! use saml::idp::{issue_response, AssertionParams, SigningOptions};
//! use saml::{verify_response, Credential, SpConfig};
//! use time::{Duration, OffsetDateTime};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let now = OffsetDateTime::now_utc();
//! let idp = Credential::generate_self_signed("okta-sim app", now, Duration::days(365), false)?;
//! let issuer = "http://www.okta.com/exk1a2b3c4D5e6F7g8h9";
//! let acs = "https://sp.example.com/saml/acs";
//! let entity = "https://sp.example.com/saml/metadata";
//!
//! // The IdP side (okta-sim) answers AuthnRequest "id42".
//! let mut params = AssertionParams::new(issuer, acs, entity, "dana.ng@example.com", now);
//! params.in_response_to = Some("id42".into());
//! let issued = issue_response(&params, &idp, &SigningOptions::default(), None)?;
//!
//! // The SP side (gatehouse ACS) trusts only the configured certificate.
//! let config = SpConfig::new(entity, acs, issuer, vec![idp.certificate().clone()]);
//! let verified = verify_response(&config, &issued.to_base64(), now, Some("id42"))?;
//! assert_eq!(verified.name_id(), "dana.ng@example.com");
//!
//! // Anything else is a typed rejection with a stable code.
//! let rejection = verify_response(&config, &issued.to_base64(), now, Some("id43")).unwrap_err();
//! assert_eq!(rejection.code(), "in_response_to_mismatch");
//! # Ok(())
//! # }
//! ```
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod algorithms;
mod assertion;
mod authn_request;
mod binding;
mod c14n;
mod cert;
mod config;
mod dsig;
mod error;
mod id;
pub mod idp;
mod instant;
mod key;
mod metadata;
pub mod ns;
mod rejection;
mod response;
mod rules;
mod sign;
#[cfg(test)]
mod testing;
mod writer;
mod xml;
mod xmlenc;

pub use algorithms::{DigestAlgorithm, SignatureAlgorithm};
pub use assertion::{SignatureCoverage, VerifiedAssertion};
pub use authn_request::{
    AuthnRequest, ReceivedAuthnRequest, parse_post_authn_request, parse_redirect_authn_request,
};
pub use binding::{RequestVerification, post_form_html};
pub use cert::Certificate;
pub use config::SpConfig;
pub use error::Error;
pub use key::{Credential, PrivateKey};
pub use metadata::{IdpMetadata, SpMetadata};
pub use rejection::{Party, Rejection};
pub use response::{verify_response, verify_response_xml};
