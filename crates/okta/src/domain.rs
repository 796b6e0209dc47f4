//! Normalising the Okta domain an admin pastes into the org's base URL.
//!
//! Admins paste whatever their browser shows: the Admin Console URL
//! (`https://acme-admin.okta.com/admin/dashboard`), a bare host (`acme.oktapreview.com`)
//! or a custom URL domain (`id.example.com`). [`OrgUrl::parse`] follows
//! okta-reference §1.3 step by step and either returns the canonical
//! `https://{host}` origin or a [`DomainError`] whose message says exactly what is wrong,
//! so the admin API can return it verbatim as a 422.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// Okta-owned domain suffixes (okta-reference §1.1). An org host is `{org}.{suffix}`.
const OKTA_SUFFIXES: &[&str] = &[
    "okta.com",
    "oktapreview.com",
    "okta-emea.com",
    "okta-gov.com",
    "okta.mil",
    "okta-miltest.com",
    "trex-gov.com",
    "trexcloud.com",
    "okta1.com",
];

/// The canonical base URL of an Okta org: scheme and host (and a port only for a local
/// simulator), never a path.
///
/// Built only by [`OrgUrl::parse`], so holding one proves the domain passed validation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OrgUrl {
    origin: Url,
    kind: DomainKind,
}

/// What kind of host an [`OrgUrl`] points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DomainKind {
    /// `{org}.okta.com`, `{org}.oktapreview.com`, … — the org's Okta-owned domain.
    Okta,
    /// A customer-owned custom URL domain (a CNAME to the org), e.g. `login.example.com`.
    Custom,
    /// A plain-HTTP or non-standard-port host accepted only with `allow_insecure_http`
    /// (the okta-sim simulator).
    Insecure,
}

/// Options for [`OrgUrl::parse`].
#[derive(Clone, Copy, Debug, Default)]
pub struct DomainOptions {
    /// Accept `http://`, any port and loopback IP hosts. Only for okta-sim; real Okta orgs
    /// are HTTPS-only on port 443.
    pub allow_insecure_http: bool,
}

/// Why a pasted domain was refused. `Display` is a complete sentence meant for the admin.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Nothing was entered.
    #[error("the Okta domain is empty: enter your org's domain, e.g. acme.okta.com")]
    Empty,
    /// `http://` without `allow_insecure_http`.
    #[error(
        "\"http://\" is not allowed: Okta's API is HTTPS-only, enter https://{host} or just {host}"
    )]
    InsecureScheme {
        /// The host that was entered, to show the corrected form.
        host: String,
    },
    /// A scheme other than http/https.
    #[error("unsupported URL scheme \"{scheme}\": enter an https:// URL or just the domain")]
    UnsupportedScheme {
        /// The scheme found.
        scheme: String,
    },
    /// `://` appears more than once (e.g. `https://https://acme.okta.com`).
    #[error("\"://\" appears more than once: enter a single URL such as https://acme.okta.com")]
    RepeatedScheme,
    /// The documentation placeholder was pasted unchanged.
    #[error(
        "replace the placeholder {{yourOktaDomain}} with your org's domain, e.g. acme.okta.com"
    )]
    Placeholder,
    /// The text is not a URL or host name at all.
    #[error("\"{input}\" is not a valid domain or URL: {reason}")]
    Unparseable {
        /// What was entered (trimmed).
        input: String,
        /// The URL parser's explanation.
        reason: String,
    },
    /// `user:password@` in front of the host.
    #[error("the domain must not contain a user name or password (the part before \"@\")")]
    Userinfo,
    /// An IP address instead of a domain name.
    #[error("\"{ip}\" is an IP address, not an Okta domain: enter your org's domain name")]
    IpAddress {
        /// The address found.
        ip: String,
    },
    /// A port other than 443.
    #[error("port {port} is not allowed: Okta orgs answer only on the standard HTTPS port 443")]
    Port {
        /// The port found.
        port: u16,
    },
    /// A doubled `.com.com` ending.
    #[error("\"{host}\" ends in \".com.com\": did you mean {suggestion}?")]
    RepeatedCom {
        /// The host entered.
        host: String,
        /// The host with the doubled `.com` removed.
        suggestion: String,
    },
    /// A single label such as `acme`.
    #[error("\"{host}\" is not a full domain name: did you mean {host}.okta.com?")]
    SingleLabel {
        /// The host entered.
        host: String,
    },
    /// An Okta suffix with no org label (`okta.com`, `-admin.okta.com`).
    #[error("\"{host}\" is missing your org's name: Okta domains look like acme.{suffix}")]
    MissingOrg {
        /// The host entered.
        host: String,
        /// The Okta suffix it ends with.
        suffix: String,
    },
    /// More than one label in front of an Okta suffix (`login.acme.okta.com`).
    #[error(
        "\"{host}\" is not an Okta org domain: Okta org domains have exactly one name before \
         \".{suffix}\", e.g. acme.{suffix}"
    )]
    NestedOktaHost {
        /// The host entered.
        host: String,
        /// The Okta suffix it ends with.
        suffix: String,
    },
    /// A custom domain that is a root domain (Okta requires a subdomain).
    #[error(
        "\"{host}\" is a root domain: Okta custom URL domains are always a subdomain such as \
         login.{host}; enter that subdomain or your org's okta.com domain"
    )]
    CustomRootDomain {
        /// The host entered.
        host: String,
    },
    /// A label with characters a DNS host name cannot have.
    #[error(
        "\"{label}\" in \"{host}\" is not a valid domain label: use letters, digits and \
         hyphens, not starting or ending with a hyphen"
    )]
    InvalidLabel {
        /// The host entered.
        host: String,
        /// The offending label.
        label: String,
    },
}

impl DomainError {
    /// A stable snake_case code for API error bodies and audit rows.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Empty => "domain_empty",
            DomainError::InsecureScheme { .. } => "domain_insecure_scheme",
            DomainError::UnsupportedScheme { .. } => "domain_unsupported_scheme",
            DomainError::RepeatedScheme => "domain_repeated_scheme",
            DomainError::Placeholder => "domain_placeholder",
            DomainError::Unparseable { .. } => "domain_unparseable",
            DomainError::Userinfo => "domain_userinfo",
            DomainError::IpAddress { .. } => "domain_ip_address",
            DomainError::Port { .. } => "domain_port",
            DomainError::RepeatedCom { .. } => "domain_repeated_com",
            DomainError::SingleLabel { .. } => "domain_single_label",
            DomainError::MissingOrg { .. } => "domain_missing_org",
            DomainError::NestedOktaHost { .. } => "domain_nested_okta_host",
            DomainError::CustomRootDomain { .. } => "domain_custom_root",
            DomainError::InvalidLabel { .. } => "domain_invalid_label",
        }
    }
}

impl OrgUrl {
    /// Normalises what an admin pasted into the org's base URL (okta-reference §1.3).
    ///
    /// Trims, adds `https://` when no scheme is given, drops path/query/fragment, the
    /// trailing dot and letter case, converts IDNs to punycode, strips `-admin` from Okta
    /// hosts (never from custom domains) and rejects everything that cannot be an org.
    pub fn parse(input: &str, options: DomainOptions) -> Result<OrgUrl, DomainError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(DomainError::Empty);
        }
        if trimmed.contains("{yourOktaDomain}") || trimmed.contains("${yourOktaDomain}") {
            return Err(DomainError::Placeholder);
        }
        if trimmed.matches("://").count() > 1 {
            return Err(DomainError::RepeatedScheme);
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let url = Url::parse(&with_scheme).map_err(|e| DomainError::Unparseable {
            input: trimmed.to_owned(),
            reason: e.to_string(),
        })?;
        let insecure = options.allow_insecure_http;
        match url.scheme() {
            "https" => {}
            "http" if insecure => {}
            "http" => {
                return Err(DomainError::InsecureScheme {
                    host: url.host_str().unwrap_or_default().to_owned(),
                });
            }
            other => {
                return Err(DomainError::UnsupportedScheme {
                    scheme: other.to_owned(),
                });
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(DomainError::Userinfo);
        }
        let host = match url.host() {
            Some(Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
            Some(Host::Ipv4(ip)) => return ip_host(IpAddr::V4(ip), &url, insecure),
            Some(Host::Ipv6(ip)) => return ip_host(IpAddr::V6(ip), &url, insecure),
            None => {
                return Err(DomainError::Unparseable {
                    input: trimmed.to_owned(),
                    reason: "no host name found".to_owned(),
                });
            }
        };
        if let Some(port) = url.port()
            && !insecure
        {
            return Err(DomainError::Port { port });
        }
        let local = url.scheme() == "http" || url.port().is_some();
        let host = match classify_host(&host) {
            Ok((host, _)) if local => host,
            Ok((host, kind)) => return build(url.scheme(), &host, None, kind),
            // A simulator may run on `localhost` or any internal name.
            Err(DomainError::SingleLabel { .. } | DomainError::CustomRootDomain { .. })
                if local =>
            {
                host
            }
            Err(e) => return Err(e),
        };
        build(url.scheme(), &host, url.port(), DomainKind::Insecure)
    }

    /// The base URL as a string without a trailing slash, e.g. `https://acme.okta.com`.
    pub fn as_str(&self) -> &str {
        self.origin.as_str().trim_end_matches('/')
    }

    /// The host name (or loopback address for okta-sim).
    pub fn host(&self) -> &str {
        self.origin.host_str().unwrap_or_default()
    }

    /// The kind of domain this is.
    pub fn kind(&self) -> DomainKind {
        self.kind
    }

    /// The base URL as a parsed [`Url`] (path `/`).
    pub fn url(&self) -> &Url {
        &self.origin
    }

    /// An absolute URL for `path_and_query` (which must start with `/`) on this org.
    ///
    /// Used both for the first page of a list and for following `Link` headers: only the
    /// path and query of a server-sent link are kept, so a credential is never sent to a
    /// host other than the org's (what Okta's own SDKs do, okta-reference §4.1).
    pub fn join(&self, path_and_query: &str) -> Result<Url, url::ParseError> {
        self.origin.join(path_and_query)
    }

    /// The org's token endpoint, `{org}/oauth2/v1/token` — also the exact `aud` of a
    /// client assertion (okta-reference §2.2).
    pub fn token_endpoint(&self) -> String {
        format!("{}/oauth2/v1/token", self.as_str())
    }
}

impl fmt::Debug for OrgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrgUrl({}, {:?})", self.as_str(), self.kind)
    }
}

impl fmt::Display for OrgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// IP-literal hosts are only acceptable for a local simulator on loopback.
fn ip_host(ip: IpAddr, url: &Url, insecure: bool) -> Result<OrgUrl, DomainError> {
    if !(insecure && ip.is_loopback()) {
        return Err(DomainError::IpAddress { ip: ip.to_string() });
    }
    let host = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    build(url.scheme(), &host, url.port(), DomainKind::Insecure)
}

fn build(
    scheme: &str,
    host: &str,
    port: Option<u16>,
    kind: DomainKind,
) -> Result<OrgUrl, DomainError> {
    let text = match port {
        Some(p) => format!("{scheme}://{host}:{p}/"),
        None => format!("{scheme}://{host}/"),
    };
    let origin = Url::parse(&text).map_err(|e| DomainError::Unparseable {
        input: host.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(OrgUrl { origin, kind })
}

/// Checks the labels, strips `-admin` from Okta hosts and says whether the host is an
/// Okta-owned or a custom domain.
fn classify_host(host: &str) -> Result<(String, DomainKind), DomainError> {
    if host.ends_with(".com.com") {
        let suggestion = host.trim_end_matches(".com").to_owned() + ".com";
        return Err(DomainError::RepeatedCom {
            host: host.to_owned(),
            suggestion,
        });
    }
    let suffix = OKTA_SUFFIXES
        .iter()
        .find(|s| host == **s || host.ends_with(&format!(".{s}")))
        .copied();
    let Some(suffix) = suffix else {
        let labels: Vec<&str> = host.split('.').collect();
        check_labels(host, &labels)?;
        if labels.len() < 2 {
            return Err(DomainError::SingleLabel {
                host: host.to_owned(),
            });
        }
        // Custom URL domains must be subdomains; a two-label host is a root domain.
        if labels.len() < 3 {
            return Err(DomainError::CustomRootDomain {
                host: host.to_owned(),
            });
        }
        return Ok((host.to_owned(), DomainKind::Custom));
    };
    let prefix = host
        .strip_suffix(suffix)
        .unwrap_or_default()
        .trim_end_matches('.');
    if prefix.contains('.') {
        return Err(DomainError::NestedOktaHost {
            host: host.to_owned(),
            suffix: suffix.to_owned(),
        });
    }
    let org = prefix.strip_suffix("-admin").unwrap_or(prefix);
    if org.is_empty() {
        return Err(DomainError::MissingOrg {
            host: host.to_owned(),
            suffix: suffix.to_owned(),
        });
    }
    check_labels(host, &[org])?;
    Ok((format!("{org}.{suffix}"), DomainKind::Okta))
}

fn check_labels(host: &str, labels: &[&str]) -> Result<(), DomainError> {
    match labels.iter().find(|l| !valid_label(l)) {
        Some(label) => Err(DomainError::InvalidLabel {
            host: host.to_owned(),
            label: (*label).to_owned(),
        }),
        None => Ok(()),
    }
}

/// A DNS label: 1–63 letters, digits or hyphens, not starting or ending with a hyphen.
fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

#[cfg(test)]
mod tests;
