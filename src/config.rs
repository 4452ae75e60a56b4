//! Every setting of the shop, read from the environment and an optional `shop.toml`, checked
//! once at start so that a bad value stops the shop with a message naming it.
//!
//! Keys in `shop.toml` are the environment variable names in lower case
//! (`shop_currency = "EUR"`); the environment wins over the file.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    time::Duration,
};

use asiabill::{Credentials, Currency, Environment};
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

/// The environment variables the shop reads, in the order the README documents them.
pub const KEYS: &[&str] = &[
    "DATABASE_URL",
    "SHOP_BIND",
    "SHOP_PUBLIC_URL",
    "SHOP_CURRENCY",
    "SHOP_TRUSTED_PROXIES",
    "SHOP_RESERVATION_MINUTES",
    "SHOP_CHECKOUTS_PER_IP_PER_HOUR",
    "SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR",
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

/// Which AsiaBill the shop talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayMode {
    /// The offline simulator (in-process, or the one at `ASIABILL_BASE_URL`).
    Local,
    /// AsiaBill's real sandbox (needs internet).
    Sandbox,
    /// AsiaBill production: real cards, real money.
    Live,
}

impl GatewayMode {
    /// The name used in `ASIABILL_ENV` and on the banner.
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayMode::Local => "local",
            GatewayMode::Sandbox => "sandbox",
            GatewayMode::Live => "live",
        }
    }
}

/// Where the shop keeps its data.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// A SQLite file (created with its folder when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL; may hold a password, so it is kept secret.
    Postgres(SecretString),
}

impl DatabaseUrl {
    /// Reads `sqlite://path`, `postgres://…`, `postgresql://…` or a bare file path.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("is empty".into());
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            Url::parse(value).map_err(|e| format!("is not a valid PostgreSQL URL ({e})"))?;
            return Ok(DatabaseUrl::Postgres(SecretString::from(value)));
        }
        let path = value
            .strip_prefix("sqlite://")
            .or_else(|| value.strip_prefix("sqlite:"))
            .unwrap_or(value);
        if path.contains("://") {
            return Err(format!(
                "`{value}`: only sqlite:// and postgres:// databases are supported"
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// True for PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match Url::parse(url.expose_secret()) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    write!(f, "{u}")
                }
                Err(_) => f.write_str("postgres://[unparseable]"),
            },
        }
    }
}

/// The gateway account and where it lives.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    /// `ASIABILL_ENV`.
    pub mode: GatewayMode,
    /// Gateway number and sign key.
    pub credentials: Credentials,
    /// The installation the client calls, derived from the mode and `ASIABILL_BASE_URL`.
    pub environment: Environment,
    /// True when `serve` must start the simulator in-process on `sandbox_bind`.
    pub embedded_sandbox: bool,
    /// `ASIABILL_TIMEOUT_SECONDS`: the longest wait for AsiaBill's answer to one API call. Past
    /// it the outcome is unknown, not failed: AsiaBill may still carry the request out.
    pub timeout: Duration,
    /// `ASIABILL_PREAUTH`: the gateway is configured for pre-authorization, so a successful
    /// payment is an authorization that the merchant captures or voids.
    pub preauth: bool,
    /// How long an authorization may wait for capture.
    pub capture_window: Duration,
    /// Oldest webhook `request-time` accepted.
    pub webhook_tolerance: Duration,
}

/// How many orders one client may place per hour; `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckoutLimits {
    /// `SHOP_CHECKOUTS_PER_IP_PER_HOUR`: orders from one client IP address.
    pub per_ip: Option<u32>,
    /// `SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR`: orders for one email address.
    pub per_email: Option<u32>,
}

/// The admin account created at first start, when given.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    /// Login email.
    pub email: String,
    /// Password, hashed before it is stored.
    pub password: Option<SecretString>,
}

/// Checked settings; holding one means every value was valid.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`.
    pub database: DatabaseUrl,
    /// `SHOP_BIND`.
    pub bind: SocketAddr,
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
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        let mut problems = Vec::new();

        let database = check(
            &mut problems,
            "DATABASE_URL",
            DatabaseUrl::parse(text(&self.database_url).unwrap_or("var/shop.db")),
        );
        let bind = check(
            &mut problems,
            "SHOP_BIND",
            socket(text(&self.shop_bind).unwrap_or("127.0.0.1:8080")),
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
            text(&self.shop_trusted_proxies)
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<IpAddr>()
                        .map_err(|_| format!("has `{s}`, which is not an IP address"))
                })
                .collect::<Result<Vec<_>, _>>(),
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
            hourly_limit(&self.shop_checkouts_per_ip_per_hour, 20),
        );
        let per_email = check(
            &mut problems,
            "SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR",
            hourly_limit(&self.shop_checkouts_per_email_per_hour, 10),
        );
        let session_key = check(
            &mut problems,
            "SHOP_SESSION_KEY",
            match text(&self.shop_session_key) {
                Some(k) if k.len() < 32 => Err("must be at least 32 characters".into()),
                other => Ok(other.map(SecretString::from)),
            },
        );
        let smtp_url = check(
            &mut problems,
            "SMTP_URL",
            match text(&self.smtp_url) {
                None => Ok(None),
                Some(u) => match Url::parse(u) {
                    Ok(url) if matches!(url.scheme(), "smtp" | "smtps") => {
                        Ok(Some(SecretString::from(u)))
                    }
                    _ => Err("must be an smtp:// or smtps:// URL".into()),
                },
            },
        );
        let email_from = check(
            &mut problems,
            "SHOP_EMAIL_FROM",
            match text(&self.shop_email_from) {
                None => Ok("Harbour Coffee & Tea <orders@example.com>".to_owned()),
                Some(f) if crate::domain::email::looks_valid(mailbox_address(f)) => {
                    Ok(f.to_owned())
                }
                Some(f) => Err(format!(
                    "is `{f}`; use an address, optionally with a name: Shop <orders@shop.example>"
                )),
            },
        );
        let mode = check(
            &mut problems,
            "ASIABILL_ENV",
            match text(&self.asiabill_env).unwrap_or("local") {
                "local" => Ok(GatewayMode::Local),
                "sandbox" => Ok(GatewayMode::Sandbox),
                "live" => Ok(GatewayMode::Live),
                other => Err(format!("is `{other}`; use local, sandbox or live")),
            },
        );
        let credentials = mode.and_then(|mode| {
            check(
                &mut problems,
                "ASIABILL_GATEWAY_NO/ASIABILL_SIGN_KEY",
                credentials(
                    mode,
                    text(&self.asiabill_gateway_no),
                    text(&self.asiabill_sign_key),
                ),
            )
        });
        let base_url = check(
                &mut problems,
            "ASIABILL_BASE_URL",
            match (text(&self.asiabill_base_url), mode) {
                (None, _) => Ok(None),
                (Some(_), Some(GatewayMode::Live)) => Err(
                    "cannot be set with ASIABILL_ENV=live, which always uses AsiaBill's production hosts"
                        .into(),
                ),
                (Some(u), _) => Environment::custom(u)
                    .map(Some)
                    .map_err(|e| format!("is refused: {e}")),
            },
        );
        let timeout = check(
            &mut problems,
            "ASIABILL_TIMEOUT_SECONDS",
            seconds(
                &self.asiabill_timeout_seconds,
                Duration::from_secs(20),
                600.0,
            ),
        );
        let preauth = check(
            &mut problems,
            "ASIABILL_PREAUTH",
            boolean(&self.asiabill_preauth),
        );
        let capture_days = check(
            &mut problems,
            "ASIABILL_CAPTURE_DAYS",
            bounded(&self.asiabill_capture_days, 7, 1, 30),
        );
        let tolerance = check(
            &mut problems,
            "ASIABILL_WEBHOOK_TOLERANCE_SECONDS",
            bounded(
                &self.asiabill_webhook_tolerance_seconds,
                600,
                1,
                24 * 60 * 60,
            ),
        );
        let reconcile_after = check(
            &mut problems,
            "RECONCILE_AFTER_SECONDS",
            bounded(&self.reconcile_after_seconds, 120, 1, 7 * 24 * 60 * 60),
        );
        let sandbox_bind = check(
            &mut problems,
            "SANDBOX_BIND",
            socket(text(&self.sandbox_bind).unwrap_or("127.0.0.1:8081")),
        );
        let sandbox_time_factor = check(
            &mut problems,
            "SANDBOX_TIME_FACTOR",
            match text(&self.sandbox_time_factor)
                .unwrap_or("1.0")
                .parse::<f64>()
            {
                Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
                _ => Err("must be a number greater than 0 (tests use 0.001)".into()),
            },
        );
        let public_url = bind.and_then(|bind| {
            check(
                &mut problems,
                "SHOP_PUBLIC_URL",
                public_url(text(&self.shop_public_url), bind, mode),
            )
        });
        let allow_test_gateway = check(
            &mut problems,
            "SHOP_ALLOW_TEST_GATEWAY",
            boolean(&self.shop_allow_test_gateway),
        );
        if let (Some(mode), Some(false)) = (mode, allow_test_gateway)
            && mode != GatewayMode::Live
        {
            problems.extend(exposed_test_gateway(
                mode,
                bind,
                text(&self.shop_public_url).and(public_url.as_deref()),
            ));
        }
        let first_admin = check(
            &mut problems,
            "SHOP_ADMIN_EMAIL/SHOP_ADMIN_PASSWORD",
            first_admin(
                text(&self.shop_admin_email),
                text(&self.shop_admin_password),
            ),
        );

        let (
            Some(database),
            Some(bind),
            Some(public_url),
            Some(currency),
            Some(trusted_proxies),
            Some(reservation_minutes),
            Some(per_ip),
            Some(per_email),
            Some(session_key),
            Some(smtp_url),
            Some(email_from),
            Some(mode),
            Some(credentials),
            Some(base_url),
            Some(timeout),
            Some(preauth),
            Some(capture_days),
            Some(tolerance),
            Some(reconcile_after),
            Some(sandbox_bind),
            Some(sandbox_time_factor),
            Some(first_admin),
        ) = (
            database,
            bind,
            public_url,
            currency,
            trusted_proxies,
            reservation_minutes,
            per_ip,
            per_email,
            session_key,
            smtp_url,
            email_from,
            mode,
            credentials,
            base_url,
            timeout,
            preauth,
            capture_days,
            tolerance,
            reconcile_after,
            sandbox_bind,
            sandbox_time_factor,
            first_admin,
        )
        else {
            return Err(ConfigError { problems });
        };
        // Checks across settings (an exposed test gateway) add problems without losing a value.
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }

        let embedded_sandbox = mode == GatewayMode::Local && base_url.is_none();
        let environment = match (mode, base_url) {
            (_, Some(custom)) => custom,
            (GatewayMode::Local, None) => {
                // The in-process simulator listens on SANDBOX_BIND; a wildcard address is not
                // one a client can call, so it is reached through loopback.
                let host = match sandbox_bind.ip() {
                    ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
                    IpAddr::V6(ip) => format!("[{ip}]"),
                    IpAddr::V4(ip) => ip.to_string(),
                };
                Environment::Custom {
                    payment_url: format!("http://{host}:{}", sandbox_bind.port()),
                    openapi_url: format!("http://{host}:{}/openApi", sandbox_bind.port()),
                }
            }
            (GatewayMode::Sandbox, None) => Environment::Sandbox,
            (GatewayMode::Live, None) => Environment::Live,
        };

        Ok(Settings {
            database,
            bind,
            public_url,
            public_url_from_bind: text(&self.shop_public_url).is_none(),
            currency,
            trusted_proxies,
            reservation: Duration::from_secs(reservation_minutes * 60),
            checkout_limits: CheckoutLimits { per_ip, per_email },
            session_key,
            smtp_url,
            email_from,
            gateway: GatewaySettings {
                mode,
                credentials,
                environment,
                embedded_sandbox,
                timeout,
                preauth,
                capture_window: Duration::from_secs(capture_days * 24 * 60 * 60),
                webhook_tolerance: Duration::from_secs(tolerance),
            },
            reconcile_after: Duration::from_secs(reconcile_after),
            sandbox_bind,
            sandbox_time_factor,
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

/// The address inside `Name <address>`, or the whole text.
fn mailbox_address(text: &str) -> &str {
    match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    }
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

/// An hourly limit: a whole number, 0 turning the limit off (load tests place hundreds of
/// orders a second from one address).
fn hourly_limit(value: &Option<String>, default: u32) -> Result<Option<u32>, String> {
    let n = bounded(value, u64::from(default), 0, 1_000_000)?;
    Ok(u32::try_from(n).ok().filter(|n| *n > 0))
}

/// The test gateways sign with a key printed in the README (or one shared by a test team), so
/// a shop on one that other machines can reach takes payments anyone can forge: one problem for
/// a bind address and one for a public URL that are not this machine's own.
fn exposed_test_gateway(
    mode: GatewayMode,
    bind: Option<SocketAddr>,
    public_url: Option<&str>,
) -> Vec<String> {
    let why = format!(
        "while ASIABILL_ENV={} signs payments with a test key that others may know; \
         set SHOP_ALLOW_TEST_GATEWAY=true to expose this test shop on purpose",
        mode.as_str()
    );
    let mut problems = Vec::new();
    if let Some(bind) = bind.filter(|b| !b.ip().is_loopback()) {
        problems.push(format!(
            "SHOP_BIND is `{bind}`, reachable from other machines, {why}"
        ));
    }
    if let Some(url) = public_url.filter(|u| !is_loopback_url(u)) {
        problems.push(format!(
            "SHOP_PUBLIC_URL is `{url}`, not this machine's own (localhost), {why}"
        ));
    }
    problems
}

/// True for a URL whose host is `localhost` (or a name under it) or a loopback address.
fn is_loopback_url(value: &str) -> bool {
    match Url::parse(value).ok().as_ref().and_then(Url::host) {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
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

fn credentials(
    mode: GatewayMode,
    gateway_no: Option<&str>,
    sign_key: Option<&str>,
) -> Result<Credentials, String> {
    let credentials = match (gateway_no, sign_key) {
        (None, None) if mode == GatewayMode::Live => {
            return Err(
                "are required with ASIABILL_ENV=live: use the live gateway AsiaBill gave you"
                    .into(),
            );
        }
        (None, None) => Credentials::public_test_account(),
        (Some(no), Some(key)) => Credentials::new(no, SecretString::from(key))
            .map_err(|e| format!("are refused: {e}"))?,
        _ => return Err("must be set together".into()),
    };
    if mode == GatewayMode::Live && credentials.is_public_test_account() {
        return Err(
            "are the public test account, which ASIABILL_ENV=live refuses: use your live gateway"
                .into(),
        );
    }
    Ok(credentials)
}

fn public_url(
    value: Option<&str>,
    bind: SocketAddr,
    mode: Option<GatewayMode>,
) -> Result<String, String> {
    let Some(value) = value else {
        if mode == Some(GatewayMode::Live) {
            return Err(
                "is required with ASIABILL_ENV=live: the https address shoppers and AsiaBill reach"
                    .into(),
            );
        }
        let host = match bind.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        return Ok(format!("http://{host}:{}", bind.port()));
    };
    let url = Url::parse(value).map_err(|e| format!("is `{value}`, not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("is `{value}`; it must be an http(s) URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "is `{value}`; it must not carry a query or fragment"
        ));
    }
    if mode == Some(GatewayMode::Live) && url.scheme() != "https" {
        return Err(format!(
            "is `{value}`; ASIABILL_ENV=live needs https so that card payments and webhooks are protected"
        ));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

fn first_admin(email: Option<&str>, password: Option<&str>) -> Result<Option<FirstAdmin>, String> {
    match (email, password) {
        (_, Some(p)) if p.chars().count() < 10 => {
            Err("the password must be at least 10 characters".into())
        }
        (None, _) => Ok(None),
        (Some(email), _) if !crate::domain::email::looks_valid(email) => {
            Err(format!("`{email}` is not an email address"))
        }
        (Some(email), password) => Ok(Some(FirstAdmin {
            email: email.to_lowercase(),
            password: password.map(SecretString::from),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawSettings {
        let mut r = RawSettings::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "DATABASE_URL" => r.database_url = v,
                "SHOP_BIND" => r.shop_bind = v,
                "SHOP_PUBLIC_URL" => r.shop_public_url = v,
                "SHOP_CURRENCY" => r.shop_currency = v,
                "SHOP_RESERVATION_MINUTES" => r.shop_reservation_minutes = v,
                "SHOP_CHECKOUTS_PER_IP_PER_HOUR" => r.shop_checkouts_per_ip_per_hour = v,
                "SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR" => r.shop_checkouts_per_email_per_hour = v,
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

    fn problems(pairs: &[(&str, &str)]) -> Vec<String> {
        raw(pairs)
            .validate()
            .err()
            .map(|e| e.problems)
            .unwrap_or_default()
    }

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
    fn base_url_replaces_the_embedded_simulator() {
        let s = raw(&[("ASIABILL_BASE_URL", "http://127.0.0.1:9999/")])
            .validate()
            .expect("valid");
        assert!(!s.gateway.embedded_sandbox);
        assert_eq!(
            s.gateway.environment.openapi_url(),
            "http://127.0.0.1:9999/openApi"
        );
    }

    #[test]
    fn three_decimal_currency_is_refused() {
        let p = problems(&[("SHOP_CURRENCY", "KWD")]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("SHOP_CURRENCY") && p[0].contains("0 to 2"),
            "{p:?}"
        );
        let jpy = raw(&[("SHOP_CURRENCY", "JPY")])
            .validate()
            .expect("JPY is fine");
        assert_eq!(jpy.currency.decimals(), 0);
    }

    #[test]
    fn live_refuses_the_public_test_account_and_plain_http() {
        let p = problems(&[
            ("ASIABILL_ENV", "live"),
            ("ASIABILL_GATEWAY_NO", "12246002"),
            ("ASIABILL_SIGN_KEY", "12H4567r"),
            ("SHOP_PUBLIC_URL", "http://shop.example.com"),
        ]);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|m| m.contains("public test account")), "{p:?}");
        assert!(
            p.iter()
                .any(|m| m.starts_with("SHOP_PUBLIC_URL") && m.contains("https"))
        );
    }

    #[test]
    fn live_needs_credentials_and_a_public_url() {
        let p = problems(&[("ASIABILL_ENV", "live")]);
        assert!(
            p.iter().any(|m| m.starts_with("ASIABILL_GATEWAY_NO")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.starts_with("SHOP_PUBLIC_URL")), "{p:?}");
    }

    #[test]
    fn live_with_real_credentials_and_https_is_accepted_without_a_banner() {
        let s = raw(&[
            ("ASIABILL_ENV", "live"),
            ("ASIABILL_GATEWAY_NO", "12999001"),
            ("ASIABILL_SIGN_KEY", "Zx81kQp2"),
            ("SHOP_PUBLIC_URL", "https://shop.example.com/"),
        ])
        .validate()
        .expect("valid live settings");
        assert_eq!(s.banner(), None);
        assert!(s.gateway.environment.is_live());
        assert_eq!(s.public_url, "https://shop.example.com");
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
    fn the_gateway_timeout_takes_fractions_of_a_second_and_refuses_the_rest() {
        let s = raw(&[("ASIABILL_TIMEOUT_SECONDS", "0.5")])
            .validate()
            .expect("valid");
        assert_eq!(s.gateway.timeout, Duration::from_millis(500));
        for bad in ["0", "-1", "soon", "NaN", "inf", "601", "1e-300"] {
            let p = problems(&[("ASIABILL_TIMEOUT_SECONDS", bad)]);
            assert_eq!(p.len(), 1, "{bad}: {p:?}");
            assert!(
                p[0].starts_with(&format!("ASIABILL_TIMEOUT_SECONDS is `{bad}`"))
                    && p[0].contains("above 0"),
                "{p:?}"
            );
        }
    }

    #[test]
    fn a_test_gateway_reachable_from_other_machines_is_refused_naming_the_setting() {
        for env in ["local", "sandbox"] {
            for (name, exposed) in [
                ("SHOP_BIND", ("SHOP_BIND", "0.0.0.0:8080")),
                ("SHOP_BIND", ("SHOP_BIND", "192.0.2.10:8080")),
                (
                    "SHOP_PUBLIC_URL",
                    ("SHOP_PUBLIC_URL", "https://shop.example.com"),
                ),
                (
                    "SHOP_PUBLIC_URL",
                    ("SHOP_PUBLIC_URL", "http://10.0.0.5:8080"),
                ),
            ] {
                let p = problems(&[("ASIABILL_ENV", env), exposed]);
                assert_eq!(p.len(), 1, "{env} {exposed:?}: {p:?}");
                assert!(
                    p[0].starts_with(name)
                        && p[0].contains("SHOP_ALLOW_TEST_GATEWAY=true")
                        && p[0].contains(&format!("ASIABILL_ENV={env}")),
                    "{p:?}"
                );
                let allowed = raw(&[
                    ("ASIABILL_ENV", env),
                    exposed,
                    ("SHOP_ALLOW_TEST_GATEWAY", "true"),
                ])
                .validate();
                assert!(allowed.is_ok(), "{env} {exposed:?}: {allowed:?}");
            }
        }
    }

    #[test]
    fn a_test_gateway_on_this_machine_only_needs_no_setting() {
        for (key, value) in [
            ("SHOP_BIND", "127.0.0.1:8080"),
            ("SHOP_BIND", "[::1]:8080"),
            ("SHOP_PUBLIC_URL", "http://localhost:8080"),
            ("SHOP_PUBLIC_URL", "http://shop.localhost"),
            ("SHOP_PUBLIC_URL", "http://127.0.0.1:9000/"),
            ("SHOP_PUBLIC_URL", "http://[::1]:8080"),
        ] {
            for env in ["local", "sandbox"] {
                let p = problems(&[("ASIABILL_ENV", env), (key, value)]);
                assert!(p.is_empty(), "{env} {key}={value}: {p:?}");
            }
        }
        let p = problems(&[("SHOP_ALLOW_TEST_GATEWAY", "maybe")]);
        assert!(
            p.len() == 1 && p[0].starts_with("SHOP_ALLOW_TEST_GATEWAY"),
            "{p:?}"
        );
    }

    #[test]
    fn live_may_listen_on_every_interface_without_the_test_gateway_setting() {
        let s = raw(&[
            ("ASIABILL_ENV", "live"),
            ("ASIABILL_GATEWAY_NO", "12999001"),
            ("ASIABILL_SIGN_KEY", "Zx81kQp2"),
            ("SHOP_BIND", "0.0.0.0:8080"),
            ("SHOP_PUBLIC_URL", "https://shop.example.com"),
        ])
        .validate()
        .expect("live is not a test gateway");
        assert!(s.bind.ip().is_unspecified());
    }

    #[test]
    fn checkout_limits_default_to_a_few_per_hour_and_zero_turns_one_off() {
        let s = RawSettings::default().validate().expect("defaults");
        assert_eq!(
            s.checkout_limits,
            CheckoutLimits {
                per_ip: Some(20),
                per_email: Some(10)
            }
        );
        let s = raw(&[
            ("SHOP_CHECKOUTS_PER_IP_PER_HOUR", "0"),
            ("SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR", "3"),
        ])
        .validate()
        .expect("valid");
        assert_eq!(s.checkout_limits.per_ip, None);
        assert_eq!(s.checkout_limits.per_email, Some(3));
        let p = problems(&[("SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR", "many")]);
        assert!(
            p.len() == 1 && p[0].starts_with("SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR"),
            "{p:?}"
        );
    }

    #[test]
    fn one_half_of_the_credentials_is_refused() {
        let p = problems(&[("ASIABILL_GATEWAY_NO", "12246002")]);
        assert!(p[0].contains("together"), "{p:?}");
    }

    #[test]
    fn postgres_password_is_hidden_in_debug() {
        let db = DatabaseUrl::parse("postgres://shop:hunter22@db:5432/shop").expect("valid");
        assert!(!format!("{db:?}").contains("hunter22"));
    }
}
