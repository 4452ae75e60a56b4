//! Failed-login counters per account and per IP address, in the database so that every instance
//! counts the same failures.
//!
//! Each `(scope, key)` row counts failures in a window; reaching the scope's limit locks logins
//! for that account or address until `locked_until`. Rows are updated with conditional
//! statements (no `ON CONFLICT`), so concurrent failures on two instances are all counted.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{DbConnection, DbError, schema::login_throttles, write_transaction};

/// Failures counted together.
pub const WINDOW: Duration = Duration::minutes(15);
/// How long a lock lasts.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// Failures that lock one account.
pub const ACCOUNT_LIMIT: i64 = 5;
/// Failures that lock one IP address (several accounts may be tried from it).
pub const IP_LIMIT: i64 = 20;

const SCOPES: [(&str, i64); 2] = [("account", ACCOUNT_LIMIT), ("ip", IP_LIMIT)];

/// When logins for `email` or from `ip` are allowed again, if either is locked now.
pub fn locked_until(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, DbError> {
    let mut latest = None;
    for (scope, key) in [("account", email), ("ip", ip)] {
        let until: Option<Option<NaiveDateTime>> = login_throttles::table
            .filter(login_throttles::scope.eq(scope))
            .filter(login_throttles::key.eq(key))
            .select(login_throttles::locked_until)
            .first(conn)
            .optional()?;
        if let Some(Some(until)) = until
            && until > at
        {
            latest = latest.max(Some(until));
        }
    }
    Ok(latest)
}

/// Counts one failed login for `email` and `ip`; returns the end of the lock it caused, if it
/// reached a limit.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, DbError> {
    let count = |conn: &mut DbConnection| {
        write_transaction(conn, |conn| {
            let mut lock = None;
            for ((scope, limit), key) in SCOPES.into_iter().zip([email, ip]) {
                let failures = bump(conn, scope, key, at)?;
                if failures >= limit {
                    let until = at + LOCKOUT;
                    diesel::update(row(scope, key))
                        .set(login_throttles::locked_until.eq(Some(until)))
                        .execute(conn)?;
                    lock = lock.max(Some(until));
                }
            }
            Ok::<_, DbError>(lock)
        })
    };
    match count(conn) {
        // Another instance inserted the first row for this key at the same moment; now the
        // row exists, so counting again updates it.
        Err(e) if e.is_unique_violation() => count(conn),
        other => other,
    }
}

/// Forgets the failures of `email` after a successful login. The IP's count stays: one good
/// password must not reset a guesser working through other accounts.
pub fn clear_account(conn: &mut DbConnection, email: &str) -> Result<(), DbError> {
    diesel::delete(row("account", email)).execute(conn)?;
    Ok(())
}

/// The counter row of one `(scope, key)`, as a query.
type Row<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<login_throttles::table, diesel::dsl::Eq<login_throttles::scope, &'a str>>,
    diesel::dsl::Eq<login_throttles::key, &'a str>,
>;

fn row<'a>(scope: &'a str, key: &'a str) -> Row<'a> {
    login_throttles::table
        .filter(login_throttles::scope.eq(scope))
        .filter(login_throttles::key.eq(key))
}

/// Adds one failure to the row and returns the count in the current window.
fn bump(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    at: NaiveDateTime,
) -> Result<i64, DbError> {
    let window_open = at - WINDOW;
    let counted =
        diesel::update(row(scope, key).filter(login_throttles::window_started_at.gt(window_open)))
            .set((
                login_throttles::failures.eq(login_throttles::failures + 1),
                login_throttles::updated_at.eq(at),
            ))
            .execute(conn)?;
    if counted == 0 {
        // No row, or its window is over: start a new window.
        let restarted = diesel::update(row(scope, key))
            .set((
                login_throttles::failures.eq(1),
                login_throttles::window_started_at.eq(at),
                login_throttles::locked_until.eq(None::<NaiveDateTime>),
                login_throttles::updated_at.eq(at),
            ))
            .execute(conn)?;
        if restarted == 0 {
            diesel::insert_into(login_throttles::table)
                .values((
                    login_throttles::scope.eq(scope),
                    login_throttles::key.eq(key),
                    login_throttles::failures.eq(1),
                    login_throttles::window_started_at.eq(at),
                    login_throttles::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(row(scope, key)
        .select(login_throttles::failures)
        .first(conn)?)
}
