//! Group commit for SQLite's short writes on the request path ([`super::Db::write`]).
//!
//! Every SQLite write transaction pays twice whatever it does: `BEGIN IMMEDIATE` takes the
//! file's locks, and `COMMIT` appends the changed pages to the WAL with two `pwrite`s each and
//! updates the shared index. For a cart add that was more than the add itself. So writes that
//! arrive together are run one after the other in one transaction, each inside a savepoint of
//! its own, and committed once: a body that fails rolls back its savepoint only, and nobody is
//! answered before the commit that carries their change has succeeded (or is told it failed).
//!
//! The first write to arrive while none is being committed starts a flusher task; it yields
//! once, so that requests already readable on the connections reach their writes, then commits
//! whatever is queued, and again while more arrived meanwhile. At low load a batch is one write
//! and runs without a savepoint, as a plain transaction would.

use std::sync::{Arc, Mutex, PoisonError};

use diesel::connection::{Connection, TransactionManager};
use tokio::sync::oneshot;

use super::{Db, DbConnection, DbError, begin_write, finish_transaction};

/// One queued write: its body, then the reply to its caller.
pub(super) trait QueuedWrite: Send {
    /// Runs the body, inside a savepoint unless it is the only write of the transaction.
    /// Returns whether the body succeeded.
    fn run(&mut self, conn: &mut DbConnection, alone: bool) -> bool;

    /// Answers the caller: the body's result if the transaction committed, else the error.
    fn finish(self: Box<Self>, committed: Result<(), DbError>);
}

/// A write waiting for its turn, and then for its commit.
pub(super) struct Pending<T, E, F> {
    body: Option<F>,
    result: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Pending<T, E, F> {
    /// A write of `body`, answered on `reply`.
    pub(super) fn new(body: F, reply: oneshot::Sender<Result<T, E>>) -> Self {
        Pending {
            body: Some(body),
            result: None,
            reply,
        }
    }
}

impl<T, E, F> QueuedWrite for Pending<T, E, F>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
    T: Send,
    E: From<DbError> + From<diesel::result::Error> + Send,
{
    fn run(&mut self, conn: &mut DbConnection, alone: bool) -> bool {
        let Some(body) = self.body.take() else {
            return false;
        };
        let result = if alone {
            body(conn)
        } else {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)
                .map_err(E::from)
                .and_then(|()| finish_transaction(conn, body))
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), DbError>) {
        let outcome = match (committed, self.result) {
            (Ok(()), Some(result)) => result,
            (Err(e), _) => Err(E::from(e)),
            (Ok(()), None) => Err(E::from(DbError::Abandoned)),
        };
        // The caller may have gone (its request was dropped); the change stands regardless.
        let _ = self.reply.send(outcome);
    }
}

/// The writes waiting for the next transaction.
#[derive(Default)]
pub(super) struct WriteQueue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    writes: Vec<Box<dyn QueuedWrite>>,
    /// A flusher is running; the writes queued now will be in one of its transactions.
    flushing: bool,
}

impl WriteQueue {
    /// Queues a write. True when no flusher is running: the caller must start one.
    pub(super) fn push(&self, write: Box<dyn QueuedWrite>) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.writes.push(write);
        !std::mem::replace(&mut state.flushing, true)
    }

    /// The writes queued so far, or `None` (and the flusher's end) when there are none.
    fn take(&self) -> Option<Vec<Box<dyn QueuedWrite>>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.writes.is_empty() {
            state.flushing = false;
            return None;
        }
        Some(std::mem::take(&mut state.writes))
    }
}

/// Ends a flusher that did not finish (a body panicked, or the runtime is shutting down): the
/// next write starts a new one, and the writes still queued are answered with an error rather
/// than left waiting.
struct FlusherGuard {
    queue: Arc<WriteQueue>,
    done: bool,
}

impl Drop for FlusherGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let abandoned = {
            let mut state = self
                .queue
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.flushing = false;
            std::mem::take(&mut state.writes)
        };
        for write in abandoned {
            write.finish(Err(DbError::Abandoned));
        }
    }
}

/// Commits queued writes until none is left. Started by the write that found no flusher.
pub(super) async fn flush(db: Db) {
    // Requests whose bytes have already arrived run up to their own write first.
    tokio::task::yield_now().await;
    let mut guard = FlusherGuard {
        queue: db.writes.clone(),
        done: false,
    };
    while let Some(writes) = db.writes.take() {
        commit(&db, writes).await;
    }
    guard.done = true;
}

/// Runs `writes` in one transaction: on this thread when SQLite's write lock is free at once,
/// else on the blocking pool, waiting there for the lock (another connection is writing: a
/// webhook, a job, another process).
async fn commit(db: &Db, mut writes: Vec<Box<dyn QueuedWrite>>) {
    // The quick writer is SQLite's, and never waits for the lock: `begin_write` fails at once
    // when another connection holds it.
    if let Some(mut conn) = db.quick_writer.as_ref().and_then(|q| q.try_get())
        && begin_write(&mut conn).is_ok()
    {
        let committed = run_all(&mut conn, &mut writes);
        answer(writes, committed);
        return;
    }
    let pool = db.pool.clone();
    let waited = tokio::task::spawn_blocking(move || {
        let began = pool.get().map_err(DbError::from).and_then(|mut conn| {
            begin_write(&mut conn)?;
            Ok(conn)
        });
        let committed = began.and_then(|mut conn| run_all(&mut conn, &mut writes));
        answer(writes, committed);
    })
    .await;
    if let Err(e) = waited {
        tracing::error!(error = %e, "a group of cart writes did not complete");
    }
}

/// Runs every write in the open transaction, then commits it, or rolls it back when every
/// write failed (each failed write has already undone its own changes, but a lone write runs
/// without a savepoint).
fn run_all(conn: &mut DbConnection, writes: &mut [Box<dyn QueuedWrite>]) -> Result<(), DbError> {
    type Manager = <DbConnection as Connection>::TransactionManager;
    let alone = writes.len() == 1;
    let mut any_succeeded = false;
    for write in writes.iter_mut() {
        any_succeeded |= write.run(conn, alone);
    }
    if any_succeeded {
        Manager::commit_transaction(conn)?;
    } else {
        Manager::rollback_transaction(conn)?;
    }
    Ok(())
}

/// Answers every caller with the transaction's outcome.
fn answer(writes: Vec<Box<dyn QueuedWrite>>, committed: Result<(), DbError>) {
    let error = committed.as_ref().err().map(ToString::to_string);
    for write in writes {
        let outcome = match &error {
            None => Ok(()),
            Some(e) => Err(DbError::Commit(e.clone())),
        };
        write.finish(outcome);
    }
}
