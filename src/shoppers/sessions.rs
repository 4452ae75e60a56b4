//! Shopper sessions, kept in the database as the admin's are (`accounts::sessions`): the
//! `shopper_session` cookie holds a random token, the table its SHA-256; signing out or
//! resetting the password ends sessions on every instance at once.
//!
//! They last longer than the admin's (a shop remembers its customers), and carry no CSRF token
//! of their own: the storefront's forms are guarded by the cookie session's token
//! (`web::extract::forms::CsrfForm`), signed in or not.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::accounts::Shopper;
use crate::{
    accounts::sessions::{ends_at, hash, random_token},
    db::{
        DbConnection, DbError, now,
        schema::{shopper_sessions, shoppers},
    },
};

/// Name of the cookie holding the session token.
pub const COOKIE: &str = "shopper_session";
/// A session unused this long ends.
pub const IDLE: Duration = Duration::days(14);
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE: Duration = Duration::days(30);
/// `last_seen_at` is written at most this often.
const TOUCH_EVERY: Duration = Duration::minutes(5);

/// Starts a session for `shopper_id`; returns the token for the cookie. Expired sessions of
/// anyone are cleared on the way, and the account's sign-in time is recorded.
pub fn create(
    conn: &mut DbConnection,
    shopper_id: i64,
    ip: &str,
    user_agent: Option<&str>,
) -> Result<String, DbError> {
    let at = now();
    diesel::delete(shopper_sessions::table.filter(shopper_sessions::expires_at.lt(at)))
        .execute(conn)?;
    let token = random_token();
    diesel::insert_into(shopper_sessions::table)
        .values((
            shopper_sessions::token_hash.eq(hash(&token)),
            shopper_sessions::shopper_id.eq(shopper_id),
            shopper_sessions::ip.eq(Some(ip)),
            shopper_sessions::user_agent
                .eq(user_agent.map(|ua| ua.chars().take(500).collect::<String>())),
            shopper_sessions::created_at.eq(at),
            shopper_sessions::last_seen_at.eq(at),
            shopper_sessions::expires_at.eq(ends_at(at, at, IDLE, ABSOLUTE)),
        ))
        .execute(conn)?;
    diesel::update(shoppers::table.find(shopper_id))
        .set(shoppers::last_login_at.eq(Some(at)))
        .execute(conn)?;
    Ok(token)
}

/// The account signed in with `token` and the session's id, its idle clock restarted; `None`
/// when there is none (never was, signed out, expired, or the account was disabled).
pub fn find(conn: &mut DbConnection, token: &str) -> Result<Option<(i64, Shopper)>, DbError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let at = now();
    let row: Option<(i64, NaiveDateTime, NaiveDateTime, Shopper)> = shopper_sessions::table
        .inner_join(shoppers::table)
        .filter(shopper_sessions::token_hash.eq(hash(token)))
        .filter(shopper_sessions::expires_at.gt(at))
        .filter(shoppers::disabled.eq(false))
        .select((
            shopper_sessions::id,
            shopper_sessions::created_at,
            shopper_sessions::last_seen_at,
            Shopper::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((id, created, seen, shopper)) = row else {
        return Ok(None);
    };
    if seen + TOUCH_EVERY < at {
        diesel::update(shopper_sessions::table.find(id))
            .set((
                shopper_sessions::last_seen_at.eq(at),
                shopper_sessions::expires_at.eq(ends_at(created, at, IDLE, ABSOLUTE)),
            ))
            .execute(conn)?;
    }
    Ok(Some((id, shopper)))
}

/// Ends session `id` (sign-out).
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), DbError> {
    diesel::delete(shopper_sessions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Ends every session of the account (after a password reset: whoever knew the old password
/// is signed out everywhere).
pub fn delete_all(conn: &mut DbConnection, shopper_id: i64) -> Result<usize, DbError> {
    Ok(
        diesel::delete(shopper_sessions::table.filter(shopper_sessions::shopper_id.eq(shopper_id)))
            .execute(conn)?,
    )
}
