//! Background jobs: a table of work that any instance may claim, run and retry.
//!
//! A job is claimed with a lease (see `CONTRACT.md`): one conditional `UPDATE` that succeeds
//! for exactly one runner, on SQLite and PostgreSQL alike. A runner that dies leaves its lease to
//! expire, and another runner takes the job up again, so handlers must be idempotent.

mod runner;
mod store;

pub use runner::{Backoff, Handler, JobFailure, Registry, Runner, RunnerConfig};
pub use store::{Depth, Job, JobStatus, NewJob, claim, complete, depth, enqueue, fail};
