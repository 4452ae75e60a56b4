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
}
