//! Layered settings: defaults < settings file < environment (`CONFCOPY_*`) < command-line flags.
//!
//! Credentials live here and nowhere else: never in plan files, never printed. The settings
//! file may hold them, so it must be readable by its owner only.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A credential, the client's own type: shown as `***` in every rendering.
pub use crate::client::Secret;

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

impl SiteCredentials {
    /// An account's email and API token (Basic auth), with the organization's admin API key.
    pub fn basic(email: &str, token: &str, org_api_key: Option<&str>) -> SiteCredentials {
        SiteCredentials {
            email: Some(email.to_owned()),
            token: Some(Secret::new(token)),
            bearer_token: None,
            org_api_key: org_api_key.map(Secret::new),
        }
    }
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
    /// Where plan state (records, journals, locks, reports) lives when not in `state_dir`: an
    /// object store URL (`s3://bucket/prefix`, `gs://…`, `az://…`), whose credentials come from
    /// that store's usual environment. A plain path is the same as `state_dir`.
    pub state: Option<String>,
    /// How long a lock in a state store holds without its holder renewing it (it renews every
    /// third of that); another runner may take a lapsed lock over [default: 2m]. Keep it well
    /// above the clock difference between machines.
    pub state_lease: Option<Wait>,
    pub log_format: LogFormat,
    /// Where bearer tokens and organization API keys go [default: https://api.atlassian.com].
    /// Tests point it at a loopback sandbox.
    pub api_gateway: Option<String>,
    pub source: SiteCredentials,
    pub destination: SiteCredentials,
    /// The longest wait a site may ask for (`Retry-After`) before confcopy stops sending to it:
    /// the run then starts no new work, ends Incomplete and says when to run it again
    /// [default: 5m]. Seconds (`300`) or a number with `s`, `m` or `h` (`90s`, `5m`, `1h`).
    pub max_retry_wait: Option<Wait>,
}

/// A duration setting: seconds (`300`) or a number with `s`, `m` or `h` (`90s`, `5m`, `1h`),
/// at most a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait(std::time::Duration);

impl Wait {
    /// The longest wait a setting may name.
    pub const MAX: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

    pub fn new(duration: std::time::Duration) -> Result<Wait, WaitError> {
        if duration > Self::MAX {
            return Err(WaitError::TooLong { seconds: duration.as_secs() });
        }
        Ok(Wait(duration))
    }

    pub fn get(self) -> std::time::Duration {
        self.0
    }
}

/// Why text or a number is not a [`Wait`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    #[error("not a duration: write seconds (300) or a number with s, m or h (90s, 5m, 1h)")]
    NotADuration,
    #[error("{seconds}s is more than a day (86400s)")]
    TooLong { seconds: u64 },
}

impl std::str::FromStr for Wait {
    type Err = WaitError;

    /// Bare digits are seconds; anything else is read by jiff's friendly duration parser, which
    /// takes `90s`, `5m`, `1h` (and `1h 30m`, `2.5m`), refuses days and negatives.
    fn from_str(text: &str) -> Result<Wait, WaitError> {
        static DURATION: jiff::fmt::friendly::SpanParser = jiff::fmt::friendly::SpanParser::new();
        let text = text.trim();
        let duration = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            std::time::Duration::from_secs(text.parse().map_err(|_| WaitError::NotADuration)?)
        } else {
            DURATION.parse_unsigned_duration(text).map_err(|_| WaitError::NotADuration)?
        };
        Wait::new(duration)
    }
}

/// jiff's compact friendly form (`90s` prints as `1m 30s`), which [`FromStr`](std::str::FromStr)
/// reads back exactly.
impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        static PRINTER: jiff::fmt::friendly::SpanPrinter =
            jiff::fmt::friendly::SpanPrinter::new().designator(jiff::fmt::friendly::Designator::Compact);
        f.write_str(&PRINTER.unsigned_duration_to_string(&self.0))
    }
}

impl Serialize for Wait {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Wait {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Wait, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Seconds(seconds) => Wait::new(std::time::Duration::from_secs(seconds)),
            Raw::Text(text) => text.parse(),
        }
        .map_err(serde::de::Error::custom)
    }
}

/// A settings error in words that name the key, where it came from and what was expected, but
/// never the value found (it may be a token given under the wrong key).
fn describe(error: figment::Error) -> String {
    use figment::error::Kind;
    let mut lines = Vec::new();
    for e in error {
        let key =
            if e.path.is_empty() { "the settings".to_string() } else { format!("`{}`", e.path.join(".")) };
        let problem = match &e.kind {
            Kind::Message(message) => message.clone(),
            Kind::InvalidType(actual, expected) => {
                format!("expected {expected}, found {}", type_name(actual))
            }
            Kind::InvalidValue(actual, expected) => {
                format!("invalid {} value, expected {expected}", type_name(actual))
            }
            Kind::InvalidLength(length, expected) => format!("{length} items, expected {expected}"),
            Kind::UnknownVariant(_, expected) => {
                format!("unknown choice, expected one of: {}", expected.join(", "))
            }
            Kind::UnknownField(name, []) => format!("unknown key `{name}`"),
            Kind::UnknownField(name, expected) => {
                format!("unknown key `{name}`, expected one of: {}", expected.join(", "))
            }
            Kind::MissingField(name) => format!("missing key `{name}`"),
            Kind::DuplicateField(name) => format!("`{name}` is given twice"),
            Kind::ISizeOutOfRange(_) | Kind::USizeOutOfRange(_) => "a number out of range".to_string(),
            Kind::Unsupported(actual) => format!("{} values are not supported", type_name(actual)),
            Kind::UnsupportedKey(actual, needed) => {
                format!("a {} key where {needed} is needed", type_name(actual))
            }
        };
        let origin = e.metadata.as_ref().map(|m| match &m.source {
            Some(source) => format!(" (in {} {source})", m.name),
            None => format!(" (in {})", m.name),
        });
        lines.push(format!("{key}: {problem}{}", origin.unwrap_or_default()));
    }
    lines.join("; ")
}

/// The kind of a value, without the value.
fn type_name(actual: &figment::error::Actual) -> &'static str {
    use figment::error::Actual;
    match actual {
        Actual::Bool(_) => "a boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "an integer",
        Actual::Float(_) => "a float",
        Actual::Char(_) | Actual::Str(_) => "a string",
        Actual::Bytes(_) => "bytes",
        Actual::Unit | Actual::Option => "an empty value",
        Actual::Seq => "a list",
        Actual::Map | Actual::NewtypeStruct | Actual::StructVariant => "a table",
        Actual::Enum
        | Actual::UnitVariant
        | Actual::NewtypeVariant
        | Actual::TupleVariant
        | Actual::Other(_) => "another kind of value",
    }
}

/// Where plan state (records, journals, locks, reports) lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    Local(PathBuf),
    /// An object store URL: a private local mirror is kept in step with it during a command.
    Remote(String),
}

/// Values given on the command line; `None` leaves lower layers in charge.
#[derive(Debug, Default, Serialize)]
pub struct Flags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retry_wait: Option<Wait>,
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
        // figment's own messages quote the offending value, which may be a credential put under
        // the wrong key: the message is rebuilt from the error's parts, with types but no values.
        figment.extract().map_err(|e| SettingsError::Invalid(describe(e)))
    }

    /// The client tuning these settings change (`max_retry_wait`), applied to `options`.
    pub fn tune(&self, options: crate::client::ClientOptions) -> crate::client::ClientOptions {
        match self.max_retry_wait {
            Some(wait) => options.with_max_retry_wait(wait.get()),
            None => options,
        }
    }

    /// Where plan state lives: `state` when it is a store URL (`scheme://…`), else the local
    /// state directory (`state` as a path, or [`state_dir`](Settings::state_dir)).
    pub fn state_location(&self) -> StateLocation {
        match &self.state {
            Some(url) if url.contains("://") => StateLocation::Remote(url.clone()),
            Some(path) => StateLocation::Local(PathBuf::from(path)),
            None => StateLocation::Local(self.state_dir()),
        }
    }

    /// The lease of a lock in a state store.
    pub fn state_lease(&self) -> std::time::Duration {
        self.state_lease
            .map_or(std::time::Duration::from_secs(120), |w| w.get().max(std::time::Duration::from_secs(1)))
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
    fn waits_print_in_a_form_they_read_back() {
        for text in ["0", "90s", "5m", "1h 30m", "2.5m", "1500ms"] {
            let wait: Wait = text.parse().unwrap();
            assert_eq!(wait.to_string().parse::<Wait>(), Ok(wait), "{text} printed as {wait}");
        }
        assert_eq!("90".parse::<Wait>().unwrap().to_string(), "1m 30s");
    }

    #[test]
    fn waits_read_as_seconds_or_with_a_unit() {
        let secs = |text: &str| text.parse::<Wait>().map(|w| w.get().as_secs());
        assert_eq!(secs("300"), Ok(300));
        assert_eq!(secs("90s"), Ok(90));
        assert_eq!(secs("5m"), Ok(300));
        assert_eq!(secs(" 1h "), Ok(3600));
        assert_eq!(secs("0"), Ok(0));
        assert!(secs("2d").unwrap_err().to_string().contains("not a duration"));
        assert!(secs("soon").unwrap_err().to_string().contains("write seconds (300)"));
        assert!(secs("-5").is_err());
        assert!(secs("25h").unwrap_err().to_string().contains("more than a day"));
        assert!(secs("99999999999999999999").is_err());
    }

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closure returns its own error type")]
    fn max_retry_wait_comes_from_file_env_and_flag() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("config.toml", "max_retry_wait = \"10m\"\n")?;
            let load = |flags: &Flags| Settings::load(Some(Path::new("config.toml")), flags).unwrap();
            let wait = |s: Settings| s.tune(crate::client::ClientOptions::default()).max_retry_wait.as_secs();
            assert_eq!(wait(load(&Flags::default())), 600);
            jail.set_env("CONFCOPY_MAX_RETRY_WAIT", "120");
            assert_eq!(wait(load(&Flags::default())), 120);
            let flags = Flags { max_retry_wait: Some("1h".parse().unwrap()), ..Default::default() };
            assert_eq!(wait(load(&flags)), 3600);
            jail.set_env("CONFCOPY_MAX_RETRY_WAIT", "later");
            let error = Settings::load(Some(Path::new("config.toml")), &Flags::default()).unwrap_err();
            assert!(error.to_string().contains("not a duration"), "{error}");
            Ok(())
        });
        let defaults = Settings::default().tune(crate::client::ClientOptions::default());
        assert_eq!(defaults.max_retry_wait, crate::client::DEFAULT_MAX_RETRY_WAIT);
    }

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closure returns its own error type")]
    fn errors_never_quote_the_value_found() {
        figment::Jail::expect_with(|jail| {
            let token = "ATATT3xFfGF0-wrong-place-7c41";
            let load = || Settings::load(Some(Path::new("config.toml")), &Flags::default()).unwrap_err();
            let cases = [
                format!("source = \"{token}\"\n"),
                "[source]\ntoken = 12345678\n".to_string(),
                format!("log_format = \"{token}\"\n"),
                format!("max_retry_wait = \"{token}\"\n"),
            ];
            for case in cases {
                jail.create_file("config.toml", &case)?;
                std::fs::set_permissions("config.toml", std::os::unix::fs::PermissionsExt::from_mode(0o600))
                    .map_err(|e| e.to_string())?;
                let error = load().to_string();
                assert!(!error.contains(token) && !error.contains("12345678"), "{error}");
                assert!(error.contains("in TOML file"), "{error}");
            }
            jail.create_file("config.toml", "")?;
            jail.set_env("CONFCOPY_SOURCE", token);
            let error = load().to_string();
            assert!(!error.contains(token), "{error}");
            assert!(error.contains("`source`: expected") && error.contains("found a string"), "{error}");
            Ok(())
        });
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
