//! SQLite's fast paths: [`Db::read`] and [`Db::write`] on database threads of their own, handed
//! over in batches.
//!
//! **What.** On SQLite, a short read or a cart write is queued here. The first one queued while
//! no hand-over is running starts a task on the async runtime, which yields once, so that the
//! requests already received reach their own database calls, then hands everything queued to a
//! database thread in one message. Reads go to a few reader threads, each read with a connection
//! of the readers' own pool; writes go to the one writer thread, which holds the writer's own
//! connection and commits the writes of a batch together (`group_commit` says how).
//!
//! **Why.** Diesel is synchronous: a query run on an async worker holds up every request on that
//! worker, and a commit that crosses `wal_autocheckpoint` copies the WAL back with an fsync, or
//! waits up to the busy timeout for another connection's write lock. A hop to the blocking pool
//! for each query costs two thread switches, more than an indexed SQLite read (bench/README.md,
//! items 3 and 21); handed over in batches, they are paid once a batch. The readers and the
//! writer have connections of their own, so they never wait for the shared pool, and their
//! statement caches stay warm.
//!
//! **Guarantees.** No diesel call of [`Db::read`] or [`Db::write`] runs on an async worker.
//! Each write runs in a `BEGIN IMMEDIATE` transaction, in a savepoint of its own when others
//! share it; nobody is answered before the commit that carries their change has succeeded, or
//! is told it failed. A write that fails rolls back its own savepoint only. A write that panics
//! abandons its batch: nothing of it is committed, every member is answered
//! [`DbError::Abandoned`], and the writes after it go through. A read that panics is answered
//! [`DbError::Abandoned`]. Work whose caller has gone still runs. PostgreSQL never comes here.
//!
//! [`Db::read`]: super::Db::read
//! [`Db::write`]: super::Db::write

mod group_commit;
mod reads;

use std::{num::NonZero, sync::Arc, time::Duration};

use diesel::r2d2::{self, Pool};

use super::{DbConnection, DbError, Manager};
use crate::config::DatabaseUrl;

/// The most reader threads started: a reader serves many requests' reads a second, and each
/// holds a connection.
const MAX_READERS: usize = 4;

/// SQLite's reader and writer threads, and the queues that feed them. The threads stop when the
/// last clone of this handle is dropped.
#[derive(Clone)]
pub(super) struct SqliteFast {
    reads: Arc<reads::Readers>,
    writes: Arc<group_commit::GroupCommit>,
}

impl SqliteFast {
    /// Opens the readers' and the writer's connections to `url` and starts their threads: one
    /// reader per core, up to [`MAX_READERS`].
    pub(super) fn start(url: &DatabaseUrl) -> Result<Self, DbError> {
        let readers = std::thread::available_parallelism()
            .map_or(1, NonZero::get)
            .min(MAX_READERS);
        let reads = reads::Readers::start(&own_connections(url, readers)?, readers)
            .map_err(DbError::Thread)?;
        let writes =
            group_commit::GroupCommit::start(own_connections(url, 1)?).map_err(DbError::Thread)?;
        Ok(SqliteFast { reads, writes })
    }

    /// Runs `f` on a reader thread.
    pub(super) async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.reads.read(f).await
    }

    /// Runs `body` in a write transaction on the writer thread; answers once it is committed.
    pub(super) async fn write<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        self.writes.write(body).await
    }
}

/// A pool of `size` connections opened now and kept open (`min_idle`), for the database
/// threads only: a wrong URL fails here, and a connection is only reopened after one was
/// discarded.
fn own_connections(url: &DatabaseUrl, size: usize) -> Result<Pool<Manager>, DbError> {
    let size = u32::try_from(size).unwrap_or(1);
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(size))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(false)
        .build(Manager { url: url.clone() })?)
}

#[cfg(test)]
mod tests;
