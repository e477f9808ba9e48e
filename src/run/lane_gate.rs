//! The order in which siblings reach the destination. Confluence puts each new child last under
//! its parent, so siblings land in the order their creates arrive, and each one out of place
//! costs a move afterwards. A lane (see the dispatcher) runs one sibling at a time, and starts
//! the next beside it only once the running one opens its gate: its create was answered (the
//! copy is in place), or it waits to send it again (a 429's `Retry-After`, a backoff) or to look
//! for it after a lost answer. The sibling started then lands first, and the fix-up moves the
//! waiting one into place; the lane does not stand still meanwhile. The gate opens too when the
//! node ends.

use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, Semaphore};

tokio::task_local! {
    /// The gate the running node opens for the sibling after it.
    static GATE: Arc<Gate>;
}

/// One node's gate: closed while it runs, open (for good) once it lets the next sibling go.
pub struct Gate {
    /// A closed semaphore is an open gate: `acquire` fails at once for every waiter.
    passage: Semaphore,
    lane: usize,
    opened: Arc<Opened>,
}

/// The lanes whose gates opened since the dispatcher last looked, so that it looks at those
/// alone (not at every lane holding siblings back) and hears of them at once.
#[derive(Default)]
pub struct Opened {
    lanes: Mutex<Vec<usize>>,
    notify: Notify,
}

impl Opened {
    /// The lanes whose gates opened since the last call.
    pub fn take(&self) -> Vec<usize> {
        std::mem::take(&mut *self.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Waits until a gate opens (at once if one opened since the last wait).
    pub async fn wait(&self) {
        self.notify.notified().await;
    }
}

impl Gate {
    /// A closed gate of `lane`; opening it tells `opened`.
    pub fn new(lane: usize, opened: &Arc<Opened>) -> Arc<Gate> {
        Arc::new(Gate { passage: Semaphore::new(0), lane, opened: Arc::clone(opened) })
    }

    fn open(&self) {
        if self.passage.is_closed() {
            return;
        }
        self.passage.close();
        self.opened.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(self.lane);
        self.opened.notify.notify_one();
    }

    pub fn is_open(&self) -> bool {
        self.passage.is_closed()
    }

    /// Waits until the gate opens.
    pub async fn pass(&self) {
        let _ = self.passage.acquire().await;
    }
}

/// Runs a node's work with its gate, opening the gate when the work ends if it did not before.
pub async fn run_with<F: std::future::Future>(gate: Arc<Gate>, work: F) -> F::Output {
    struct OpenOnDrop(Arc<Gate>);
    impl Drop for OpenOnDrop {
        fn drop(&mut self) {
            self.0.open();
        }
    }
    let _open = OpenOnDrop(Arc::clone(&gate));
    GATE.scope(gate, work).await
}

/// Called by a page whose create was answered, or waits to be sent again or looked for: the
/// next sibling may go now.
pub fn open() {
    let _ = GATE.try_with(|gate| gate.open());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_gate_opens_when_its_node_opens_it_or_ends() {
        let opened = Arc::new(Opened::default());
        let first = Gate::new(3, &opened);
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let second = {
            let (first, order) = (Arc::clone(&first), Arc::clone(&order));
            tokio::spawn(async move {
                first.pass().await;
                order.lock().expect("lock").push("second sends");
            })
        };
        run_with(Arc::clone(&first), async {
            tokio::task::yield_now().await;
            order.lock().expect("lock").push("first sends");
            open();
            tokio::task::yield_now().await;
        })
        .await;
        second.await.expect("second");
        assert_eq!(*order.lock().expect("lock"), ["first sends", "second sends"]);
        // The dispatcher hears of it once, however often the node opened it.
        opened.wait().await;
        assert_eq!(opened.take(), [3]);

        // A node that never opens it still lets the next one go when it ends.
        let gate = Gate::new(5, &opened);
        assert!(!gate.is_open());
        run_with(Arc::clone(&gate), async {}).await;
        assert!(gate.is_open());
        gate.pass().await;
        assert_eq!(opened.take(), [5]);
    }
}
