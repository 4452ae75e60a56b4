//! SQLite's short reads ([`crate::db::Db::read`]), run on reader threads of their own.

use std::{
    future::Future,
    panic::{self, AssertUnwindSafe},
    sync::{Arc, Mutex, PoisonError, mpsc},
    thread,
};

use diesel::r2d2::Pool;
use tokio::sync::oneshot;

use crate::db::handover::{HandOverGuard, HandOverQueue};
use crate::db::{DbConnection, DbError, Manager};

/// One read: run on a reader thread with a connection (or the error of getting one), it
/// answers its caller itself.
type Read = Box<dyn FnOnce(Result<&mut DbConnection, DbError>) + Send>;

/// The reads waiting to be handed over, and the channel to the reader threads.
pub(super) struct Readers {
    queue: Arc<HandOverQueue<Read>>,
    batches: mpsc::Sender<Vec<Read>>,
}

impl Readers {
    /// Starts `threads` reader threads sharing `pool`, which should hold a connection for each.
    pub(super) fn start(pool: &Pool<Manager>, threads: usize) -> std::io::Result<Arc<Self>> {
        let (batches, receiver) = mpsc::channel();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let pool = pool.clone();
            let receiver = Arc::clone(&receiver);
            thread::Builder::new()
                .name(format!("sqlite-reader-{n}"))
                .spawn(move || serve(&pool, &receiver))?;
        }
        Ok(Arc::new(Readers {
            queue: Arc::default(),
            batches,
        }))
    }

    /// Runs `f` on a reader thread and answers with its result.
    pub(super) async fn read<T, E, F>(self: &Arc<Self>, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let read: Read = Box::new(move |conn| {
            let result = conn.map_err(E::from).and_then(f);
            // The caller may have gone (its request was dropped).
            let _ = reply.send(result);
        });
        if self.queue.push(read) {
            tokio::spawn(hand_over(Arc::clone(self)));
        }
        answer.await.unwrap_or(Err(E::from(DbError::Abandoned)))
    }
}

/// Hands the queued reads to the reader threads, once the requests already received have
/// queued theirs. Started by the read that found no hand-over running.
fn hand_over(readers: Arc<Readers>) -> impl Future<Output = ()> + Send {
    let guard = HandOverGuard::new(Arc::clone(&readers.queue));
    async move {
        tokio::task::yield_now().await;
        while let Some(reads) = guard.queue().take() {
            // Fails only when no reader thread is left; the dropped reads are then abandoned.
            let _ = readers.batches.send(reads);
        }
        guard.finish();
    }
}

/// A reader thread: runs the reads of each batch in turn, each with a connection of `pool`,
/// until every handle on the database is gone.
fn serve(pool: &Pool<Manager>, batches: &Mutex<mpsc::Receiver<Vec<Read>>>) {
    loop {
        // The thread waiting for the next batch holds the lock; the others wait for it.
        let next = batches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(reads) = next else {
            return;
        };
        for read in reads {
            // A read that panics drops its reply, so its caller is told it was abandoned, and
            // drops its connection while unwinding, so the pool discards it
            // (`Manager::has_broken`).
            let ran = panic::catch_unwind(AssertUnwindSafe(|| match pool.get() {
                Ok(mut conn) => read(Ok(&mut *conn)),
                Err(e) => read(Err(DbError::from(e))),
            }));
            if ran.is_err() {
                tracing::error!("a database read panicked");
            }
        }
    }
}
