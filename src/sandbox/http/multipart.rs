//! A small multipart/form-data reader for attachment uploads.

use bytes::Bytes;

use super::reply::ApiError;

pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

/// Splits a multipart body into parts; 400 on anything malformed.
pub fn parse(content_type: Option<&str>, body: &Bytes) -> Result<Vec<Part>, ApiError> {
    let bad = |m: &str| ApiError::bad_request(format!("Invalid multipart request: {m}"));
    let ct = content_type.ok_or_else(|| bad("no content type"))?;
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(bad("content type is not multipart/form-data"));
    }
    let boundary = ct
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"').to_string())
        .ok_or_else(|| bad("no boundary"))?;
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, d, 0).ok_or_else(|| bad("no first boundary"))? + d.len();
    loop {
        if body[pos..].starts_with(b"--") {
            break;
        }
        if body[pos..].starts_with(b"\r\n") {
            pos += 2;
        }
        let header_end = find(body, b"\r\n\r\n", pos).ok_or_else(|| bad("unterminated part headers"))?;
        let headers =
            std::str::from_utf8(&body[pos..header_end]).map_err(|_| bad("headers are not UTF-8"))?;
        let data_start = header_end + 4;
        let next = find(body, d, data_start).ok_or_else(|| bad("unterminated part"))?;
        let data_end = if next >= 2 && &body[next - 2..next] == b"\r\n" { next - 2 } else { next };
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            data: body.slice(data_start..data_end),
        };
        for line in headers.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else { continue };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for item in v.split(';').map(str::trim) {
                    if let Some(n) = item.strip_prefix("name=") {
                        part.name = n.trim_matches('"').to_string();
                    } else if let Some(f) = item.strip_prefix("filename=") {
                        part.filename = Some(f.trim_matches('"').to_string());
                    }
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.trim().to_string());
            }
        }
        parts.push(part);
        pos = next + d.len();
        if pos >= body.len() {
            break;
        }
    }
    Ok(parts)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() || needle.is_empty() {
        return None;
    }
    hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}
