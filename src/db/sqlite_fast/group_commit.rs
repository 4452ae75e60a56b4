//! Group commit for SQLite's short writes on the request path ([`crate::db::Db::write`]), on
//! the writer thread.
//!
//! Every SQLite write transaction pays twice whatever it does: `BEGIN IMMEDIATE` takes the
//! file's locks, and `COMMIT` appends the changed pages to the WAL with two `pwrite`s each and
//! updates the shared index. For a cart add that was more than the add itself. So writes that
//! arrive together are run one after the other in one transaction, each inside a savepoint of
//! its own, and committed once: a body that fails rolls back its savepoint only, and nobody is
//! answered before the commit that carries their change has succeeded (or is told it failed).
//!
//! The first write to arrive while none is being committed starts a hand-over task; it yields
//! once, so that requests already readable on the connections reach their writes, then sends
//! whatever is queued to the writer thread and waits for its commit, and again while more
//! arrived meanwhile. At low load a batch is one write and runs without a savepoint, as a plain
//! transaction would. The writer thread waits for SQLite's write lock when another connection
//! holds it (a webhook, a job, another process), up to the busy timeout; the writes arriving
//! meanwhile queue in the process, in order and without waking, rather than in SQLite's busy
//! handler, which polls with sleeps of up to 100 ms.

use std::{
    future::Future,
    panic::{self, AssertUnwindSafe},
    sync::{Arc, mpsc},
    thread,
};

use diesel::{
    connection::{Connection, TransactionManager},
    r2d2::Pool,
};
use tokio::sync::oneshot;

use crate::db::handover::{HandOverGuard, HandOverQueue};
use crate::db::{DbConnection, DbError, Manager, begin_write, finish_transaction};

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

/// A batch for the writer thread, and the signal that it is committed (or failed).
struct Batch {
    writes: Vec<Box<dyn QueuedWrite>>,
    done: oneshot::Sender<()>,
}

/// The writes waiting for the next transaction, and the channel to the writer thread.
pub(super) struct GroupCommit {
    queue: Arc<HandOverQueue<Box<dyn QueuedWrite>>>,
    batches: mpsc::Sender<Batch>,
}

impl GroupCommit {
    /// Starts the writer thread on `pool`, which should hold one connection: the writer's.
    pub(super) fn start(pool: Pool<Manager>) -> std::io::Result<Arc<Self>> {
        let (batches, receiver) = mpsc::channel();
        thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(&pool, receiver))?;
        Ok(Arc::new(GroupCommit {
            queue: Arc::default(),
            batches,
        }))
    }

    /// Runs `body` in a write transaction on the writer thread, with the writes queued beside
    /// it, and answers once that transaction is committed.
    pub(super) async fn write<T, E, F>(self: &Arc<Self>, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        if self.queue.push(Box::new(Pending::new(body, reply))) {
            tokio::spawn(hand_over(Arc::clone(self)));
        }
        answer.await.unwrap_or(Err(E::from(DbError::Abandoned)))
    }
}

/// Sends the queued writes to the writer thread, one batch per transaction, until none is
/// left. Started by the write that found no hand-over running.
fn hand_over(commit: Arc<GroupCommit>) -> impl Future<Output = ()> + Send {
    let guard = HandOverGuard::new(Arc::clone(&commit.queue));
    async move {
        // Requests whose bytes have already arrived run up to their own write first.
        tokio::task::yield_now().await;
        while let Some(writes) = guard.queue().take() {
            let (done, committed) = oneshot::channel();
            // Fails only when the writer thread is gone; the dropped writes are then abandoned.
            if commit.batches.send(Batch { writes, done }).is_ok() {
                let _ = committed.await;
            }
        }
        guard.finish();
    }
}

/// The writer thread: commits each batch in one transaction on the writer's connection, until
/// every handle on the database is gone.
fn serve(pool: &Pool<Manager>, batches: mpsc::Receiver<Batch>) {
    for Batch { mut writes, done } in batches {
        let committed = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut conn = pool.get()?;
            begin_write(&mut conn)?;
            run_all(&mut conn, &mut writes)
        }));
        match committed {
            Ok(committed) => answer(writes, committed),
            // Nothing of the batch is committed: the connection, dropped while unwinding, is
            // discarded by the pool (`Manager::has_broken`) with its transaction open. Dropping
            // the writes tells every caller theirs was abandoned.
            Err(_) => {
                tracing::error!(
                    writes = writes.len(),
                    "a write panicked; its batch is abandoned"
                );
                drop(writes);
            }
        }
        // The hand-over task may have gone (the runtime is stopping).
        let _ = done.send(());
    }
}

/// Runs every write in the open transaction, then commits it, or rolls it back when every
/// write failed (each failed write has already undone its own changes, but a lone write runs
/// without a savepoint).
fn run_all(conn: &mut DbConnection, writes: &mut [Box<dyn QueuedWrite>]) -> Result<(), DbError> {
    type Transactions = <DbConnection as Connection>::TransactionManager;
    let alone = writes.len() == 1;
    let mut any_succeeded = false;
    for write in writes.iter_mut() {
        any_succeeded |= write.run(conn, alone);
    }
    if any_succeeded {
        Transactions::commit_transaction(conn)?;
    } else {
        Transactions::rollback_transaction(conn)?;
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
