//! The `ASIABILL_*` settings: which AsiaBill the shop talks to, with which account, and how
//! patiently; and the refusal to expose a test gateway by accident.

use std::{net::SocketAddr, time::Duration};

use asiabill::{Credentials, Environment};
use secrecy::SecretString;
use url::Url;

use super::{RawSettings, boolean, bounded, check, client_host, seconds, text};

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
    /// `ASIABILL_PAYMENT_METHODS`: the local methods offered beside cards (each only where it
    /// serves the order's currency and billing country). Unset: every method in `local` (the
    /// simulator has them all), none against AsiaBill, where each needs activating first.
    pub payment_methods: Vec<&'static crate::payments::methods::Method>,
    /// `ASIABILL_LOG_DAYS`: how many days the API log keeps each call; 0 keeps none.
    pub log_days: u64,
    /// How long an authorization may wait for capture.
    pub capture_window: Duration,
    /// Oldest webhook `request-time` accepted.
    pub webhook_tolerance: Duration,
}

/// `ASIABILL_ENV`, checked on its own because other settings' checks depend on it; a bad value
/// is added to `problems`.
pub(super) fn mode(raw: &RawSettings, problems: &mut Vec<String>) -> Option<GatewayMode> {
    check(
        problems,
        "ASIABILL_ENV",
        match text(&raw.asiabill_env).unwrap_or("local") {
            "local" => Ok(GatewayMode::Local),
            "sandbox" => Ok(GatewayMode::Sandbox),
            "live" => Ok(GatewayMode::Live),
            other => Err(format!("is `{other}`; use local, sandbox or live")),
        },
    )
}

/// The other `ASIABILL_*` settings, checked; the installation waits for `SANDBOX_BIND`
/// ([`Gateway::settings`]).
pub(super) struct Gateway {
    credentials: Credentials,
    base_url: Option<Environment>,
    timeout: Duration,
    preauth: bool,
    payment_methods: Option<Vec<&'static crate::payments::methods::Method>>,
    log_days: u64,
    capture_days: u64,
    tolerance_seconds: u64,
}

/// The `ASIABILL_*` settings but the mode; each bad value is added to `problems`. The
/// credentials are checked only when the mode is known, since what they may be depends on it.
pub(super) fn from_raw(
    raw: &RawSettings,
    mode: Option<GatewayMode>,
    problems: &mut Vec<String>,
) -> Option<Gateway> {
    let credentials = mode.and_then(|mode| {
        check(
            problems,
            "ASIABILL_GATEWAY_NO/ASIABILL_SIGN_KEY",
            credentials(
                mode,
                text(&raw.asiabill_gateway_no),
                text(&raw.asiabill_sign_key),
            ),
        )
    });
    let base_url = check(
        problems,
        "ASIABILL_BASE_URL",
        base_url(text(&raw.asiabill_base_url), mode),
    );
    let timeout = check(
        problems,
        "ASIABILL_TIMEOUT_SECONDS",
        seconds(
            &raw.asiabill_timeout_seconds,
            Duration::from_secs(20),
            600.0,
        ),
    );
    let preauth = check(problems, "ASIABILL_PREAUTH", boolean(&raw.asiabill_preauth));
    let payment_methods = check(
        problems,
        "ASIABILL_PAYMENT_METHODS",
        text(&raw.asiabill_payment_methods)
            .map(crate::payments::methods::parse_list)
            .transpose(),
    );
    let log_days = check(
        problems,
        "ASIABILL_LOG_DAYS",
        bounded(&raw.asiabill_log_days, 30, 0, 3650),
    );
    let capture_days = check(
        problems,
        "ASIABILL_CAPTURE_DAYS",
        bounded(&raw.asiabill_capture_days, 7, 1, 30),
    );
    let tolerance_seconds = check(
        problems,
        "ASIABILL_WEBHOOK_TOLERANCE_SECONDS",
        bounded(
            &raw.asiabill_webhook_tolerance_seconds,
            600,
            1,
            24 * 60 * 60,
        ),
    );
    Some(Gateway {
        credentials: credentials?,
        base_url: base_url?,
        timeout: timeout?,
        preauth: preauth?,
        payment_methods: payment_methods?,
        log_days: log_days?,
        capture_days: capture_days?,
        tolerance_seconds: tolerance_seconds?,
    })
}

impl Gateway {
    /// The gateway settings in `mode`, with the in-process simulator on `sandbox_bind` when
    /// the mode is local and no other simulator was named.
    pub(super) fn settings(self, mode: GatewayMode, sandbox_bind: SocketAddr) -> GatewaySettings {
        let embedded_sandbox = mode == GatewayMode::Local && self.base_url.is_none();
        let environment = match (mode, self.base_url) {
            (_, Some(custom)) => custom,
            (GatewayMode::Local, None) => {
                let host = client_host(sandbox_bind.ip());
                Environment::Custom {
                    payment_url: format!("http://{host}:{}", sandbox_bind.port()),
                    openapi_url: format!("http://{host}:{}/openApi", sandbox_bind.port()),
                }
            }
            (GatewayMode::Sandbox, None) => Environment::Sandbox,
            (GatewayMode::Live, None) => Environment::Live,
        };
        GatewaySettings {
            mode,
            credentials: self.credentials,
            environment,
            embedded_sandbox,
            timeout: self.timeout,
            preauth: self.preauth,
            payment_methods: self.payment_methods.unwrap_or_else(|| {
                if mode == GatewayMode::Local {
                    crate::payments::methods::ALL.iter().collect()
                } else {
                    Vec::new()
                }
            }),
            log_days: self.log_days,
            capture_window: Duration::from_secs(self.capture_days * 24 * 60 * 60),
            webhook_tolerance: Duration::from_secs(self.tolerance_seconds),
        }
    }
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

fn base_url(value: Option<&str>, mode: Option<GatewayMode>) -> Result<Option<Environment>, String> {
    match (value, mode) {
        (None, _) => Ok(None),
        (Some(_), Some(GatewayMode::Live)) => Err(
            "cannot be set with ASIABILL_ENV=live, which always uses AsiaBill's production hosts"
                .into(),
        ),
        (Some(u), _) => Environment::custom(u)
            .map(Some)
            .map_err(|e| format!("is refused: {e}")),
    }
}

/// Adds to `problems` a test gateway that other machines can reach (through `bind` or
/// `public_url`), unless `SHOP_ALLOW_TEST_GATEWAY` allows it.
pub(super) fn refuse_exposed_test_gateway(
    raw: &RawSettings,
    mode: Option<GatewayMode>,
    bind: Option<SocketAddr>,
    public_url: Option<&str>,
    problems: &mut Vec<String>,
) {
    let allowed = check(
        problems,
        "SHOP_ALLOW_TEST_GATEWAY",
        boolean(&raw.shop_allow_test_gateway),
    );
    if let (Some(mode), Some(false)) = (mode, allowed)
        && mode != GatewayMode::Live
    {
        problems.extend(exposed_test_gateway(mode, bind, public_url));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::{problems, raw};

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
    fn one_half_of_the_credentials_is_refused() {
        let p = problems(&[("ASIABILL_GATEWAY_NO", "12246002")]);
        assert!(p[0].contains("together"), "{p:?}");
    }
}
