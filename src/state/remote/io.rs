//! The thread every request to the state store runs on: a current-thread tokio runtime of its
//! own, started with the [`RemoteState`](super::RemoteState) and ended when the last handle on
//! it goes.
//!
//! Why a runtime of its own rather than `Handle::block_on` on the caller's runtime:
//! - the journal's group commit calls the upload from a blocking-pool thread, `status` and
//!   `unlock` from plain synchronous code, and tests from runtimes of either flavour; with one
//!   runtime behind the store, every caller waits the same way and none needs a runtime;
//! - the HTTP client's connections belong to the runtime that opened them, so a client shared
//!   across runtimes breaks when one of them ends; here there is only one;
//! - the lease is renewed on this thread, so a run whose workers are all busy (or blocked on a
//!   disk) still renews its lock in time.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};

/// How long the thread, once asked to end, lets unfinished releases run.
const GRACE: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub(crate) struct IoThread {
    handle: tokio::runtime::Handle,
    stop: Option<oneshot::Sender<()>>,
    finishing: Arc<Finishing>,
}

/// Tasks the thread waits for before it ends (a lease released on drop).
#[derive(Debug, Default)]
struct Finishing {
    count: AtomicUsize,
    done: Notify,
}

impl IoThread {
    pub(crate) fn start() -> std::io::Result<IoThread> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let finishing = Arc::new(Finishing::default());
        let waiting = Arc::clone(&finishing);
        std::thread::Builder::new().name("confcopy-state-io".to_string()).spawn(move || {
            runtime.block_on(async move {
                let _ = stopped.await;
                let _ = tokio::time::timeout(GRACE, async {
                    while waiting.count.load(Ordering::Acquire) > 0 {
                        let notified = waiting.done.notified();
                        if waiting.count.load(Ordering::Acquire) == 0 {
                            break;
                        }
                        notified.await;
                    }
                })
                .await;
            });
        })?;
        Ok(IoThread { handle, stop: Some(stop), finishing })
    }

    pub(crate) fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }

    /// Runs `work` on the thread and waits for it asynchronously, from any runtime. `None` when
    /// the thread has ended.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        match self.handle.spawn(work).await {
            Ok(value) => Some(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => None,
        }
    }

    /// Runs `work` on the thread and blocks until it is done: for synchronous callers and
    /// blocking-pool threads. Never call it from the I/O thread itself.
    pub(crate) fn wait<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = sender.send(work.await);
        });
        receiver.recv().ok()
    }

    /// Starts `work` without waiting for it; the thread lets it finish (for a few seconds)
    /// before ending.
    pub(crate) fn finish_in_background(&self, work: impl Future<Output = ()> + Send + 'static) {
        let finishing = Arc::clone(&self.finishing);
        finishing.count.fetch_add(1, Ordering::AcqRel);
        self.handle.spawn(async move {
            work.await;
            if finishing.count.fetch_sub(1, Ordering::AcqRel) == 1 {
                finishing.done.notify_waiters();
            }
        });
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        // Not joined: the last handle may be dropped on the thread itself.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
