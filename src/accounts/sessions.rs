//! Admin sessions, kept in the database so that logging out or expiring ends a session on every
//! instance at once.
//!
//! The `admin_session` cookie holds a random token; the table holds only its SHA-256, so a copy
//! of the database does not hand out live sessions. A session ends when it has been idle for
//! [`IDLE`] or, however busy, [`ABSOLUTE`] after login; each session carries its own CSRF token,
//! which every form behind the login must send back.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{
    DbConnection, DbError, now,
    schema::{admin_sessions, admin_users},
};

/// Name of the cookie holding the session token.
pub const COOKIE: &str = "admin_session";
/// A session unused this long ends.
pub const IDLE: Duration = Duration::minutes(30);
/// A session ends this long after login, however busy.
pub const ABSOLUTE: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often, so that page views are not all writes.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A live session and its admin.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session row.
    pub id: i64,
    /// The admin user.
    pub user_id: i64,
    /// The admin's email, written on the timeline and in the audit log.
    pub email: String,
    /// The token every form of this session carries.
    pub csrf_token: String,
}

/// 256 random bits in hex.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The SHA-256 of a token in hex: what the database keeps of session tokens and emailed links,
/// so that a copy of the database does not hand them out.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// When a session created at `created` and last used at `seen` ends: `idle` after its last use,
/// but never later than `absolute` after it began.
pub fn ends_at(
    created: NaiveDateTime,
    seen: NaiveDateTime,
    idle: Duration,
    absolute: Duration,
) -> NaiveDateTime {
    (seen + idle).min(created + absolute)
}

/// Starts a session for `user_id`; returns the token for the cookie. Expired sessions of
/// anyone are cleared on the way.
pub fn create(
    conn: &mut DbConnection,
    user_id: i64,
    ip: &str,
    user_agent: Option<&str>,
) -> Result<String, DbError> {
    let at = now();
    diesel::delete(admin_sessions::table.filter(admin_sessions::expires_at.lt(at)))
        .execute(conn)?;
    let token = random_token();
    diesel::insert_into(admin_sessions::table)
        .values((
            admin_sessions::token_hash.eq(hash(&token)),
            admin_sessions::admin_user_id.eq(user_id),
            admin_sessions::csrf_token.eq(random_token()),
            admin_sessions::ip.eq(Some(ip)),
            admin_sessions::user_agent
                .eq(user_agent.map(|ua| ua.chars().take(500).collect::<String>())),
            admin_sessions::created_at.eq(at),
            admin_sessions::last_seen_at.eq(at),
            admin_sessions::expires_at.eq(ends_at(at, at, IDLE, ABSOLUTE)),
        ))
        .execute(conn)?;
    diesel::update(admin_users::table.find(user_id))
        .set(admin_users::last_login_at.eq(Some(at)))
        .execute(conn)?;
    Ok(token)
}

/// The live session whose cookie holds `token`, its idle clock restarted; `None` when there is
/// none (never was, logged out, expired, or the account was disabled).
pub fn find(conn: &mut DbConnection, token: &str) -> Result<Option<Session>, DbError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let at = now();
    let row: Option<(i64, i64, String, String, NaiveDateTime, NaiveDateTime)> =
        admin_sessions::table
            .inner_join(admin_users::table)
            .filter(admin_sessions::token_hash.eq(hash(token)))
            .filter(admin_sessions::expires_at.gt(at))
            .filter(admin_users::disabled.eq(false))
            .select((
                admin_sessions::id,
                admin_users::id,
                admin_users::email,
                admin_sessions::csrf_token,
                admin_sessions::created_at,
                admin_sessions::last_seen_at,
            ))
            .first(conn)
            .optional()?;
    let Some((id, user_id, email, csrf_token, created, seen)) = row else {
        return Ok(None);
    };
    if seen + TOUCH_EVERY < at {
        diesel::update(admin_sessions::table.find(id))
            .set((
                admin_sessions::last_seen_at.eq(at),
                admin_sessions::expires_at.eq(ends_at(created, at, IDLE, ABSOLUTE)),
            ))
            .execute(conn)?;
    }
    Ok(Some(Session {
        id,
        user_id,
        email,
        csrf_token,
    }))
}

/// Ends session `id` (logout).
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), DbError> {
    diesel::delete(admin_sessions::table.find(id)).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_limits_both_apply() {
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .map(|t| t.naive_utc())
            .expect("time");
        assert_eq!(ends_at(t0, t0, IDLE, ABSOLUTE), t0 + IDLE);
        let late = t0 + Duration::hours(11) + Duration::minutes(50);
        assert_eq!(ends_at(t0, late, IDLE, ABSOLUTE), t0 + ABSOLUTE);
    }

    #[test]
    fn only_the_hash_is_stored_and_tokens_differ() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_ne!(hash(&a), a);
        assert_eq!(hash(&a), hash(&a));
    }
}
