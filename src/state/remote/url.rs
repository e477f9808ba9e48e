//! The state URL (`--state`, `CONFCOPY_STATE`, settings key `state`): which store, which bucket
//! or container, and which prefix in it. A URL never carries credentials: those come from the
//! store's own environment, and a URL that holds some is refused without being repeated.

use std::fmt;

use super::error::RemoteError;

/// The kind of object store a state URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `s3://BUCKET/PREFIX`: Amazon S3 or any S3-compatible service.
    S3,
    /// `gs://BUCKET/PREFIX`: Google Cloud Storage.
    Gcs,
    /// `az://CONTAINER/PREFIX`: Azure Blob Storage (the account comes from the environment).
    Azure,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::S3 => "s3",
            Scheme::Gcs => "gs",
            Scheme::Azure => "az",
        }
    }

    /// The environment that configures this store, for messages that say what to fix.
    pub fn environment(self) -> &'static str {
        match self {
            Scheme::S3 => {
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and, for a service other than \
                 Amazon S3, AWS_ENDPOINT_URL"
            }
            Scheme::Gcs => "GOOGLE_SERVICE_ACCOUNT (or GOOGLE_APPLICATION_CREDENTIALS)",
            Scheme::Azure => "AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY",
        }
    }
}

/// A parsed state URL: scheme, bucket and a prefix of plain path segments (maybe none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateUrl {
    scheme: Scheme,
    bucket: String,
    prefix: Vec<String>,
}

impl StateUrl {
    pub fn parse(text: &str) -> Result<StateUrl, RemoteError> {
        let bad = |problem: &str| RemoteError::Url { shown: shown(text), problem: problem.to_string() };
        let text = text.trim();
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(bad("it has no scheme"));
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" => Scheme::S3,
            "gs" => Scheme::Gcs,
            "az" | "azure" => Scheme::Azure,
            _ => return Err(bad("the scheme is not one of s3, gs or az")),
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.contains('@') {
            return Err(bad(
                "it holds credentials; give them through the store's environment instead, never in the URL",
            ));
        }
        if path.contains(['?', '#']) || authority.contains(['?', '#']) {
            return Err(bad("it has a query or fragment; a state URL is only a bucket and a prefix"));
        }
        let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
        if authority.is_empty() || !authority.chars().all(name_char) {
            return Err(bad(
                "the bucket name is missing or has characters other than letters, digits, '-', '.', '_'",
            ));
        }
        let mut prefix = Vec::new();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            if segment == "." || segment == ".." || !segment.chars().all(name_char) {
                return Err(bad(
                    "each part of the prefix must be letters, digits, '-', '.' or '_' (and not '.' or '..')",
                ));
            }
            prefix.push(segment.to_string());
        }
        Ok(StateUrl { scheme, bucket: authority.to_string(), prefix })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The prefix's segments, outermost first.
    pub fn prefix(&self) -> &[String] {
        &self.prefix
    }
}

/// `s3://bucket/prefix`: nothing but what was parsed, so nothing secret.
impl fmt::Display for StateUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.bucket)?;
        for segment in &self.prefix {
            write!(f, "/{segment}")?;
        }
        Ok(())
    }
}

/// A URL that could not be parsed, as an error may show it: without whatever stands before an
/// `@` in the authority (a user and password), nor a query or fragment (a signature or token).
pub(crate) fn shown(text: &str) -> String {
    let text = text.trim();
    let text = text.split(['?', '#']).next().unwrap_or_default();
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, text),
    };
    let (authority, path) = match rest.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (rest, None),
    };
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_string(),
    };
    let mut out = String::new();
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str(&authority);
    if let Some(path) = path {
        out.push('/');
        out.push_str(path);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bucket_and_prefix() {
        let url = StateUrl::parse("s3://confcopy-state/ci/nightly/").unwrap();
        assert_eq!(url.scheme(), Scheme::S3);
        assert_eq!(url.bucket(), "confcopy-state");
        assert_eq!(url.prefix(), ["ci", "nightly"]);
        assert_eq!(url.to_string(), "s3://confcopy-state/ci/nightly");
        assert_eq!(StateUrl::parse("gs://b").unwrap().to_string(), "gs://b");
        assert_eq!(StateUrl::parse("az://container/p").unwrap().scheme(), Scheme::Azure);
    }

    #[test]
    fn refuses_credentials_without_repeating_them() {
        for text in ["s3://AKIDEXAMPLE:hunter2secret@bucket/p", "s3://bucket/p?X-Amz-Signature=hunter2secret"]
        {
            let message = StateUrl::parse(text).unwrap_err().to_string();
            assert!(!message.contains("hunter2secret"), "{message}");
            assert!(!message.contains("AKIDEXAMPLE"), "{message}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_bucket_and_prefix() {
        for text in ["bucket/prefix", "ftp://bucket/p", "s3:///p", "s3://bucket/../p", "s3://bu cket/p"] {
            let message = StateUrl::parse(text).unwrap_err().to_string();
            assert!(message.contains("s3://BUCKET/PREFIX"), "{message}");
        }
    }
}
