//! The `jobs` table: adding, claiming and finishing jobs.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::{
    backend::Backend,
    prelude::*,
    query_builder::AstPass,
    serialize::ToSql,
    sql_types::{BigInt, Text, Timestamp},
};

use crate::db::{DbConnection, DbError, models::NewJobRow, now, schema::jobs};

crate::text_enum! {
    /// Where a job stands, as stored in `jobs.status`.
    pub enum JobStatus {
        /// Waiting for `run_at`, or for a retry.
        Pending => "pending",
        /// Claimed by a runner whose lease has not expired (or has, and it will be claimed again).
        Running => "running",
        /// Finished successfully.
        Done => "done",
        /// Gave up after `max_attempts`.
        Failed => "failed",
    }
}

/// A row of the `jobs` table.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
#[expect(missing_docs, reason = "fields mirror the columns of the jobs table")]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// A job to add.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Which handler runs it.
    pub kind: String,
    /// Its input, as JSON.
    pub payload: serde_json::Value,
    /// When set, a second job with the same key is not added (one reminder per order, say).
    pub dedupe_key: Option<String>,
    /// Earliest time to run it.
    pub run_at: NaiveDateTime,
    /// How many times it may be tried before it is marked failed.
    pub max_attempts: i64,
}

impl NewJob {
    /// A job of `kind` to run now, tried up to 8 times.
    pub fn new(kind: &str, payload: serde_json::Value) -> Self {
        NewJob {
            kind: kind.to_owned(),
            payload,
            dedupe_key: None,
            run_at: now(),
            max_attempts: 8,
        }
    }

    /// Adds a deduplication key.
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    /// Delays the first run.
    pub fn run_at(mut self, at: NaiveDateTime) -> Self {
        self.run_at = at;
        self
    }

    /// Sets the number of tries.
    pub fn max_attempts(mut self, n: i64) -> Self {
        self.max_attempts = n;
        self
    }
}

/// Adds a job and returns its id, or `None` when a job with the same dedupe key exists.
pub fn enqueue(conn: &mut DbConnection, job: &NewJob) -> Result<Option<i64>, DbError> {
    let at = now();
    let insert = diesel::insert_into(jobs::table)
        .values(NewJobRow {
            kind: &job.kind,
            payload: job.payload.to_string(),
            dedupe_key: job.dedupe_key.as_deref(),
            status: JobStatus::Pending,
            attempts: 0,
            max_attempts: job.max_attempts,
            run_at: job.run_at,
            created_at: at,
            updated_at: at,
        })
        // A job already queued under the same key is not an error: inside a caller's
        // transaction, a unique violation would abort it on PostgreSQL. On the backend's own
        // connection, since the multi-backend one has no `ON CONFLICT`.
        .on_conflict(jobs::dedupe_key)
        .do_nothing()
        .returning(jobs::id);
    Ok(crate::on_backend!(conn, |c| insert
        .get_result::<i64>(c)
        .optional())?)
}

/// Ids of jobs of the given kinds that are due and not leased, oldest first.
pub fn due(conn: &mut DbConnection, kinds: &[&str], limit: i64) -> Result<Vec<i64>, DbError> {
    let at = now();
    Ok(jobs::table
        .filter(jobs::kind.eq_any(kinds))
        .filter(jobs::status.eq_any([JobStatus::Pending, JobStatus::Running]))
        .filter(jobs::run_at.le(at))
        .filter(jobs::lease_until.is_null().or(jobs::lease_until.lt(at)))
        .order((jobs::run_at.asc(), jobs::id.asc()))
        .select(jobs::id)
        .limit(limit)
        .load(conn)?)
}

/// Tries to take job `id` for `owner` for `lease`; returns the job when this call won it.
///
/// The `UPDATE … WHERE lease_until IS NULL OR lease_until < now` affects one row for exactly one
/// of several competing runners: the others see the lease the winner just wrote.
pub fn claim(
    conn: &mut DbConnection,
    id: i64,
    owner: &str,
    lease: Duration,
) -> Result<Option<Job>, DbError> {
    let at = now();
    let claim = ClaimJob {
        id,
        owner,
        at,
        until: at + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX),
    };
    // `RETURNING` hands back the job this call won in the same statement (one round trip
    // fewer than reading it after).
    Ok(crate::on_backend!(conn, |c| claim
        .get_result(c)
        .optional())?)
}

/// [`claim`]'s `UPDATE … RETURNING`, written out so that it stays prepared (see
/// [`crate::db::prepared`]): every job run starts with it.
struct ClaimJob<'a> {
    id: i64,
    owner: &'a str,
    at: NaiveDateTime,
    until: NaiveDateTime,
}

impl ClaimJob<'_> {
    fn walk<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend,
        i64: ToSql<BigInt, DB>,
        str: ToSql<Text, DB>,
        NaiveDateTime: ToSql<Timestamp, DB>,
    {
        out.push_sql("UPDATE jobs SET lease_owner = ");
        out.push_bind_param::<Text, _>(self.owner)?;
        out.push_sql(", lease_until = ");
        out.push_bind_param::<Timestamp, _>(&self.until)?;
        out.push_sql(", status = ");
        out.push_bind_param::<Text, _>(JobStatus::Running.as_str())?;
        out.push_sql(", attempts = attempts + 1, updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" AND status IN (");
        out.push_bind_param::<Text, _>(JobStatus::Pending.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(JobStatus::Running.as_str())?;
        out.push_sql(") AND run_at <= ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" AND (lease_until IS NULL OR lease_until < ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        // The columns of `Job`, in its fields' order (the table's).
        out.push_sql(
            ") RETURNING id, kind, payload, dedupe_key, status, attempts, max_attempts, run_at, \
             lease_owner, lease_until, last_error, created_at, updated_at, finished_at",
        );
        Ok(())
    }
}

impl diesel::query_builder::Query for ClaimJob<'_> {
    type SqlType = diesel::dsl::SqlTypeOf<<jobs::table as diesel::Table>::AllColumns>;
}

crate::prepared_statement!(ClaimJob);

/// Marks a job done, if `owner` still holds it. Returns false when the lease was lost (the job
/// ran too long and another runner took it), in which case the other runner's outcome stands.
pub fn complete(conn: &mut DbConnection, id: i64, owner: &str) -> Result<bool, DbError> {
    let done = CompleteJob {
        id,
        owner,
        at: now(),
    };
    Ok(crate::on_backend!(conn, |c| done.execute(c))? == 1)
}

/// `UPDATE jobs SET status = 'done', … WHERE id = … AND lease_owner = …`, written out so that
/// it stays prepared (see [`crate::db::prepared`]): every job run ends with it.
struct CompleteJob<'a> {
    id: i64,
    owner: &'a str,
    at: NaiveDateTime,
}

impl CompleteJob<'_> {
    fn walk<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend,
        i64: ToSql<BigInt, DB>,
        str: ToSql<Text, DB>,
        NaiveDateTime: ToSql<Timestamp, DB>,
    {
        out.push_sql("UPDATE jobs SET status = ");
        out.push_bind_param::<Text, _>(JobStatus::Done.as_str())?;
        out.push_sql(", lease_owner = NULL, lease_until = NULL, updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", finished_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" AND lease_owner = ");
        out.push_bind_param::<Text, _>(self.owner)?;
        Ok(())
    }
}

crate::prepared_statement!(CompleteJob);

/// Records a failed try: the job is retried at `retry_at`, or marked failed when it has used
/// all its attempts (or `retry_at` is `None`, for errors that no retry can fix).
pub fn fail(
    conn: &mut DbConnection,
    job: &Job,
    owner: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<bool, DbError> {
    let at = now();
    let error: String = error.chars().take(2000).collect();
    let (status, run_at, finished_at) = match retry_at {
        Some(retry) if job.attempts < job.max_attempts => (JobStatus::Pending, retry, None),
        _ => (JobStatus::Failed, job.run_at, Some(at)),
    };
    let n = diesel::update(
        jobs::table
            .filter(jobs::id.eq(job.id))
            .filter(jobs::lease_owner.eq(owner)),
    )
    .set((
        jobs::status.eq(status),
        jobs::run_at.eq(run_at),
        jobs::last_error.eq(Some(error)),
        jobs::lease_owner.eq(None::<String>),
        jobs::lease_until.eq(None::<NaiveDateTime>),
        jobs::updated_at.eq(at),
        jobs::finished_at.eq(finished_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The jobs of one kind that are not done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Depth {
    /// The job kind.
    pub kind: String,
    /// Pending and due: waiting for a runner.
    pub due: i64,
    /// Pending and not due yet (a later run, or a retry's back-off).
    pub scheduled: i64,
    /// Claimed by a runner.
    pub running: i64,
    /// Given up: out of tries, or failed for good.
    pub failed: i64,
}

/// The jobs not done, by kind, as of `at` (for metrics): two grouped counts, served by the
/// `(status, run_at)` index.
pub fn depth(conn: &mut DbConnection, at: NaiveDateTime) -> Result<Vec<Depth>, DbError> {
    use diesel::dsl::count_star;
    let by_status: Vec<(String, JobStatus, i64)> = jobs::table
        .filter(jobs::status.eq_any([JobStatus::Pending, JobStatus::Running, JobStatus::Failed]))
        .group_by((jobs::kind, jobs::status))
        .select((jobs::kind, jobs::status, count_star()))
        .load(conn)?;
    let due: Vec<(String, i64)> = jobs::table
        .filter(jobs::status.eq(JobStatus::Pending))
        .filter(jobs::run_at.le(at))
        .group_by(jobs::kind)
        .select((jobs::kind, count_star()))
        .load(conn)?;
    let mut depth: std::collections::BTreeMap<String, Depth> = std::collections::BTreeMap::new();
    for (kind, status, count) in by_status {
        let d = depth.entry(kind.clone()).or_insert_with(|| Depth {
            kind,
            ..Depth::default()
        });
        match status {
            // Split into due and scheduled below.
            JobStatus::Pending => d.scheduled += count,
            JobStatus::Running => d.running += count,
            JobStatus::Failed => d.failed += count,
            JobStatus::Done => {}
        }
    }
    for (kind, count) in due {
        if let Some(d) = depth.get_mut(&kind) {
            d.due = count.min(d.scheduled);
            d.scheduled -= d.due;
        }
    }
    Ok(depth.into_values().collect())
}
