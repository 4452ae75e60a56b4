//! Self-test runs kept in the database (`selftest_runs`): the admin's button starts one in the
//! background and its page shows the rows as they come, from whichever instance serves it.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use tokio::sync::mpsc;

use super::{Row, SelfTest, passed};
use crate::{
    accounts::audit::{self, Actor},
    db::{Db, DbConnection, DbError, now, schema::selftest_runs},
};

/// The audit action of a run started from the go-live page.
pub const STARTED_ACTION: &str = "selftest.started";

/// A run still `running` after this long is taken to have died with its instance: a new one may
/// start, and its page says it did not end. A whole run takes well under a minute on the
/// simulator and a few minutes against AsiaBill's sandbox.
const ABANDONED_AFTER: TimeDelta = TimeDelta::minutes(15);

/// How a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Rows are still coming.
    Running,
    /// Every row passed or was skipped.
    Passed,
    /// At least one row failed.
    Failed,
    /// Still `running` long past any run's length: its instance stopped.
    Abandoned,
}

impl RunState {
    /// `running`, `passed`, `failed` or `abandoned`: locale key part and CSS modifier.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Passed => "passed",
            RunState::Failed => "failed",
            RunState::Abandoned => "abandoned",
        }
    }
}

/// A run as its page shows it.
#[derive(Debug, Clone)]
pub struct Run {
    /// Row id.
    pub id: i64,
    /// When it started (UTC).
    pub started_at: NaiveDateTime,
    /// When it ended.
    pub finished_at: Option<NaiveDateTime>,
    /// Who started it.
    pub started_by: String,
    /// `ASIABILL_ENV` it ran against.
    pub environment: String,
    /// How it stands.
    pub state: RunState,
    /// The rows so far.
    pub rows: Vec<Row>,
}

type RunRow = (
    i64,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
    String,
    String,
    String,
);

fn run_of(row: RunRow, at: NaiveDateTime) -> Run {
    let (id, started_at, finished_at, started_by, environment, outcome, steps) = row;
    let state = match outcome.as_str() {
        "passed" => RunState::Passed,
        "failed" => RunState::Failed,
        _ if at - started_at > ABANDONED_AFTER => RunState::Abandoned,
        _ => RunState::Running,
    };
    Run {
        id,
        started_at,
        finished_at,
        started_by,
        environment,
        state,
        // Rows this version cannot read (written by another) are left out, not an error.
        rows: serde_json::from_str(&steps).unwrap_or_default(),
    }
}

/// Why no run was started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Another run is under way (its id).
    #[error("a self-test is already running")]
    Running(i64),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for StartError {
    fn from(e: diesel::result::Error) -> Self {
        StartError::Db(e.into())
    }
}

/// Records a new run, unless one is under way; returns its id.
fn open(
    conn: &mut DbConnection,
    actor: &Actor,
    environment: &str,
    at: NaiveDateTime,
) -> Result<i64, StartError> {
    crate::db::write_transaction(conn, |conn| {
        let running: Option<i64> = selftest_runs::table
            .filter(selftest_runs::outcome.eq("running"))
            .filter(selftest_runs::started_at.gt(at - ABANDONED_AFTER))
            .select(selftest_runs::id)
            .first(conn)
            .optional()
            .map_err(DbError::from)?;
        if let Some(id) = running {
            return Err(StartError::Running(id));
        }
        let id = diesel::insert_into(selftest_runs::table)
            .values((
                selftest_runs::started_at.eq(at),
                selftest_runs::started_by.eq(&actor.email),
                selftest_runs::environment.eq(environment),
                selftest_runs::outcome.eq("running"),
                selftest_runs::steps.eq("[]"),
            ))
            .returning(selftest_runs::id)
            .get_result::<i64>(conn)
            .map_err(DbError::from)?;
        audit::record(
            conn,
            actor,
            STARTED_ACTION,
            Some(audit::Target {
                kind: "selftest",
                id: &id.to_string(),
            }),
            None,
        )?;
        Ok(id)
    })
}

fn save(
    conn: &mut DbConnection,
    id: i64,
    rows: &[Row],
    finished: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    let outcome = match finished {
        None => "running",
        Some(_) if passed(rows) => "passed",
        Some(_) => "failed",
    };
    let steps = serde_json::to_string(rows).unwrap_or_else(|_| "[]".to_owned());
    diesel::update(selftest_runs::table.find(id))
        .set((
            selftest_runs::steps.eq(steps),
            selftest_runs::outcome.eq(outcome),
            selftest_runs::finished_at.eq(finished),
        ))
        .execute(conn)?;
    Ok(())
}

/// Starts `test` in the background and returns its run's id at once; each row is saved as it
/// ends. Refused while another run is under way: two at once would each see the other's orders
/// and webhooks.
pub async fn start(db: &Db, test: SelfTest) -> Result<i64, StartError> {
    let (actor, environment) = (
        test.actor.clone(),
        test.settings.gateway.mode.as_str().to_owned(),
    );
    let id = db
        .run(move |conn| open(conn, &actor, &environment, now()))
        .await?;
    let db = db.clone();
    tokio::spawn(async move {
        let (sender, mut received) = mpsc::unbounded_channel();
        let saver = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut rows = Vec::new();
                while let Some(row) = received.recv().await {
                    rows.push(row);
                    let so_far = rows.clone();
                    if let Err(e) = db.run(move |conn| save(conn, id, &so_far, None)).await {
                        tracing::warn!(error = %e, "self-test progress not saved");
                    }
                }
            })
        };
        let rows = test.run(Some(sender)).await;
        // Every progress write is done before the final one, so it cannot be overwritten.
        let _ = saver.await;
        let passed = passed(&rows);
        let saved = db.run(move |conn| save(conn, id, &rows, Some(now()))).await;
        match saved {
            Ok(()) => tracing::info!(run = id, passed, "self-test finished"),
            Err(e) => tracing::error!(run = id, error = %e, "self-test result not saved"),
        }
    });
    Ok(id)
}

/// Run `id`.
pub fn one(conn: &mut DbConnection, id: i64) -> Result<Option<Run>, DbError> {
    let row: Option<RunRow> = selftest_runs::table
        .find(id)
        .select((
            selftest_runs::id,
            selftest_runs::started_at,
            selftest_runs::finished_at,
            selftest_runs::started_by,
            selftest_runs::environment,
            selftest_runs::outcome,
            selftest_runs::steps,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|r| run_of(r, now())))
}

/// The latest run, for the go-live page.
pub fn latest(conn: &mut DbConnection) -> Result<Option<Run>, DbError> {
    let id: Option<i64> = selftest_runs::table
        .order(selftest_runs::id.desc())
        .select(selftest_runs::id)
        .first(conn)
        .optional()?;
    match id {
        Some(id) => one(conn, id),
        None => Ok(None),
    }
}

/// How often a running run's page reloads itself.
pub const REFRESH: Duration = Duration::from_secs(1);
