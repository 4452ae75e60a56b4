//! Deleting carts nobody has touched for [`IDLE`]: every visitor who adds a product leaves a
//! cart behind, and without this they would pile up for ever.
//!
//! A background job runs once a day (one job per day across every instance, through its dedupe
//! key); each run schedules the next.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::{
    db::{DbConnection, DbError, schema::carts},
    jobs::{self, NewJob},
};

/// Job kind of the daily purge.
pub const JOB: &str = "carts.purge";

/// How long a cart may sit unchanged before it is deleted. A cart's `updated_at` follows its
/// last change to within an hour (see `TOUCH_AFTER`), far finer than this.
pub const IDLE: TimeDelta = TimeDelta::days(30);

/// How often the purge runs.
const PERIOD: Duration = Duration::from_secs(24 * 60 * 60);

/// Carts deleted per statement, so that a first run over years of carts does not hold the
/// write lock for long.
const BATCH: i64 = 500;

/// Deletes the carts unchanged since `at` minus [`IDLE`], with their lines; returns how many.
pub fn purge_idle(conn: &mut DbConnection, at: NaiveDateTime) -> Result<usize, DbError> {
    let cutoff = at - IDLE;
    let mut purged = 0;
    loop {
        let batch: Vec<i64> = carts::table
            .filter(carts::updated_at.lt(cutoff))
            .order(carts::id)
            .select(carts::id)
            .limit(BATCH)
            .load(conn)?;
        // The lines go with their cart (`ON DELETE CASCADE`). The age is asked again in the
        // delete: a cart changed since the select above stays.
        let deleted = diesel::delete(
            carts::table
                .filter(carts::id.eq_any(&batch))
                .filter(carts::updated_at.lt(cutoff)),
        )
        .execute(conn)?;
        purged += deleted;
        if deleted == 0 || batch.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            return Ok(purged);
        }
    }
}

/// Adds the next purge job (at the start of the next UTC day), unless it is already queued.
pub fn schedule_next(conn: &mut DbConnection, at: NaiveDateTime) -> Result<(), DbError> {
    let secs = i64::try_from(PERIOD.as_secs()).unwrap_or(i64::MAX);
    let bucket = at.and_utc().timestamp() / secs + 1;
    let run_at = chrono::DateTime::from_timestamp(bucket * secs, 0).map_or(at, |t| t.naive_utc());
    jobs::enqueue(
        conn,
        &NewJob::new(JOB, serde_json::json!({ "day": bucket }))
            .dedupe(format!("{JOB}:{bucket}"))
            .run_at(run_at)
            .max_attempts(3),
    )?;
    Ok(())
}
