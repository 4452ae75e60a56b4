//! Every setting of the shop, read from the environment and an optional `shop.toml`, checked
//! once at start so that a bad value stops the shop with a message naming it.
//!
//! Keys in `shop.toml` are the environment variable names in lower case
//! (`shop_currency = "EUR"`); the environment wins over the file.
//!
//! Each submodule reads and checks its own settings; [`RawSettings::validate`] runs them all,
//! whatever an earlier one found, so that one start names every bad value.

mod database;
mod gateway;
mod mail;
mod sandbox;
mod shop;

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    path::Path,
    time::Duration,
};

use asiabill::Currency;
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use secrecy::SecretString;
use serde::Deserialize;

pub use self::{
    database::DatabaseUrl,
    gateway::{GatewayMode, GatewaySettings},
    shop::{CheckoutLimits, FirstAdmin},
};

/// The environment variables the shop reads, in the order the README documents them.
pub const KEYS: &[&str] = &[
    "DATABASE_URL",
    "SHOP_BIND",
    "SHOP_METRICS_BIND",
    "SHOP_PUBLIC_URL",
    "SHOP_CURRENCY",
    "SHOP_TRUSTED_PROXIES",
    "SHOP_RESERVATION_MINUTES",
    "SHOP_CHECKOUTS_PER_IP_PER_HOUR",
    "SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR",
    "SHOP_PRICES_INCLUDE_TAX",
    "SHOP_LOW_STOCK",
    "SHOP_SESSION_KEY",
    "SMTP_URL",
    "SHOP_EMAIL_FROM",
    "ASIABILL_ENV",
    "SHOP_ALLOW_TEST_GATEWAY",
    "ASIABILL_GATEWAY_NO",
    "ASIABILL_SIGN_KEY",
    "ASIABILL_BASE_URL",
    "ASIABILL_TIMEOUT_SECONDS",
    "ASIABILL_PREAUTH",
    "ASIABILL_PAYMENT_METHODS",
    "ASIABILL_LOG_DAYS",
    "ASIABILL_CAPTURE_DAYS",
    "ASIABILL_WEBHOOK_TOLERANCE_SECONDS",
    "RECONCILE_AFTER_SECONDS",
    "SANDBOX_BIND",
    "SANDBOX_TIME_FACTOR",
    "SHOP_ADMIN_EMAIL",
    "SHOP_ADMIN_PASSWORD",
];

/// Settings as text, before any checking: what the environment and `shop.toml` said.
///
/// Tests build one of these directly; everything else calls [`RawSettings::load`].
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(
    missing_docs,
    reason = "each field is the setting of the same name in CONTRACT.md"
)]
pub struct RawSettings {
    #[serde(default, deserialize_with = "scalar")]
    pub database_url: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_bind: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_metrics_bind: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_public_url: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_currency: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_trusted_proxies: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_reservation_minutes: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_checkouts_per_ip_per_hour: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_checkouts_per_email_per_hour: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_prices_include_tax: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_low_stock: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_session_key: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub smtp_url: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_email_from: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_env: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_allow_test_gateway: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_gateway_no: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_sign_key: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_base_url: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_timeout_seconds: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_preauth: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_payment_methods: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_log_days: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_capture_days: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub asiabill_webhook_tolerance_seconds: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub reconcile_after_seconds: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub sandbox_bind: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub sandbox_time_factor: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_admin_email: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub shop_admin_password: Option<String>,
}

/// Accepts a string, number or boolean and keeps it as text: figment guesses types from
/// environment values (`8080` becomes a number), but every check here starts from the text.
fn scalar<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(Option::<Scalar>::deserialize(d)?.map(|s| match s {
        Scalar::Text(t) => t,
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Bool(b) => b.to_string(),
    }))
}

/// Checked settings; holding one means every value was valid.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`.
    pub database: DatabaseUrl,
    /// `SHOP_BIND`.
    pub bind: SocketAddr,
    /// `SHOP_METRICS_BIND`: where `/metrics` is served, on a listener of its own; `None` (the
    /// default) serves no metrics. Once the shop is built, the address it is bound to (port 0
    /// resolved).
    pub metrics_bind: Option<SocketAddr>,
    /// `SHOP_PUBLIC_URL`, without a trailing slash.
    pub public_url: String,
    /// True when `SHOP_PUBLIC_URL` was not given and the URL was derived from `SHOP_BIND`; a
    /// shop bound to port 0 then takes its real port.
    pub public_url_from_bind: bool,
    /// `SHOP_CURRENCY`.
    pub currency: Currency,
    /// `SHOP_TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<IpAddr>,
    /// `SHOP_RESERVATION_MINUTES`.
    pub reservation: Duration,
    /// `SHOP_CHECKOUTS_PER_IP_PER_HOUR` and `SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR`.
    pub checkout_limits: CheckoutLimits,
    /// `SHOP_PRICES_INCLUDE_TAX`: catalogue prices include tax (the default) or tax is added.
    pub prices_include_tax: bool,
    /// `SHOP_LOW_STOCK`: products with this many units or fewer are listed on the dashboard.
    pub low_stock: i64,
    /// `SHOP_SESSION_KEY`; when unset, a key is generated once and kept in the database so
    /// that every instance on that database shares it.
    pub session_key: Option<SecretString>,
    /// `SMTP_URL`.
    pub smtp_url: Option<SecretString>,
    /// `SHOP_EMAIL_FROM`: the sender of shop emails.
    pub email_from: String,
    /// The `ASIABILL_*` settings.
    pub gateway: GatewaySettings,
    /// `RECONCILE_AFTER_SECONDS`.
    pub reconcile_after: Duration,
    /// `SANDBOX_BIND`.
    pub sandbox_bind: SocketAddr,
    /// `SANDBOX_TIME_FACTOR`.
    pub sandbox_time_factor: f64,
    /// `SHOP_ADMIN_EMAIL` and `SHOP_ADMIN_PASSWORD`, when an email is given.
    pub first_admin: Option<FirstAdmin>,
    /// `SHOP_ADMIN_PASSWORD` alone, for `shop admin create-user`.
    pub admin_password: Option<SecretString>,
}

/// Every problem found in the settings, one line each.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// One message per bad value, each starting with the setting's name.
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the shop's settings are not valid:")?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl RawSettings {
    /// Reads `shop.toml` in `dir` (when present) and then the environment.
    pub fn load(dir: &Path) -> Result<Self, ConfigError> {
        Figment::new()
            .merge(Toml::file(dir.join("shop.toml")))
            .merge(
                Env::raw()
                    .only(KEYS)
                    .map(|k| k.as_str().to_lowercase().into()),
            )
            .extract()
            .map_err(|e| ConfigError {
                problems: e.into_iter().map(|e| e.to_string()).collect(),
            })
    }

    /// Checks every value and builds [`Settings`], or lists everything that is wrong.
    /// Checks every value and builds [`Settings`], or lists everything that is wrong.
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        // Every setting is checked, whatever an earlier one said, so that one start names
        // every bad value; the order is the order of the messages.
        let mut problems = Vec::new();
        let database = database::from_raw(self, &mut problems);
        let bind = check(
            &mut problems,
            "SHOP_BIND",
            socket(text(&self.shop_bind).unwrap_or("127.0.0.1:8080")),
        );
        let metrics_bind = check(
            &mut problems,
            "SHOP_METRICS_BIND",
            shop::metrics_bind(text(&self.shop_metrics_bind), bind),
        );
        let currency = check(
            &mut problems,
            "SHOP_CURRENCY",
            Currency::parse(text(&self.shop_currency).unwrap_or("USD"))
                .map_err(|e| format!("is refused: {e}")),
        );
        let trusted_proxies = check(
            &mut problems,
            "SHOP_TRUSTED_PROXIES",
            shop::trusted_proxies(text(&self.shop_trusted_proxies)),
        );
        let reservation_minutes = check(
            &mut problems,
            "SHOP_RESERVATION_MINUTES",
            bounded(&self.shop_reservation_minutes, 30, 1, 7 * 24 * 60),
        );
        // Enough for a household or an office behind one address placing a few orders each;
        // far below what filling the stock with reservations or mailing strangers needs.
        let per_ip = check(
            &mut problems,
            "SHOP_CHECKOUTS_PER_IP_PER_HOUR",
            shop::hourly_limit(&self.shop_checkouts_per_ip_per_hour, 20),
        );
        let per_email = check(
            &mut problems,
            "SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR",
            shop::hourly_limit(&self.shop_checkouts_per_email_per_hour, 10),
        );
        let low_stock = check(
            &mut problems,
            "SHOP_LOW_STOCK",
            bounded(&self.shop_low_stock, 5, 0, 1_000_000),
        );
        let session_key = check(
            &mut problems,
            "SHOP_SESSION_KEY",
            shop::session_key(text(&self.shop_session_key)),
        );
        let mail = mail::from_raw(self, &mut problems);
        let mode = gateway::mode(self, &mut problems);
        let gateway = gateway::from_raw(self, mode, &mut problems);
        let reconcile_after = check(
            &mut problems,
            "RECONCILE_AFTER_SECONDS",
            bounded(&self.reconcile_after_seconds, 120, 1, 7 * 24 * 60 * 60),
        );
        let sandbox = sandbox::from_raw(self, &mut problems);
        let public_url = bind.and_then(|bind| {
            check(
                &mut problems,
                "SHOP_PUBLIC_URL",
                shop::public_url(text(&self.shop_public_url), bind, mode),
            )
        });
        gateway::refuse_exposed_test_gateway(
            self,
            mode,
            bind,
            text(&self.shop_public_url).and(public_url.as_deref()),
            &mut problems,
        );
        // Included unless said otherwise: the price a shopper sees is then the price paid.
        let prices_include_tax = check(
            &mut problems,
            "SHOP_PRICES_INCLUDE_TAX",
            match text(&self.shop_prices_include_tax) {
                None => Ok(true),
                Some(_) => boolean(&self.shop_prices_include_tax),
            },
        );
        let first_admin = check(
            &mut problems,
            "SHOP_ADMIN_EMAIL/SHOP_ADMIN_PASSWORD",
            shop::first_admin(
                text(&self.shop_admin_email),
                text(&self.shop_admin_password),
            ),
        );

        let (
            Some(database),
            Some(bind),
            Some(metrics_bind),
            Some(public_url),
            Some(currency),
            Some(trusted_proxies),
            Some(reservation_minutes),
            Some(per_ip),
            Some(per_email),
            Some(low_stock),
            Some(session_key),
            Some(mail),
            Some(mode),
            Some(gateway),
            Some(reconcile_after),
            Some(sandbox),
            Some(first_admin),
        ) = (
            database,
            bind,
            metrics_bind,
            public_url,
            currency,
            trusted_proxies,
            reservation_minutes,
            per_ip,
            per_email,
            low_stock,
            session_key,
            mail,
            mode,
            gateway,
            reconcile_after,
            sandbox,
            first_admin,
        )
        else {
            return Err(ConfigError { problems });
        };
        // Checks across settings (an exposed test gateway) add problems without losing a value.
        let (true, Some(prices_include_tax)) = (problems.is_empty(), prices_include_tax) else {
            return Err(ConfigError { problems });
        };

        Ok(Settings {
            database,
            bind,
            metrics_bind,
            public_url,
            public_url_from_bind: text(&self.shop_public_url).is_none(),
            currency,
            trusted_proxies,
            reservation: Duration::from_secs(reservation_minutes * 60),
            checkout_limits: CheckoutLimits { per_ip, per_email },
            prices_include_tax,
            // At most a million (checked above), so the conversion never fails.
            low_stock: i64::try_from(low_stock).unwrap_or(i64::MAX),
            session_key,
            smtp_url: mail.smtp_url,
            email_from: mail.email_from,
            gateway: gateway.settings(mode, sandbox.bind),
            reconcile_after: Duration::from_secs(reconcile_after),
            sandbox_bind: sandbox.bind,
            sandbox_time_factor: sandbox.time_factor,
            first_admin,
            admin_password: text(&self.shop_admin_password).map(SecretString::from),
        })
    }
}

impl Settings {
    /// Loads and checks the settings from `shop.toml` in the working folder and the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        RawSettings::load(Path::new("."))?.validate()
    }

    /// The banner shown on every page: the test environment's name, or none in production.
    pub fn banner(&self) -> Option<&'static str> {
        match self.gateway.mode {
            GatewayMode::Live => None,
            mode => Some(mode.as_str()),
        }
    }
}

/// Keeps `result`'s value, or records its message under the setting's `name`.
fn check<T>(problems: &mut Vec<String>, name: &str, result: Result<T, String>) -> Option<T> {
    result
        .map_err(|e| problems.push(format!("{name} {e}")))
        .ok()
}

/// A set, non-blank value.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn socket(value: &str) -> Result<SocketAddr, String> {
    value
        .parse()
        .map_err(|_| format!("is `{value}`, not an address like 127.0.0.1:8080"))
}

/// The host a client on this machine calls to reach a server bound to `ip`: a wildcard
/// address is not one a client can call, so it is reached through loopback.
fn client_host(ip: IpAddr) -> String {
    match ip {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    }
}

fn bounded(value: &Option<String>, default: u64, min: u64, max: u64) -> Result<u64, String> {
    let Some(value) = text(value) else {
        return Ok(default);
    };
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "is `{value}`; it must be a whole number from {min} to {max}"
        )),
    }
}

/// `true`/`false` (or `1`/`0`, `yes`/`no`), false when unset.
fn boolean(value: &Option<String>) -> Result<bool, String> {
    match text(value).map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(other) => Err(format!("is `{other}`; use true or false")),
    }
}

/// A number of seconds, fractions allowed, above 0 and at most `max`.
fn seconds(value: &Option<String>, default: Duration, max: f64) -> Result<Duration, String> {
    let Some(value) = text(value) else {
        return Ok(default);
    };
    value
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0 && *s <= max)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        // A positive value too small for a nanosecond would make every call time out at once.
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            format!("is `{value}`; it must be a number of seconds above 0 and at most {max}, such as 20 or 0.5")
        })
}

/// Builds settings for the tests of every part.
#[cfg(test)]
mod testing {
    use super::*;

    pub(super) fn raw(pairs: &[(&str, &str)]) -> RawSettings {
        let mut r = RawSettings::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "DATABASE_URL" => r.database_url = v,
                "SHOP_BIND" => r.shop_bind = v,
                "SHOP_METRICS_BIND" => r.shop_metrics_bind = v,
                "SHOP_PUBLIC_URL" => r.shop_public_url = v,
                "SHOP_CURRENCY" => r.shop_currency = v,
                "SHOP_RESERVATION_MINUTES" => r.shop_reservation_minutes = v,
                "SHOP_CHECKOUTS_PER_IP_PER_HOUR" => r.shop_checkouts_per_ip_per_hour = v,
                "SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR" => r.shop_checkouts_per_email_per_hour = v,
                "SHOP_LOW_STOCK" => r.shop_low_stock = v,
                "SHOP_ALLOW_TEST_GATEWAY" => r.shop_allow_test_gateway = v,
                "ASIABILL_ENV" => r.asiabill_env = v,
                "ASIABILL_GATEWAY_NO" => r.asiabill_gateway_no = v,
                "ASIABILL_SIGN_KEY" => r.asiabill_sign_key = v,
                "ASIABILL_BASE_URL" => r.asiabill_base_url = v,
                "ASIABILL_TIMEOUT_SECONDS" => r.asiabill_timeout_seconds = v,
                "SANDBOX_TIME_FACTOR" => r.sandbox_time_factor = v,
                "SHOP_ADMIN_PASSWORD" => r.shop_admin_password = v,
                other => panic!("test helper does not know {other}"),
            }
        }
        r
    }

    pub(super) fn problems(pairs: &[(&str, &str)]) -> Vec<String> {
        raw(pairs)
            .validate()
            .err()
            .map(|e| e.problems)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::{testing::problems, *};

    #[test]
    fn defaults_run_locally_against_the_embedded_simulator() {
        let s = RawSettings::default()
            .validate()
            .expect("defaults are valid");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.currency.code(), "USD");
        assert_eq!(s.gateway.mode, GatewayMode::Local);
        assert!(s.gateway.embedded_sandbox);
        assert_eq!(s.gateway.environment.payment_url(), "http://127.0.0.1:8081");
        assert_eq!(s.gateway.credentials.gateway_no().as_str(), "12246002");
        assert_eq!(s.banner(), Some("local"));
        assert_eq!(s.gateway.timeout, Duration::from_secs(20));
        assert!(matches!(s.database, DatabaseUrl::Sqlite(ref p) if p == Path::new("var/shop.db")));
    }

    #[test]
    fn every_bad_value_gets_its_own_message() {
        let p = problems(&[
            ("SHOP_BIND", "nowhere"),
            ("SHOP_RESERVATION_MINUTES", "0"),
            ("ASIABILL_ENV", "prod"),
            ("SANDBOX_TIME_FACTOR", "-1"),
            ("DATABASE_URL", "mysql://x"),
            ("SHOP_ADMIN_PASSWORD", "short"),
            ("ASIABILL_TIMEOUT_SECONDS", "soon"),
        ]);
        for name in [
            "SHOP_BIND",
            "SHOP_RESERVATION_MINUTES",
            "ASIABILL_ENV",
            "SANDBOX_TIME_FACTOR",
            "DATABASE_URL",
            "SHOP_ADMIN_EMAIL/SHOP_ADMIN_PASSWORD",
            "ASIABILL_TIMEOUT_SECONDS",
        ] {
            assert!(
                p.iter().any(|m| m.starts_with(name)),
                "{name} missing in {p:?}"
            );
        }
        assert_eq!(p.len(), 7, "{p:?}");
    }

    #[test]
    fn metrics_are_off_unless_given_an_address_of_their_own() {
        let off = RawSettings::default().validate().expect("defaults");
        assert_eq!(off.metrics_bind, None);
        let on = testing::raw(&[("SHOP_METRICS_BIND", "127.0.0.1:9100")])
            .validate()
            .expect("valid");
        assert_eq!(
            on.metrics_bind,
            Some("127.0.0.1:9100".parse().expect("addr"))
        );
        let p = problems(&[("SHOP_METRICS_BIND", "9100")]);
        assert!(
            p.len() == 1 && p[0].starts_with("SHOP_METRICS_BIND"),
            "{p:?}"
        );
        let p = problems(&[
            ("SHOP_BIND", "127.0.0.1:8080"),
            ("SHOP_METRICS_BIND", "127.0.0.1:8080"),
        ]);
        assert!(p.len() == 1 && p[0].contains("own SHOP_BIND"), "{p:?}");
    }
}
