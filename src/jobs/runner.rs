//! The loop that claims due jobs and runs their handlers.

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use tokio::task::JoinSet;
use tracing::{Instrument, info_span, warn};

use super::store::{self, Job};
use crate::db::{Db, DbError, now};

/// What a handler returns when a try did not succeed.
#[derive(Debug)]
pub enum JobFailure {
    /// Worth trying again later (a gateway timeout, a busy database).
    Retry(String),
    /// No retry can fix it (malformed payload); the job is marked failed at once.
    Permanent(String),
}

impl<E: std::fmt::Display> From<E> for JobFailure {
    fn from(e: E) -> Self {
        JobFailure::Retry(e.to_string())
    }
}

/// A future returned by a handler.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), JobFailure>> + Send>>;

/// Runs one job: gets the job row (payload, attempt number) and does the work.
pub type Handler = Arc<dyn Fn(Job) -> HandlerFuture + Send + Sync>;

/// The handlers a runner knows, by job kind. A runner only claims jobs it has a handler for,
/// so an older instance leaves a newer kind to the instances that know it.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
}

impl Registry {
    /// Registers `handler` for jobs of `kind`.
    pub fn register<F, Fut>(&mut self, kind: &'static str, handler: F)
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobFailure>> + Send + 'static,
    {
        self.handlers
            .insert(kind, Arc::new(move |job| Box::pin(handler(job))));
    }

    /// The kinds it has handlers for.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.handlers.keys().copied().collect()
    }
}

/// Delay before retry `n` (1-based): `base * 2^(n-1)`, at most `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Delay after the first failed try.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay after `attempts` failed tries.
    pub fn delay(&self, attempts: i64) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.base
            .saturating_mul(2_u32.saturating_pow(exponent))
            .min(self.max)
    }
}

/// How a runner behaves.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Name written into `lease_owner`; unique per runner.
    pub owner: String,
    /// How long a claim lasts; a job running longer is cut off and may run elsewhere.
    pub lease: Duration,
    /// Sleep between polls when no job is due.
    pub poll: Duration,
    /// Most jobs claimed and run at once.
    pub batch: i64,
    /// Retry schedule.
    pub backoff: Backoff,
}

impl RunnerConfig {
    /// Defaults for `shop serve`: one-minute leases, a poll a second, 4 jobs at once.
    pub fn new(owner: impl Into<String>) -> Self {
        RunnerConfig {
            owner: owner.into(),
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            batch: 4,
            backoff: Backoff {
                base: Duration::from_secs(5),
                max: Duration::from_secs(60 * 60),
            },
        }
    }
}

/// Claims and runs due jobs.
#[derive(Clone)]
pub struct Runner {
    db: Db,
    registry: Arc<Registry>,
    config: Arc<RunnerConfig>,
}

impl Runner {
    /// A runner over `db` with `registry`'s handlers.
    pub fn new(db: Db, registry: Registry, config: RunnerConfig) -> Self {
        Runner {
            db,
            registry: Arc::new(registry),
            config: Arc::new(config),
        }
    }

    /// Claims the jobs due now (up to the batch size), runs them concurrently, records each
    /// outcome, and returns how many it ran.
    pub async fn run_once(&self) -> Result<usize, DbError> {
        let kinds = self.registry.kinds();
        if kinds.is_empty() {
            return Ok(0);
        }
        let config = self.config.clone();
        let claimed: Vec<Job> = self
            .db
            .run(move |conn| {
                let kinds: Vec<&str> = kinds.to_vec();
                let mut claimed = Vec::new();
                for id in store::due(conn, &kinds, config.batch)? {
                    if let Some(job) = store::claim(conn, id, &config.owner, config.lease)? {
                        claimed.push(job);
                    }
                }
                Ok::<_, DbError>(claimed)
            })
            .await?;
        let count = claimed.len();
        let mut running = JoinSet::new();
        for job in claimed {
            let this = self.clone();
            running.spawn(async move { this.run_job(job).await });
        }
        while let Some(done) = running.join_next().await {
            if let Err(e) = done {
                warn!(error = %e, "job task panicked");
            }
        }
        Ok(count)
    }

    async fn run_job(&self, job: Job) {
        let Some(handler) = self.registry.handlers.get(job.kind.as_str()).cloned() else {
            return;
        };
        let span =
            info_span!("job", job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts);
        // Stop the handler before the lease ends, so that no other runner starts the same job
        // while this one still works on it.
        let budget = self.config.lease.mul_f64(0.9);
        let outcome = match tokio::time::timeout(budget, handler(job.clone()))
            .instrument(span.clone())
            .await
        {
            Ok(outcome) => outcome,
            Err(_) => Err(JobFailure::Retry(format!(
                "timed out after {} ms",
                budget.as_millis()
            ))),
        };
        crate::telemetry::metrics::job_ran(&job.kind, outcome.is_err());
        let owner = self.config.owner.clone();
        let backoff = self.config.backoff;
        let recorded = self
            .db
            .run(move |conn| match outcome {
                Ok(()) => store::complete(conn, job.id, &owner),
                Err(JobFailure::Retry(error)) => {
                    let delay = chrono::Duration::from_std(backoff.delay(job.attempts))
                        .unwrap_or(chrono::Duration::MAX);
                    warn!(job.id = job.id, job.kind = %job.kind, %error, "job failed; will retry");
                    store::fail(conn, &job, &owner, &error, Some(now() + delay))
                }
                Err(JobFailure::Permanent(error)) => {
                    warn!(job.id = job.id, job.kind = %job.kind, %error, "job failed for good");
                    store::fail(conn, &job, &owner, &error, None)
                }
            })
            .instrument(span)
            .await;
        match recorded {
            Ok(true) => {}
            Ok(false) => warn!("job lease was lost before its outcome was recorded"),
            Err(e) => warn!(error = %e, "could not record a job outcome; its lease will expire"),
        }
    }

    /// Polls for jobs until `shutdown` completes; database errors are logged and retried.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let ran = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    warn!(error = %e, "job runner could not poll the database");
                    0
                }
            };
            if ran > 0 {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(self.config.poll) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(60),
        };
        let delays: Vec<u64> = (1..=6).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 60, 60]);
        assert_eq!(b.delay(1000), Duration::from_secs(60));
    }
}
