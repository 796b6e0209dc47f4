//! The network, behind one small trait.
//!
//! Everything that decides (auth headers, paging, pacing, retries, parsing) lives above
//! [`Transport`]; the transport only moves one request and returns status, headers and
//! body. [`ReqwestTransport`] is the production implementation, [`MemoryTransport`]
//! answers from a closure for tests.

mod memory;
mod reqwest_impl;

use std::future::Future;
use std::pin::Pin;

use http::{HeaderMap, Method, StatusCode};
use url::Url;

pub use memory::MemoryTransport;
pub use reqwest_impl::{ReqwestTransport, TransportConfig};

/// A boxed, sendable future, so [`Transport`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One HTTP request as the client built it (auth headers included).
#[derive(Clone, Debug)]
pub struct HttpRequest {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL on the org.
    pub url: Url,
    /// Request headers.
    pub headers: HeaderMap,
    /// Body bytes; `None` sends no body (a bodiless POST still gets `Content-Length: 0`).
    pub body: Option<Vec<u8>>,
}

/// One HTTP response, body fully read.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: StatusCode,
    /// Response headers (all instances of repeated headers such as `link`).
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a JSON body, for in-memory transports and tests.
    pub fn json(status: u16, body: &serde_json::Value) -> HttpResponse {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers,
            body: body.to_string().into_bytes(),
        }
    }

    /// A response with no body, e.g. 204.
    pub fn empty(status: u16) -> HttpResponse {
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: HeaderMap::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header (appending, so `link` may appear several times).
    pub fn with_header(mut self, name: &'static str, value: &str) -> HttpResponse {
        if let Ok(v) = http::HeaderValue::from_str(value) {
            self.headers.append(name, v);
        }
        self
    }
}

/// Why a request got no HTTP response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The connection could not be established; the request was certainly not processed,
    /// so any method may be retried.
    #[error("could not connect to {host}: {reason}")]
    Connect {
        /// Host tried.
        host: String,
        /// Underlying cause.
        reason: String,
    },
    /// No complete response within the configured time.
    #[error("request timed out")]
    Timeout,
    /// The connection broke after the request was sent; the server may have processed it.
    #[error("connection dropped: {reason}")]
    Dropped {
        /// Underlying cause.
        reason: String,
    },
    /// The response body exceeded the configured maximum.
    #[error("response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The HTTP client could not be built or the request was malformed.
    #[error("HTTP client error: {0}")]
    Client(String),
}

impl TransportError {
    /// True when the request certainly never reached the server.
    pub fn not_sent(&self) -> bool {
        matches!(self, TransportError::Connect { .. })
    }
}

/// Moves one request over the network. Implementations must not retry, follow redirects
/// or interpret status codes: the client does all of that.
pub trait Transport: Send + Sync {
    /// Sends `request` and returns the full response.
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}
