//! Shared test helpers: run the `confcopy` binary like a user would, and compare snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A `confcopy` invocation: `Confcopy::new(["check", "--offline", "p.toml"]).run()`.
pub struct Confcopy {
    command: Command,
}

impl Confcopy {
    pub fn new<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(env!("CARGO_BIN_EXE_confcopy"));
        command
            .args(args)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env_remove("CONFCOPY_CONFIG")
            .env("XDG_CONFIG_HOME", "/nonexistent-confcopy-test-config")
            .stdin(Stdio::null());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CONFCOPY_") {
                command.env_remove(key);
            }
        }
        Self { command }
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Signs in to two sandbox sites through the environment, as a scheduled job would, with
    /// the organization admin API served by the destination's sandbox.
    pub fn with_sites(
        self,
        source: &confcopy_sandbox::SiteHandle,
        destination: &confcopy_sandbox::SiteHandle,
    ) -> Self {
        confcopy_sandbox::SiteHandle::signed_in_env(source, destination)
            .into_iter()
            .fold(self, |command, (name, value)| command.env(name, value))
    }

    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// The command as built, to spawn with other settings.
    pub fn into_command(self) -> Command {
        self.command
    }

    /// Starts the binary without waiting, its output captured (for tests that kill it).
    pub fn spawn(mut self) -> std::process::Child {
        self.command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the confcopy binary starts")
    }

    pub fn run(mut self) -> Run {
        let output = self.command.output().expect("the confcopy binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Every `.rs` file under `dir` with its text, sorted by path.
pub fn rust_sources(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}
