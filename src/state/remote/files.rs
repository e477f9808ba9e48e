//! A plan's other objects: its record, its runs' reports, the list of plans, and deleting a
//! plan's data when it expires; and bringing a plan's record and journal down into the local
//! mirror before a run.

use std::path::{Path as LocalPath, PathBuf};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::ObjectStore;
use object_store::path::Path;

use super::error::RemoteError;
use super::layout::{LOCK, RECORD, is_file_name};
use super::{Inner, RemoteState};
use crate::state::PlanDir;
use crate::state::atomic::{create_private_dir, write_atomic};
use crate::state::dir::is_plan_name;
use crate::state::error::StateError;

/// What [`pull_plan`](RemoteState::pull_plan) brought into the local mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledPlan {
    /// Whether the store had a record for the plan.
    pub record: bool,
    /// The journal's length: where the next segment starts.
    pub journal_bytes: u64,
}

impl RemoteState {
    /// Writes `plans/<plan>/<relative>` (e.g. `record.json`), replacing it.
    pub async fn put(&self, plan: &str, relative: &str, bytes: Bytes) -> Result<(), RemoteError> {
        self.run(self.put_op(plan, relative, bytes)?).await
    }

    pub(crate) fn put_op(
        &self,
        plan: &str,
        relative: &str,
        bytes: Bytes,
    ) -> Result<impl Future<Output = Result<(), RemoteError>> + Send + 'static, RemoteError> {
        let key = self.inner.layout.plan_file(plan, relative)?;
        let inner = self.inner.clone();
        Ok(async move { inner.put(&key, bytes).await.map(|_| ()) })
    }

    /// Reads `plans/<plan>/<relative>`; `None` when there is no such object.
    pub async fn get(&self, plan: &str, relative: &str) -> Result<Option<Bytes>, RemoteError> {
        self.run(self.get_op(plan, relative)?).await
    }

    pub(crate) fn get_op(
        &self,
        plan: &str,
        relative: &str,
    ) -> Result<impl Future<Output = Result<Option<Bytes>, RemoteError>> + Send + 'static, RemoteError> {
        let key = self.inner.layout.plan_file(plan, relative)?;
        let inner = self.inner.clone();
        Ok(async move { Ok(inner.get(&key).await?.map(|got| got.bytes)) })
    }

    /// The names of the plans that have objects in the store, sorted.
    pub async fn list_plans(&self) -> Result<Vec<String>, RemoteError> {
        self.run(self.list_plans_op()).await
    }

    pub(crate) fn list_plans_op(
        &self,
    ) -> impl Future<Output = Result<Vec<String>, RemoteError>> + Send + 'static {
        let inner = self.inner.clone();
        async move {
            let plans = inner.layout.plans();
            let listed = inner
                .store
                .list_with_delimiter(Some(&plans))
                .await
                .map_err(|e| inner.cx.store_error("list", plans.as_ref(), e))?;
            let mut names: Vec<String> = listed
                .common_prefixes
                .iter()
                .filter_map(|prefix| prefix.filename())
                .filter(|name| is_plan_name(name))
                .map(str::to_string)
                .collect();
            names.sort();
            Ok(names)
        }
    }

    /// Deletes every object of the plan but its lock (which its holder releases). Returns how
    /// many were deleted.
    pub async fn delete_plan(&self, plan: &str) -> Result<usize, RemoteError> {
        self.run(self.delete_op(plan, &[LOCK])?).await
    }

    /// Deletes the plan's run data (journal, reports) but not its record or lock: what expiry
    /// does before it writes the tombstone record. Returns how many objects were deleted.
    pub async fn delete_run_data(&self, plan: &str) -> Result<usize, RemoteError> {
        self.run(self.delete_op(plan, &[LOCK, RECORD])?).await
    }

    pub(crate) fn delete_op(
        &self,
        plan: &str,
        keep: &'static [&'static str],
    ) -> Result<impl Future<Output = Result<usize, RemoteError>> + Send + 'static, RemoteError> {
        let dir = self.inner.layout.plan(plan)?;
        let inner = self.inner.clone();
        Ok(async move {
            let kept: Vec<Path> = keep.iter().map(|name| dir.clone().join(*name)).collect();
            let keys: Vec<Path> =
                inner.list(&dir).await?.into_iter().filter(|key| !kept.contains(key)).collect();
            inner.delete_all(&dir, keys).await
        })
    }

    /// Uploads the files under `local_dir` (recursively; symbolic links are skipped) to
    /// `plans/<plan>/<relative_dir>/`: a run's reports at its end. Returns how many were sent.
    pub async fn upload_dir(
        &self,
        plan: &str,
        relative_dir: &str,
        local_dir: &LocalPath,
    ) -> Result<usize, RemoteError> {
        self.run(self.upload_dir_op(plan, relative_dir, local_dir)?).await
    }

    pub(crate) fn upload_dir_op(
        &self,
        plan: &str,
        relative_dir: &str,
        local_dir: &LocalPath,
    ) -> Result<impl Future<Output = Result<usize, RemoteError>> + Send + 'static, RemoteError> {
        let dir = self.inner.layout.plan_file(plan, relative_dir)?;
        let local_dir = local_dir.to_path_buf();
        let inner = self.inner.clone();
        Ok(async move {
            let walked = local_dir.clone();
            let files = tokio::task::spawn_blocking(move || walk(&walked)).await.map_err(|e| {
                RemoteError::Invalid(format!("listing {} stopped: {e}", local_dir.display()))
            })??;
            for (parts, path) in &files {
                let key = parts.iter().fold(dir.clone(), |key, part| key.join(part.as_str()));
                let bytes = tokio::fs::read(path).await.map_err(StateError::io("read", path))?;
                inner.put(&key, Bytes::from(bytes)).await?;
            }
            Ok(files.len())
        })
    }

    /// Downloads the objects under `plans/<plan>/<relative_dir>/` into `local_dir`, owner-only
    /// (a run's reports, for `show`). Returns how many were written.
    pub async fn download_dir(
        &self,
        plan: &str,
        relative_dir: &str,
        local_dir: &LocalPath,
    ) -> Result<usize, RemoteError> {
        self.run(self.download_dir_op(plan, relative_dir, local_dir)?).await
    }

    pub(crate) fn download_dir_op(
        &self,
        plan: &str,
        relative_dir: &str,
        local_dir: &LocalPath,
    ) -> Result<impl Future<Output = Result<usize, RemoteError>> + Send + 'static, RemoteError> {
        let dir = self.inner.layout.plan_file(plan, relative_dir)?;
        let local_dir = local_dir.to_path_buf();
        let inner = self.inner.clone();
        Ok(async move {
            let keys = inner.list(&dir).await?;
            let mut written = 0;
            for key in keys {
                let Some(parts) = key.prefix_match(&dir) else { continue };
                let parts: Vec<String> = parts.map(|part| part.as_ref().to_string()).collect();
                if parts.is_empty() || !parts.iter().all(|part| is_file_name(part)) {
                    return Err(inner.cx.damaged(key.as_ref(), "its name is not a plain file name"));
                }
                let Some(got) = inner.get(&key).await? else { continue };
                let path = parts.iter().fold(local_dir.clone(), |path, part| path.join(part));
                write_local(path, Some(got.bytes)).await?;
                written += 1;
            }
            Ok(written)
        })
    }

    /// Brings the plan's record and journal from the store into `local` (the private mirror),
    /// replacing what is there: a file the store does not have is removed. Returns what came
    /// down; the journal's length is where the next segment starts.
    pub async fn pull_plan(&self, local: &PlanDir) -> Result<PulledPlan, RemoteError> {
        self.run(self.pull_plan_op(local)?).await
    }

    pub(crate) fn pull_plan_op(
        &self,
        local: &PlanDir,
    ) -> Result<impl Future<Output = Result<PulledPlan, RemoteError>> + Send + 'static, RemoteError> {
        let record_key = self.inner.layout.plan_file(local.name(), RECORD)?;
        let journal = self.download_journal_op(local.name())?;
        let (record_path, journal_path) = (local.record_path(), local.journal_path());
        let inner = self.inner.clone();
        Ok(async move {
            let record = inner.get(&record_key).await?.map(|got| got.bytes);
            let journal = journal.await?;
            let pulled = PulledPlan { record: record.is_some(), journal_bytes: journal.len() as u64 };
            write_local(record_path, record).await?;
            write_local(journal_path, (!journal.is_empty()).then(|| Bytes::from(journal))).await?;
            Ok(pulled)
        })
    }
}

impl Inner {
    /// Every key under `dir`, recursively.
    async fn list(&self, dir: &Path) -> Result<Vec<Path>, RemoteError> {
        let listed: Vec<_> = self
            .store
            .list(Some(dir))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(|e| self.cx.store_error("list", dir.as_ref(), e))?;
        Ok(listed)
    }

    /// Deletes `keys` (found under `dir`); ones already gone are fine. Returns how many.
    async fn delete_all(&self, dir: &Path, keys: Vec<Path>) -> Result<usize, RemoteError> {
        let count = keys.len();
        let stream = futures_util::stream::iter(keys.into_iter().map(Ok)).boxed();
        let results: Vec<_> = self.store.delete_stream(stream).collect().await;
        for result in results {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.cx.store_error("delete", dir.as_ref(), e)),
            }
        }
        Ok(count)
    }
}

/// Writes (owner-only, atomically) or, for `None`, removes a local file, off the I/O thread.
async fn write_local(path: PathBuf, bytes: Option<Bytes>) -> Result<(), RemoteError> {
    tokio::task::spawn_blocking(move || -> Result<(), StateError> {
        match bytes {
            Some(bytes) => {
                if let Some(parent) = path.parent() {
                    create_private_dir(parent)?;
                }
                write_atomic(&path, &bytes)
            }
            None => match std::fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(StateError::io("remove", &path)(e)),
            },
        }
    })
    .await
    .map_err(|e| RemoteError::Invalid(format!("writing a local file stopped: {e}")))?
    .map_err(RemoteError::from)
}

/// The regular files under `root` with their path parts relative to it, sorted; a name that
/// cannot be an object's name is refused.
fn walk(root: &LocalPath) -> Result<Vec<(Vec<String>, PathBuf)>, RemoteError> {
    let mut files = Vec::new();
    let mut pending = vec![(Vec::<String>::new(), root.to_path_buf())];
    while let Some((parts, dir)) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(StateError::io("list", &dir))? {
            let entry = entry.map_err(StateError::io("list", &dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(StateError::io("inspect", &path))?;
            if kind.is_symlink() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_file_name(&name) {
                return Err(RemoteError::Invalid(format!(
                    "{} cannot be uploaded to the state store: use names of letters, digits, '-', '_' and '.'",
                    path.display()
                )));
            }
            let mut inner = parts.clone();
            inner.push(name);
            if kind.is_dir() {
                pending.push((inner, path));
            } else if kind.is_file() {
                files.push((inner, path));
            }
        }
    }
    files.sort();
    Ok(files)
}
