//! Turning what an admin gives (a metadata URL, metadata XML, or an SSO URL with a
//! certificate) into a connection's trusted IdP settings, the SP key pair, the verifier's
//! [`saml::SpConfig`], and the warnings shown on a connection.

use saml::{Certificate, IdpMetadata};
use serde_json::{Value, json};
use store::{SamlConfig, TrustedCertificate};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::SsoRuntime;
use super::fetch;

/// How often IdP metadata is fetched again.
pub const METADATA_REFRESH: Duration = Duration::hours(6);
/// How long a certificate that left the IdP's metadata is still trusted.
pub const ROTATION_GRACE: Duration = Duration::days(1);
/// A certificate expiring sooner than this is flagged on the connection and audited once.
pub const EXPIRY_WARNING: Duration = Duration::days(30);
/// The default clock skew on assertion validity windows.
pub const DEFAULT_SKEW_SECONDS: u32 = 180;
/// The largest clock skew an admin may configure.
pub const MAX_SKEW_SECONDS: u32 = 600;
/// How long the SP certificate we generate is valid.
const SP_CERT_VALIDITY: Duration = Duration::days(3650);

/// Where the IdP's settings come from, as the admin gave them.
#[derive(Clone, Debug, Default)]
pub struct IdpSource {
    /// A metadata URL to fetch (and re-fetch).
    pub metadata_url: Option<String>,
    /// Metadata XML pasted in.
    pub metadata_xml: Option<String>,
    /// The IdP SSO URL (with `certificate_pem`).
    pub sso_url: Option<String>,
    /// The IdP signing certificate(s), PEM or base64 DER.
    pub certificate_pem: Option<String>,
    /// The IdP entity ID; derived from Okta-shaped SSO URLs when absent.
    pub entity_id: Option<String>,
}

/// The IdP as resolved from an [`IdpSource`].
#[derive(Clone, Debug)]
pub struct ResolvedIdp {
    /// Expected Issuer.
    pub entity_id: String,
    /// Where AuthnRequests go (HTTP-Redirect).
    pub sso_url: String,
    /// Trusted signing certificates.
    pub certificates: Vec<TrustedCertificate>,
    /// The metadata asks for signed AuthnRequests.
    pub wants_signed_requests: bool,
    /// The metadata URL, when there is one.
    pub metadata_url: Option<String>,
}

/// Resolves `source`, fetching the metadata URL if given. Errors are sentences for a 422.
pub async fn resolve_idp(runtime: &SsoRuntime, source: &IdpSource) -> Result<ResolvedIdp, String> {
    let given = [
        source.metadata_url.is_some(),
        source.metadata_xml.is_some(),
        source.sso_url.is_some() || source.certificate_pem.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(
            "give exactly one of idp_metadata_url, idp_metadata_xml, or \
                    idp_sso_url with idp_certificate_pem"
                .into(),
        );
    }
    if let Some(url) = &source.metadata_url {
        let xml = fetch::get_bytes(&runtime.metadata_client, url)
            .await
            .map_err(|e| format!("idp_metadata_url: {e}"))?;
        let mut idp = from_metadata(&xml, source.entity_id.as_deref())
            .map_err(|e| format!("idp_metadata_url: {e}"))?;
        idp.metadata_url = Some(url.clone());
        return Ok(idp);
    }
    if let Some(xml) = &source.metadata_xml {
        return from_metadata(xml.as_bytes(), source.entity_id.as_deref())
            .map_err(|e| format!("idp_metadata_xml: {e}"));
    }
    let sso_url = source
        .sso_url
        .as_deref()
        .ok_or("idp_sso_url is required with idp_certificate_pem")?;
    fetch::http_url(sso_url).map_err(|e| format!("idp_sso_url: {e}"))?;
    let pem = source
        .certificate_pem
        .as_deref()
        .ok_or("idp_certificate_pem is required with idp_sso_url")?;
    let certificates = parse_certificates(pem).map_err(|e| format!("idp_certificate_pem: {e}"))?;
    let entity_id = match &source.entity_id {
        Some(id) => id.clone(),
        None => okta_issuer(sso_url).ok_or(
            "idp_entity_id is required: it cannot be derived from this idp_sso_url \
             (Okta's look like https://{domain}/app/{app}/{key}/sso/saml)",
        )?,
    };
    Ok(ResolvedIdp {
        entity_id,
        sso_url: sso_url.to_owned(),
        certificates: trusted(&certificates),
        wants_signed_requests: false,
        metadata_url: None,
    })
}

/// Reads IdP metadata (optionally one entity of an aggregate).
pub fn from_metadata(xml: &[u8], entity_id: Option<&str>) -> Result<ResolvedIdp, String> {
    let metadata = match entity_id {
        Some(id) => IdpMetadata::parse_for_entity(xml, id),
        None => IdpMetadata::parse(xml),
    }
    .map_err(|e| e.to_string())?;
    let sso_url = metadata
        .sso_redirect_url
        .clone()
        .ok_or("the metadata has no SingleSignOnService with the HTTP-Redirect binding")?;
    fetch::http_url(&sso_url).map_err(|e| format!("SingleSignOnService: {e}"))?;
    Ok(ResolvedIdp {
        entity_id: metadata.entity_id.clone(),
        sso_url,
        certificates: trusted(&metadata.signing_certificates),
        wants_signed_requests: metadata.want_authn_requests_signed,
        metadata_url: None,
    })
}

/// Parses one or more certificates pasted by an admin (PEM bundle or base64 DER).
fn parse_certificates(text: &str) -> Result<Vec<Certificate>, String> {
    let certificates = if text.contains("-----BEGIN") {
        Certificate::all_from_pem(text).map_err(|e| e.to_string())?
    } else {
        vec![Certificate::from_base64(text).map_err(|e| e.to_string())?]
    };
    if certificates.is_empty() {
        return Err("no certificate found".into());
    }
    let now = OffsetDateTime::now_utc();
    if certificates.iter().all(|c| c.not_after() <= now) {
        return Err("every certificate given has expired".into());
    }
    Ok(certificates)
}

fn trusted(certificates: &[Certificate]) -> Vec<TrustedCertificate> {
    certificates
        .iter()
        .map(|c| TrustedCertificate {
            der_base64: c.to_base64(),
            sha256: c.sha256_fingerprint(),
            not_after: c.not_after(),
            retired_at: None,
        })
        .collect()
}

/// Okta's IdP issuer for an Okta SSO URL: `https://{domain}/app/{app}/{key}/sso/saml` →
/// `http://www.okta.com/{key}` (Okta's issuers use `http`).
fn okta_issuer(sso_url: &str) -> Option<String> {
    let url = url::Url::parse(sso_url).ok()?;
    let segments: Vec<&str> = url.path_segments()?.collect();
    match segments.as_slice() {
        ["app", _, key, "sso", "saml"] if !key.is_empty() => {
            Some(format!("http://www.okta.com/{key}"))
        }
        _ => None,
    }
}

/// A new SP key pair for connection `name`: the PEM certificate and the sealed-to-be key.
pub fn generate_sp_credential(name: &str) -> Result<(String, Zeroizing<String>), String> {
    let credential = saml::Credential::generate_self_signed(
        &format!("Gatehouse SSO {name}"),
        OffsetDateTime::now_utc() - Duration::minutes(5),
        SP_CERT_VALIDITY,
        false,
    )
    .map_err(|e| e.to_string())?;
    Ok((
        credential.certificate().to_pem(),
        Zeroizing::new(credential.key().to_pkcs8_pem()),
    ))
}

/// The verifier's view of a connection at `now`: the certificates trusted at that instant
/// (current and recently retired), the SP key for encrypted assertions, the policy flags.
pub fn sp_config(
    config: &SamlConfig,
    sp_key_pem: Option<&str>,
    now: OffsetDateTime,
) -> Result<saml::SpConfig, String> {
    let certificates = config
        .trusted_at(now, ROTATION_GRACE)
        .into_iter()
        .map(|c| Certificate::from_base64(&c.der_base64).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sp = saml::SpConfig::new(
        &config.sp_entity_id,
        &config.acs_url,
        &config.idp_entity_id,
        certificates,
    );
    if let Some(pem) = sp_key_pem {
        sp.decryption_keys
            .push(saml::PrivateKey::from_pem(pem).map_err(|e| e.to_string())?);
    }
    sp.clock_skew = Duration::seconds(i64::from(config.clock_skew_seconds));
    sp.allow_sha1 = config.allow_sha1;
    sp.allow_idp_initiated = config.allow_idp_initiated;
    sp.require_signed_assertion = config.require_signed_assertion;
    Ok(sp)
}

/// When the set of certificates `config` trusts next changes by itself after `now`: the
/// earliest end of a retired certificate's rotation grace (`None` when nothing is retired).
pub fn trust_changes_after(config: &SamlConfig, now: OffsetDateTime) -> Option<OffsetDateTime> {
    config
        .idp_certificates
        .iter()
        .filter_map(|c| c.retired_at.map(|at| at + ROTATION_GRACE))
        .filter(|until| *until > now)
        .min()
}

/// Trusted certificates of `config` that expire within [`EXPIRY_WARNING`] of `now`.
pub fn expiring(config: &SamlConfig, now: OffsetDateTime) -> Vec<&TrustedCertificate> {
    config
        .idp_certificates
        .iter()
        .filter(|c| c.retired_at.is_none() && c.not_after < now + EXPIRY_WARNING)
        .collect()
}

/// What an admin should know about a SAML connection: certificates expired or about to,
/// and a failing metadata refresh.
pub fn warnings(config: &SamlConfig, now: OffsetDateTime) -> Vec<Value> {
    let mut out: Vec<Value> = expiring(config, now)
        .into_iter()
        .map(|c| {
            let (code, verb) = if c.not_after <= now {
                ("certificate_expired", "expired")
            } else {
                ("certificate_expiring", "expires")
            };
            json!({
                "code": code,
                "message": format!(
                    "The IdP signing certificate {} {verb} on {}. The IdP admin must rotate it; \
                     refresh the metadata or add the new certificate here.",
                    c.sha256, c.not_after.date()
                ),
                "fingerprint": c.sha256,
                "not_after": c.not_after.unix_timestamp(),
            })
        })
        .collect();
    if let Some(error) = &config.metadata_error {
        out.push(json!({
            "code": "metadata_refresh_failed",
            "message": format!("The last IdP metadata refresh failed: {error}. The previous \
                                settings stay in use."),
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_issuers_come_from_okta_sso_urls() {
        assert_eq!(
            okta_issuer("https://acme.okta.com/app/acme_app_1/exk1a2b3/sso/saml").as_deref(),
            Some("http://www.okta.com/exk1a2b3")
        );
        assert_eq!(okta_issuer("https://idp.example.com/saml2/sso"), None);
    }

    #[test]
    fn the_trusted_set_changes_when_the_first_retired_certificate_leaves_its_grace() {
        let now = OffsetDateTime::now_utc();
        let certificate = |retired_at: Option<OffsetDateTime>| TrustedCertificate {
            der_base64: String::new(),
            sha256: String::new(),
            not_after: now + Duration::days(300),
            retired_at,
        };
        let mut config = SamlConfig {
            sp_entity_id: String::new(),
            acs_url: String::new(),
            sp_certificate_pem: String::new(),
            idp_entity_id: String::new(),
            idp_sso_url: String::new(),
            idp_metadata_url: None,
            idp_certificates: vec![certificate(None)],
            allow_idp_initiated: false,
            allow_sha1: false,
            clock_skew_seconds: DEFAULT_SKEW_SECONDS,
            require_signed_assertion: false,
            sign_authn_requests: false,
            metadata_refreshed_at: None,
            metadata_error: None,
        };
        assert_eq!(trust_changes_after(&config, now), None);
        let recent = now - Duration::hours(1);
        let older = now - Duration::hours(5);
        let gone = now - ROTATION_GRACE - Duration::hours(1);
        config.idp_certificates.extend([
            certificate(Some(recent)),
            certificate(Some(older)),
            certificate(Some(gone)),
        ]);
        assert_eq!(
            trust_changes_after(&config, now),
            Some(older + ROTATION_GRACE)
        );
    }

    #[test]
    fn pasted_certificates_must_parse_and_not_all_be_expired() {
        assert!(parse_certificates("not a certificate").is_err());
        let now = OffsetDateTime::now_utc();
        let old = saml::Credential::generate_self_signed(
            "old",
            now - Duration::days(30),
            Duration::days(1),
            true,
        )
        .unwrap();
        let err = parse_certificates(&old.certificate().to_pem()).unwrap_err();
        assert!(err.contains("expired"), "{err}");
        let good =
            saml::Credential::generate_self_signed("good", now, Duration::days(20), true).unwrap();
        let bundle = format!(
            "{}{}",
            old.certificate().to_pem(),
            good.certificate().to_pem()
        );
        assert_eq!(parse_certificates(&bundle).unwrap().len(), 2);
        let config_certs = trusted(&parse_certificates(&bundle).unwrap());
        assert_eq!(config_certs.len(), 2);
    }
}
