//! Validated SAML responses per second on one core, for a typical Okta
//! response (about 2 KB assertion, RSA-2048, SHA-256), signed by our IdP
//! signer. Run in release mode:
//!
//! `cargo run --release -p saml --example bench_verify [-- <seconds per layout>]`
//!
//! Prints one line per signing layout. Not a test: nothing asserts on time.

use std::time::{Duration, Instant};

use base64::Engine as _;
use saml::idp::{AssertionParams, Attribute, SigningOptions, issue_response};
use saml::{Credential, SpConfig, verify_response};
use time::OffsetDateTime;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(3.0);
    let now = OffsetDateTime::now_utc();
    let idp = Credential::generate_self_signed("bench idp", now, time::Duration::days(30), false)?;

    let mut params = AssertionParams::new(
        "http://www.okta.com/exk1a2b3c4D5e6F7g8h9",
        "https://sp.example.com/saml/acs",
        "https://sp.example.com/saml/metadata",
        "dana.ng@example.com",
        now,
    );
    params.in_response_to = Some("id8b1f0c2d3e4f".into());
    params.name_id_format = saml::ns::nameid_format::EMAIL_ADDRESS.into();
    params.attributes = vec![
        Attribute::new("email", vec!["dana.ng@example.com".into()]),
        Attribute::new("firstName", vec!["Dana".into()]),
        Attribute::new("lastName", vec!["Ng".into()]),
        Attribute::new(
            "groups",
            vec![
                "Everyone".into(),
                "Sales".into(),
                "EMEA".into(),
                "Okta Admins".into(),
            ],
        ),
    ];
    let config = SpConfig::new(
        "https://sp.example.com/saml/metadata",
        "https://sp.example.com/saml/acs",
        "http://www.okta.com/exk1a2b3c4D5e6F7g8h9",
        vec![idp.certificate().clone()],
    );

    let both = SigningOptions::default();
    for (name, signing) in [
        (
            "assertion signed",
            SigningOptions {
                sign_response: false,
                ..both
            },
        ),
        ("response + assertion signed", both),
    ] {
        let issued = issue_response(&params, &idp, &signing, None)?;
        let assertion_len = issued
            .xml
            .find("<saml2:Assertion")
            .map_or(0, |start| issued.xml.len() - start);
        let form_value = base64::engine::general_purpose::STANDARD.encode(&issued.xml);
        verify_response(&config, &form_value, now, Some("id8b1f0c2d3e4f"))?;

        let budget = Duration::from_secs_f64(seconds);
        let started = Instant::now();
        let mut count = 0u64;
        while started.elapsed() < budget {
            for _ in 0..100 {
                let verified = verify_response(&config, &form_value, now, Some("id8b1f0c2d3e4f"))?;
                std::hint::black_box(verified);
            }
            count += 100;
        }
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "{name:<28} response {:>5} B, assertion {:>5} B: {:>7.0} validated responses/s ({:.1} µs each, 1 thread)",
            issued.xml.len(),
            assertion_len,
            count as f64 / elapsed,
            elapsed * 1e6 / count as f64,
        );
    }
    Ok(())
}
