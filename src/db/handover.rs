//! Where reads and writes wait, on the async side, to be handed to a database thread (SQLite)
//! or to one statement (PostgreSQL's batches) together.

use std::sync::{Arc, Mutex, PoisonError};

/// Jobs waiting for the next hand-over.
pub(crate) struct HandOverQueue<J> {
    state: Mutex<State<J>>,
}

struct State<J> {
    jobs: Vec<J>,
    /// A hand-over task is running; the jobs queued now will be in one of its batches.
    handing_over: bool,
}

impl<J> Default for HandOverQueue<J> {
    fn default() -> Self {
        HandOverQueue {
            state: Mutex::new(State {
                jobs: Vec::new(),
                handing_over: false,
            }),
        }
    }
}

impl<J> HandOverQueue<J> {
    /// Queues a job. True when no hand-over task is running: the caller must start one.
    pub(crate) fn push(&self, job: J) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.jobs.push(job);
        !std::mem::replace(&mut state.handing_over, true)
    }

    /// The jobs queued so far, or `None` (and the hand-over task's end) when there are none.
    pub(crate) fn take(&self) -> Option<Vec<J>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.jobs.is_empty() {
            state.handing_over = false;
            return None;
        }
        Some(std::mem::take(&mut state.jobs))
    }

    /// Ends a hand-over task that did not finish: the next job starts a new one. The jobs still
    /// queued are dropped, which answers each caller that its work was abandoned, rather than
    /// leaving it waiting.
    fn abandon(&self) {
        let abandoned = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.handing_over = false;
            std::mem::take(&mut state.jobs)
        };
        drop(abandoned);
    }
}

/// Held by a hand-over task from the moment it is spawned: if the task is dropped before it
/// finishes (the runtime is shutting down, perhaps before ever polling it), the queue is
/// abandoned instead of marked as handed over for ever.
pub(crate) struct HandOverGuard<J> {
    queue: Arc<HandOverQueue<J>>,
    finished: bool,
}

impl<J> HandOverGuard<J> {
    /// Guards a hand-over task of `queue`.
    pub(crate) fn new(queue: Arc<HandOverQueue<J>>) -> Self {
        HandOverGuard {
            queue,
            finished: false,
        }
    }

    /// The queue.
    pub(crate) fn queue(&self) -> &HandOverQueue<J> {
        &self.queue
    }

    /// The task found the queue empty ([`HandOverQueue::take`] returned `None`).
    pub(crate) fn finish(mut self) {
        self.finished = true;
    }
}

impl<J> Drop for HandOverGuard<J> {
    fn drop(&mut self) {
        if !self.finished {
            self.queue.abandon();
        }
    }
}
