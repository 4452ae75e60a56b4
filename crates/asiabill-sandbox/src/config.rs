//! What a simulator instance is configured with: its gateway accounts and its clock.

use std::time::Duration;

use secrecy::SecretString;

/// How a gateway settles card payments; on AsiaBill this is a per-gateway setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettlementMode {
    /// Approved payments are final (`authStatus=sale`).
    Sale,
    /// Approved payments are authorizations (`authStatus=pending`) until captured or voided
    /// through `/AuthorizeInterface`.
    PreAuthorization,
}

/// One gateway account the simulator accepts requests for.
#[derive(Debug, Clone)]
pub struct Account {
    /// The 5-digit merchant number (`merNo`).
    pub mer_no: String,
    /// The 8-digit gateway number, sent by merchants in the `gateway-no` header.
    pub gateway_no: String,
    /// The key that signs requests, replies, webhooks and returnUrl parameters.
    pub sign_key: SecretString,
    /// Sale or pre-authorization.
    pub mode: SettlementMode,
}

impl Account {
    /// An account whose merchant number is the first five digits of `gateway_no`.
    pub fn new(gateway_no: &str, sign_key: &str, mode: SettlementMode) -> Self {
        Account {
            mer_no: gateway_no.chars().take(5).collect(),
            gateway_no: gateway_no.to_owned(),
            sign_key: SecretString::from(sign_key.to_owned()),
            mode,
        }
    }
}

/// The public sandbox account every official plugin ships with: merchant `12246`, gateway
/// `12246002`, key `12H4567r`, sale.
pub const PUBLIC_GATEWAY_NO: &str = "12246002";
/// The pre-authorization twin of [`PUBLIC_GATEWAY_NO`], same merchant and key.
pub const PREAUTH_GATEWAY_NO: &str = "12246004";
/// The key of both seeded accounts.
pub const PUBLIC_SIGN_KEY: &str = "12H4567r";

/// AsiaBill's webhook retry intervals (section 10.1): 15 s, 15 s, 30 s, 3 min, 3 min, 30 min,
/// 30 min, 1 h, then 2 h six times. With the first attempt that is 15 notifications.
pub const WEBHOOK_RETRY_SCHEDULE: [Duration; 14] = [
    Duration::from_secs(15),
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(180),
    Duration::from_secs(180),
    Duration::from_secs(1800),
    Duration::from_secs(1800),
    Duration::from_secs(3600),
    Duration::from_secs(7200),
    Duration::from_secs(7200),
    Duration::from_secs(7200),
    Duration::from_secs(7200),
    Duration::from_secs(7200),
    Duration::from_secs(7200),
];

/// A simulator's configuration. [`Config::default`] is the public sandbox as the shop expects it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The gateways requests are accepted for.
    pub accounts: Vec<Account>,
    /// Multiplies every simulated delay: the webhook retry schedule, the refund settlement
    /// and the hold-pending settlement (`SANDBOX_TIME_FACTOR`; tests use 0.001).
    pub time_factor: f64,
    /// How long a refund stays `pending` before its webhook, before `time_factor`.
    pub refund_settle_delay: Duration,
    /// How long a held payment stays `pending` before it succeeds, before `time_factor`.
    pub hold_pending_delay: Duration,
    /// Whether approved payments start out held `pending` (see [`crate::Sandbox::set_hold_pending`]).
    pub hold_pending: bool,
    /// How long out-of-order webhooks wait for a later one to overtake them, before
    /// `time_factor`.
    pub reorder_window: Duration,
    /// How far `request-time` may be from the simulator's clock (10 minutes on AsiaBill).
    pub request_time_tolerance: Duration,
    /// How long a `request-id` may not be reused (30 minutes on AsiaBill).
    pub request_id_window: Duration,
    /// How long a `sessionToken` is valid (30 minutes on AsiaBill). Not scaled.
    pub session_token_validity: Duration,
    /// How long one webhook delivery attempt may take before it counts as failed. Not scaled.
    pub webhook_timeout: Duration,
    /// How many recorded requests and webhook attempts are kept; older ones are forgotten so
    /// that a long-running demo does not grow without bound.
    pub log_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            accounts: vec![
                Account::new(PUBLIC_GATEWAY_NO, PUBLIC_SIGN_KEY, SettlementMode::Sale),
                Account::new(
                    PREAUTH_GATEWAY_NO,
                    PUBLIC_SIGN_KEY,
                    SettlementMode::PreAuthorization,
                ),
            ],
            time_factor: 1.0,
            refund_settle_delay: Duration::from_secs(5),
            hold_pending_delay: Duration::from_secs(30),
            hold_pending: false,
            reorder_window: Duration::from_secs(5),
            request_time_tolerance: Duration::from_secs(600),
            request_id_window: Duration::from_secs(1800),
            session_token_validity: Duration::from_secs(1800),
            webhook_timeout: Duration::from_secs(10),
            log_capacity: 10_000,
        }
    }
}

impl Config {
    /// The default configuration with another time factor.
    pub fn with_time_factor(time_factor: f64) -> Self {
        Config {
            time_factor,
            ..Config::default()
        }
    }

    /// `delay` multiplied by the time factor (a negative or non-finite factor counts as 1).
    pub fn scaled(&self, delay: Duration) -> Duration {
        let factor = if self.time_factor.is_finite() && self.time_factor >= 0.0 {
            self.time_factor
        } else {
            1.0
        };
        Duration::try_from_secs_f64(delay.as_secs_f64() * factor).unwrap_or(Duration::MAX)
    }

    /// The account of `gateway_no`, if configured.
    pub fn account(&self, gateway_no: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.gateway_no == gateway_no)
    }
}
