//! Plan state in an object store (`--state s3://bucket/prefix`), for runs whose disk does not
//! outlive them (scheduled CI jobs).
//!
//! The state code keeps working on a local state directory; this layer keeps that directory in
//! step with the store (a *local mirror*):
//! 1. [`acquire`](RemoteState::acquire) takes the plan's lock in the store, as a lease the
//!    holder keeps renewing ([`lease`]);
//! 2. before a run, [`pull_plan`](RemoteState::pull_plan) downloads the plan's record and its
//!    journal into the private local directory;
//! 3. whenever the journal is made durable, the new stretch goes up as a segment that can never
//!    be overwritten ([`upload_segment`](RemoteState::upload_segment)), so an intent is in the
//!    store before the write it guards;
//! 4. `record.json` goes up after each registry update and the run's reports at the end
//!    ([`put`](RemoteState::put), [`upload_dir`](RemoteState::upload_dir));
//! 5. `status` and `show` read the records ([`list_plans`](RemoteState::list_plans),
//!    [`get`](RemoteState::get)); expiry deletes a plan's objects
//!    ([`delete_run_data`](RemoteState::delete_run_data)); `unlock` deletes the lock
//!    ([`force_unlock`](RemoteState::force_unlock)).
//!
//! The files read as concepts: [`url`] (what a state URL may say), [`store`] (building the
//! store from its environment), [`error`] (messages and redaction), [`layout`] (keys),
//! [`io`] (the thread all requests run on), [`lease`] (the lock), [`segments`] (the journal),
//! [`files`] (records, reports, plans), [`blocking`] (the same for synchronous callers).
//!
//! Credentials come only from the store's environment (or the variables given in
//! [`RemoteOptions`]); they never appear in a URL, a message or a `Debug` rendering.

pub mod blocking;
pub mod error;
pub mod files;
mod io;
pub mod layout;
pub mod lease;
pub mod mirror;
pub mod segments;
pub mod store;
pub mod url;
pub mod view;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use jiff::Timestamp;
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore, PutMode, PutOptions, PutPayload, PutResult, UpdateVersion};

pub use blocking::BlockingRemote;
pub use error::{LeaseError, RemoteError};
pub use files::PulledPlan;
pub use lease::{LeaseRecord, LeaseState, RemoteLease, RemoteLockStatus};
pub use mirror::RemoteJournal;
pub use segments::Compacted;
pub use store::RemoteOptions;
pub use url::{Scheme, StateUrl};

use self::error::Context;
use self::io::IoThread;
use self::layout::Layout;
use crate::state::FORMAT_VERSION;

/// An opened remote state: the store, the prefix, and the thread its requests run on. Cheap
/// to clone; the thread ends when the last clone (and the last lease) is dropped.
#[derive(Clone)]
pub struct RemoteState {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    store: Arc<dyn ObjectStore>,
    layout: Layout,
    cx: Context,
    io: IoThread,
}

/// An object read back, with what a conditional write on it needs.
pub(crate) struct Got {
    pub bytes: Bytes,
    pub version: UpdateVersion,
    /// When the store last wrote it, by the store's clock.
    pub modified: Timestamp,
}

impl RemoteState {
    /// Opens the state at `url` (`s3://bucket/prefix`, `gs://...`, `az://...`): builds the
    /// store from `options`, then reads `state-format` (writing it when the prefix is new) and
    /// refuses a newer format. The first request doubles as a check of the credentials.
    pub async fn open(url: &str, options: RemoteOptions) -> Result<RemoteState, RemoteError> {
        let state = RemoteState::build(url, &options)?;
        state.run(state.inner.clone().check_format()).await?;
        Ok(state)
    }

    /// [`open`](RemoteState::open) for synchronous callers.
    pub fn open_blocking(url: &str, options: RemoteOptions) -> Result<RemoteState, RemoteError> {
        let state = RemoteState::build(url, &options)?;
        state.wait(state.inner.clone().check_format())?;
        Ok(state)
    }

    fn build(url: &str, options: &RemoteOptions) -> Result<RemoteState, RemoteError> {
        let parsed = StateUrl::parse(url)?;
        let io = IoThread::start().map_err(|e| RemoteError::Setup {
            url: parsed.to_string(),
            detail: format!("cannot start its I/O thread: {e}"),
            env: parsed.scheme().environment(),
        })?;
        let store = {
            let _runtime = io.handle().enter();
            store::build(&parsed, options)?
        };
        let cx = Context {
            url: parsed.to_string(),
            bucket_url: format!("{}://{}", parsed.scheme().as_str(), parsed.bucket()),
            scheme: parsed.scheme(),
            redactor: options.redactor(),
        };
        let layout = Layout::new(parsed.prefix());
        Ok(RemoteState { inner: Arc::new(Inner { store, layout, cx, io }) })
    }

    /// The state URL, as messages show it (no credentials).
    pub fn url(&self) -> &str {
        &self.inner.cx.url
    }

    /// The same state for synchronous callers: every call blocks until the store answered.
    pub fn blocking(&self) -> BlockingRemote {
        BlockingRemote::new(self.clone())
    }

    /// Runs `work` on the I/O thread and waits for it without blocking the caller's runtime.
    pub(crate) async fn run<T, E>(
        &self,
        work: impl Future<Output = Result<T, E>> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<RemoteError> + Send + 'static,
    {
        self.inner.io.run(work).await.unwrap_or_else(|| Err(self.stopped().into()))
    }

    /// Runs `work` on the I/O thread and blocks until it is done.
    pub(crate) fn wait<T, E>(&self, work: impl Future<Output = Result<T, E>> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<RemoteError> + Send + 'static,
    {
        self.inner.io.wait(work).unwrap_or_else(|| Err(self.stopped().into()))
    }

    fn stopped(&self) -> RemoteError {
        RemoteError::Stopped { url: self.inner.cx.url.clone() }
    }
}

/// Shows the URL only.
impl fmt::Debug for RemoteState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteState").field("url", &self.inner.cx.url).finish_non_exhaustive()
    }
}

impl Inner {
    /// Reads `key`; `None` when there is no such object.
    pub(crate) async fn get(&self, key: &Path) -> Result<Option<Got>, RemoteError> {
        let result = match self.store.get_opts(key, GetOptions::default()).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.cx.store_error("read", key.as_ref(), e)),
        };
        let version =
            UpdateVersion { e_tag: result.meta.e_tag.clone(), version: result.meta.version.clone() };
        let modified = Timestamp::from_millisecond(result.meta.last_modified.timestamp_millis())
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let bytes = result.bytes().await.map_err(|e| self.cx.store_error("read", key.as_ref(), e))?;
        Ok(Some(Got { bytes, version, modified }))
    }

    /// Writes `key` in `mode`; the store's own error, for callers that tell conditions apart.
    pub(crate) async fn put_raw(
        &self,
        key: &Path,
        bytes: Bytes,
        mode: PutMode,
    ) -> Result<PutResult, object_store::Error> {
        let options = PutOptions { mode, ..PutOptions::default() };
        self.store.put_opts(key, PutPayload::from_bytes(bytes), options).await
    }

    /// Overwrites `key`.
    pub(crate) async fn put(&self, key: &Path, bytes: Bytes) -> Result<PutResult, RemoteError> {
        self.put_raw(key, bytes, PutMode::Overwrite)
            .await
            .map_err(|e| self.cx.store_error("write", key.as_ref(), e))
    }

    /// Deletes `key`; an object already gone is fine.
    pub(crate) async fn delete(&self, key: &Path) -> Result<(), RemoteError> {
        let keys = futures_util::stream::iter([Ok(key.clone())]).boxed();
        let results: Vec<_> = self.store.delete_stream(keys).collect().await;
        for result in results {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.cx.store_error("delete", key.as_ref(), e)),
            }
        }
        Ok(())
    }

    /// Refuses a prefix written in a newer format; writes the format of a new prefix.
    async fn check_format(self: Arc<Inner>) -> Result<(), RemoteError> {
        let key = self.layout.format();
        let bytes = match self.get(&key).await? {
            Some(got) => got.bytes,
            None => {
                let ours = Bytes::from(format!("{FORMAT_VERSION}\n"));
                match self.put_raw(&key, ours.clone(), PutMode::Create).await {
                    Ok(_) => ours,
                    // Another process wrote it first: read what it wrote.
                    Err(object_store::Error::AlreadyExists { .. }) => {
                        self.get(&key).await?.map(|got| got.bytes).unwrap_or(ours)
                    }
                    Err(e) => return Err(self.cx.store_error("write", key.as_ref(), e)),
                }
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let found: u32 = text.trim().parse().map_err(|_| {
            self.cx.damaged(key.as_ref(), format!("expected a format number, found {:?}", text.trim()))
        })?;
        if found > FORMAT_VERSION {
            return Err(RemoteError::NewerFormat {
                object: self.cx.object(key.as_ref()),
                found,
                supported: FORMAT_VERSION,
            });
        }
        self.check_conditional_writes(&key, bytes).await
    }

    /// The lock and the journal rely on the store refusing to create an object that exists
    /// (`If-None-Match: *`). A store that ignores the header would let two runs both take a
    /// lock, so it is found out here: creating `state-format` again, with the bytes it holds
    /// (harmless if written), must be refused.
    async fn check_conditional_writes(&self, key: &Path, bytes: Bytes) -> Result<(), RemoteError> {
        match self.put_raw(key, bytes, PutMode::Create).await {
            Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Ok(_) => Err(RemoteError::Setup {
                url: self.cx.url.clone(),
                detail: "the store ignores conditional writes (it overwrote an object that a write with \
                         If-None-Match: * must not replace); confcopy needs them to keep two runs of a \
                         plan apart, so use a service that supports them (Amazon S3 and most \
                         S3-compatible services do)"
                    .to_string(),
                env: self.cx.scheme.environment(),
            }),
            Err(e) => Err(self.cx.store_error("write", key.as_ref(), e)),
        }
    }
}
