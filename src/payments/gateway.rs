//! The AsiaBill client as the shop configures it, and the values the shop sends with every
//! payment.

use std::time::Duration;

use asiabill::{Client, ClientConfig};

use crate::config::Settings;

/// AsiaBill's `platform` field: at most 10 characters naming the integration.
pub const PLATFORM: &str = "rust-shop";

/// A client for the configured environment and account, waiting at most
/// `ASIABILL_TIMEOUT_SECONDS` for each answer.
pub fn client(settings: &Settings) -> Result<Client, asiabill::Error> {
    Client::new(
        settings.gateway.environment.clone(),
        settings.gateway.credentials.clone(),
        ClientConfig {
            timeout: settings.gateway.timeout,
            connect_timeout: Duration::from_secs(5),
            ..ClientConfig::default()
        },
    )
}

/// Where AsiaBill sends the shopper's browser back.
pub fn return_url(public_url: &str) -> String {
    format!("{public_url}/payment/asiabill/return")
}

/// Where AsiaBill posts webhooks.
pub fn callback_url(public_url: &str) -> String {
    format!("{public_url}/payment/asiabill/webhook")
}

/// AsiaBill's `isMobile` from a User-Agent, the way its own SDK decides.
pub fn is_mobile(user_agent: Option<&str>) -> asiabill::codes::IsMobile {
    let ua = user_agent.unwrap_or_default().to_ascii_lowercase();
    let mobile = [
        "mobile",
        "iphone",
        "ipod",
        "ipad",
        "android",
        "harmonyos",
        "wap",
    ]
    .iter()
    .any(|m| ua.contains(m));
    if mobile {
        asiabill::codes::IsMobile::H5
    } else {
        asiabill::codes::IsMobile::Web
    }
}
