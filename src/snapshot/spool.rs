//! Bodies spooled to a file while a copy runs, so that memory holds only where each body is:
//! a 100,000-page space costs a few megabytes of offsets, not gigabytes of text.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

/// Where one body lives in the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct BodyRef {
    offset: u64,
    len: u32,
}

/// An append-only file of bodies. Reads and writes are serialised by a lock; both are short.
#[derive(Debug)]
pub struct Spool {
    file: Mutex<File>,
    /// The folder the spool is in (the run's work folder): other temporary files of the run go
    /// beside it.
    dir: std::path::PathBuf,
}

impl Spool {
    /// A spool in `dir`, removed when the spool is dropped (it lives in a temporary file).
    pub fn new(dir: &Path) -> std::io::Result<Spool> {
        std::fs::create_dir_all(dir)?;
        let file = tempfile::tempfile_in(dir)?;
        Ok(Spool { file: Mutex::new(file), dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn put(&self, body: &str) -> std::io::Result<BodyRef> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let offset = file.seek(SeekFrom::End(0))?;
        file.write_all(body.as_bytes())?;
        let len = u32::try_from(body.len())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "a body over 4 GiB"))?;
        Ok(BodyRef { offset, len })
    }

    pub fn get(&self, at: BodyRef) -> std::io::Result<String> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.seek(SeekFrom::Start(at.offset))?;
        let mut bytes = vec![0; at.len as usize];
        file.read_exact(&mut bytes)?;
        String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back_as_they_went_in() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path()).unwrap();
        let a = spool.put("<p>première</p>").unwrap();
        let b = spool.put("").unwrap();
        let c = spool.put("<p>second</p>").unwrap();
        assert_eq!(spool.get(c).unwrap(), "<p>second</p>");
        assert_eq!(spool.get(a).unwrap(), "<p>première</p>");
        assert_eq!(spool.get(b).unwrap(), "");
    }
}
