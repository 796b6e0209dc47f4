//! Outbound HTTP for SSO: IdP metadata and OIDC providers. Both clients have connect and
//! total timeouts and read at most [`MAX_BODY`] bytes; the metadata client follows at most
//! three redirects and only to http(s), the OIDC client follows none (an IdP-controlled
//! redirect must not steer our requests, SSRF). [`oidc_http`] adapts the OIDC client to
//! `openidconnect`'s async HTTP client trait.

use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse};

/// The largest response body read from an IdP.
pub const MAX_BODY: usize = 1024 * 1024;

const MAX_REDIRECTS: usize = 3;

/// Why an outbound request failed, in words for the admin.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Only http and https URLs are fetched.
    #[error("only http(s) URLs can be fetched, not {0:?}")]
    Scheme(String),
    /// The URL does not parse.
    #[error("invalid URL: {0}")]
    Url(String),
    /// Connecting, TLS, timeouts, redirects.
    #[error("request to {url} failed: {cause}")]
    Transport {
        /// Where.
        url: String,
        /// Why (reqwest's description, without secrets).
        cause: String,
    },
    /// A non-success status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// Where.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body exceeded [`MAX_BODY`].
    #[error("the response from {0} is larger than {MAX_BODY} bytes")]
    TooLarge(String),
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
}

/// The client that fetches IdP metadata.
pub fn metadata_client() -> reqwest::Client {
    builder()
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if !matches!(attempt.url().scheme(), "http" | "https") {
                attempt.error("redirect to a non-http(s) URL")
            } else {
                attempt.follow()
            }
        }))
        .build()
        .unwrap_or_default()
}

/// The client that talks to OIDC providers (no redirects).
pub fn oidc_client() -> reqwest::Client {
    builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Checks that `raw` is an absolute http(s) URL.
pub fn http_url(raw: &str) -> Result<url::Url, FetchError> {
    let url = url::Url::parse(raw).map_err(|e| FetchError::Url(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(FetchError::Scheme(url.scheme().to_owned()));
    }
    Ok(url)
}

/// GETs `raw` (http(s) only) and returns at most [`MAX_BODY`] bytes of a 2xx body.
pub async fn get_bytes(client: &reqwest::Client, raw: &str) -> Result<Vec<u8>, FetchError> {
    let url = http_url(raw)?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| transport(raw, &e))?;
    if !response.status().is_success() {
        return Err(FetchError::Status {
            url: raw.to_owned(),
            status: response.status().as_u16(),
        });
    }
    read_capped(raw, response).await
}

async fn read_capped(url: &str, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(FetchError::TooLarge(url.to_owned()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(url, &e))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(FetchError::TooLarge(url.to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn transport(url: &str, err: &reqwest::Error) -> FetchError {
    FetchError::Transport {
        url: url.to_owned(),
        cause: error_chain(err),
    }
}

/// An error with its sources, as one sentence for the admin.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}

/// Sends one `openidconnect` request through `client` (which must not follow redirects) and
/// reads at most [`MAX_BODY`] bytes of the answer, whatever its status (the library
/// interprets OAuth error bodies itself).
pub async fn oidc_http(
    client: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, FetchError> {
    let url = request.uri().to_string();
    http_url(&url)?;
    let (parts, body) = request.into_parts();
    let mut outgoing = client.request(parts.method, &url).body(body);
    for (name, value) in &parts.headers {
        outgoing = outgoing.header(name, value);
    }
    let response = outgoing.send().await.map_err(|e| transport(&url, &e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_capped(&url, response).await?;
    let mut answer = HttpResponse::new(body);
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}
