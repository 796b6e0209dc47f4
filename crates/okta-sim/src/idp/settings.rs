//! A SAML app's `settings.signOn`, read once into typed settings with Okta's defaults,
//! and checked when the app is created or replaced so a broken app is refused with
//! Okta's validation error rather than failing at sign-in.

use saml::idp::ContentEncryption;
use saml::ns::{attrname_format, nameid_format};
use saml::{Certificate, DigestAlgorithm};
use serde_json::Value;

use crate::expr::{self, GroupFilter};

/// Name ID formats an Okta admin can pick.
const NAME_ID_FORMATS: &[&str] = &[
    nameid_format::UNSPECIFIED,
    nameid_format::EMAIL_ADDRESS,
    nameid_format::PERSISTENT,
    nameid_format::TRANSIENT,
    nameid_format::X509_SUBJECT_NAME,
];

/// Attribute name formats (`namespace`) an Okta admin can pick.
const NAME_FORMATS: &[&str] = &[
    attrname_format::UNSPECIFIED,
    attrname_format::BASIC,
    attrname_format::URI,
];

/// One entry of `attributeStatements`.
#[derive(Debug, Clone)]
pub enum AttributeStatement {
    /// `type: EXPRESSION`: values are Okta expressions (`user.email`).
    Expression {
        /// Attribute `Name`.
        name: String,
        /// Attribute `NameFormat`.
        name_format: String,
        /// One expression per value.
        values: Vec<String>,
    },
    /// `type: GROUP`: the names of the user's groups passing the filter.
    Group {
        /// Attribute `Name` (typically `groups`).
        name: String,
        /// Attribute `NameFormat`.
        name_format: String,
        /// Which groups to send.
        filter: GroupFilter,
    },
}

/// Assertion encryption with the SP's certificate (`assertionEncryption`).
#[derive(Debug, Clone)]
pub struct AssertionEncryption {
    /// The SP's encryption certificate (`x5c[0]`).
    pub certificate: Certificate,
    /// Content encryption algorithm.
    pub content: ContentEncryption,
}

/// Everything `settings.signOn` says about building a Response.
#[derive(Debug, Clone)]
pub struct SamlSettings {
    /// Single sign-on URL: the ACS for IdP-initiated and default SP-initiated sign-in.
    pub acs_url: String,
    /// Other requestable ACS URLs (`acsEndpoints`, with `allowMultipleAcsEndpoints`).
    pub other_acs_urls: Vec<String>,
    /// SubjectConfirmationData `Recipient`.
    pub recipient: String,
    /// Response `Destination`.
    pub destination: String,
    /// Audience URI (SP entity ID).
    pub audience: String,
    /// RelayState of IdP-initiated sign-in.
    pub default_relay_state: Option<String>,
    /// Name ID format.
    pub name_id_format: String,
    /// Name ID template (`${user.userName}`: the application username).
    pub name_id_template: String,
    /// Sign the Response.
    pub response_signed: bool,
    /// Sign the Assertion.
    pub assertion_signed: bool,
    /// `signatureAlgorithm` was `RSA_SHA1`, which is signed as RSA-SHA256 (see the
    /// crate docs: aws-lc-rs cannot create RSA-SHA1 signatures).
    pub sha1_signature_requested: bool,
    /// Digest algorithm of the references.
    pub digest: DigestAlgorithm,
    /// `AuthnContextClassRef`.
    pub authn_context_class: String,
    /// Attribute statements, in order.
    pub attributes: Vec<AttributeStatement>,
    /// Assertion encryption, when enabled.
    pub encryption: Option<AssertionEncryption>,
    /// The SP's signature certificate: when set, AuthnRequests must be signed by it.
    pub sp_certificate: Option<Certificate>,
    /// Issuer template; `${org.externalKey}` is the app's external key.
    pub idp_issuer: String,
}

/// A setting Okta would refuse: the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The offending field, e.g. `ssoAcsUrl`.
    pub field: String,
    /// Why.
    pub reason: String,
}

fn invalid(field: &str, reason: impl Into<String>) -> Invalid {
    Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

impl SamlSettings {
    /// Reads `settings.signOn` (the `*Override` fields of catalog apps win over the
    /// custom-app fields).
    pub fn parse(sign_on: Option<&Value>) -> Result<Self, Invalid> {
        let empty = Value::Null;
        let s = sign_on.unwrap_or(&empty);
        let text = |k: &str| {
            s.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let either = |over: &str, k: &str| text(over).or_else(|| text(k));
        let flag = |k: &str, default: bool| s.get(k).and_then(Value::as_bool).unwrap_or(default);
        let acs_url = either("ssoAcsUrlOverride", "ssoAcsUrl")
            .ok_or_else(|| invalid("ssoAcsUrl", "The field cannot be left blank"))?;
        check_url("ssoAcsUrl", &acs_url)?;
        let audience = either("audienceOverride", "audience")
            .ok_or_else(|| invalid("audience", "The field cannot be left blank"))?;
        let recipient = either("recipientOverride", "recipient").unwrap_or_else(|| acs_url.clone());
        let destination =
            either("destinationOverride", "destination").unwrap_or_else(|| acs_url.clone());
        let name_id_format =
            text("subjectNameIdFormat").unwrap_or_else(|| nameid_format::UNSPECIFIED.to_owned());
        if !NAME_ID_FORMATS.contains(&name_id_format.as_str()) {
            return Err(invalid(
                "subjectNameIdFormat",
                format!("Unsupported Name ID format {name_id_format}"),
            ));
        }
        let name_id_template =
            text("subjectNameIdTemplate").unwrap_or_else(|| "${user.userName}".to_owned());
        let sha1_signature_requested = match text("signatureAlgorithm").as_deref() {
            None | Some("RSA_SHA256") => false,
            Some("RSA_SHA1") => true,
            Some(other) => {
                return Err(invalid(
                    "signatureAlgorithm",
                    format!("must be RSA_SHA256 or RSA_SHA1, not {other}"),
                ));
            }
        };
        let digest = match text("digestAlgorithm").as_deref() {
            None | Some("SHA256") => DigestAlgorithm::Sha256,
            Some("SHA1") => DigestAlgorithm::Sha1,
            Some(other) => {
                return Err(invalid(
                    "digestAlgorithm",
                    format!("must be SHA256 or SHA1, not {other}"),
                ));
            }
        };
        let response_signed = flag("responseSigned", true);
        let assertion_signed = flag("assertionSigned", true);
        if !response_signed && !assertion_signed {
            return Err(invalid(
                "assertionSigned",
                "At least one of the response or the assertion must be signed",
            ));
        }
        let other_acs_urls = if flag("allowMultipleAcsEndpoints", false) {
            acs_endpoints(s.get("acsEndpoints"))?
        } else {
            Vec::new()
        };
        let sp_certificate = match s.pointer("/spCertificate/x5c/0").and_then(Value::as_str) {
            Some(b64) => Some(
                Certificate::from_base64(b64)
                    .map_err(|e| invalid("spCertificate", e.to_string()))?,
            ),
            None => None,
        };
        Ok(Self {
            other_acs_urls,
            recipient,
            destination,
            audience,
            default_relay_state: text("defaultRelayState"),
            name_id_format,
            name_id_template,
            response_signed,
            assertion_signed,
            sha1_signature_requested,
            digest,
            authn_context_class: text("authnContextClassRef")
                .unwrap_or_else(|| saml::ns::AC_PASSWORD_PROTECTED_TRANSPORT.to_owned()),
            attributes: attribute_statements(s.get("attributeStatements"))?,
            encryption: encryption(s.get("assertionEncryption"))?,
            sp_certificate,
            idp_issuer: text("idpIssuer")
                .unwrap_or_else(|| "http://www.okta.com/${org.externalKey}".to_owned()),
            acs_url,
        })
    }

    /// Whether `url` may receive a Response (the SSO URL or a listed alternative).
    pub fn accepts_acs(&self, url: &str) -> bool {
        self.acs_url == url || self.other_acs_urls.iter().any(|u| u == url)
    }

    /// The issuer for an app with this external key.
    pub fn issuer(&self, external_key: &str) -> String {
        self.idp_issuer.replace("${org.externalKey}", external_key)
    }
}

fn check_url(field: &str, url: &str) -> Result<(), Invalid> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(invalid(field, format!("{url:?} is not a valid URL"))),
    }
}

fn acs_endpoints(v: Option<&Value>) -> Result<Vec<String>, Invalid> {
    let list = v.and_then(Value::as_array).cloned().unwrap_or_default();
    if list.len() > 100 {
        return Err(invalid("acsEndpoints", "At most 100 ACS endpoints"));
    }
    list.iter()
        .map(|e| {
            let url = e
                .get("url")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("acsEndpoints", "Each endpoint needs a url"))?;
            check_url("acsEndpoints", url)?;
            Ok(url.to_owned())
        })
        .collect()
}

fn attribute_statements(v: Option<&Value>) -> Result<Vec<AttributeStatement>, Invalid> {
    let Some(list) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| invalid("attributeStatements", "must be an array"))?;
    list.iter().map(attribute_statement).collect()
}

fn attribute_statement(v: &Value) -> Result<AttributeStatement, Invalid> {
    const FIELD: &str = "attributeStatements";
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid(FIELD, "Each attribute statement needs a name"))?
        .to_owned();
    let name_format = v
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or(attrname_format::UNSPECIFIED)
        .to_owned();
    if !NAME_FORMATS.contains(&name_format.as_str()) {
        return Err(invalid(
            FIELD,
            format!("Unsupported namespace {name_format}"),
        ));
    }
    match v
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("EXPRESSION")
    {
        "EXPRESSION" => {
            let values: Vec<String> = v
                .get("values")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            for e in &values {
                expr::check(e).map_err(|e| invalid(FIELD, e.to_string()))?;
            }
            Ok(AttributeStatement::Expression {
                name,
                name_format,
                values,
            })
        }
        "GROUP" => {
            let filter_type = v
                .get("filterType")
                .and_then(Value::as_str)
                .unwrap_or("REGEX");
            let value = v.get("filterValue").and_then(Value::as_str).unwrap_or(".*");
            Ok(AttributeStatement::Group {
                name,
                name_format,
                filter: GroupFilter::parse(filter_type, value).map_err(|e| invalid(FIELD, e))?,
            })
        }
        other => Err(invalid(
            FIELD,
            format!("Unsupported statement type {other}"),
        )),
    }
}

fn encryption(v: Option<&Value>) -> Result<Option<AssertionEncryption>, Invalid> {
    const FIELD: &str = "assertionEncryption";
    let Some(v) = v.filter(|v| v.get("enabled").and_then(Value::as_bool) == Some(true)) else {
        return Ok(None);
    };
    let content = match v
        .get("encryptionAlgorithm")
        .and_then(Value::as_str)
        .unwrap_or("AES256_CBC")
    {
        "AES128_CBC" => ContentEncryption::Aes128Cbc,
        "AES256_CBC" => ContentEncryption::Aes256Cbc,
        "AES128_GCM" => ContentEncryption::Aes128Gcm,
        "AES256_GCM" => ContentEncryption::Aes256Gcm,
        other => {
            return Err(invalid(
                FIELD,
                format!("Unsupported encryptionAlgorithm {other}"),
            ));
        }
    };
    match v
        .get("keyTransportAlgorithm")
        .and_then(Value::as_str)
        .unwrap_or("RSA_OAEP")
    {
        "RSA_OAEP" => {}
        // The signer wraps keys with RSA-OAEP only; refusing is more honest than
        // sending a different algorithm than the SP was promised.
        other => {
            return Err(invalid(
                FIELD,
                format!("keyTransportAlgorithm {other} is not supported by okta-sim; use RSA_OAEP"),
            ));
        }
    }
    let b64 = v
        .pointer("/x5c/0")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(FIELD, "x5c must hold the SP's encryption certificate"))?;
    let certificate = Certificate::from_base64(b64).map_err(|e| invalid(FIELD, e.to_string()))?;
    Ok(Some(AssertionEncryption {
        certificate,
        content,
    }))
}
