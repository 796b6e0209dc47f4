//! Shared test fixtures: committed test keys (test-only, see
//! testdata/keys/README.md), a fixed clock, and an SP config for them.

use std::path::{Path, PathBuf};

use saml::idp::{AssertionParams, Attribute, IssuedResponse, SigningOptions, issue_response};
use saml::{Certificate, Credential, SpConfig};
use time::OffsetDateTime;
use time::macros::datetime;

pub(crate) const IDP_ENTITY: &str = "http://www.okta.com/exk1a2b3c4D5e6F7g8h9";
pub(crate) const SP_ENTITY: &str = "https://sp.example.com/saml/metadata";
pub(crate) const ACS: &str = "https://sp.example.com/saml/acs";
pub(crate) const REQUEST_ID: &str = "id8b1f0c2d3e4f";
pub(crate) const NOW: OffsetDateTime = datetime!(2026-03-01 10:00:00.100 UTC);

pub(crate) fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

pub(crate) fn read(path: impl AsRef<Path>) -> String {
    let path = testdata().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn credential(name: &str) -> Credential {
    Credential::from_pem(
        &read(format!("keys/{name}.key")),
        &read(format!("keys/{name}.pem")),
    )
    .unwrap()
}

pub(crate) fn certificate(name: &str) -> Certificate {
    Certificate::from_pem(&read(format!("keys/{name}.pem"))).unwrap()
}

/// The SP config every generated response is checked against.
pub(crate) fn sp_config() -> SpConfig {
    SpConfig::new(SP_ENTITY, ACS, IDP_ENTITY, vec![certificate("idp")])
}

/// Okta-shaped params for dana.ng with email and groups attributes.
pub(crate) fn params() -> AssertionParams {
    let mut params = AssertionParams::new(IDP_ENTITY, ACS, SP_ENTITY, "dana.ng@example.com", NOW);
    params.in_response_to = Some(REQUEST_ID.to_owned());
    params.name_id_format = saml::ns::nameid_format::EMAIL_ADDRESS.to_owned();
    params.attributes = vec![
        Attribute::new("email", vec!["dana.ng@example.com".into()]),
        Attribute::new("groups", vec!["Sales".into(), "Everyone".into()]),
    ];
    params
}

pub(crate) fn issue(params: &AssertionParams, signing: &SigningOptions) -> IssuedResponse {
    issue_response(params, &credential("idp"), signing, None).unwrap()
}
