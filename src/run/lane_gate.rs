//! The order in which siblings reach the destination. Confluence puts each new child last under
//! its parent, so siblings land in the order their creates arrive, and each one out of place
//! costs a move afterwards. A lane (see the dispatcher) runs one sibling at a time, and starts
//! the next beside it only once the running one opens its gate: its create was answered (the
//! copy is in place), or it waits to send it again (a 429's `Retry-After`, a backoff) or to look
//! for it after a lost answer. The sibling started then lands first, and the fix-up moves the
//! waiting one into place; the lane does not stand still meanwhile. The gate opens too when the
//! node ends.

use std::sync::Arc;

use tokio::sync::Semaphore;

tokio::task_local! {
    /// The gate the running node opens for the sibling after it.
    static GATE: Arc<Semaphore>;
}

/// A closed gate; opening it lets every waiter through, for good.
pub fn new() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(0))
}

/// Waits until `gate` opens.
pub async fn pass(gate: &Semaphore) {
    // A closed semaphore is an open gate: `acquire` fails at once for every waiter.
    let _ = gate.acquire().await;
}

/// Runs a node's work with its gate, opening the gate when the work ends if it did not before.
pub async fn run_with<F: std::future::Future>(gate: Arc<Semaphore>, work: F) -> F::Output {
    struct OpenOnDrop(Arc<Semaphore>);
    impl Drop for OpenOnDrop {
        fn drop(&mut self) {
            self.0.close();
        }
    }
    let _open = OpenOnDrop(Arc::clone(&gate));
    GATE.scope(gate, work).await
}

/// Called by a page whose create was answered, or waits to be sent again or looked for: the
/// next sibling may go now.
pub fn open() {
    let _ = GATE.try_with(|gate| gate.close());
}

/// Whether `gate` is open.
pub fn is_open(gate: &Semaphore) -> bool {
    gate.is_closed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_gate_opens_when_its_node_opens_it_or_ends() {
        let first = new();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let second = {
            let (first, order) = (Arc::clone(&first), Arc::clone(&order));
            tokio::spawn(async move {
                pass(&first).await;
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

        // A node that never opens it still lets the next one go when it ends.
        let gate = new();
        assert!(!is_open(&gate));
        run_with(Arc::clone(&gate), async {}).await;
        assert!(is_open(&gate));
        pass(&gate).await;
    }
}
