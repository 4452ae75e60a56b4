//! What can go wrong talking to AsiaBill, in the three layers a caller must tell apart.

/// A boxed underlying cause (the HTTP library's error), kept for `source()` chains.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error of every API call.
///
/// The crate never retries: a charge, refund or capture that timed out may still have been
/// carried out, so only the caller, who can query first, may decide to try again. See
/// [`Error::outcome_unknown`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No complete answer within the configured timeout.
    #[error("AsiaBill did not answer within the timeout")]
    Timeout(#[source] Cause),
    /// The connection could not be opened (DNS, refused, TLS handshake); nothing was sent.
    #[error("could not connect to AsiaBill")]
    Connect(#[source] Cause),
    /// AsiaBill answered with an HTTP status other than 200; its SDK treats that as a
    /// transport failure, and business refusals come back as 200 with a code.
    #[error("AsiaBill answered HTTP {status}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The start of the response body, for the log.
        body: String,
    },
    /// Any other failure of the HTTP exchange.
    #[error("HTTP exchange with AsiaBill failed")]
    Transport(#[source] Cause),
    /// The answer was HTTP 200 but not the documented JSON.
    #[error("unreadable answer from AsiaBill: {0}")]
    Protocol(String),
    /// AsiaBill refused the request: a `code` other than `0000`/`00000`.
    #[error("AsiaBill refused the request with code {code}: {message}")]
    Business {
        /// The code received.
        code: String,
        /// AsiaBill's explanation.
        message: String,
    },
    /// The request was refused here, before anything was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl Error {
    /// True when AsiaBill may have acted on the request although no usable answer came back:
    /// a timeout, a broken exchange, a non-200 status or an unreadable body. The caller should
    /// query the transaction (or refund) before trying again. False when nothing was sent,
    /// or AsiaBill clearly refused.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Error::Timeout(_) | Error::HttpStatus { .. } | Error::Transport(_) | Error::Protocol(_)
        )
    }

    /// True for the transport layer: timeout, connection, non-200, other HTTP failures.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            Error::Timeout(_) | Error::Connect(_) | Error::HttpStatus { .. } | Error::Transport(_)
        )
    }

    pub(crate) fn from_http(err: reqwest::Error) -> Self {
        if err.is_timeout() {
            Error::Timeout(Box::new(err))
        } else if err.is_connect() {
            Error::Connect(Box::new(err))
        } else {
            Error::Transport(Box::new(err))
        }
    }
}
