//! The order in which siblings created side by side reach the destination. Confluence puts each
//! new child last under its parent, so two siblings created at once land in the order their
//! requests arrive, and each one out of place costs a move afterwards. A sibling started beside
//! a running one waits at its lane's gate until the one before it is about to send its create
//! (its intent durable): it then prepares, records its own intent (a later fsync) and sends
//! after it. The gate opens too when the earlier sibling ends without creating anything.

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

/// Called by a page or folder about to send its create: the next sibling may go now.
pub fn creating() {
    let _ = GATE.try_with(|gate| gate.close());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_gate_opens_when_its_node_creates_or_ends() {
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
            creating();
            tokio::task::yield_now().await;
        })
        .await;
        second.await.expect("second");
        assert_eq!(*order.lock().expect("lock"), ["first sends", "second sends"]);

        // A node that never creates still lets the next one go when it ends.
        let gate = new();
        run_with(Arc::clone(&gate), async {}).await;
        pass(&gate).await;
    }
}
