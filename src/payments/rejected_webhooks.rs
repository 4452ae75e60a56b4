//! Evidence of refused webhook deliveries, kept bounded.
//!
//! Anyone can post to the webhook URL, so what a refused delivery leaves behind must not grow
//! with what an attacker sends: only the latest [`KEPT`] refused rows stay in `webhook_events`,
//! each with its body cut to [`BODY_BYTES`] and its headers trimmed, and `webhook_rejections`
//! counts every refusal per day, so the merchant still sees how many there were.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConnection, DbError,
    schema::{webhook_events, webhook_rejections},
};

/// Refused deliveries kept in the webhook log; older ones are deleted (and stay counted).
pub const KEPT: i64 = 200;

/// Bytes of a refused delivery's body that are kept.
pub const BODY_BYTES: usize = 4096;

/// Headers of a refused delivery that are kept, and characters of each name and value.
const HEADERS: usize = 40;
const HEADER_CHARS: usize = 512;

/// The part of a refused body that is kept: the first [`BODY_BYTES`] (cut on a character
/// boundary), with a note of the full length when it was longer.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= BODY_BYTES {
        return text.into_owned();
    }
    let mut end = BODY_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… ({} bytes in all; only the first {end} are kept)",
        &text[..end],
        body.len()
    )
}

/// A refused delivery's headers as the JSON list of pairs the log reads, trimmed.
pub fn headers_excerpt(headers: &[(String, String)]) -> String {
    let cut = |s: &str| s.chars().take(HEADER_CHARS).collect::<String>();
    let kept: Vec<(String, String)> = headers
        .iter()
        .take(HEADERS)
        .map(|(k, v)| (cut(k), cut(v)))
        .collect();
    serde_json::to_string(&kept).unwrap_or_default()
}

/// Counts one refused delivery at `at` and deletes the refused rows beyond [`KEPT`]; returns how
/// many deliveries were refused that day so far. Each statement commits on its own: a lost
/// count or a late deletion is harmless, a transaction held open per forged post is not.
pub fn record(conn: &mut DbConnection, at: NaiveDateTime) -> Result<i64, DbError> {
    let today = count(conn, at)?;
    prune(conn)?;
    Ok(today)
}

fn count(conn: &mut DbConnection, at: NaiveDateTime) -> Result<i64, DbError> {
    let day = at.date();
    let bump = |conn: &mut DbConnection| {
        diesel::update(webhook_rejections::table.find(day))
            .set((
                webhook_rejections::deliveries.eq(webhook_rejections::deliveries + 1),
                webhook_rejections::last_at.eq(at),
            ))
            .returning(webhook_rejections::deliveries)
            .get_result::<i64>(conn)
            .optional()
    };
    if let Some(n) = bump(conn)? {
        return Ok(n);
    }
    let inserted = diesel::insert_into(webhook_rejections::table)
        .values((
            webhook_rejections::day.eq(day),
            webhook_rejections::deliveries.eq(1),
            webhook_rejections::last_at.eq(at),
        ))
        .execute(conn)
        .map_err(DbError::from);
    match inserted {
        Ok(_) => Ok(1),
        // Another instance counted the day's first refusal at the same moment.
        Err(e) if e.is_unique_violation() => Ok(bump(conn)?.unwrap_or(1)),
        Err(e) => Err(e),
    }
}

fn prune(conn: &mut DbConnection) -> Result<(), DbError> {
    let oldest_dropped: Option<i64> = webhook_events::table
        .filter(webhook_events::signature_valid.eq(false))
        .order(webhook_events::id.desc())
        .select(webhook_events::id)
        .offset(KEPT)
        .first(conn)
        .optional()?;
    if let Some(id) = oldest_dropped {
        diesel::delete(
            webhook_events::table
                .filter(webhook_events::signature_valid.eq(false))
                .filter(webhook_events::id.le(id)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// Refused deliveries counted today and in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Refused today (UTC).
    pub today: i64,
    /// Refused since the counts began.
    pub all: i64,
}

/// The counts as of `at`.
pub fn totals(conn: &mut DbConnection, at: NaiveDateTime) -> Result<Totals, DbError> {
    let today = webhook_rejections::table
        .find(at.date())
        .select(webhook_rejections::deliveries)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0);
    // One row a day: summed here, as PostgreSQL's SUM of a BIGINT is a NUMERIC, which the
    // two-backend connection cannot read.
    let all = webhook_rejections::table
        .select(webhook_rejections::deliveries)
        .load::<i64>(conn)?
        .into_iter()
        .sum();
    Ok(Totals { today, all })
}

/// True for the refusals worth a log line: the first few of a day, then one in a thousand,
/// so that a flood of forged posts does not fill the disk through the log instead.
pub fn worth_logging(today: i64) -> bool {
    today <= 10 || today % 1000 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_is_cut_on_a_character_boundary_and_says_so() {
        let body = "é".repeat(BODY_BYTES);
        let kept = body_excerpt(body.as_bytes());
        assert!(kept.len() < BODY_BYTES + 100, "{}", kept.len());
        assert!(kept.contains(&format!("{} bytes in all", body.len())));
        assert_eq!(body_excerpt(b"{}"), "{}");
    }

    #[test]
    fn headers_are_trimmed_but_stay_readable_pairs() {
        let many: Vec<(String, String)> = (0..100)
            .map(|i| (format!("x-{i}"), "v".repeat(10_000)))
            .collect();
        let json = headers_excerpt(&many);
        let pairs: Vec<(String, String)> = serde_json::from_str(&json).expect("pairs");
        assert_eq!(pairs.len(), HEADERS);
        assert!(pairs.iter().all(|(_, v)| v.len() == HEADER_CHARS));
    }
}
