//! Attachments: v2 metadata, streamed v1 download (following the 302), streamed v1 upload.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream};
use futures_util::{FutureExt as _, StreamExt as _};
use reqwest::Method;
use reqwest::multipart::{Form, Part};

use crate::error::{ClientError, ErrorKind};
use crate::model::attachment::{Attachment, AttachmentUpload, UploadMode, UploadResult, UploadedAttachment};
use crate::model::content::Container;
use crate::request::{FormError, FormFactory, RequestBody};
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

/// How much of a file an upload reads at a time: each read of a tokio file is a trip to the
/// blocking pool, so small reads cost more than the bytes they move.
const UPLOAD_CHUNK: usize = 256 * 1024;

/// An attachment's data, streamed. It holds one of the site's concurrency permits until dropped.
/// The body never runs past `max_download_bytes`; [`Download::limit_to`] holds it to the size
/// the attachment's metadata declares.
pub struct Download {
    pub content_length: Option<u64>,
    pub media_type: Option<String>,
    pub body: BoxStream<'static, Result<Bytes, ClientError>>,
    /// Names the site and the download in errors.
    error: Arc<dyn Fn(ErrorKind) -> ClientError + Send + Sync>,
}

impl Download {
    /// Holds the download to `declared` bytes (the size the attachment's metadata gives for this
    /// version): a longer `Content-Length` is refused before reading, and the body stops with an
    /// error as soon as it runs past it.
    pub fn limit_to(self, declared: u64) -> Result<Download, ClientError> {
        const WHAT: &str = " (the size its metadata declares)";
        if self.content_length.is_some_and(|n| n > declared) {
            return Err((self.error)(ErrorKind::DownloadTooLarge { limit: declared, what: WHAT }));
        }
        let body = bounded(self.body, declared, WHAT, Arc::clone(&self.error));
        Ok(Download { body, ..self })
    }
}

/// Ends `body` with an error once more than `limit` bytes came; nothing follows an error.
fn bounded(
    body: BoxStream<'static, Result<Bytes, ClientError>>,
    limit: u64,
    what: &'static str,
    error: Arc<dyn Fn(ErrorKind) -> ClientError + Send + Sync>,
) -> BoxStream<'static, Result<Bytes, ClientError>> {
    let mut received = 0u64;
    body.scan(false, move |failed, chunk| {
        if *failed {
            return std::future::ready(None);
        }
        let item = chunk.and_then(|chunk| {
            received += chunk.len() as u64;
            if received > limit { Err(error(ErrorKind::DownloadTooLarge { limit, what })) } else { Ok(chunk) }
        });
        *failed = item.is_err();
        std::future::ready(Some(item))
    })
    .boxed()
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("content_length", &self.content_length)
            .field("media_type", &self.media_type)
            .finish_non_exhaustive()
    }
}

impl SiteClient {
    /// Attachment metadata of a page or blog post.
    pub fn attachments(&self, container: &Container) -> BoxStream<'static, Result<Attachment, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/{}/{}/attachments", container.v2_collection(), seg(container.id())),
            format!("list attachments of {container}"),
            &[],
        )
    }

    /// Downloads an attachment through the v1 download path (302 to the data; the redirect
    /// drops the Authorization header when it leaves the site).
    pub async fn download_attachment(
        &self,
        content_id: &str,
        attachment_id: &str,
    ) -> Result<Download, ClientError> {
        self.download_attachment_version(content_id, attachment_id, None).await
    }

    /// Downloads one version of an attachment (`None`: the current one).
    pub async fn download_attachment_version(
        &self,
        content_id: &str,
        attachment_id: &str,
        version: Option<u64>,
    ) -> Result<Download, ClientError> {
        let t = self.transport().clone();
        let operation = match version {
            Some(v) => format!("download version {v} of attachment {attachment_id} of content {content_id}"),
            None => format!("download attachment {attachment_id} of content {content_id}"),
        };
        let mut request = t.request(
            Method::GET,
            &format!(
                "/wiki/rest/api/content/{}/child/attachment/{}/download",
                seg(content_id),
                seg(attachment_id)
            ),
            operation.clone(),
        )?;
        if let Some(v) = version {
            request = request.query("version", v.to_string());
        }
        let streaming = t.send_streaming(&request).await?;
        let response = streaming.response;
        let permit = streaming.permit;
        let content_length = response.content_length();
        let error: Arc<dyn Fn(ErrorKind) -> ClientError + Send + Sync> = {
            let (t, operation) = (t.clone(), operation.clone());
            Arc::new(move |kind| t.error(&operation, kind))
        };
        const WHAT: &str = " (max_download_bytes)";
        let limit = t.options().max_download_bytes;
        if content_length.is_some_and(|n| n > limit) {
            return Err(error(ErrorKind::DownloadTooLarge { limit, what: WHAT }));
        }
        let media_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .bytes_stream()
            .map(move |chunk| {
                let _held = &permit;
                chunk.map_err(|e| {
                    t.error(
                        &operation,
                        ErrorKind::Transport {
                            cause: format!("the download broke off: {}", e.without_url()),
                            attempts: 1,
                        },
                    )
                })
            })
            .boxed();
        let body = bounded(body, limit, WHAT, Arc::clone(&error));
        Ok(Download { content_length, media_type, body, error })
    }

    /// Uploads a file from disk; the file is re-opened for each attempt, never held in memory.
    pub async fn upload_attachment_file(
        &self,
        content_id: &str,
        upload: &AttachmentUpload,
        mode: UploadMode,
        path: &Path,
    ) -> Result<Vec<UploadedAttachment>, ClientError> {
        let path: PathBuf = path.to_path_buf();
        let meta = upload.clone();
        let form: FormFactory = Arc::new(move || {
            let path = path.clone();
            let meta = meta.clone();
            async move {
                let file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|source| FormError::Open { path: path.clone(), source })?;
                let length = file.metadata().await.map(|m| m.len()).ok();
                let stream = tokio_util::io::ReaderStream::with_capacity(file, UPLOAD_CHUNK);
                build_form(&meta, reqwest::Body::wrap_stream(stream), length)
            }
            .boxed()
        });
        self.upload(content_id, upload, mode, RequestBody::Multipart { form, replayable: true }).await
    }

    /// Uploads a file from disk as a new attachment, safely when the outcome of an attempt is
    /// unknown (a 5xx, a timeout or a connection lost after the whole body went out): it then
    /// looks for an attachment with this file name on the content and returns it if present,
    /// or uploads again at once if absent. File names are unique per page and this upload only
    /// adds (a POST), so this never duplicates: when an earlier attempt did land but the listing
    /// did not show it yet, the upload again is refused for the taken name, and the attachment
    /// is then looked for until the listing shows it. Refusals (429, other 4xx) and bodies cut
    /// short are retried by the transport as usual.
    pub async fn upload_attachment_file_reconciled(
        &self,
        content_id: &str,
        upload: &AttachmentUpload,
        path: &Path,
    ) -> Result<Vec<UploadedAttachment>, ClientError> {
        /// Lookups and re-uploads after outcomes that stay unknown.
        const ROUNDS: u32 = 6;
        let mut round = 0;
        loop {
            let error = match self.upload_attachment_file(content_id, upload, UploadMode::Create, path).await
            {
                Ok(done) => return Ok(done),
                Err(error) if matches!(error.kind(), ErrorKind::OutcomeUnknown { .. }) => error,
                // An earlier attempt landed after all: the name is ours, the listing lags.
                Err(error) if round > 0 && error.is_attachment_name_taken() => {
                    return self.await_listed(content_id, &upload.file_name, ROUNDS, error).await;
                }
                Err(error) => return Err(error),
            };
            round += 1;
            tracing::debug!(%error, "upload outcome unknown; looking for the attachment");
            let found = self.attachments_named(content_id, &upload.file_name).await?;
            if !found.is_empty() {
                return Ok(found);
            }
            if round >= ROUNDS {
                return Err(error);
            }
        }
    }

    /// Looks for the attachment named `file_name`, which the site says exists, until a listing
    /// shows it (listings are not always read-your-writes), pausing as the retry policy backs
    /// off; `error` is returned when it never shows.
    async fn await_listed(
        &self,
        content_id: &str,
        file_name: &str,
        rounds: u32,
        error: ClientError,
    ) -> Result<Vec<UploadedAttachment>, ClientError> {
        for round in 1..=rounds {
            if round > 1 {
                tokio::time::sleep(self.transport().options().retry.backoff(round - 1)).await;
            }
            let found = self.attachments_named(content_id, file_name).await?;
            if !found.is_empty() {
                return Ok(found);
            }
        }
        Err(error)
    }

    /// The attachments of a page or blog post with exactly this file name (v1, any content type).
    pub async fn attachments_named(
        &self,
        content_id: &str,
        file_name: &str,
    ) -> Result<Vec<UploadedAttachment>, ClientError> {
        let t = self.transport();
        let request = t
            .request(
                Method::GET,
                &format!("/wiki/rest/api/content/{}/child/attachment", seg(content_id)),
                format!("look for attachment \"{file_name}\" on content {content_id}"),
            )?
            .query("filename", file_name);
        let listed: UploadResult = t.json(&request).await?;
        Ok(listed.results.into_iter().filter(|a| a.title == file_name).collect())
    }

    /// Uploads from a stream (e.g. a download from the source site). The stream is sent once:
    /// on 429 the error says the upload was not done; on a 5xx or timeout it says the outcome
    /// is unknown.
    pub async fn upload_attachment_stream<S>(
        &self,
        content_id: &str,
        upload: &AttachmentUpload,
        mode: UploadMode,
        length: Option<u64>,
        stream: S,
    ) -> Result<Vec<UploadedAttachment>, ClientError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + Sync + 'static,
    {
        let slot = Arc::new(Mutex::new(Some(stream)));
        let meta = upload.clone();
        let form: FormFactory = Arc::new(move || {
            let taken = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            let meta = meta.clone();
            async move {
                let stream = taken.ok_or(FormError::StreamSpent)?;
                build_form(&meta, reqwest::Body::wrap_stream(stream), length)
            }
            .boxed()
        });
        self.upload(content_id, upload, mode, RequestBody::Multipart { form, replayable: false }).await
    }

    async fn upload(
        &self,
        content_id: &str,
        upload: &AttachmentUpload,
        mode: UploadMode,
        body: RequestBody,
    ) -> Result<Vec<UploadedAttachment>, ClientError> {
        let t = self.transport();
        let method = match mode {
            UploadMode::Create => Method::POST,
            UploadMode::CreateOrNewVersion => Method::PUT,
        };
        let mut request = t.request(
            method,
            &format!("/wiki/rest/api/content/{}/child/attachment", seg(content_id)),
            format!("upload attachment \"{}\" to content {content_id}", upload.file_name),
        )?;
        request.body = body;
        request.no_check = true;
        // An upload that failed half-way may have been stored: never repeat it on a 5xx.
        request.repeat = crate::request::Repeat::Unsafe;
        let result: UploadResult = t.json(&request).await?;
        Ok(result.results)
    }
}

fn build_form(meta: &AttachmentUpload, body: reqwest::Body, length: Option<u64>) -> Result<Form, FormError> {
    let part = match length {
        Some(length) => Part::stream_with_length(body, length),
        None => Part::stream(body),
    };
    let part = part
        .mime_str(meta.media_type.as_deref().unwrap_or("application/octet-stream"))
        .map_err(FormError::MediaType)?;
    let mut form = match file_name_parameters(&meta.file_name) {
        None => Form::new().part("file", part.file_name(meta.file_name.clone())),
        // reqwest writes a field name as `name="<field>"` without a change when asked not to
        // encode it; the field name carries the file name parameters (see below).
        Some(parameters) => Form::new().percent_encode_noop().part(format!("file\"; {parameters}"), part),
    };
    form = form.text("minorEdit", meta.minor_edit.to_string());
    if let Some(comment) = &meta.comment {
        form = form.text("comment", comment.clone());
    }
    Ok(form)
}

/// The `Content-Disposition` parameters that name an upload whose file name is not plain
/// printable ASCII, or `None` for a plain name (sent as `filename="<name>"`, as every client
/// does).
///
/// Browsers send a name as written with only `"`, CR and LF percent-encoded (HTML spec), and
/// servers keep what they read (a backslash stays, `%22` stays): that loses `"`, CR and LF,
/// and cannot tell `%22` written by the user from an encoded quote. Quoted pairs (`\"`) are
/// kept literally by the same servers, so `a\b` would gain a backslash. The exact name therefore
/// travels as RFC 5987 `filename*=UTF-8''<percent-encoded>` (decoded by Commons FileUpload 1.4+,
/// Tomcat, Spring, Go, Python, busboy), *after* a browser-style `filename="…"` for a server that
/// only reads `filename` (it then gets what a browser would have sent, with `\` as `%5C` too: a
/// trailing backslash would otherwise escape the closing quote). `filename*` comes last
/// because Commons FileUpload keeps the last of the two; RFC 6266 parsers prefer it anywhere.
/// An ignored extension parameter closes the list: reqwest ends the header with a quote.
fn file_name_parameters(name: &str) -> Option<String> {
    let plain = name.bytes().all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'%'));
    if plain && !name.is_empty() {
        return None;
    }
    let mut fallback = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => fallback.push_str("%22"),
            '\\' => fallback.push_str("%5C"),
            '\r' => fallback.push_str("%0D"),
            '\n' => fallback.push_str("%0A"),
            c => fallback.push(c),
        }
    }
    Some(format!("filename=\"{fallback}\"; filename*=UTF-8''{}; encoding=\"rfc5987", rfc5987(name)))
}

/// Percent-encodes every byte that is not an RFC 5987 `attr-char`.
fn rfc5987(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, crate::RFC5987_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_go_as_they_are_and_others_as_rfc_5987() {
        assert_eq!(file_name_parameters("report 2024 (final).pdf"), None);
        assert_eq!(
            file_name_parameters("quote\"d\\x.txt").as_deref(),
            Some("filename=\"quote%22d%5Cx.txt\"; filename*=UTF-8''quote%22d%5Cx.txt; encoding=\"rfc5987")
        );
        assert_eq!(
            file_name_parameters("a\r\nb é%.txt").as_deref(),
            Some(
                "filename=\"a%0D%0Ab é%.txt\"; filename*=UTF-8''a%0D%0Ab%20%C3%A9%25.txt; encoding=\"rfc5987"
            )
        );
        // The header never holds a raw CR or LF.
        let tricky = file_name_parameters("line\r\nContent-Type: text/html\r\n\r\nx").unwrap();
        assert!(!tricky.contains(['\r', '\n']), "{tricky}");
    }
}
