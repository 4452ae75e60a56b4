//! The log of every API request, readable by tests: what was sent and how it was answered.
//! Card numbers and security codes are redacted before anything is stored.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::cards::mask_digits;

/// How a request was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Processed; `code` is the success code sent.
    Accepted {
        /// `00000` or `0000`.
        code: String,
    },
    /// Refused with an error code in the envelope.
    Rejected {
        /// The envelope code.
        code: String,
        /// The envelope message.
        message: String,
    },
    /// Answered with an injected HTTP 5xx.
    Fault {
        /// The HTTP status sent.
        status: u16,
    },
}

impl Verdict {
    /// The envelope code, or `S0014` for a fault.
    pub fn code(&self) -> &str {
        match self {
            Verdict::Accepted { code } | Verdict::Rejected { code, .. } => code,
            Verdict::Fault { .. } => crate::envelope::codes::SYSTEM_ERROR,
        }
    }

    /// Whether the request was processed.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted { .. })
    }
}

/// One API request as received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Arrival time.
    pub at: DateTime<Utc>,
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Headers, names lowercase, in arrival order.
    pub headers: Vec<(String, String)>,
    /// Body as text, card numbers (last four kept) and security codes redacted.
    pub body: String,
    /// How it was answered.
    pub verdict: Verdict,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The body as text with card data redacted. A JSON body is redacted field by field (`cardNo`
/// keeps its last four digits, `cardSecurityCode` becomes `***`); anything else has every run
/// of 12 or more digits masked.
pub(crate) fn redact_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            if redact_value(&mut value) {
                value.to_string()
            } else {
                text.into_owned()
            }
        }
        Err(_) => mask_digit_runs(&text),
    }
}

fn redact_value(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let mut changed = false;
            for (key, v) in map.iter_mut() {
                match (key.as_str(), &*v) {
                    ("cardNo", Value::String(s)) => {
                        *v = Value::String(mask_digits(s));
                        changed = true;
                    }
                    ("cardNo", _) | ("cardSecurityCode", _) => {
                        *v = Value::String("***".to_owned());
                        changed = true;
                    }
                    _ => changed |= redact_value(v),
                }
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| redact_value(v) | changed),
        _ => false,
    }
}

fn mask_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 12 {
            out.push_str(&mask_digits(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_data_is_redacted() {
        let body = br#"{"card":{"cardNo":"4242424242424242","cardExpireMonth":"12","cardSecurityCode":"123"},"x":[{"cardNo":"4000000000009995"}]}"#;
        let red = redact_body(body);
        assert!(!red.contains("4242424242424242"), "{red}");
        assert!(!red.contains("\"123\""), "{red}");
        assert!(red.contains("************4242"), "{red}");
        assert!(red.contains("************9995"), "{red}");
        let plain = br#"{"orderNo":"A1"}"#;
        assert_eq!(redact_body(plain), r#"{"orderNo":"A1"}"#);
        assert_eq!(
            redact_body(b"cardNo=4242424242424242&x=1"),
            "cardNo=************4242&x=1"
        );
    }
}
