//! Sandbox state on disk between runs: `<state_dir>/sandbox/world.json`, written atomically
//! (temporary file, then rename) and readable by the owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::model::World;

pub fn state_file(state_dir: &Path) -> PathBuf {
    state_dir.join("sandbox").join("world.json")
}

pub fn load(file: &Path) -> Result<World, String> {
    let text = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not a sandbox state ({e}); run `confcopy sandbox reset`", file.display()))
}

pub fn save(file: &Path, world: &World) -> Result<(), String> {
    let dir = file.parent().ok_or("state file has no directory")?;
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
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot save sandbox state to {}: {e}", file.display())
    })
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// Deletes the saved state so the next start uses the seed again.
pub fn reset(state_dir: &Path) -> Result<bool, String> {
    let file = state_file(state_dir);
    match std::fs::remove_file(&file) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("cannot remove {}: {e}", file.display())),
    }
}
