//! What can go wrong with remote state. Every message names the state URL (which never holds
//! credentials) and the object, and says what to fix; text that comes from the store passes
//! through a [`Redactor`] first, so a credential it might echo is never shown.

use std::fmt;

use jiff::Timestamp;

use super::lease::LeaseRecord;
use super::url::Scheme;
use crate::state::StateError;

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error(
        "the state URL {shown} cannot be used: {problem}. Write it as s3://BUCKET/PREFIX \
         (or gs://BUCKET/PREFIX, az://CONTAINER/PREFIX)"
    )]
    Url { shown: String, problem: String },
    #[error(
        "the state store endpoint {endpoint} is plain http to another machine; use https, or set \
         AWS_ALLOW_HTTP=true if the network in between is trusted"
    )]
    PlainHttp { endpoint: String },
    #[error("cannot set up the state store {url}: {detail}; check {env}")]
    Setup { url: String, detail: String, env: &'static str },
    #[error(
        "the state store {url} did not accept the credentials to {action} {object} ({detail}); check {env}"
    )]
    Denied { url: String, action: &'static str, object: String, detail: String, env: &'static str },
    #[error("cannot {action} {object} in the state store {url}: {detail}; {hint}")]
    Store { url: String, action: &'static str, object: String, detail: String, hint: String },
    #[error(
        "{object} was written by a newer confcopy (state format {found}; this one knows up to \
         {supported}); upgrade confcopy or use another --state"
    )]
    NewerFormat { object: String, found: u32, supported: u32 },
    #[error("{object} is damaged: {detail}")]
    Damaged { object: String, detail: String },
    #[error(
        "{object} already exists with other content: a journal segment is never overwritten, so \
         another process is writing this plan's journal; make sure only one apply runs for the plan"
    )]
    SegmentConflict { object: String },
    #[error("{0}")]
    Invalid(String),
    #[error("the state store {url} stopped answering: its I/O thread ended")]
    Stopped { url: String },
    /// The plan's lease in the store was lost while the run held it.
    #[error("the plan's lock in {url} was lost ({why}); this run stops writing")]
    LeaseLost { url: String, why: String },
    #[error(transparent)]
    State(#[from] StateError),
}

/// Why a plan's lock in the store could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error(
        "plan \"{}\" is locked in {url}: {} on {} (pid {}) has been running {} since {} (last \
         renewed {}; the lock lapses {}s after its last renewal); wait for it to finish, or if that \
         process is gone, wait for the lock to lapse or run `confcopy unlock {}`",
        .holder.plan,
        .holder.user,
        .holder.host,
        .holder.pid,
        .holder.operation,
        seconds(&.holder.since),
        seconds(&.holder.renewed_at),
        .holder.lease_ms.div_ceil(1000),
        .holder.plan
    )]
    Held { url: String, holder: Box<LeaseRecord> },
    #[error(
        "plan \"{plan}\" is locked in {url}, and the lock changed hands while confcopy tried to take \
         it; try again"
    )]
    Busy { url: String, plan: String },
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

/// Removes credentials from text that came from the store or its client. Holds the values of the
/// environment variables that name a key, secret, token or password; `Debug` shows only how many.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Collects the values of `vars` whose names suggest a credential. Values shorter than four
    /// characters are left alone: replacing them would mangle ordinary words.
    pub(crate) fn from_vars<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Redactor {
        const MARKS: [&str; 7] =
            ["KEY", "SECRET", "TOKEN", "PASSWORD", "SAS", "CREDENTIAL", "SERVICE_ACCOUNT"];
        let mut secrets: Vec<String> = vars
            .into_iter()
            .filter(|(name, value)| {
                let name = name.to_ascii_uppercase();
                value.len() >= 4 && MARKS.iter().any(|mark| name.contains(mark))
            })
            .map(|(_, value)| value.to_string())
            .collect();
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub(crate) fn clean(&self, text: impl fmt::Display) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "***");
            }
        }
        text
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} values hidden)", self.secrets.len())
    }
}

/// A time in a message: to the second.
fn seconds(time: &Timestamp) -> Timestamp {
    time.round(jiff::Unit::Second).unwrap_or(*time)
}

/// Where an error happened, to turn the store's errors into [`RemoteError`]s.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// The state URL.
    pub url: String,
    /// `s3://bucket`: objects are named under it by their whole key.
    pub bucket_url: String,
    pub scheme: Scheme,
    pub redactor: Redactor,
}

impl Context {
    /// The object at `key`, as messages name it: `s3://bucket/prefix/plans/...`.
    pub(crate) fn object(&self, key: &str) -> String {
        format!("{}/{key}", self.bucket_url)
    }

    /// The store's error for `action` on `key`, with credentials removed from its text.
    pub(crate) fn store_error(
        &self,
        action: &'static str,
        key: &str,
        error: object_store::Error,
    ) -> RemoteError {
        let denied = matches!(
            error,
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
        );
        let detail = condense(&self.redactor.clean(&error));
        let object = self.object(key);
        if denied {
            RemoteError::Denied {
                url: self.url.clone(),
                action,
                object,
                detail,
                env: self.scheme.environment(),
            }
        } else {
            let hint = self.hint(&detail);
            RemoteError::Store { url: self.url.clone(), action, object, detail, hint }
        }
    }

    /// What to do about a store error, guessed from its text.
    fn hint(&self, detail: &str) -> String {
        let lower = detail.to_ascii_lowercase();
        if lower.contains("nosuchbucket") || lower.contains("containernotfound") {
            format!("the bucket in {} does not exist: create it, or fix the state URL", self.url)
        } else if ["error sending request", "connect", "timed out", "timeout", "dns", "resolve"]
            .iter()
            .any(|word| lower.contains(word))
        {
            format!(
                "check that the store can be reached (the endpoint comes from {})",
                self.scheme.environment()
            )
        } else {
            "try again; if it keeps failing, check the store's status and the permissions of these credentials"
                .to_string()
        }
    }

    pub(crate) fn damaged(&self, key: &str, detail: impl fmt::Display) -> RemoteError {
        RemoteError::Damaged { object: self.object(key), detail: self.redactor.clean(detail) }
    }
}

/// The longest store message kept in an error.
const MAX_DETAIL: usize = 600;

/// A store's error on one line: an XML error document becomes its code and message, runs of
/// white space one space, and the whole is cut to [`MAX_DETAIL`] characters.
fn condense(text: &str) -> String {
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_string())
    };
    let text = match (text.find("<?xml").or_else(|| text.find("<Error>")), tag("Code")) {
        (Some(at), Some(code)) => {
            let message = tag("Message").map(|m| format!(": {m}")).unwrap_or_default();
            format!("{}{code}{message}", &text[..at])
        }
        _ => text.to_string(),
    };
    let mut line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > MAX_DETAIL {
        line = line.chars().take(MAX_DETAIL).collect::<String>() + "...";
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credential_values_only() {
        let redactor = Redactor::from_vars([
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"),
            ("AWS_SESSION_TOKEN", "FwoGZXIvYXdz"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ]);
        let text = redactor.clean("key AKIDEXAMPLE secret wJalrXUtnFEMI token FwoGZXIvYXdz in eu-west-1");
        assert_eq!(text, "key *** secret *** token *** in eu-west-1");
        assert_eq!(format!("{redactor:?}"), "Redactor(3 values hidden)");
    }

    #[test]
    fn a_store_error_document_becomes_one_line() {
        let text = "Error performing GET http://127.0.0.1:9000/b/k - 403 Forbidden: <?xml version=\"1.0\"?>\n\
                    <Error><Code>SignatureDoesNotMatch</Code><Message>Check your key.</Message>\
                    <RequestId>abc</RequestId></Error>";
        assert_eq!(
            condense(text),
            "Error performing GET http://127.0.0.1:9000/b/k - 403 Forbidden: SignatureDoesNotMatch: Check your key."
        );
        assert_eq!(condense("a\n  b"), "a b");
        assert!(condense(&"x".repeat(2000)).ends_with("..."));
    }
}
