//! One-time messages shown on the next page a shopper or merchant sees.

use actix_session::Session;
use serde::{Deserialize, Serialize};

const KEY: &str = "flashes";

/// A message and how it should look.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    /// `success`, `error` or `info`.
    pub kind: String,
    /// The text, already translated.
    pub message: String,
}

/// Queues a message for the next page.
pub fn push(session: &Session, kind: &str, message: impl Into<String>) {
    let mut all: Vec<Flash> = session.get(KEY).ok().flatten().unwrap_or_default();
    all.push(Flash {
        kind: kind.to_owned(),
        message: message.into(),
    });
    if let Err(e) = session.insert(KEY, all) {
        tracing::warn!(error = %e, "could not store a flash message");
    }
}

/// Takes the queued messages, so each is shown once.
pub fn take(session: &Session) -> Vec<Flash> {
    // Removing marks the session changed even when the key is absent, which would re-encrypt
    // and re-send the session cookie on every page view; most pages have no message.
    if !session.contains_key(KEY) {
        return Vec::new();
    }
    session
        .remove_as::<Vec<Flash>>(KEY)
        .and_then(Result::ok)
        .unwrap_or_default()
}
