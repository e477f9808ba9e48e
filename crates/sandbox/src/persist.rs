//! Sandbox state on disk between runs: `<state_dir>/sandbox/world.json`, written atomically
//! (temporary file, then rename) and readable by the owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::model::World;
use crate::SandboxError;

pub fn state_file(state_dir: &Path) -> PathBuf {
    state_dir.join("sandbox").join("world.json")
}

pub fn load(file: &Path) -> Result<World, SandboxError> {
    let text = std::fs::read(file)
        .map_err(|source| SandboxError::StateUnreadable { path: file.to_path_buf(), source })?;
    serde_json::from_slice(&text).map_err(|error| SandboxError::NotAState { path: file.to_path_buf(), error })
}

pub fn save(file: &Path, world: &World) -> Result<(), SandboxError> {
    let dir = file.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let tmp = dir.join(format!(".world.json.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        let bytes = serde_json::to_vec(world).map_err(std::io::Error::other)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, file)
    })();
    result.map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        SandboxError::Save { path: file.to_path_buf(), source }
    })
}

fn create_private_dir(dir: &Path) -> Result<(), SandboxError> {
    std::fs::create_dir_all(dir)
        .map_err(|source| SandboxError::CreateDir { path: dir.to_path_buf(), source })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// Deletes the saved state so the next start uses the seed again.
pub fn reset(state_dir: &Path) -> Result<bool, SandboxError> {
    let file = state_file(state_dir);
    match std::fs::remove_file(&file) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(SandboxError::Remove { path: file, source }),
    }
}
