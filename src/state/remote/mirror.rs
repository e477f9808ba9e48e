//! The local mirror's link to the store during a run: the journal's synced lines go up as
//! segments before the writes they guard, and a lost lease stops the run from writing.

use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Mutex;

use bytes::Bytes;
use tokio::sync::watch;

use super::RemoteError;
use super::blocking::BlockingRemote;
use super::lease::LeaseState;
use crate::state::StateError;
use crate::state::sink::{JournalSink, SinkError};

/// Hands a plan's journal to the store, one segment per sync.
#[derive(Debug)]
pub struct RemoteJournal {
    remote: BlockingRemote,
    plan: String,
    /// The mirror's journal file.
    path: PathBuf,
    /// How many bytes of the journal the store holds.
    uploaded: Mutex<u64>,
    /// The plan's lease: once lost, nothing more is handed over (and so nothing more written).
    lease: Option<watch::Receiver<LeaseState>>,
}

impl RemoteJournal {
    /// `uploaded` is the length of the journal as it came down from the store.
    pub fn new(
        remote: BlockingRemote,
        plan: &str,
        path: PathBuf,
        uploaded: u64,
        lease: Option<watch::Receiver<LeaseState>>,
    ) -> RemoteJournal {
        RemoteJournal { remote, plan: plan.to_string(), path, uploaded: Mutex::new(uploaded), lease }
    }
}

impl JournalSink for RemoteJournal {
    fn flush(&self, upto: u64) -> Result<(), SinkError> {
        if let Some(lease) = &self.lease
            && let LeaseState::Lost(why) = &*lease.borrow()
        {
            let error = RemoteError::LeaseLost { url: self.remote.url().to_string(), why: why.clone() };
            return Err(error.into());
        }
        let mut uploaded = self.uploaded.lock().unwrap_or_else(|e| e.into_inner());
        if upto <= *uploaded {
            return Ok(());
        }
        let file = std::fs::File::open(&self.path).map_err(StateError::io("read", &self.path))?;
        let mut stretch = vec![0u8; (upto - *uploaded) as usize];
        file.read_exact_at(&mut stretch, *uploaded).map_err(StateError::io("read", &self.path))?;
        self.remote.upload_segment(&self.plan, *uploaded, Bytes::from(stretch))?;
        *uploaded = upto;
        Ok(())
    }
}
