//! The one way confcopy replaces a file (state directory and report folders alike): a private
//! temporary file in the same directory (`tempfile`), written and fsync'd, renamed over the
//! target, then the directory fsync'd. A crash at any point leaves the old file or the new one,
//! never a mix; a temporary file a dead process left behind is swept by [`sweep_abandoned`].

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::error::StateError;
use super::operator::pid_is_alive;

const TEMP_SUFFIX: &str = ".tmp";
/// Random characters in a temporary file's name, after the writer's pid.
const TOKEN_LEN: usize = 16;

/// Replaces `path` with `bytes` atomically; the file is readable by the owner only. A link at
/// `path` is replaced, never followed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(StateError::io("write", file.temp_path()))?;
    file.commit()
}

/// A file being written in place of `target`; nothing is visible at `target` until
/// [`commit`](AtomicFile::commit). Dropped without commit, the temporary file is removed.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    /// `.{name}.{pid}.{token}.tmp` beside the target, owner-only from its creation.
    temp: NamedTempFile,
}

impl AtomicFile {
    pub fn create(target: &Path) -> Result<AtomicFile, StateError> {
        let dir = parent(target);
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut builder = tempfile::Builder::new();
        let prefix = format!(".{name}.{}.", std::process::id());
        builder.prefix(&prefix).suffix(TEMP_SUFFIX).rand_bytes(TOKEN_LEN);
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
        let temp = builder.tempfile_in(dir).map_err(StateError::io("create a temporary file for", target))?;
        Ok(AtomicFile { target: target.to_path_buf(), temp })
    }

    /// The temporary file's path (for tests that simulate a crash before the rename).
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Makes the new content durable and visible at the target.
    pub fn commit(self) -> Result<(), StateError> {
        self.temp.as_file().sync_all().map_err(StateError::io("sync", self.temp.path()))?;
        self.temp
            .persist(&self.target)
            .map_err(|e| StateError::io("rename into place", &self.target)(e.error))?;
        sync_dir(parent(&self.target))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.temp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.temp.flush()
    }
}

/// Removes temporary files in `dir` whose writer process is gone; returns how many.
pub fn sweep_abandoned(dir: &Path) -> Result<usize, StateError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(StateError::io("list", dir)(e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(StateError::io("list", dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_writer(&name) else { continue };
        if pid != std::process::id() && !pid_is_alive(pid) {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(StateError::io("remove", &path))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The pid in a temporary file's name `.{name}.{pid}.{token}.tmp`.
fn temp_writer(name: &str) -> Option<u32> {
    let stem = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let mut parts = stem.rsplitn(3, '.');
    let token = parts.next()?;
    let pid = parts.next()?;
    parts.next()?;
    (token.len() == TOKEN_LEN && token.chars().all(|c| c.is_ascii_alphanumeric())).then_some(())?;
    pid.parse().ok()
}

/// Options that create a file readable and writable by the owner only.
pub(crate) fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `dir` (and missing parents) owner-only; tightens an existing one to 0700.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), StateError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(StateError::io("create directory", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir).map_err(StateError::io("inspect", dir))?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::info!(dir = %dir.display(), "state directory was readable by others; making it owner-only");
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(StateError::io("restrict", dir))?;
        }
    }
    Ok(())
}

/// Makes a rename or a new entry in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    File::open(dir).and_then(|d| d.sync_all()).map_err(StateError::io("sync", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::temp_writer;

    #[test]
    fn temporary_names_carry_the_writer_pid() {
        assert_eq!(temp_writer(".record.json.4242.00000000deadbeef.tmp"), Some(4242));
        assert_eq!(temp_writer(".users.csv.77.aZ09bY18cX27dW36.tmp"), Some(77));
        assert_eq!(temp_writer("record.json"), None);
        assert_eq!(temp_writer(".record.json.tmp"), None);
    }
}
