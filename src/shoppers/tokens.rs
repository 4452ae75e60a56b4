//! One-time links sent by email: verifying the address and resetting the password.
//!
//! The link carries 256 random bits; the table keeps only their SHA-256, so a copy of the
//! database opens no link. A token is used with one conditional `UPDATE`, so two clicks on one
//! link (or two instances) cannot both use it.

use chrono::Duration;
use diesel::prelude::*;

use super::accounts::Shopper;
use crate::{
    accounts::sessions::{hash, random_token},
    db::{DbConnection, DbError, now, schema::shopper_tokens},
    emails::account::{self, AccountEmail, AccountView},
};

crate::text_enum! {
    /// What a link does, as stored in `shopper_tokens.purpose`.
    pub enum Purpose {
        /// Confirms the account's email.
        VerifyEmail => "verify_email",
        /// Lets the shopper choose a new password.
        ResetPassword => "reset_password",
    }
}

impl Purpose {
    /// How long a link works: a reset link briefly (it is a key to the account), a verification
    /// link for days (it only proves the address).
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::VerifyEmail => Duration::days(3),
            Purpose::ResetPassword => Duration::hours(1),
        }
    }
}

/// Links of one purpose one account may be sent per hour, so that the form cannot be used to
/// flood somebody's mailbox.
pub const PER_HOUR: i64 = 3;

/// Makes a new link of `purpose` for the account and returns its token, or `None` when the
/// account had [`PER_HOUR`] of them in the last hour.
pub fn issue(
    conn: &mut DbConnection,
    shopper_id: i64,
    purpose: Purpose,
) -> Result<Option<String>, DbError> {
    let at = now();
    let recent: i64 = shopper_tokens::table
        .filter(shopper_tokens::shopper_id.eq(shopper_id))
        .filter(shopper_tokens::purpose.eq(purpose))
        .filter(shopper_tokens::created_at.gt(at - Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if recent >= PER_HOUR {
        return Ok(None);
    }
    let token = random_token();
    diesel::insert_into(shopper_tokens::table)
        .values((
            shopper_tokens::shopper_id.eq(shopper_id),
            shopper_tokens::purpose.eq(purpose),
            shopper_tokens::token_hash.eq(hash(&token)),
            shopper_tokens::created_at.eq(at),
            shopper_tokens::expires_at.eq(at + purpose.lifetime()),
        ))
        .execute(conn)?;
    Ok(Some(token))
}

/// Makes a link of `purpose` for the account and queues the email carrying it, in the
/// account's language; false when the account was sent [`PER_HOUR`] such links in the last
/// hour (nothing is sent then).
pub fn send_link(
    conn: &mut DbConnection,
    shopper: &Shopper,
    purpose: Purpose,
    public_url: &str,
) -> Result<bool, DbError> {
    let Some(token) = issue(conn, shopper.id, purpose)? else {
        return Ok(false);
    };
    let (path, kind) = match purpose {
        Purpose::VerifyEmail => ("verify", AccountEmail::VerifyEmail),
        Purpose::ResetPassword => ("reset", AccountEmail::ResetPassword),
    };
    let view = AccountView {
        lang: shopper.lang(),
        kind: kind.as_str(),
        name: shopper.name.clone(),
        link: format!("{public_url}/account/{path}/{token}"),
    };
    account::queue(conn, kind, &shopper.email, &view)?;
    Ok(true)
}

/// The account a live (unused, unexpired) link of `purpose` opens, without using it: for the
/// reset page, which shows "this link has expired" before the shopper types anything.
pub fn peek(
    conn: &mut DbConnection,
    token: &str,
    purpose: Purpose,
) -> Result<Option<i64>, DbError> {
    if token.len() != 64 {
        return Ok(None);
    }
    Ok(shopper_tokens::table
        .filter(shopper_tokens::token_hash.eq(hash(token)))
        .filter(shopper_tokens::purpose.eq(purpose))
        .filter(shopper_tokens::used_at.is_null())
        .filter(shopper_tokens::expires_at.gt(now()))
        .select(shopper_tokens::shopper_id)
        .first(conn)
        .optional()?)
}

/// Uses a live link of `purpose`: returns its account, or `None` when the link is unknown,
/// used or expired. A used reset link also retires the account's other reset links.
pub fn consume(
    conn: &mut DbConnection,
    token: &str,
    purpose: Purpose,
) -> Result<Option<i64>, DbError> {
    let Some(shopper_id) = peek(conn, token, purpose)? else {
        return Ok(None);
    };
    let at = now();
    let used = diesel::update(
        shopper_tokens::table
            .filter(shopper_tokens::token_hash.eq(hash(token)))
            .filter(shopper_tokens::used_at.is_null()),
    )
    .set(shopper_tokens::used_at.eq(Some(at)))
    .execute(conn)?;
    if used == 0 {
        // Another request used it between the two statements.
        return Ok(None);
    }
    diesel::update(
        shopper_tokens::table
            .filter(shopper_tokens::shopper_id.eq(shopper_id))
            .filter(shopper_tokens::purpose.eq(purpose))
            .filter(shopper_tokens::used_at.is_null()),
    )
    .set(shopper_tokens::used_at.eq(Some(at)))
    .execute(conn)?;
    Ok(Some(shopper_id))
}
