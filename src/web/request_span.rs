//! The span each request runs in: the fields a log line written during a request needs to be
//! traced back to it, and no more.
//!
//! `tracing-actix-web`'s default span carries about fifteen fields (a fresh UUID, the user
//! agent, a client address taken from `X-Forwarded-For` whoever sent it, OpenTelemetry names)
//! and records the status into it at the end. The log formatter writes every field out when
//! the span opens and again when one is recorded, whether or not anything is logged in it:
//! about a twentieth of a cart request's time, for nothing on the usual request that logs
//! nothing. Server errors are logged, with their status and path, by [`super::errors`]; a
//! response that carries an error is logged at the end by its status ([`log_error`]): an
//! expected redirect, such as the admin login's, is no error.
//!
//! An order page's path holds the order's access token, which is all it takes to see the order
//! and pay for it; logs are read by more people than the shopper, so the path is logged with the
//! token replaced by a short hash ([`logged_path`]).

use std::{
    borrow::Cow,
    sync::atomic::{AtomicU64, Ordering},
};

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::StatusCode,
};
use sha2::{Digest, Sha256};
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
            path = ?logged_path(request.path())
        )
    }

    fn on_request_end<B: MessageBody>(_span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        match outcome {
            Ok(response) => {
                if let Some(error) = response.response().error() {
                    log_error(error, response.status());
                }
            }
            Err(error) => log_error(error, error.as_response_error().status_code()),
        }
    }
}

/// Logs an error a response carries: ERROR for a server error, WARN for a refused request,
/// DEBUG for anything else (a redirect to the login page is how an extractor says "log in
/// first", expected on every first visit).
fn log_error(error: &Error, status: StatusCode) {
    if status.is_server_error() {
        tracing::error!(http.status = status.as_u16(), error = ?error, "request failed");
    } else if status.is_client_error() {
        tracing::warn!(http.status = status.as_u16(), error = ?error, "request refused");
    } else {
        tracing::debug!(http.status = status.as_u16(), error = %error, "request answered early");
    }
}

/// The paths whose next segment is a secret: an order's access token, and the one-time links
/// emailed to shoppers (a reset link in a log would open the account for an hour).
const SECRET_SEGMENT_AFTER: [&str; 3] = ["/orders/", "/account/verify/", "/account/reset/"];

/// `path` as it may be logged: `/orders/{token}…` becomes `/orders/~{hash}…`, `hash` being the
/// first 8 hex digits of the token's SHA-256, which is enough to tell the lines of one order
/// from another's and useless for opening it; the same for the emailed account links. Other
/// paths are returned as they are.
pub fn logged_path(path: &str) -> Cow<'_, str> {
    let Some((prefix, rest)) = SECRET_SEGMENT_AFTER
        .iter()
        .find_map(|prefix| Some((*prefix, path.strip_prefix(prefix)?)))
    else {
        return Cow::Borrowed(path);
    };
    let (token, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if token.is_empty() {
        return Cow::Borrowed(path);
    }
    let digest = hex::encode(Sha256::digest(token.as_bytes()));
    Cow::Owned(format!("{prefix}~{}{tail}", &digest[..8]))
}

#[cfg(test)]
mod tests {
    use std::{
        io::Write,
        sync::{Arc, Mutex},
    };

    use actix_web::test::TestRequest;
    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    const TOKEN: &str = "Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS10b2tlbg";

    /// Log output kept in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// The line a warning logged while serving `uri` is written as.
    fn line_logged_during(uri: &str) -> String {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let request = TestRequest::with_uri(uri).to_srv_request();
            let span = RequestSpan::on_request_start(&request);
            span.in_scope(|| tracing::warn!("something to say"));
        });
        let bytes = captured.0.lock().expect("log").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn the_request_log_line_names_an_order_by_a_hash_of_its_token_not_the_token() {
        let hash = &hex::encode(Sha256::digest(TOKEN.as_bytes()))[..8];
        for (uri, logged) in [
            (format!("/orders/{TOKEN}"), format!("/orders/~{hash}")),
            (
                format!("/orders/{TOKEN}/pay"),
                format!("/orders/~{hash}/pay"),
            ),
            (
                format!("/orders/{TOKEN}/restore-cart?x=1"),
                format!("/orders/~{hash}/restore-cart"),
            ),
            (
                format!("/account/reset/{TOKEN}"),
                format!("/account/reset/~{hash}"),
            ),
            (
                format!("/account/verify/{TOKEN}"),
                format!("/account/verify/~{hash}"),
            ),
        ] {
            let line = line_logged_during(&uri);
            assert!(!line.contains(TOKEN), "{line}");
            assert!(line.contains(&format!("path=\"{logged}\"")), "{line}");
        }
    }

    /// What serving `uri` through the request span logs, at every level.
    async fn logged_serving(uri: &str) -> String {
        use actix_web::{App, HttpResponse, error::InternalError, test, web};
        use tracing_actix_web::TracingLogger;

        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(TracingLogger::<RequestSpan>::new())
                .route(
                    "/login-first",
                    web::get().to(|| async {
                        let to_login = HttpResponse::SeeOther()
                            .insert_header(("location", "/admin/login"))
                            .finish();
                        Err::<HttpResponse, _>(InternalError::from_response(
                            "admin login required",
                            to_login,
                        ))
                    }),
                )
                .route(
                    "/broken",
                    web::get().to(|| async {
                        Err::<HttpResponse, _>(actix_web::error::ErrorInternalServerError("boom"))
                    }),
                ),
        )
        .await;
        test::call_service(&app, test::TestRequest::with_uri(uri).to_request()).await;
        let bytes = captured.0.lock().expect("log").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[actix_web::test]
    async fn a_redirect_to_the_login_page_is_not_logged_as_an_error() {
        let line = logged_serving("/login-first").await;
        assert!(!line.contains("ERROR"), "{line}");
        assert!(!line.contains("WARN"), "{line}");
        assert!(line.contains("DEBUG"), "still there when debugging: {line}");
        let line = logged_serving("/broken").await;
        assert!(line.contains("ERROR") && line.contains("boom"), "{line}");
    }

    #[test]
    fn other_paths_are_logged_as_they_are() {
        for path in ["/", "/cart", "/admin/orders/A10001", "/orders/"] {
            assert_eq!(logged_path(path), path);
        }
        assert!(line_logged_during("/products/mug").contains("path=\"/products/mug\""));
    }
}
