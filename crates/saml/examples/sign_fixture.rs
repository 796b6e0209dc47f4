//! Writes responses signed by our IdP signer, plus the certificates, into a
//! directory, for checking by an independent verifier
//! (`.ci/extra/20-saml-xmlsec.sh` runs xmlsec1 over them).
//!
//! Usage: `cargo run -p saml --example sign_fixture -- <out-dir>`
//!
//! `<out-dir>/manifest.txt` lists `<file> <certificate> <signature count>`.

use std::fmt::Write as _;
use std::path::PathBuf;

use saml::idp::{
    AssertionParams, Attribute, ContentEncryption, Encryption, SigningOptions, issue_response,
};
use saml::{Credential, DigestAlgorithm, SignatureAlgorithm};
use time::{Duration, OffsetDateTime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: sign_fixture <out-dir>")?,
    );
    std::fs::create_dir_all(&out)?;
    let now = OffsetDateTime::now_utc();
    // Fresh keys each run, so key and certificate generation is covered too.
    let rsa =
        Credential::generate_self_signed("okta-sim signing", now, Duration::days(365), false)?;
    let ec =
        Credential::generate_self_signed("okta-sim signing ec", now, Duration::days(365), true)?;
    let sp = Credential::generate_self_signed("sp encryption", now, Duration::days(365), false)?;
    std::fs::write(out.join("rsa.pem"), rsa.certificate().to_pem())?;
    std::fs::write(out.join("ec.pem"), ec.certificate().to_pem())?;

    let mut params = AssertionParams::new(
        "http://www.okta.com/exk1a2b3c4D5e6F7g8h9",
        "https://sp.example.com/saml/acs",
        "https://sp.example.com/saml/metadata",
        "dana.ng@example.com",
        now,
    );
    params.in_response_to = Some("id8b1f0c2d3e4f".into());
    params.attributes = vec![
        Attribute::new("email", vec!["dana.ng@example.com".into()]),
        Attribute::new(
            "groups",
            vec!["Sales & Marketing".into(), "<Everyone>".into()],
        ),
    ];

    let both = SigningOptions::default();
    let cases: [(
        &str,
        &Credential,
        &str,
        SigningOptions,
        Option<ContentEncryption>,
    ); 6] = [
        ("rsa-sha256-both", &rsa, "rsa.pem", both, None),
        (
            "rsa-sha256-assertion",
            &rsa,
            "rsa.pem",
            SigningOptions {
                sign_response: false,
                ..both
            },
            None,
        ),
        (
            "rsa-sha256-response",
            &rsa,
            "rsa.pem",
            SigningOptions {
                sign_assertion: false,
                ..both
            },
            None,
        ),
        (
            "rsa-sha256-sha1-digest",
            &rsa,
            "rsa.pem",
            SigningOptions {
                digest_algorithm: DigestAlgorithm::Sha1,
                ..both
            },
            None,
        ),
        (
            "ecdsa-sha256-both",
            &ec,
            "ec.pem",
            SigningOptions {
                signature_algorithm: SignatureAlgorithm::EcdsaSha256,
                ..both
            },
            None,
        ),
        // Only the Response signature is visible to a verifier without the
        // SP key; the assertion signature sits inside the ciphertext.
        (
            "rsa-sha256-encrypted-gcm",
            &rsa,
            "rsa.pem",
            both,
            Some(ContentEncryption::Aes256Gcm),
        ),
    ];
    let mut manifest = String::new();
    for (name, credential, certificate, signing, content) in cases {
        let encryption = content.map(|content| Encryption {
            certificate: sp.certificate(),
            content,
        });
        let issued = issue_response(&params, credential, &signing, encryption.as_ref())?;
        let file = format!("{name}.xml");
        std::fs::write(out.join(&file), &issued.xml)?;
        let signatures = issued.xml.matches("<ds:Signature ").count();
        writeln!(manifest, "{file} {certificate} {signatures}")?;
    }
    std::fs::write(out.join("manifest.txt"), manifest)?;
    println!(
        "wrote {} signed responses to {}",
        cases.len(),
        out.display()
    );
    Ok(())
}
