//! The span each request runs in: the fields a log line written during a request needs to be
//! traced back to it, and no more.
//!
//! `tracing-actix-web`'s default span carries about fifteen fields (a fresh UUID, the user
//! agent, a client address taken from `X-Forwarded-For` whoever sent it, OpenTelemetry names)
//! and records the status into it at the end. The log formatter writes every field out when
//! the span opens and again when one is recorded, whether or not anything is logged in it:
//! about a twentieth of a cart request's time, for nothing on the usual request that logs
//! nothing. Server errors are logged, with their status and path, by [`super::errors`].

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

/// Numbers requests in the order they arrive, so the lines of one request can be picked out.
static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// Opens `request{id=… method=… path=…}` around each request.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = NEXT_REQUEST.fetch_add(1, Ordering::Relaxed);
        tracing::info_span!(
            "request",
            id,
            method = %request.method(),
            path = request.path()
        )
    }

    fn on_request_end<B: MessageBody>(_span: Span, _outcome: &Result<ServiceResponse<B>, Error>) {}
}
