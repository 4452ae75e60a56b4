//! CSRF tokens: one random token per session, sent back in each form's hidden `csrf_token`.

use actix_session::Session;
use rand::RngCore;
use subtle::ConstantTimeEq;

const KEY: &str = "csrf";

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(KEY) {
        return token;
    }
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    if let Err(e) = session.insert(KEY, &token) {
        tracing::warn!(error = %e, "could not store the CSRF token");
    }
    token
}

/// Gives the session a new token and a new cookie, keeping the rest of its state (the cart):
/// at sign-in, so that a token known before (planted with a cookie, say) is worth nothing after.
pub fn rotate(session: &Session) {
    session.remove(KEY);
    session.renew();
}

/// True when `submitted` is the session's token (compared in constant time).
pub fn verify(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(KEY) {
        Ok(Some(expected)) => {
            !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
        }
        _ => false,
    }
}
