//! The work of many requests in one statement: PostgreSQL's batches.
//!
//! **Why.** On PostgreSQL the cost of a short query is its round trip, not its work: the
//! request's thread hands the query to a blocking thread, which writes it to the socket, sleeps
//! until PostgreSQL answers and wakes the request again, and PostgreSQL's backend wakes, reads,
//! answers and sleeps too (bench/README.md, issue 17: more than half of the shop's time on the
//! cart was the kernel switching threads). Sixty-four shoppers reading their carts at once were
//! sixty-four such trips; asked together (`WHERE cart_id = ANY($1)`), they are one.
//!
//! **How.** A [`Batcher`] queues jobs as the SQLite fast path does (`handover`): the first job
//! queued while no batch is running starts a task, which yields once so that the requests
//! already received queue theirs, then hands everything queued to one blocking thread with one
//! pooled connection, where [`Batch::run`] does the work of all of them, in as few statements as
//! it can, and answers each. While that batch runs, new jobs queue; the same thread takes them
//! as the next batch, until the queue is empty.
//!
//! **Guarantees.** No diesel call runs on an async worker. Every job is answered: by the batch,
//! or, when no connection could be had, the batch panicked or the process is stopping, with an
//! error ([`Job::fail`], or a dropped reply the caller reads as [`DbError::Abandoned`]).

use std::{
    marker::PhantomData,
    panic::{self, AssertUnwindSafe},
    sync::Arc,
};

use diesel::r2d2;
use tokio::sync::oneshot;

use super::{
    DbConnection, DbError, Manager,
    handover::{HandOverGuard, HandOverQueue},
};

/// One request's part of a batch; it carries the channel its answer goes back on.
pub trait Job: Send + 'static {
    /// Answers the job with `error`: its batch could not run.
    fn fail(self, error: &DbError);
}

/// What a batch does with its jobs.
pub trait Batch: Send + Sync + 'static {
    /// The jobs it takes.
    type Job: Job;

    /// Does the work of `jobs` on `conn` and answers every one of them.
    fn run(conn: &mut DbConnection, jobs: Vec<Self::Job>);
}

/// Queues jobs of batch `B` and runs them together.
pub struct Batcher<B: Batch> {
    queue: Arc<HandOverQueue<B::Job>>,
    pool: r2d2::Pool<Manager>,
    batch: PhantomData<fn() -> B>,
}

impl<B: Batch> Batcher<B> {
    /// A batcher running its batches with connections of `pool`.
    pub(super) fn new(pool: r2d2::Pool<Manager>) -> Arc<Self> {
        Arc::new(Batcher {
            queue: Arc::default(),
            pool,
            batch: PhantomData,
        })
    }

    /// Queues `job`; it is answered when its batch has run.
    pub fn push(self: &Arc<Self>, job: B::Job) {
        if self.queue.push(job) {
            tokio::spawn(hand_over(Arc::clone(self)));
        }
    }

    /// Queues the job `job` makes around the channel of its answer, and waits for the answer;
    /// `None` when the job was dropped unanswered (its batch panicked, or the process is
    /// stopping).
    pub async fn ask<T>(
        self: &Arc<Self>,
        job: impl FnOnce(oneshot::Sender<T>) -> B::Job,
    ) -> Option<T> {
        let (reply, answer) = oneshot::channel();
        self.push(job(reply));
        answer.await.ok()
    }
}

/// Runs the queued jobs a batch at a time until none are left. Started by the job that found
/// no batch running; it yields once, so that the requests already received queue theirs, then
/// goes to a blocking thread, which runs a batch, takes what queued meanwhile as the next, and
/// so on. The batches follow each other there without waiting for the async worker, which is
/// busy with the requests themselves.
async fn hand_over<B: Batch>(batcher: Arc<Batcher<B>>) {
    let guard = HandOverGuard::new(Arc::clone(&batcher.queue));
    tokio::task::yield_now().await;
    let pool = batcher.pool.clone();
    // Dropped unfinished (the task never ran, or a batch outside `catch_unwind` panicked), the
    // guard abandons what is queued, so no caller waits for ever.
    let _ = tokio::task::spawn_blocking(move || {
        let mut conn = None;
        while let Some(jobs) = guard.queue().take() {
            if conn.is_none() {
                match pool.get() {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        let error = DbError::from(e);
                        for job in jobs {
                            job.fail(&error);
                        }
                        continue;
                    }
                }
            }
            let Some(c) = conn.as_mut() else {
                continue;
            };
            // A panicking batch drops its jobs' replies (their callers read that as
            // abandoned); its connection is dropped too, and the pool discards it.
            if panic::catch_unwind(AssertUnwindSafe(|| B::run(c, jobs))).is_err() {
                tracing::error!("a database batch panicked");
                conn = None;
            }
        }
        guard.finish();
    })
    .await;
}
