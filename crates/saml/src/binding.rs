//! SAML HTTP bindings: HTTP-Redirect (raw DEFLATE, base64, URL encoding,
//! optional `SigAlg`/`Signature` over the query) and HTTP-POST (base64 in
//! an auto-submitting HTML form).

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use quick_xml::escape::escape;

use crate::Error;
use crate::algorithms::SignatureAlgorithm;
use crate::cert::{Certificate, decode_base64};
use crate::dsig::{self, Policy};
use crate::key::Credential;
use crate::xml::MAX_DOCUMENT_BYTES;

/// RFC 3986 unreserved characters stay as they are; everything else is
/// percent-encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Which certificates may sign a received request, for IdP-side parsing.
#[derive(Debug, Clone, Copy)]
pub struct RequestVerification<'a> {
    /// The SP's signing certificates (Okta's "Signature Certificate").
    pub certificates: &'a [Certificate],
    /// Accept RSA-SHA1 (legacy SPs).
    pub allow_sha1: bool,
}

/// Builds an HTTP-Redirect URL carrying `xml` as `param` (`SAMLRequest`),
/// with `RelayState` and, when `signer` is given, `SigAlg` and `Signature`
/// computed over the query string as the binding specifies.
pub(crate) fn redirect_url(
    endpoint: &str,
    param: &str,
    xml: &str,
    relay_state: Option<&str>,
    signer: Option<&Credential>,
) -> Result<String, Error> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder
        .write_all(xml.as_bytes())
        .map_err(|e| Error::Xml(e.to_string()))?;
    let deflated = encoder.finish().map_err(|e| Error::Xml(e.to_string()))?;
    let mut query = format!(
        "{param}={}",
        utf8_percent_encode(&STANDARD.encode(deflated), QUERY_VALUE)
    );
    if let Some(relay_state) = relay_state {
        query.push_str(&format!(
            "&RelayState={}",
            utf8_percent_encode(relay_state, QUERY_VALUE)
        ));
    }
    if let Some(credential) = signer {
        let algorithm = credential.key().default_signature_algorithm();
        query.push_str(&format!(
            "&SigAlg={}",
            utf8_percent_encode(algorithm.uri(), QUERY_VALUE)
        ));
        let signature = credential.key().sign(algorithm, query.as_bytes())?;
        query.push_str(&format!(
            "&Signature={}",
            utf8_percent_encode(&STANDARD.encode(signature), QUERY_VALUE)
        ));
    }
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    Ok(format!("{endpoint}{separator}{query}"))
}

/// A message received through the HTTP-Redirect binding.
#[derive(Debug)]
pub(crate) struct RedirectMessage {
    pub(crate) xml: String,
    pub(crate) relay_state: Option<String>,
    pub(crate) signature_verified: bool,
}

/// Decodes an HTTP-Redirect query string carrying `param`. With
/// `verification`, a valid `Signature` by one of its certificates is
/// required.
pub(crate) fn parse_redirect(
    query: &str,
    param: &str,
    verification: Option<&RequestVerification<'_>>,
) -> Result<RedirectMessage, Error> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut raw: Vec<(String, &str)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = form_decode(key)?;
        if raw.iter().any(|(k, _)| *k == key) {
            return Err(Error::InvalidRequest(format!(
                "query parameter {key} appears twice"
            )));
        }
        raw.push((key, value));
    }
    let get_raw = |name: &str| raw.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    let message =
        get_raw(param).ok_or_else(|| Error::InvalidRequest(format!("no {param} parameter")))?;
    let relay_state = get_raw("RelayState").map(form_decode).transpose()?;

    let mut signature_verified = false;
    if let Some(verification) = verification {
        let sig_alg = get_raw("SigAlg")
            .ok_or_else(|| Error::RequestSignature("the request is not signed".into()))?;
        let signature = get_raw("Signature")
            .ok_or_else(|| Error::RequestSignature("SigAlg without Signature".into()))?;
        // The signed octets are the parameters exactly as received.
        let mut signed = format!("{param}={message}");
        if let Some(relay) = get_raw("RelayState") {
            signed.push_str(&format!("&RelayState={relay}"));
        }
        signed.push_str(&format!("&SigAlg={sig_alg}"));
        let sig_alg = form_decode(sig_alg)?;
        let algorithm = SignatureAlgorithm::from_uri(&sig_alg)
            .ok_or_else(|| Error::RequestSignature(format!("SigAlg {sig_alg} is not accepted")))?;
        if algorithm.is_sha1() && !verification.allow_sha1 {
            return Err(Error::RequestSignature(format!(
                "SigAlg {sig_alg} (SHA-1) is not allowed"
            )));
        }
        let signature = decode_base64(&form_decode(signature)?)
            .map_err(|_| Error::RequestSignature("Signature is not base64".into()))?;
        let policy = Policy {
            certificates: verification.certificates,
            allow_legacy: verification.allow_sha1,
        };
        dsig::check_signature(algorithm, signed.as_bytes(), &signature, None, &policy)
            .map_err(|rejection| Error::RequestSignature(rejection.to_string()))?;
        signature_verified = true;
    }

    let deflated = decode_base64(&form_decode(message)?)
        .map_err(|_| Error::InvalidRequest(format!("{param} is not base64")))?;
    let xml = inflate(&deflated)?;
    Ok(RedirectMessage {
        xml,
        relay_state,
        signature_verified,
    })
}

/// `application/x-www-form-urlencoded` decoding of one component.
fn form_decode(value: &str) -> Result<String, Error> {
    percent_decode_str(&value.replace('+', " "))
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| Error::InvalidRequest("query parameter is not UTF-8".into()))
}

/// Raw DEFLATE decoding, refusing output above the document cap (a small
/// compressed input can expand enormously).
fn inflate(deflated: &[u8]) -> Result<String, Error> {
    let limit = MAX_DOCUMENT_BYTES as u64;
    let mut out = Vec::new();
    DeflateDecoder::new(deflated)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|_| Error::InvalidRequest("the message is not raw DEFLATE data".into()))?;
    if out.len() as u64 > limit {
        return Err(Error::InvalidRequest(format!(
            "the inflated message exceeds {limit} bytes"
        )));
    }
    String::from_utf8(out)
        .map_err(|_| Error::InvalidRequest("the inflated message is not UTF-8".into()))
}

/// An HTML page that POSTs `field` (`SAMLResponse` or `SAMLRequest`, already
/// base64) and an optional `RelayState` to `action` as soon as it loads,
/// with a button for browsers without JavaScript (HTTP-POST binding).
pub fn post_form_html(action: &str, field: &str, value: &str, relay_state: Option<&str>) -> String {
    let relay = relay_state
        .map(|r| {
            format!(
                "<input type=\"hidden\" name=\"RelayState\" value=\"{}\"/>",
                escape(r)
            )
        })
        .unwrap_or_default();
    format!(
        concat!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Signing in</title></head>",
            "<body onload=\"document.forms[0].submit()\">",
            "<form method=\"post\" action=\"{action}\">",
            "<input type=\"hidden\" name=\"{field}\" value=\"{value}\"/>{relay}",
            "<noscript><p>JavaScript is disabled. Press Continue to finish signing in.</p>",
            "<button type=\"submit\">Continue</button></noscript>",
            "</form></body></html>"
        ),
        action = escape(action),
        field = escape(field),
        value = escape(value),
        relay = relay,
    )
}
