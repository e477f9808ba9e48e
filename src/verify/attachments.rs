//! Attachments, matched by (container title, file name): presence, size, and the SHA-256 of
//! their bytes on both sides, downloaded as streams and hashed as they arrive.

use std::collections::HashMap;

use futures_util::{StreamExt as _, TryStreamExt as _};
use sha2::{Digest, Sha256};

use super::difference::Difference;
use super::pair::{Pair, titles};
use crate::client::{ClientError, SiteClient};
use crate::diagnostic::Code;
use crate::snapshot::Attachment;

/// The bytes of one attachment, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    size: u64,
    sha256: String,
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes, sha256 {}", self.size, self.sha256)
    }
}

/// An attachment's size as its site gives it.
fn described_size(attachment: &Attachment) -> String {
    match attachment.size {
        Some(size) => format!("{size} bytes"),
        None => "size not given".to_string(),
    }
}

/// Attachments of a space by (container title, file name).
fn keyed(space: &crate::snapshot::SpaceSnapshot) -> HashMap<(&str, &str), &Attachment> {
    let titles = titles(space);
    space
        .attachments
        .iter()
        .filter_map(|a| Some(((*titles.get(a.container_id.as_str())?, a.file_name.as_str()), a)))
        .collect()
}

/// Compares the attachments of one space pair, `concurrency` downloads per side at a time.
/// Returns the differences and the source → destination attachment ids it matched.
pub async fn compare(
    pair: &Pair<'_>,
    source_client: &SiteClient,
    destination_client: &SiteClient,
    concurrency: usize,
) -> Result<(Vec<Difference>, Vec<(String, String)>), ClientError> {
    let (source, destination) = (keyed(pair.source), keyed(pair.destination));
    let item = |(title, file): (&str, &str)| format!("\"{title}\" / {file}");
    let mut out = Vec::new();
    let mut matched = Vec::new();
    let mut keys: Vec<&(&str, &str)> = source.keys().collect();
    keys.sort();
    for key in keys {
        match destination.get(key) {
            Some(d) => matched.push((*key, source[key], *d)),
            None => out.push(Difference::new(
                pair.scope,
                Code::VerifyAttachmentMissing,
                item(*key),
                described_size(source[key]),
                "",
            )),
        }
    }
    let mut extra: Vec<&(&str, &str)> = destination.keys().filter(|k| !source.contains_key(*k)).collect();
    extra.sort();
    for key in extra {
        out.push(Difference::new(
            pair.scope,
            Code::VerifyAttachmentExtra,
            item(*key),
            "",
            described_size(destination[key]),
        ));
    }
    let fingerprints: Vec<_> = futures_util::stream::iter(matched.iter().map(|(_, s, d)| async move {
        let (expected, actual) =
            futures_util::try_join!(fingerprint(source_client, s), fingerprint(destination_client, d))?;
        Ok::<_, ClientError>((expected, actual))
    }))
    .buffered(concurrency.max(1))
    .try_collect()
    .await?;
    for ((key, _, _), (expected, actual)) in matched.iter().zip(fingerprints) {
        if expected != actual {
            out.push(Difference::new(
                pair.scope,
                Code::VerifyAttachmentDiffers,
                item(*key),
                expected.to_string(),
                actual.to_string(),
            ));
        }
    }
    let ids = matched.iter().map(|(_, s, d)| (s.id.clone(), d.id.clone())).collect();
    Ok((out, ids))
}

/// Downloads an attachment and hashes it chunk by chunk: memory holds one chunk at a time.
async fn fingerprint(client: &SiteClient, attachment: &Attachment) -> Result<Fingerprint, ClientError> {
    let mut download = client.download_attachment(&attachment.container_id, &attachment.id).await?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = download.body.next().await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        hasher.update(&chunk);
    }
    let sha256 = crate::digest::hex(&hasher.finalize());
    Ok(Fingerprint { size, sha256 })
}
