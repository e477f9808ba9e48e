//! One apply per plan across machines: `plans/<name>/lock.json` in the store, held as a lease.
//!
//! Taking the lock creates the object only if none exists (`If-None-Match: *`). A lock found
//! there is someone else's until its lease lapses: `lease` after the later of its last renewal
//! (the holder's clock) and its last write (the store's clock). A lapsed lock is taken over with
//! a write conditional on the version just read (`If-Match`), so of two processes taking over
//! at once exactly one wins; the other reads the winner's lock and is refused. Lapse is judged by
//! the taker's clock against the holder's, so a lease should be far longer than the clocks of
//! the machines may disagree (a minute or more for CI runners; tests use seconds on one machine).
//!
//! The holder renews the lease every third of its length on the store's I/O thread, each time
//! conditional on the version it last wrote. When a renewal finds the lock changed or gone
//! (someone ran `confcopy unlock`, or took over after renewals failed for a whole lease), or
//! renewals keep failing for a whole lease, the lease is *lost*: [`RemoteLease::is_lost`] and
//! [`RemoteLease::watch`] tell the run, which must stop writing.
//!
//! Releasing deletes the lock only if it still holds this lease's token. Stores offer no
//! conditional delete through this client, so a takeover landing between that read and the
//! delete would lose its lock; it can only happen after this holder failed to renew for a whole
//! lease, and the new holder's next renewal then reports its lease lost rather than going on.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use jiff::{SignedDuration, Timestamp};
use object_store::path::Path;
use object_store::{PutMode, UpdateVersion};
use serde::{Deserialize, Serialize};
use tokio::sync::{oneshot, watch};

use super::error::{LeaseError, RemoteError};
use super::{Inner, RemoteState};
use crate::state::LockRecord;

/// The shortest lease accepted: renewals come every third of it.
pub const MIN_LEASE: Duration = Duration::from_secs(1);

/// The lock object: who holds the plan (as in a local `lock.json`) and their lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaseRecord {
    pub plan: String,
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub since: Timestamp,
    /// What the holder is doing, e.g. "apply".
    pub operation: String,
    /// This lease's own random token: tells it from a later holder's.
    pub token: u64,
    pub renewed_at: Timestamp,
    /// How long the lock stays the holder's without a renewal, in milliseconds.
    pub lease_ms: u64,
}

impl LeaseRecord {
    /// A new lease for `holder` on `plan`, renewed now.
    pub fn new(plan: &str, holder: &LockRecord, lease: Duration, now: Timestamp) -> LeaseRecord {
        LeaseRecord {
            plan: plan.to_string(),
            user: holder.user.clone(),
            host: holder.host.clone(),
            pid: holder.pid,
            since: holder.since,
            operation: holder.operation.clone(),
            token: rand::random(),
            renewed_at: now,
            lease_ms: u64::try_from(lease.as_millis()).unwrap_or(u64::MAX),
        }
    }

    pub fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms)
    }

    /// When the lock lapses unless renewed: a lease after the later of its renewal and
    /// `written`, when the store last wrote it.
    pub fn lapses_at(&self, written: Timestamp) -> Timestamp {
        let lease = SignedDuration::from_millis(i64::try_from(self.lease_ms).unwrap_or(i64::MAX));
        self.renewed_at.max(written).saturating_add(lease).unwrap_or(Timestamp::MAX)
    }

    /// The holder as the local lock names it.
    pub fn holder(&self) -> LockRecord {
        LockRecord {
            plan: self.plan.clone(),
            user: self.user.clone(),
            host: self.host.clone(),
            pid: self.pid,
            since: self.since,
            operation: self.operation.clone(),
            token: self.token,
        }
    }

    fn to_bytes(&self) -> Bytes {
        Bytes::from(serde_json::to_vec_pretty(self).expect("lease records serialize"))
    }

    fn describe(&self) -> String {
        format!("{} on {} (pid {}) for {}", self.user, self.host, self.pid, self.operation)
    }
}

/// Whether a lease is still this process's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseState {
    Held,
    /// Lost, and why: the run must stop writing.
    Lost(String),
}

/// Where a plan's lock in the store stands, for `confcopy unlock` to show before asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteLockStatus {
    Free,
    Held(LeaseRecord),
    /// Its holder stopped renewing it: the next apply takes it over.
    Lapsed(LeaseRecord),
    /// There is a lock object, but not one this confcopy can read.
    Unreadable,
}

/// The lease's latest written record and the version the store gave it.
struct Current {
    record: LeaseRecord,
    version: UpdateVersion,
}

/// A held lock. Renewed in the background until released; dropping it releases it in the
/// background (the I/O thread lets that finish before it ends).
pub struct RemoteLease {
    state: RemoteState,
    key: Path,
    record: LeaseRecord,
    taken_over: Option<LeaseRecord>,
    status: watch::Receiver<LeaseState>,
    stop: Option<oneshot::Sender<()>>,
    renewal: Option<tokio::task::JoinHandle<()>>,
}

/// What taking the lock found and wrote.
struct Taken {
    current: Current,
    previous: Option<LeaseRecord>,
}

impl RemoteState {
    /// Takes `plan`'s lock for `holder` (its user, host, pid, since and operation) with a
    /// lease of `lease`, without waiting: refused, naming the holder, while another process's
    /// lease runs.
    pub async fn acquire(
        &self,
        plan: &str,
        holder: &LockRecord,
        lease: Duration,
    ) -> Result<RemoteLease, LeaseError> {
        let (key, record) = self.lease_request(plan, holder, lease)?;
        let taken = self.run(self.inner.clone().take(key.clone(), record)).await?;
        Ok(self.start_lease(key, taken))
    }

    /// [`acquire`](RemoteState::acquire) for synchronous callers.
    pub fn acquire_blocking(
        &self,
        plan: &str,
        holder: &LockRecord,
        lease: Duration,
    ) -> Result<RemoteLease, LeaseError> {
        let (key, record) = self.lease_request(plan, holder, lease)?;
        let taken = self.wait(self.inner.clone().take(key.clone(), record))?;
        Ok(self.start_lease(key, taken))
    }

    /// `confcopy unlock PLAN`: deletes the plan's lock whoever holds it; the holder's next
    /// renewal finds it gone and stops. Returns the record removed, when it could be read.
    pub async fn force_unlock(&self, plan: &str) -> Result<Option<LeaseRecord>, RemoteError> {
        self.run(self.force_unlock_op(plan)?).await
    }

    pub(crate) fn force_unlock_op(
        &self,
        plan: &str,
    ) -> Result<impl Future<Output = Result<Option<LeaseRecord>, RemoteError>> + Send + 'static, RemoteError>
    {
        let key = self.inner.layout.lock(plan)?;
        Ok(self.inner.clone().force_unlock(key))
    }

    /// Where the plan's lock stands, without taking it.
    pub async fn lock_status(&self, plan: &str) -> Result<RemoteLockStatus, RemoteError> {
        self.run(self.lock_status_op(plan)?).await
    }

    pub(crate) fn lock_status_op(
        &self,
        plan: &str,
    ) -> Result<impl Future<Output = Result<RemoteLockStatus, RemoteError>> + Send + 'static, RemoteError>
    {
        let key = self.inner.layout.lock(plan)?;
        Ok(self.inner.clone().lock_status(key))
    }

    fn lease_request(
        &self,
        plan: &str,
        holder: &LockRecord,
        lease: Duration,
    ) -> Result<(Path, LeaseRecord), RemoteError> {
        let key = self.inner.layout.lock(plan)?;
        if lease < MIN_LEASE {
            return Err(RemoteError::Invalid(format!(
                "a lease of {}ms is too short to renew in time; give at least {}s",
                lease.as_millis(),
                MIN_LEASE.as_secs()
            )));
        }
        Ok((key, LeaseRecord::new(plan, holder, lease, Timestamp::now())))
    }

    /// Starts renewing a lease just taken.
    fn start_lease(&self, key: Path, taken: Taken) -> RemoteLease {
        let record = taken.current.record.clone();
        let (status_sender, status) = watch::channel(LeaseState::Held);
        let (stop, stopped) = oneshot::channel();
        let renewal = self.inner.io.handle().spawn(renew(
            self.inner.clone(),
            key.clone(),
            Arc::new(Mutex::new(taken.current)),
            status_sender,
            stopped,
        ));
        RemoteLease {
            state: self.clone(),
            key,
            record,
            taken_over: taken.previous,
            status,
            stop: Some(stop),
            renewal: Some(renewal),
        }
    }
}

impl RemoteLease {
    /// The lease as first written.
    pub fn record(&self) -> &LeaseRecord {
        &self.record
    }

    /// The lapsed lease this one took over, if it did.
    pub fn taken_over(&self) -> Option<&LeaseRecord> {
        self.taken_over.as_ref()
    }

    /// Whether the lease was lost: the run must stop writing.
    pub fn is_lost(&self) -> bool {
        matches!(*self.status.borrow(), LeaseState::Lost(_))
    }

    /// Follows the lease's state; changes once, to [`LeaseState::Lost`], if it is lost.
    pub fn watch(&self) -> watch::Receiver<LeaseState> {
        self.status.clone()
    }

    /// Stops renewing and deletes the lock if it is still this lease's.
    pub async fn release(mut self) -> Result<(), RemoteError> {
        let work = self.release_work();
        self.state.run(work).await
    }

    /// [`release`](RemoteLease::release) for synchronous callers.
    pub fn release_blocking(mut self) -> Result<(), RemoteError> {
        let work = self.release_work();
        self.state.wait(work)
    }

    fn release_work(&mut self) -> impl Future<Output = Result<(), RemoteError>> + Send + 'static {
        let stop = self.stop.take();
        let renewal = self.renewal.take();
        let inner = self.state.inner.clone();
        let key = self.key.clone();
        let token = self.record.token;
        async move {
            if let Some(stop) = stop {
                let _ = stop.send(());
            }
            if let Some(renewal) = renewal {
                // Waits out a renewal in flight, so it cannot write the lock back after the delete.
                let _ = renewal.await;
            }
            match inner.get(&key).await? {
                Some(got) if read_record(&got.bytes).is_ok_and(|r| r.token == token) => {
                    inner.delete(&key).await
                }
                _ => Ok(()),
            }
        }
    }
}

impl Drop for RemoteLease {
    fn drop(&mut self) {
        if self.stop.is_some() {
            let work = self.release_work();
            self.state.inner.io.finish_in_background(async move {
                if let Err(e) = work.await {
                    tracing::warn!("could not release the plan's lock in the state store: {e}");
                }
            });
        }
    }
}

impl std::fmt::Debug for RemoteLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteLease")
            .field("url", &self.state.url())
            .field("record", &self.record)
            .field("status", &*self.status.borrow())
            .finish_non_exhaustive()
    }
}

fn read_record(bytes: &[u8]) -> Result<LeaseRecord, serde_json::Error> {
    serde_json::from_slice(bytes)
}

impl Inner {
    /// Creates the lock, or takes over a lapsed one; a few tries when it changes hands meanwhile.
    async fn take(self: Arc<Inner>, key: Path, mut record: LeaseRecord) -> Result<Taken, LeaseError> {
        for _ in 0..5 {
            record.renewed_at = Timestamp::now();
            match self.put_raw(&key, record.to_bytes(), PutMode::Create).await {
                Ok(put) => {
                    return Ok(Taken { current: Current { record, version: put.into() }, previous: None });
                }
                Err(object_store::Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(self.cx.store_error("create", key.as_ref(), e).into()),
            }
            // Released between the two requests: try to create it again.
            let Some(got) = self.get(&key).await? else { continue };
            let current = read_record(&got.bytes).map_err(|e| {
                self.cx.damaged(
                    key.as_ref(),
                    format!(
                        "not a lock record ({e}); if no process holds plan \"{}\", run `confcopy unlock {}`",
                        record.plan, record.plan
                    ),
                )
            })?;
            if current.token == record.token {
                // Our own create landed, and only its answer was lost.
                return Ok(Taken {
                    current: Current { record: current, version: got.version },
                    previous: None,
                });
            }
            let now = Timestamp::now();
            if now < current.lapses_at(got.modified) {
                return Err(LeaseError::Held { url: self.cx.url.clone(), holder: Box::new(current) });
            }
            record.renewed_at = now;
            match self.put_raw(&key, record.to_bytes(), PutMode::Update(got.version)).await {
                Ok(put) => {
                    tracing::warn!(
                        plan = %record.plan,
                        user = %current.user,
                        host = %current.host,
                        pid = current.pid,
                        renewed_at = %current.renewed_at,
                        "taking over a plan's lock whose holder stopped renewing it"
                    );
                    return Ok(Taken {
                        current: Current { record, version: put.into() },
                        previous: Some(current),
                    });
                }
                // Someone else changed it first: look again.
                Err(object_store::Error::Precondition { .. }) => continue,
                Err(e) => return Err(self.cx.store_error("take over", key.as_ref(), e).into()),
            }
        }
        Err(LeaseError::Busy { url: self.cx.url.clone(), plan: record.plan })
    }

    async fn force_unlock(self: Arc<Inner>, key: Path) -> Result<Option<LeaseRecord>, RemoteError> {
        let record = self.get(&key).await?.and_then(|got| read_record(&got.bytes).ok());
        self.delete(&key).await?;
        Ok(record)
    }

    async fn lock_status(self: Arc<Inner>, key: Path) -> Result<RemoteLockStatus, RemoteError> {
        let Some(got) = self.get(&key).await? else { return Ok(RemoteLockStatus::Free) };
        Ok(match read_record(&got.bytes) {
            Ok(record) if Timestamp::now() < record.lapses_at(got.modified) => RemoteLockStatus::Held(record),
            Ok(record) => RemoteLockStatus::Lapsed(record),
            Err(_) => RemoteLockStatus::Unreadable,
        })
    }
}

/// Renews the lease every third of its length until stopped or lost.
async fn renew(
    inner: Arc<Inner>,
    key: Path,
    current: Arc<Mutex<Current>>,
    status: watch::Sender<LeaseState>,
    mut stop: oneshot::Receiver<()>,
) {
    let lease = current.lock().expect("lease state").record.lease();
    let every = lease / 3;
    let mut renewed = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
        let sent = tokio::time::Instant::now();
        let (mut record, version) = {
            let current = current.lock().expect("lease state");
            (current.record.clone(), current.version.clone())
        };
        record.renewed_at = Timestamp::now();
        let failure = match inner.put_raw(&key, record.to_bytes(), PutMode::Update(version)).await {
            Ok(put) => {
                *current.lock().expect("lease state") = Current { record, version: put.into() };
                renewed = sent;
                continue;
            }
            Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {
                // Changed or gone, unless what changed it was this very write, answered late.
                match inner.get(&key).await {
                    Ok(Some(got)) => match read_record(&got.bytes) {
                        Ok(found) if found == record => {
                            *current.lock().expect("lease state") = Current { record, version: got.version };
                            renewed = sent;
                            continue;
                        }
                        Ok(found) => {
                            lose(&status, format!("the plan's lock was taken over by {}", found.describe()));
                            return;
                        }
                        Err(_) => {
                            lose(
                                &status,
                                "the plan's lock was replaced by an object that is not a lock".into(),
                            );
                            return;
                        }
                    },
                    Ok(None) => {
                        lose(&status, "the plan's lock was removed (by `confcopy unlock`?)".into());
                        return;
                    }
                    Err(e) => e.to_string(),
                }
            }
            Err(e) => inner.cx.store_error("renew", key.as_ref(), e).to_string(),
        };
        if renewed.elapsed() >= lease {
            lose(
                &status,
                format!(
                    "the plan's lock could not be renewed for {}s, so another run may take it: {failure}",
                    lease.as_secs()
                ),
            );
            return;
        }
        tracing::warn!("could not renew the plan's lock in the state store; trying again: {failure}");
    }
}

fn lose(status: &watch::Sender<LeaseState>, reason: String) {
    tracing::error!("lost the plan's lock in the state store: {reason}");
    status.send_replace(LeaseState::Lost(reason));
}
