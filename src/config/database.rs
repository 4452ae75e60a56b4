//! `DATABASE_URL`: which database the shop keeps its data in.

use std::{fmt, path::PathBuf};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{RawSettings, check, text};

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
            let url =
                Url::parse(value).map_err(|e| format!("is not a valid PostgreSQL URL ({e})"))?;
            let url = match without_tls_on_loopback(url) {
                Some(changed) => changed.to_string(),
                None => value.to_owned(),
            };
            return Ok(DatabaseUrl::Postgres(SecretString::from(url)));
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

/// The URL with `sslmode=disable` added when it names a loopback host and no `sslmode`.
///
/// libpq's default, `prefer`, encrypts whenever the server offers TLS, without checking whom it
/// talks to. On a loopback address there is no network to protect, and the encryption cost both
/// sides a TLS record per statement: about a sixth of a cart add's time, and of a webhook's, in
/// the benchmark (`bench/README.md`, issue 17). A URL that names an `sslmode` keeps it; any other
/// host keeps libpq's default.
fn without_tls_on_loopback(mut url: Url) -> Option<Url> {
    let loopback = match url.host()? {
        // A `postgres:` URL's host is not parsed as an address (the scheme is not one the URL
        // standard knows), so an IPv4 address comes as a name.
        url::Host::Domain(name) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    if !loopback || url.query_pairs().any(|(k, _)| k == "sslmode") {
        return None;
    }
    url.query_pairs_mut().append_pair("sslmode", "disable");
    Some(url)
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

/// `DATABASE_URL`, a SQLite file under `var/` when unset; a bad value is added to `problems`.
pub(super) fn from_raw(raw: &RawSettings, problems: &mut Vec<String>) -> Option<DatabaseUrl> {
    check(
        problems,
        "DATABASE_URL",
        DatabaseUrl::parse(text(&raw.database_url).unwrap_or("var/shop.db")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_password_is_hidden_in_debug() {
        let db = DatabaseUrl::parse("postgres://shop:hunter22@db:5432/shop").expect("valid");
        assert!(!format!("{db:?}").contains("hunter22"));
    }

    fn postgres(value: &str) -> String {
        match DatabaseUrl::parse(value).expect("valid") {
            DatabaseUrl::Postgres(url) => url.expose_secret().to_owned(),
            DatabaseUrl::Sqlite(_) => panic!("{value} read as SQLite"),
        }
    }

    #[test]
    fn a_loopback_postgres_url_connects_without_tls_unless_it_says_otherwise() {
        assert_eq!(
            postgres("postgres://postgres@127.0.0.1:5432/shop"),
            "postgres://postgres@127.0.0.1:5432/shop?sslmode=disable"
        );
        assert_eq!(
            postgres("postgresql://shop:pw@localhost/shop?application_name=x"),
            "postgresql://shop:pw@localhost/shop?application_name=x&sslmode=disable"
        );
        assert_eq!(
            postgres("postgres://shop@[::1]/shop"),
            "postgres://shop@[::1]/shop?sslmode=disable"
        );
        // What the operator chose, and every other host, are left as written.
        for kept in [
            "postgres://shop@127.0.0.1/shop?sslmode=require",
            "postgres://shop@db.internal:5432/shop",
            "postgres://shop@10.0.0.5/shop",
        ] {
            assert_eq!(postgres(kept), kept);
        }
    }
}
