//! The production transport: one reqwest client, rustls, redirects off, timeouts on.

use std::time::Duration;

use super::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError};

/// Settings for [`ReqwestTransport`].
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// Time allowed to establish a TCP+TLS connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, response body included. Okta aborts its own
    /// queries at 30 s (okta-reference §3.7), so 60 s leaves room for slow networks.
    pub timeout: Duration,
    /// The `User-Agent` sent with every request.
    pub user_agent: String,
    /// Largest response body accepted; a page of 200 users is well under 1 MB.
    pub max_body_bytes: usize,
}

impl Default for TransportConfig {
    fn default() -> TransportConfig {
        TransportConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            user_agent: concat!("gatehouse-okta/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_body_bytes: 32 * 1024 * 1024,
        }
    }
}

/// A [`Transport`] over one shared `reqwest::Client`.
///
/// Redirects are off: an Okta API call never redirects, and following one could carry the
/// `Authorization` header to another host.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_bytes: usize,
}

impl ReqwestTransport {
    /// Builds the client once; clone the transport (cheap) to share its connection pool.
    pub fn new(config: &TransportConfig) -> Result<ReqwestTransport, TransportError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| TransportError::Client(e.to_string()))?;
        Ok(ReqwestTransport {
            client,
            max_body_bytes: config.max_body_bytes,
        })
    }

    async fn send_inner(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let host = request.url.host_str().unwrap_or_default().to_owned();
        let mut headers = request.headers;
        if request.body.as_ref().is_some_and(Vec::is_empty) {
            // hyper sends no Content-Length for an empty body; Okta answers 411 without it.
            headers.insert(
                http::header::CONTENT_LENGTH,
                http::HeaderValue::from_static("0"),
            );
        }
        let mut builder = self
            .client
            .request(request.method, request.url)
            .headers(headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut response = builder.send().await.map_err(|e| classify(&host, &e))?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&host, &e))? {
            if body.len() + chunk.len() > self.max_body_bytes {
                return Err(TransportError::BodyTooLarge {
                    limit: self.max_body_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

fn classify(host: &str, error: &reqwest::Error) -> TransportError {
    // The chain of sources carries the useful reason (e.g. "connection refused").
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        reason = format!("{reason}: {s}");
        source = s.source();
    }
    if error.is_timeout() {
        TransportError::Timeout
    } else if error.is_connect() {
        TransportError::Connect {
            host: host.to_owned(),
            reason,
        }
    } else if error.is_builder() {
        TransportError::Client(reason)
    } else {
        TransportError::Dropped { reason }
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(self.send_inner(request))
    }
}
