//! The remote state for synchronous callers: the session's setup, `status`, `unlock`, and the
//! journal's group commit, which uploads each durable stretch right after its fsync, from the
//! blocking-pool thread that ran the fsync.
//!
//! Each call hands its request to the store's own I/O thread (see `io`) and blocks on a
//! channel until the answer is back. It therefore works from any thread that may block: the
//! blocking pool, plain threads, or code outside any runtime. On a runtime's worker thread it
//! works too but stalls that worker for the request's length, as any blocking call would.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;

use super::RemoteState;
use super::error::{LeaseError, RemoteError};
use super::files::PulledPlan;
use super::lease::{LeaseRecord, RemoteLease, RemoteLockStatus};
use super::segments::Compacted;
use crate::state::{LockRecord, PlanDir};

/// A [`RemoteState`] whose calls block until the store answered.
#[derive(Debug, Clone)]
pub struct BlockingRemote {
    state: RemoteState,
}

impl BlockingRemote {
    pub(crate) fn new(state: RemoteState) -> BlockingRemote {
        BlockingRemote { state }
    }

    /// The asynchronous face of the same state.
    pub fn state(&self) -> &RemoteState {
        &self.state
    }

    pub fn url(&self) -> &str {
        self.state.url()
    }

    /// See [`RemoteState::acquire`].
    pub fn acquire(
        &self,
        plan: &str,
        holder: &LockRecord,
        lease: Duration,
    ) -> Result<RemoteLease, LeaseError> {
        self.state.acquire_blocking(plan, holder, lease)
    }

    /// See [`RemoteState::force_unlock`].
    pub fn force_unlock(&self, plan: &str) -> Result<Option<LeaseRecord>, RemoteError> {
        self.state.wait(self.state.force_unlock_op(plan)?)
    }

    /// See [`RemoteState::lock_status`].
    pub fn lock_status(&self, plan: &str) -> Result<RemoteLockStatus, RemoteError> {
        self.state.wait(self.state.lock_status_op(plan)?)
    }

    /// See [`RemoteState::upload_segment`].
    pub fn upload_segment(&self, plan: &str, start: u64, bytes: Bytes) -> Result<(), RemoteError> {
        self.state.wait(self.state.upload_segment_op(plan, start, bytes)?)
    }

    /// See [`RemoteState::download_journal`].
    pub fn download_journal(&self, plan: &str) -> Result<Vec<u8>, RemoteError> {
        self.state.wait(self.state.download_journal_op(plan)?)
    }

    /// See [`RemoteState::compact_journal`].
    pub fn compact_journal(&self, plan: &str) -> Result<Option<Compacted>, RemoteError> {
        self.state.wait(self.state.compact_journal_op(plan)?)
    }

    /// See [`RemoteState::put`].
    pub fn put(&self, plan: &str, relative: &str, bytes: Bytes) -> Result<(), RemoteError> {
        self.state.wait(self.state.put_op(plan, relative, bytes)?)
    }

    /// See [`RemoteState::get`].
    pub fn get(&self, plan: &str, relative: &str) -> Result<Option<Bytes>, RemoteError> {
        self.state.wait(self.state.get_op(plan, relative)?)
    }

    /// See [`RemoteState::list_plans`].
    pub fn list_plans(&self) -> Result<Vec<String>, RemoteError> {
        self.state.wait(self.state.list_plans_op())
    }

    /// See [`RemoteState::delete_plan`].
    pub fn delete_plan(&self, plan: &str) -> Result<usize, RemoteError> {
        self.state.wait(self.state.delete_op(plan, &[super::layout::LOCK])?)
    }

    /// See [`RemoteState::delete_run_data`].
    pub fn delete_run_data(&self, plan: &str) -> Result<usize, RemoteError> {
        self.state.wait(self.state.delete_op(plan, &[super::layout::LOCK, super::layout::RECORD])?)
    }

    /// See [`RemoteState::upload_dir`].
    pub fn upload_dir(&self, plan: &str, relative_dir: &str, local_dir: &Path) -> Result<usize, RemoteError> {
        self.state.wait(self.state.upload_dir_op(plan, relative_dir, local_dir)?)
    }

    /// See [`RemoteState::download_dir`].
    pub fn download_dir(
        &self,
        plan: &str,
        relative_dir: &str,
        local_dir: &Path,
    ) -> Result<usize, RemoteError> {
        self.state.wait(self.state.download_dir_op(plan, relative_dir, local_dir)?)
    }

    /// See [`RemoteState::pull_plan`].
    pub fn pull_plan(&self, local: &PlanDir) -> Result<PulledPlan, RemoteError> {
        self.state.wait(self.state.pull_plan_op(local)?)
    }
}
