//! The shop's own settings that are neither the gateway's, the database's, mail's nor the
//! simulator's: its addresses, limits, session key and first admin.

use std::net::{IpAddr, SocketAddr};

use secrecy::SecretString;
use url::Url;

use super::{GatewayMode, bounded, client_host};

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

/// `SHOP_METRICS_BIND`: an address, or none when unset. It cannot be the shop's own address
/// (`bind`, when that one is valid): the two listeners would compete for one port.
pub(super) fn metrics_bind(
    value: Option<&str>,
    bind: Option<SocketAddr>,
) -> Result<Option<SocketAddr>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let addr = super::socket(value)?;
    if addr.port() != 0 && Some(addr) == bind {
        return Err(format!(
            "is `{value}`, the shop's own SHOP_BIND; metrics need an address of their own"
        ));
    }
    Ok(Some(addr))
}

/// `SHOP_TRUSTED_PROXIES`: comma-separated IP addresses, none when unset.
pub(super) fn trusted_proxies(value: Option<&str>) -> Result<Vec<IpAddr>, String> {
    value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpAddr>()
                .map_err(|_| format!("has `{s}`, which is not an IP address"))
        })
        .collect()
}

/// An hourly limit: a whole number, 0 turning the limit off (load tests place hundreds of
/// orders a second from one address).
pub(super) fn hourly_limit(value: &Option<String>, default: u32) -> Result<Option<u32>, String> {
    let n = bounded(value, u64::from(default), 0, 1_000_000)?;
    Ok(u32::try_from(n).ok().filter(|n| *n > 0))
}

/// `SHOP_SESSION_KEY`, none when unset.
pub(super) fn session_key(value: Option<&str>) -> Result<Option<SecretString>, String> {
    match value {
        Some(k) if k.len() < 32 => Err("must be at least 32 characters".into()),
        other => Ok(other.map(SecretString::from)),
    }
}

/// `SHOP_PUBLIC_URL` without a trailing slash, or, when unset outside live, the address the
/// shop binds to.
pub(super) fn public_url(
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
        return Ok(format!("http://{}:{}", client_host(bind.ip()), bind.port()));
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

/// `SHOP_ADMIN_EMAIL` and `SHOP_ADMIN_PASSWORD`: the first admin, when an email is given.
pub(super) fn first_admin(
    email: Option<&str>,
    password: Option<&str>,
) -> Result<Option<FirstAdmin>, String> {
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
    use crate::config::{
        RawSettings,
        testing::{problems, raw},
    };

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
    fn low_stock_defaults_to_five_and_takes_a_whole_number() {
        let s = RawSettings::default().validate().expect("defaults");
        assert_eq!(s.low_stock, 5);
        let s = raw(&[("SHOP_LOW_STOCK", "0")]).validate().expect("valid");
        assert_eq!(s.low_stock, 0);
        let p = problems(&[("SHOP_LOW_STOCK", "few")]);
        assert!(p.len() == 1 && p[0].starts_with("SHOP_LOW_STOCK"), "{p:?}");
    }
}
