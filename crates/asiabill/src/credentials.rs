//! A gateway account: the gateway number and the key that signs its requests.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// An 8-digit AsiaBill gateway access number; its first five digits are the merchant number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct GatewayNo(String);

/// Why a gateway number or sign key was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialsError {
    /// The gateway number is not exactly eight ASCII digits.
    #[error("gateway number `{0}` must be exactly 8 digits")]
    BadGatewayNo(String),
    /// The sign key is empty or longer than AsiaBill allows.
    #[error("sign key must be 1 to 100 characters")]
    BadSignKey,
}

impl GatewayNo {
    /// Parses an 8-digit gateway number.
    pub fn parse(value: &str) -> Result<Self, CredentialsError> {
        let value = value.trim();
        if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(GatewayNo(value.to_owned()))
        } else {
            Err(CredentialsError::BadGatewayNo(value.to_owned()))
        }
    }

    /// The gateway number as sent in the `gateway-no` header.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The merchant number (`merNo`): the first five digits of the gateway number.
    pub fn mer_no(&self) -> &str {
        &self.0[..5]
    }
}

impl fmt::Display for GatewayNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for GatewayNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GatewayNo({})", self.0)
    }
}

/// A gateway number with its sign key. The key never appears in `Debug` output.
#[derive(Clone)]
pub struct Credentials {
    gateway_no: GatewayNo,
    sign_key: SecretString,
}

/// The public test gateway published in AsiaBill's own plugins; refused in production.
pub const PUBLIC_TEST_GATEWAY_NO: &str = "12246002";
/// The sign key of [`PUBLIC_TEST_GATEWAY_NO`].
pub const PUBLIC_TEST_SIGN_KEY: &str = "12H4567r";

impl Credentials {
    /// Builds credentials, checking the gateway number's shape and the key's length.
    pub fn new(gateway_no: &str, sign_key: SecretString) -> Result<Self, CredentialsError> {
        let gateway_no = GatewayNo::parse(gateway_no)?;
        let len = sign_key.expose_secret().chars().count();
        if len == 0 || len > 100 {
            return Err(CredentialsError::BadSignKey);
        }
        Ok(Credentials {
            gateway_no,
            sign_key,
        })
    }

    /// The public sandbox account `12246002` / `12H4567r`.
    pub fn public_test_account() -> Self {
        Credentials {
            gateway_no: GatewayNo(PUBLIC_TEST_GATEWAY_NO.to_owned()),
            sign_key: SecretString::from(PUBLIC_TEST_SIGN_KEY),
        }
    }

    /// The gateway number.
    pub fn gateway_no(&self) -> &GatewayNo {
        &self.gateway_no
    }

    /// The sign key; only signing code should call this.
    pub fn sign_key(&self) -> &SecretString {
        &self.sign_key
    }

    /// True when these are the publicly known test credentials (either half matches), which
    /// must never be used in production.
    pub fn is_public_test_account(&self) -> bool {
        self.gateway_no.as_str() == PUBLIC_TEST_GATEWAY_NO
            || self.sign_key.expose_secret() == PUBLIC_TEST_SIGN_KEY
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("gateway_no", &self.gateway_no)
            .field("sign_key", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchant_number_is_first_five_digits() {
        let c = Credentials::public_test_account();
        assert_eq!(c.gateway_no().mer_no(), "12246");
        assert!(c.is_public_test_account());
    }

    #[test]
    fn debug_hides_the_key() {
        let c = Credentials::new("12345001", SecretString::from("s3cretKey")).expect("valid");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cretKey"), "{shown}");
        assert!(shown.contains("12345001"));
    }

    #[test]
    fn malformed_gateway_numbers_are_refused() {
        for bad in ["1224600", "122460021", "1224600a", ""] {
            assert!(GatewayNo::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Credentials::new("12345001", SecretString::from("")).err(),
            Some(CredentialsError::BadSignKey)
        );
    }
}
