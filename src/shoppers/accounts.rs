//! Creating shopper accounts, reading them, and changing their password.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    accounts::users::hash_password,
    db::{DbConnection, DbError, now, schema::shoppers},
    domain::{
        address::{self, Problem},
        email::looks_valid,
    },
    i18n::Lang,
};

/// Shortest password accepted (NIST SP 800-63B's minimum for a chosen password).
pub const MIN_PASSWORD: usize = 8;
/// Longest password accepted: Argon2 takes any length, but a megabyte of "password" is abuse.
pub const MAX_PASSWORD: usize = 200;

/// A shopper account as the pages use it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shoppers)]
pub struct Shopper {
    /// Row id.
    pub id: i64,
    /// Lower-case email, the login.
    pub email: String,
    /// The name given at sign-up.
    pub name: String,
    /// Language of the account's emails.
    pub locale: String,
    /// When the email was verified.
    pub email_verified_at: Option<NaiveDateTime>,
    /// AsiaBill's customer id, once a card was saved.
    pub asiabill_customer_id: Option<String>,
}

impl Shopper {
    /// The account's language.
    pub fn lang(&self) -> Lang {
        Lang::from_tag(&self.locale).unwrap_or_default()
    }

    /// True once the email is verified.
    pub fn verified(&self) -> bool {
        self.email_verified_at.is_some()
    }
}

/// What is wrong with a form, by field name.
pub type Problems = Vec<(&'static str, Problem)>;

/// A checked sign-up form.
#[derive(Debug)]
pub struct SignUp {
    /// Lower-case, trimmed.
    pub email: String,
    /// Trimmed, 1–100 characters.
    pub name: String,
    /// As typed.
    pub password: SecretString,
}

/// Checks an email as typed: trimmed, lower case, plausible.
pub fn checked_email(typed: &str) -> Option<String> {
    let email = typed.trim().to_lowercase();
    (email.len() <= 200 && looks_valid(&email)).then_some(email)
}

/// What is wrong with a new password, if anything.
pub fn password_problem(password: &str) -> Option<Problem> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        Some(Problem {
            key: "account.problem.password_short",
            n: Some(MIN_PASSWORD),
        })
    } else if n > MAX_PASSWORD {
        Some(Problem {
            key: "account.problem.password_long",
            n: Some(MAX_PASSWORD),
        })
    } else {
        None
    }
}

impl SignUp {
    /// Checks the typed fields; lists every problem at once.
    pub fn check(email: &str, name: &str, password: String) -> Result<SignUp, Problems> {
        let mut problems = Problems::new();
        let email = checked_email(email);
        if email.is_none() {
            problems.push((
                "email",
                Problem {
                    key: "form.email",
                    n: None,
                },
            ));
        }
        let name = address::length(name, 1, 100).map_err(|p| problems.push(("name", p)));
        if let Some(p) = password_problem(&password) {
            problems.push(("password", p));
        }
        match (email, name) {
            (Some(email), Ok(name)) if problems.is_empty() => Ok(SignUp {
                email,
                name,
                password: SecretString::from(password),
            }),
            _ => Err(problems),
        }
    }
}

/// Why no account was created.
#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// An account with that email exists.
    #[error("an account for this email exists")]
    Exists,
    /// Hashing failed.
    #[error("could not hash the password: {0}")]
    Hash(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Hashes the password (Argon2id: call off the async executor) for [`create`].
pub fn hash(password: &SecretString) -> Result<String, SignUpError> {
    hash_password(password).map_err(|e| SignUpError::Hash(e.to_string()))
}

/// Creates the account with an already hashed password.
pub fn create(
    conn: &mut DbConnection,
    form: &SignUp,
    password_hash: &str,
    lang: Lang,
) -> Result<Shopper, SignUpError> {
    let inserted = diesel::insert_into(shoppers::table)
        .values((
            shoppers::email.eq(&form.email),
            shoppers::password_hash.eq(password_hash),
            shoppers::name.eq(&form.name),
            shoppers::locale.eq(lang.tag()),
            shoppers::disabled.eq(false),
            shoppers::created_at.eq(now()),
        ))
        .returning(shoppers::id)
        .get_result::<i64>(conn)
        .map_err(DbError::from);
    // `RETURNING` a whole row does not build through the multi-backend connection
    // (docs/STACK.md), so the id comes back and the row is read by it.
    let id = match inserted {
        Ok(id) => id,
        Err(e) if e.is_unique_violation() => return Err(SignUpError::Exists),
        Err(e) => return Err(e.into()),
    };
    Ok(shoppers::table
        .find(id)
        .select(Shopper::as_select())
        .first(conn)
        .map_err(DbError::from)?)
}

/// The account `id`, unless disabled.
pub fn find(conn: &mut DbConnection, id: i64) -> Result<Option<Shopper>, DbError> {
    Ok(shoppers::table
        .find(id)
        .filter(shoppers::disabled.eq(false))
        .select(Shopper::as_select())
        .first(conn)
        .optional()?)
}

/// The account of `email` and its password hash, unless disabled or none.
pub fn for_sign_in(
    conn: &mut DbConnection,
    email: &str,
) -> Result<Option<(Shopper, String)>, DbError> {
    Ok(shoppers::table
        .filter(shoppers::email.eq(email))
        .filter(shoppers::disabled.eq(false))
        .select((Shopper::as_select(), shoppers::password_hash))
        .first(conn)
        .optional()?)
}

/// Replaces the password hash.
pub fn set_password(conn: &mut DbConnection, id: i64, password_hash: &str) -> Result<(), DbError> {
    diesel::update(shoppers::table.find(id))
        .set(shoppers::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(())
}

/// Marks the email verified (once: a second verification keeps the first time).
pub fn mark_verified(conn: &mut DbConnection, id: i64) -> Result<(), DbError> {
    diesel::update(
        shoppers::table
            .find(id)
            .filter(shoppers::email_verified_at.is_null()),
    )
    .set(shoppers::email_verified_at.eq(Some(now())))
    .execute(conn)?;
    Ok(())
}

/// The language the account's emails are written in follows the shopper's last choice.
pub fn set_locale(conn: &mut DbConnection, id: i64, lang: Lang) -> Result<(), DbError> {
    diesel::update(shoppers::table.find(id))
        .set(shoppers::locale.eq(lang.tag()))
        .execute(conn)?;
    Ok(())
}

/// Checks a password against a hash, as the admin login does.
pub fn verify(password: &SecretString, hash: &str) -> bool {
    crate::accounts::users::verify_password(password, hash)
}

/// True when `password` is the one typed twice (forms ask for a confirmation).
pub fn same(password: &SecretString, again: &str) -> bool {
    password.expose_secret() == again
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_up_lists_every_problem_at_once() {
        let problems = SignUp::check("not-an-email", "  ", "short".into()).expect_err("bad");
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["email", "name", "password"]);
        let ok = SignUp::check(" Ann@Example.COM ", " Ann ", "long enough".into()).expect("ok");
        assert_eq!(ok.email, "ann@example.com");
        assert_eq!(ok.name, "Ann");
    }

    #[test]
    fn passwords_have_bounds() {
        let key = |p: &str| password_problem(p).map(|p| p.key);
        assert_eq!(key("1234567"), Some("account.problem.password_short"));
        assert_eq!(key("12345678"), None);
        assert_eq!(key(&"x".repeat(201)), Some("account.problem.password_long"));
    }
}
