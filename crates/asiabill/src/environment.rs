//! Which AsiaBill installation a client talks to, and the base URLs that follow from it.

use std::fmt;

/// The payment host of AsiaBill's sandbox.
pub const SANDBOX_PAYMENT_URL: &str = "https://testpay.asiabill.com";
/// The OpenAPI base (query, refund, logistics) of AsiaBill's sandbox, `/openApi` included.
pub const SANDBOX_OPENAPI_URL: &str = "https://api-uat.asiabill.com/openApi";
/// The payment host of AsiaBill's production system.
pub const LIVE_PAYMENT_URL: &str = "https://safepay.asiabill.com";
/// The OpenAPI base of AsiaBill's production system, `/openApi` included.
pub const LIVE_OPENAPI_URL: &str = "https://openapi.asiabill.com/openApi";

/// Path of the in-site JavaScript SDK on every payment host.
const JS_SDK_PATH: &str = "/static/v3/js/AsiabillPayment.min.js";

/// An AsiaBill installation: the real sandbox, production, or any other pair of base URLs
/// (the offline simulator, a proxy).
#[derive(Clone, PartialEq, Eq)]
pub enum Environment {
    /// AsiaBill's public test system (`testpay` / `api-uat`).
    Sandbox,
    /// AsiaBill's production system (`safepay` / `openapi`).
    Live,
    /// Any other installation, given by its two base URLs without a trailing slash.
    Custom {
        /// Base of the payment API, e.g. `http://127.0.0.1:8081`.
        payment_url: String,
        /// Base of the OpenAPI, e.g. `http://127.0.0.1:8081/openApi`.
        openapi_url: String,
    },
}

/// Why a custom base URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvironmentError {
    /// The URL does not start with `http://` or `https://`.
    #[error("base URL `{0}` must start with http:// or https://")]
    NotHttp(String),
    /// The URL carries a query string or fragment, which cannot prefix a path.
    #[error("base URL `{0}` must not contain `?` or `#`")]
    HasQuery(String),
}

impl Environment {
    /// A custom installation whose OpenAPI lives under `{payment_url}/openApi`, which is how the
    /// offline simulator serves both APIs on one port.
    pub fn custom(payment_url: &str) -> Result<Self, EnvironmentError> {
        let payment_url = normalise_base(payment_url)?;
        let openapi_url = format!("{payment_url}/openApi");
        Ok(Environment::Custom {
            payment_url,
            openapi_url,
        })
    }

    /// Base of the payment API (session tokens, charges, hosted checkout, capture/void).
    pub fn payment_url(&self) -> &str {
        match self {
            Environment::Sandbox => SANDBOX_PAYMENT_URL,
            Environment::Live => LIVE_PAYMENT_URL,
            Environment::Custom { payment_url, .. } => payment_url,
        }
    }

    /// Base of the OpenAPI (transactions, refunds, logistics, chargebacks), `/openApi` included.
    pub fn openapi_url(&self) -> &str {
        match self {
            Environment::Sandbox => SANDBOX_OPENAPI_URL,
            Environment::Live => LIVE_OPENAPI_URL,
            Environment::Custom { openapi_url, .. } => openapi_url,
        }
    }

    /// URL of the in-site JavaScript SDK served by this installation's payment host.
    pub fn js_sdk_url(&self) -> String {
        format!("{}{JS_SDK_PATH}", self.payment_url())
    }

    /// True only for AsiaBill's production system, where real money moves.
    pub fn is_live(&self) -> bool {
        matches!(self, Environment::Live)
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Sandbox => f.write_str("Sandbox"),
            Environment::Live => f.write_str("Live"),
            Environment::Custom { payment_url, .. } => write!(f, "Custom({payment_url})"),
        }
    }
}

fn normalise_base(url: &str) -> Result<String, EnvironmentError> {
    let trimmed = url.trim().trim_end_matches('/');
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
        return Err(EnvironmentError::NotHttp(url.to_owned()));
    }
    if trimmed.contains(['?', '#']) {
        return Err(EnvironmentError::HasQuery(url.to_owned()));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_hosts_are_the_documented_ones() {
        assert_eq!(
            Environment::Sandbox.js_sdk_url(),
            "https://testpay.asiabill.com/static/v3/js/AsiabillPayment.min.js"
        );
        assert_eq!(
            Environment::Live.openapi_url(),
            "https://openapi.asiabill.com/openApi"
        );
    }

    #[test]
    fn going_live_switches_every_host_and_the_js_sdk_together() {
        let hosts = |env: &Environment| {
            (
                env.payment_url().to_owned(),
                env.openapi_url().to_owned(),
                env.js_sdk_url(),
            )
        };
        assert_eq!(
            hosts(&Environment::Sandbox),
            (
                "https://testpay.asiabill.com".to_owned(),
                "https://api-uat.asiabill.com/openApi".to_owned(),
                "https://testpay.asiabill.com/static/v3/js/AsiabillPayment.min.js".to_owned(),
            )
        );
        assert_eq!(
            hosts(&Environment::Live),
            (
                "https://safepay.asiabill.com".to_owned(),
                "https://openapi.asiabill.com/openApi".to_owned(),
                "https://safepay.asiabill.com/static/v3/js/AsiabillPayment.min.js".to_owned(),
            )
        );
        assert!(Environment::Live.is_live() && !Environment::Sandbox.is_live());
    }

    #[test]
    fn custom_base_gets_openapi_suffix_and_loses_trailing_slash() {
        let env = Environment::custom("http://127.0.0.1:8081/").expect("valid");
        assert_eq!(env.payment_url(), "http://127.0.0.1:8081");
        assert_eq!(env.openapi_url(), "http://127.0.0.1:8081/openApi");
        assert!(!env.is_live());
    }

    #[test]
    fn custom_base_must_be_http() {
        assert!(matches!(
            Environment::custom("ftp://x"),
            Err(EnvironmentError::NotHttp(_))
        ));
        assert!(matches!(
            Environment::custom("http://x/?a=1"),
            Err(EnvironmentError::HasQuery(_))
        ));
    }
}
