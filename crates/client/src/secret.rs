//! A secret string (API token, org API key) that never shows in `Debug` or `Display`: the one
//! type for credentials, from the settings that read them to the client that sends them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A credential value. Formatting prints `***`; only [`Secret::expose`] reveals it, and only the
/// code that writes the `Authorization` header calls that. Serde reads and writes the bare string
/// (settings layers pass through it); an empty secret is a missing one.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value, for building an `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (a missing token in the settings).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}
