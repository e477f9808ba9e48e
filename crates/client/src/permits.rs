//! The site's connection permits: at most `concurrency` requests are on the wire at once. A
//! request that finds none free waits in line; a freed permit goes to the waiting request of
//! the highest priority, and among equals to the one that came first.
//!
//! A request's priority is its task's (see [`with_priority`]), 0 unless the caller says. The
//! copy gives the creates of a long run of siblings (which must be made one after another)
//! a priority, so that a full pipe of other work does not stretch that run into the copy's
//! tail: each of its creates waits for the next free permit instead of the whole line.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

tokio::task_local! {
    /// The priority of the requests of this task (see [`with_priority`]).
    static PRIORITY: u32;
}

/// Runs `work` with its requests at `priority`: when requests wait for a connection, those of
/// a higher priority are sent first. Requests outside such a scope have priority 0.
pub async fn with_priority<F: std::future::Future>(priority: u32, work: F) -> F::Output {
    PRIORITY.scope(priority, work).await
}

/// The priority of the current task's requests.
pub(crate) fn current_priority() -> u32 {
    PRIORITY.try_with(|p| *p).unwrap_or(0)
}

/// The permits of one site.
#[derive(Clone)]
pub(crate) struct Permits {
    state: Arc<Mutex<State>>,
}

struct State {
    free: usize,
    waiting: BinaryHeap<Waiter>,
    /// Numbers the waiters in the order they came.
    arrivals: u64,
}

struct Waiter {
    priority: u32,
    arrival: Reverse<u64>,
    grant: oneshot::Sender<Permit>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        (self.priority, self.arrival) == (other.priority, other.arrival)
    }
}

impl Eq for Waiter {}

impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.priority, self.arrival).cmp(&(other.priority, other.arrival))
    }
}

/// One permit: the connection is handed on when it is dropped.
pub struct Permit {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Permit")
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        hand_on(&self.state);
    }
}

impl Permits {
    pub fn new(count: usize) -> Permits {
        let state = State { free: count.max(1), waiting: BinaryHeap::new(), arrivals: 0 };
        Permits { state: Arc::new(Mutex::new(state)) }
    }

    /// Waits for a permit, served by `priority` (see the module's comment).
    pub async fn acquire(&self, priority: u32) -> Permit {
        let granted = {
            let mut state = lock(&self.state);
            if state.free > 0 {
                state.free -= 1;
                return Permit { state: Arc::clone(&self.state) };
            }
            let (grant, granted) = oneshot::channel();
            let arrival = Reverse(state.arrivals);
            state.arrivals += 1;
            state.waiting.push(Waiter { priority, arrival, grant });
            granted
        };
        // A permit sent to a waiter that gave up meanwhile is dropped with the channel, which
        // hands it on again: none is lost. The sender lives in `waiting` until it sends, and
        // `self` keeps `waiting` alive, so the channel closes only with a permit in it.
        granted.await.expect("a waiter's sender is kept until it sends a permit")
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A permit was dropped: it goes to the first waiter still waiting, or back to the free.
fn hand_on(shared: &Arc<Mutex<State>>) {
    let mut permit = Permit { state: Arc::clone(shared) };
    loop {
        let waiter = {
            let mut state = lock(shared);
            match state.waiting.pop() {
                Some(waiter) => waiter,
                None => {
                    state.free += 1;
                    // Counted as free again: this value must not hand it on a second time.
                    std::mem::forget(permit);
                    return;
                }
            }
        };
        // Sent outside the lock: a refused permit comes back here, never dropped inside.
        match waiter.grant.send(permit) {
            Ok(()) => return,
            Err(refused) => permit = refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn free(permits: &Permits) -> usize {
        lock(&permits.state).free
    }

    #[tokio::test]
    async fn a_freed_permit_goes_to_the_highest_priority_then_the_first_come() {
        let permits = Permits::new(1);
        let held = permits.acquire(0).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, priority) in [("low-first", 0), ("high", 5), ("low-second", 0), ("middle", 2)] {
            let (permits, order) = (permits.clone(), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let permit = permits.acquire(priority).await;
                order.lock().unwrap().push(name);
                tokio::time::sleep(Duration::from_millis(2)).await;
                drop(permit);
            }));
            // Each waits in line before the next comes.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(held);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["high", "middle", "low-first", "low-second"]);
        assert_eq!(free(&permits), 1);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_loses_no_permit() {
        let permits = Permits::new(2);
        let first = permits.acquire(0).await;
        let second = permits.acquire(0).await;
        // Gives up before any permit is freed.
        let gave_up = tokio::time::timeout(Duration::from_millis(5), permits.acquire(3)).await;
        assert!(gave_up.is_err());
        let waiting = {
            let permits = permits.clone();
            tokio::spawn(async move { drop(permits.acquire(0).await) })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(first);
        waiting.await.unwrap();
        drop(second);
        assert_eq!(free(&permits), 2);
    }

    #[tokio::test]
    async fn a_permit_sent_to_a_dropped_waiter_is_handed_on() {
        let permits = Permits::new(1);
        let held = permits.acquire(0).await;
        let mut waiting = Box::pin(permits.acquire(1));
        // Polled once: it waits in line.
        assert!(futures_util::poll!(waiting.as_mut()).is_pending());
        // The permit is sent to it, then it is dropped unread.
        drop(held);
        drop(waiting);
        assert_eq!(free(&permits), 1);
        let again = tokio::time::timeout(Duration::from_millis(50), permits.acquire(0)).await;
        assert!(again.is_ok(), "the permit came back");
    }

    #[tokio::test]
    async fn requests_take_their_tasks_priority() {
        assert_eq!(current_priority(), 0);
        assert_eq!(with_priority(7, async { current_priority() }).await, 7);
    }
}
