//! Form bodies guarded by the session's CSRF token.

use actix_session::SessionExt;
use actix_web::{FromRequest, HttpRequest, dev::Payload, error, web};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, de::DeserializeOwned};

use crate::web::csrf;

/// Largest form body accepted; the checkout form is far smaller.
const LIMIT: usize = 64 * 1024;

/// A URL-encoded form whose hidden `csrf_token` matched the session's token.
///
/// A missing or wrong token is answered 403 before the handler runs, so no handler can forget
/// the check; a body that does not parse as `T` is a 400.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let bytes = body.await?;
            if bytes.len() > LIMIT {
                return Err(error::ErrorPayloadTooLarge("form too large"));
            }
            let token = serde_urlencoded::from_bytes::<TokenOnly>(&bytes)
                .map(|t| t.csrf_token)
                .unwrap_or_default();
            if !csrf::verify(&req.get_session(), &token) {
                tracing::warn!(
                    http.path = req.path(),
                    "form refused: CSRF token missing or wrong"
                );
                return Err(error::ErrorForbidden("CSRF token missing or wrong"));
            }
            serde_urlencoded::from_bytes::<T>(&bytes)
                .map(CsrfForm)
                .map_err(|e| error::ErrorBadRequest(format!("form does not parse: {e}")))
        })
    }
}
