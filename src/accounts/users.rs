//! Admin accounts: creating them and hashing their passwords with Argon2id.

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use diesel::prelude::*;
use rand::{Rng, distr::Alphanumeric};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    db::{DbConnection, DbError, now, schema::admin_users},
    domain::email::looks_valid,
};

/// Why an admin account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// The email is not plausible.
    #[error("`{0}` is not an email address")]
    BadEmail(String),
    /// The password is too short.
    #[error("the password must be at least 10 characters")]
    WeakPassword,
    /// An account with that email exists.
    #[error("an admin account for {0} already exists")]
    Exists(String),
    /// Hashing failed.
    #[error("could not hash the password: {0}")]
    Hash(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Hashes a password with Argon2id and a random salt, in PHC string form.
pub fn hash_password(password: &SecretString) -> Result<String, CreateUserError> {
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| CreateUserError::Hash(e.to_string()))
}

/// True when `password` matches the stored PHC hash.
pub fn verify_password(password: &SecretString, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash to check a password against when there is no such account (admin or shopper), so
/// that the answer takes as long as for a real one and does not tell which emails have one.
pub fn decoy_hash() -> String {
    static DECOY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password(&generate_password()).unwrap_or_default());
    DECOY.clone()
}

/// A random 20-character password for a generated first admin.
pub fn generate_password() -> SecretString {
    let text: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect();
    SecretString::from(text)
}

/// Creates an admin account and returns its id.
pub fn create(
    conn: &mut DbConnection,
    email: &str,
    password: &SecretString,
) -> Result<i64, CreateUserError> {
    let email = email.trim().to_lowercase();
    if !looks_valid(&email) {
        return Err(CreateUserError::BadEmail(email));
    }
    if password.expose_secret().chars().count() < 10 {
        return Err(CreateUserError::WeakPassword);
    }
    let hash = hash_password(password)?;
    let inserted = diesel::insert_into(admin_users::table)
        .values((
            admin_users::email.eq(&email),
            admin_users::password_hash.eq(hash),
            admin_users::created_at.eq(now()),
            admin_users::disabled.eq(false),
        ))
        .returning(admin_users::id)
        .get_result(conn)
        .map_err(DbError::from);
    match inserted {
        Ok(id) => Ok(id),
        Err(e) if e.is_unique_violation() => Err(CreateUserError::Exists(email)),
        Err(e) => Err(e.into()),
    }
}

/// Number of admin accounts.
pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(admin_users::table.count().get_result(conn)?)
}

/// The id and password hash of the account `email`, unless it is disabled or there is none.
pub fn active_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> Result<Option<(i64, String)>, DbError> {
    Ok(admin_users::table
        .filter(admin_users::email.eq(email))
        .filter(admin_users::disabled.eq(false))
        .select((admin_users::id, admin_users::password_hash))
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_own_password() {
        let pw = SecretString::from("correct horse battery");
        let hash = hash_password(&pw).expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(&pw, &hash));
        assert!(!verify_password(
            &SecretString::from("wrong horse battery"),
            &hash
        ));
        assert!(!verify_password(&pw, "not a hash"));
    }

    #[test]
    fn generated_passwords_are_long_and_different() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.expose_secret().len(), 20);
        assert_ne!(a.expose_secret(), b.expose_secret());
    }
}
