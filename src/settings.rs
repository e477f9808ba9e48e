//! Layered settings: defaults < settings file < environment (`CONFCOPY_*`) < command-line flags.
//!
//! Credentials live here and nowhere else: never in plan files, never printed. The settings
//! file may hold them, so it must be readable by its owner only.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A credential. Shown as `***` in every rendering.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it (an Authorization header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How confcopy signs in to one site of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteCredentials {
    /// Account email for Basic auth with an API token.
    pub email: Option<String>,
    /// Classic API token (Basic auth with `email`).
    pub token: Option<Secret>,
    /// Scoped API token or OAuth access token, sent through api.atlassian.com.
    pub bearer_token: Option<Secret>,
    /// Organization admin API key, for users, groups and product access.
    pub org_api_key: Option<Secret>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line, for scheduled jobs and log collectors.
    Json,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where run state, journals, reports and sandbox sites live.
    pub state_dir: Option<PathBuf>,
    pub log_format: LogFormat,
    /// Where bearer tokens and organization API keys go [default: https://api.atlassian.com].
    /// Tests point it at a loopback sandbox.
    pub api_gateway: Option<String>,
    pub source: SiteCredentials,
    pub destination: SiteCredentials,
}

/// Values given on the command line; `None` leaves lower layers in charge.
#[derive(Debug, Default, Serialize)]
pub struct Flags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

/// Why settings could not be read. Never holds a credential.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(
        "the settings file {path} can be read by other users, and it holds credentials\n  help: run `chmod 600 {path}`"
    )]
    Exposed { path: String },
    #[error("the settings are invalid: {0}")]
    Invalid(String),
}

impl Settings {
    /// Reads every layer. `file` is the settings file named by `--config` or `CONFCOPY_CONFIG`;
    /// without one, the user's config directory is tried.
    pub fn load(file: Option<&Path>, flags: &Flags) -> Result<Settings, SettingsError> {
        let file = file.map(Path::to_path_buf).or_else(default_file);
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file.as_deref().filter(|p| p.exists()) {
            guard_permissions(path)?;
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(environment()).merge(Serialized::defaults(flags));
        // figment's errors name keys and files, never values, so no secret leaks through them.
        figment.extract().map_err(|e| SettingsError::Invalid(e.to_string()))
    }

    /// The state directory: the setting, or `.confcopy` in the working directory.
    pub fn state_dir(&self) -> PathBuf {
        self.state_dir.clone().unwrap_or_else(|| PathBuf::from(".confcopy"))
    }
}

/// `CONFCOPY_SOURCE_EMAIL` → `source.email`, `CONFCOPY_STATE_DIR` → `state_dir`.
fn environment() -> Env {
    Env::prefixed("CONFCOPY_")
        .ignore(&["config", "log"])
        .map(|key| {
            let key = key.as_str().to_ascii_lowercase();
            let key = key.as_str();
            for role in ["source", "destination"] {
                if let Some(rest) = key.strip_prefix(role).and_then(|r| r.strip_prefix('_')) {
                    return format!("{role}.{rest}").into();
                }
            }
            key.to_string().into()
        })
        .split(".")
}

fn default_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("confcopy").join("config.toml"))
}

/// A settings file that holds credentials must be private to its owner.
fn guard_permissions(path: &Path) -> Result<(), SettingsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map(|m| m.permissions().mode()).unwrap_or(0);
        let holds_secrets = std::fs::read_to_string(path)
            .map(|text| ["token", "org_api_key"].iter().any(|word| text.contains(word)))
            .unwrap_or(false);
        if holds_secrets && mode & 0o077 != 0 {
            return Err(SettingsError::Exposed { path: path.display().to_string() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let creds = SiteCredentials { token: Some(Secret::new("hunter2")), ..Default::default() };
        assert!(!format!("{creds:?}").contains("hunter2"));
    }

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closure returns its own error type")]
    fn layers_override_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "config.toml",
                "state_dir = \"from-file\"\nlog_format = \"json\"\n[source]\nemail = \"file@x\"\n",
            )?;
            jail.set_env("CONFCOPY_STATE_DIR", "from-env");
            jail.set_env("CONFCOPY_SOURCE_EMAIL", "env@x");
            let settings = Settings::load(Some(Path::new("config.toml")), &Flags::default()).unwrap();
            assert_eq!(settings.state_dir, Some(PathBuf::from("from-env")));
            assert_eq!(settings.log_format, LogFormat::Json);
            assert_eq!(settings.source.email.as_deref(), Some("env@x"));
            let flags = Flags { state_dir: Some("from-flag".into()), ..Default::default() };
            let settings = Settings::load(Some(Path::new("config.toml")), &flags).unwrap();
            assert_eq!(settings.state_dir, Some(PathBuf::from("from-flag")));
            Ok(())
        });
    }
}
