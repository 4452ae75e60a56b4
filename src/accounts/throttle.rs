//! Login attempt counters per account and per IP address, in the database so that every
//! instance counts the same attempts.
//!
//! Each `(scope, key)` row counts the attempts of a window. An attempt takes one slot of both
//! its rows *before* the password is checked, with conditional statements (no `ON CONFLICT`),
//! so a burst of parallel guesses on one or several instances cannot get more than the limit
//! through to Argon2. A wrong password that took a scope's last slot locks that account or
//! address until `locked_until`; a right one clears the account's row and gives the address its
//! slot back.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{DbConnection, DbError, schema::login_throttles, write_transaction};

/// Attempts counted together.
pub const WINDOW: Duration = Duration::minutes(15);
/// How long a lock lasts.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// Attempts one account may have checked per window.
pub const ACCOUNT_LIMIT: i64 = 5;
/// Attempts one IP address may have checked per window (several accounts may be tried from it).
pub const IP_LIMIT: i64 = 20;

crate::text_enum! {
    /// What a counter counts, as stored in `login_throttles.scope`.
    enum Scope {
        /// The attempts on one account (its email).
        Account => "account",
        /// The attempts from one IP address.
        Ip => "ip",
    }
}

/// The slots an attempt holds: its rank in the window of its account and of its address.
#[derive(Debug, Clone, Copy)]
pub struct Slots {
    account: i64,
    ip: i64,
}

/// Whether an attempt may have its password checked.
#[derive(Debug, Clone, Copy)]
pub enum Claim {
    /// Counted: check the password, then report the outcome with [`record_failure`] or
    /// [`record_success`].
    Granted(Slots),
    /// The account or the address has no slot left; logins are possible again at that time.
    Refused(NaiveDateTime),
}

/// Counts one attempt for `email` from `ip`, unless either is out of slots or locked.
pub fn claim(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    at: NaiveDateTime,
) -> Result<Claim, DbError> {
    let attempt = |conn: &mut DbConnection| {
        write_transaction(conn, |conn| {
            let account = take_slot(conn, Scope::Account, email, ACCOUNT_LIMIT, at)?;
            // A refused address hands the account's slot back by rolling the transaction back.
            let ip = take_slot(conn, Scope::Ip, ip, IP_LIMIT, at)?;
            Ok::<_, NotTaken>(Slots { account, ip })
        })
    };
    let taken = match attempt(conn) {
        // Another instance inserted the first row for this key at the same moment (on
        // PostgreSQL that aborted the transaction); now the row exists, so claiming again
        // updates it.
        Err(NotTaken::Db(e)) if e.is_unique_violation() => attempt(conn),
        other => other,
    };
    match taken {
        Ok(slots) => Ok(Claim::Granted(slots)),
        Err(NotTaken::Until(until)) => Ok(Claim::Refused(until)),
        Err(NotTaken::Db(e)) => Err(e),
    }
}

/// How long until a lock ends at `until`: in seconds (at least 1, for `Retry-After`) and in
/// whole minutes rounded up (for the message, so that "try again in 1 minute" is never early).
pub fn wait_until(until: NaiveDateTime) -> (i64, i64) {
    let seconds = (until - crate::db::now()).num_seconds().max(1);
    (seconds, (seconds + 59) / 60)
}

/// Reports a wrong password for a granted attempt; returns the end of the lock it caused when
/// it took the last slot of its account or its address.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    slots: Slots,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, DbError> {
    let until = at + LOCKOUT;
    let mut lock = None;
    for (scope, key, slot, limit) in [
        (Scope::Account, email, slots.account, ACCOUNT_LIMIT),
        (Scope::Ip, ip, slots.ip, IP_LIMIT),
    ] {
        if slot >= limit {
            diesel::update(row(scope, key))
                .set((
                    login_throttles::locked_until.eq(Some(until)),
                    login_throttles::updated_at.eq(at),
                ))
                .execute(conn)?;
            lock = Some(until);
        }
    }
    Ok(lock)
}

/// Reports a right password: forgets the account's attempts and gives the address back the
/// slot this attempt took. The address's other attempts stay counted: one good password must
/// not reset a guesser working through other accounts.
pub fn record_success(conn: &mut DbConnection, email: &str, ip: &str) -> Result<(), DbError> {
    diesel::delete(row(Scope::Account, email)).execute(conn)?;
    diesel::update(row(Scope::Ip, ip).filter(login_throttles::failures.gt(0)))
        .set(login_throttles::failures.eq(login_throttles::failures - 1))
        .execute(conn)?;
    Ok(())
}

/// Why [`take_slot`] took none: the row is full or locked until then, or the database failed.
/// An error, so that it rolls the claim's transaction back.
enum NotTaken {
    Until(NaiveDateTime),
    Db(DbError),
}

impl From<diesel::result::Error> for NotTaken {
    fn from(e: diesel::result::Error) -> Self {
        NotTaken::Db(e.into())
    }
}

impl From<DbError> for NotTaken {
    fn from(e: DbError) -> Self {
        NotTaken::Db(e)
    }
}

/// The counter row of one `(scope, key)`, as a query.
type Row<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<login_throttles::table, diesel::dsl::Eq<login_throttles::scope, Scope>>,
    diesel::dsl::Eq<login_throttles::key, &'a str>,
>;

fn row<'a>(scope: Scope, key: &'a str) -> Row<'a> {
    login_throttles::table
        .filter(login_throttles::scope.eq(scope))
        .filter(login_throttles::key.eq(key))
}

/// Takes the next slot of the row's window and returns its rank (1 for the first attempt).
///
/// Each step is one conditional statement, so two instances racing for the last slot cannot
/// both get it: on PostgreSQL the second `UPDATE` waits for the first one's row lock and then
/// re-checks its condition; on SQLite the claim's transaction holds the write lock throughout.
fn take_slot(
    conn: &mut DbConnection,
    scope: Scope,
    key: &str,
    limit: i64,
    at: NaiveDateTime,
) -> Result<i64, NotTaken> {
    let taken = count_in_window(conn, scope, key, limit, at)?
        || open_window(conn, scope, key, at)?
        // On PostgreSQL another instance may have opened a new window just now: our `UPDATE`
        // waited for its row, which then no longer matched. This statement sees that window.
        || count_in_window(conn, scope, key, limit, at)?;
    if !taken {
        let current: Option<(NaiveDateTime, Option<NaiveDateTime>)> = row(scope, key)
            .select((
                login_throttles::window_started_at,
                login_throttles::locked_until,
            ))
            .first(conn)
            .optional()?;
        match current {
            // Full: locked, or the attempts holding the slots are still being checked (or were
            // cut short), in which case a slot frees when the window ends.
            Some((started, locked)) => {
                return Err(NotTaken::Until(locked.unwrap_or(started + WINDOW)));
            }
            None => {
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
    }
    Ok(row(scope, key)
        .select(login_throttles::failures)
        .first(conn)?)
}

/// Counts the attempt in the row's current window when it has a slot left. Such a window has
/// no lock: a lock comes only with the last slot, and an expired one opens a new window.
fn count_in_window(
    conn: &mut DbConnection,
    scope: Scope,
    key: &str,
    limit: i64,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let counted = diesel::update(
        row(scope, key)
            .filter(login_throttles::window_started_at.gt(at - WINDOW))
            .filter(login_throttles::failures.lt(limit))
            .filter(login_throttles::locked_until.is_null()),
    )
    .set((
        login_throttles::failures.eq(login_throttles::failures + 1),
        login_throttles::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(counted > 0)
}

/// Opens a new window with this attempt as its first when the row's window is over or its lock
/// has expired, and no lock is still running.
fn open_window(
    conn: &mut DbConnection,
    scope: Scope,
    key: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let opened = diesel::update(
        row(scope, key)
            .filter(
                login_throttles::window_started_at
                    .le(at - WINDOW)
                    .or(login_throttles::locked_until.le(at)),
            )
            .filter(
                login_throttles::locked_until
                    .is_null()
                    .or(login_throttles::locked_until.le(at)),
            ),
    )
    .set((
        login_throttles::failures.eq(1),
        login_throttles::window_started_at.eq(at),
        login_throttles::locked_until.eq(None::<NaiveDateTime>),
        login_throttles::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(opened > 0)
}
