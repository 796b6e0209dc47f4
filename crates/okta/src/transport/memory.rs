//! An in-memory transport for tests: a closure answers each request, and every request
//! is recorded for assertions.

use std::sync::{Arc, Mutex};

use super::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError};

type Handler = dyn Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync;

/// A [`Transport`] answered by a closure, recording what it was asked.
#[derive(Clone)]
pub struct MemoryTransport {
    handler: Arc<Handler>,
    log: Arc<Mutex<Vec<HttpRequest>>>,
}

impl MemoryTransport {
    /// A transport whose responses come from `handler`.
    pub fn new(
        handler: impl Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync + 'static,
    ) -> MemoryTransport {
        MemoryTransport {
            handler: Arc::new(handler),
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl std::fmt::Debug for MemoryTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTransport").finish_non_exhaustive()
    }
}

impl Transport for MemoryTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let answer = (self.handler)(&request);
        if let Ok(mut log) = self.log.lock() {
            log.push(request);
        }
        Box::pin(async move {
            // Yield once so concurrent callers interleave as they would on a network.
            tokio::task::yield_now().await;
            answer
        })
    }
}
