//! V2022-03 signatures: HMAC-SHA256 over `header . path . query . body` (section 4 of the API
//! notes), and the constant-time comparison used to check them.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The parts of a message that are signed, before they are joined.
///
/// Empty parts are dropped and the rest joined with `.`, as AsiaBill's own SDK does, so a
/// request without a body signs `header . query`, not `header . query .`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SignedParts<'a> {
    /// `gateway-no` + `request-id` + `request-time` (+ `version` on webhooks), concatenated.
    pub header: String,
    /// The URL path placeholders' values, sorted and concatenated.
    pub path: String,
    /// The query values in ASCII order of their keys, raw (not URL-encoded), concatenated.
    pub query: String,
    /// The body exactly as sent.
    pub body: &'a [u8],
}

impl<'a> SignedParts<'a> {
    /// The header part from the three request headers and, for webhooks, `version`.
    pub fn header(
        gateway_no: &str,
        request_id: &str,
        request_time: &str,
        version: Option<&str>,
    ) -> String {
        let mut h =
            String::with_capacity(gateway_no.len() + request_id.len() + request_time.len() + 8);
        h.push_str(gateway_no);
        h.push_str(request_id);
        h.push_str(request_time);
        if let Some(v) = version {
            h.push_str(v);
        }
        h
    }

    /// The path part: placeholder values sorted (AsiaBill's SDK sorts the values) and joined.
    pub fn path<S: AsRef<str>>(values: &[S]) -> String {
        let mut sorted: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
        sorted.sort_unstable();
        sorted.concat()
    }

    /// The query part: values in ASCII order of their keys, raw, joined. Empty values add
    /// nothing, as in the SDK's concatenation.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
        let mut sorted: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        sorted.into_iter().map(|(_, v)| v).collect()
    }

    /// The string that is signed: the non-empty parts joined with `.`.
    pub fn message(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            self.header.len() + self.path.len() + self.query.len() + self.body.len() + 3,
        );
        for part in [
            self.header.as_bytes(),
            self.path.as_bytes(),
            self.query.as_bytes(),
            self.body,
        ] {
            if part.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(b'.');
            }
            out.extend_from_slice(part);
        }
        out
    }
}

/// HMAC-SHA256 of `message` with `key`, as lowercase hex (what AsiaBill's SDK sends on requests).
pub fn hmac_hex(key: &SecretString, message: &[u8]) -> String {
    hex::encode(hmac_bytes(key, message))
}

/// HMAC-SHA256 of `message` with `key`, raw bytes.
pub fn hmac_bytes(key: &SecretString, message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps `unwrap` out.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.expose_secret().as_bytes())
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Signs `parts` with `key`: lowercase hex.
pub fn sign(key: &SecretString, parts: &SignedParts<'_>) -> String {
    hmac_hex(key, &parts.message())
}

/// True when the hex signature `received` is the HMAC of `message`, compared in constant time
/// and without regard to case (AsiaBill sends uppercase, its SDK lowercase).
pub fn verify_hex(key: &SecretString, message: &[u8], received: &str) -> bool {
    let Ok(received) = hex::decode(received.trim()) else {
        return false;
    };
    let expected = hmac_bytes(key, message);
    received.len() == expected.len() && bool::from(expected.ct_eq(&received))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "122460022F1E3D4C-5B6A-7980-A1B2-C3D4E5F607181651888520935";

    fn key() -> SecretString {
        SecretString::from("12H4567r")
    }

    #[test]
    fn session_token_vector() {
        let parts = SignedParts {
            header: SignedParts::header(
                "12246002",
                "2F1E3D4C-5B6A-7980-A1B2-C3D4E5F60718",
                "1651888520935",
                None,
            ),
            ..Default::default()
        };
        assert_eq!(parts.header, HEADER);
        assert_eq!(
            sign(&key(), &parts),
            "b475d4f26eba7ef3ad4a3f7fa929fae3682f9462d8b6bf5f5b5c75e3a494c976"
        );
    }

    #[test]
    fn verification_ignores_case_and_rejects_junk() {
        let msg = b"hello";
        let sig = hmac_hex(&key(), msg);
        assert!(verify_hex(&key(), msg, &sig));
        assert!(verify_hex(&key(), msg, &sig.to_uppercase()));
        assert!(!verify_hex(&key(), b"hellO", &sig));
        assert!(!verify_hex(&key(), msg, &sig[..62]));
        assert!(!verify_hex(&key(), msg, "zz"));
    }
}
