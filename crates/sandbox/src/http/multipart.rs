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
                let disposition = disposition(v).map_err(|m| bad(&m))?;
                part.name = disposition.name;
                part.filename = disposition.filename;
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

/// What a part's `Content-Disposition` names.
struct Disposition {
    name: String,
    filename: Option<String>,
}

/// Reads `form-data; name="file"; filename="a.txt"; filename*=UTF-8''a.txt` as Confluence's
/// multipart parser does: parameters are split at `;` outside quotes; a quoted value loses its
/// quotes and nothing else (a backslash keeps the next character from ending the value but stays
/// in it, and `%22` stays `%22`: browsers send names that way and the server keeps them as
/// written); `filename*` (RFC 5987: `charset'language'percent-encoded`) is decoded and wins over
/// `filename`, whatever their order.
fn disposition(value: &str) -> Result<Disposition, String> {
    let mut name = String::new();
    let (mut plain, mut extended) = (None, None);
    for (key, raw, quoted) in parameters(value)? {
        match key.to_ascii_lowercase().as_str() {
            "name" => name = raw,
            "filename" => plain = Some(raw),
            "filename*" if !quoted => extended = Some(ext_value(&raw)?),
            "filename*" => return Err("filename* is not a quoted string (RFC 5987)".into()),
            _ => {}
        }
    }
    Ok(Disposition { name, filename: extended.or(plain) })
}

/// `key=value` pairs after the disposition type; quoted values lose their surrounding quotes.
fn parameters(value: &str) -> Result<Vec<(String, String, bool)>, String> {
    let mut out = Vec::new();
    let mut rest = match value.split_once(';') {
        Some((_, rest)) => rest,
        None => return Ok(out),
    };
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            return Ok(out);
        }
        let Some(eq) = rest.find(['=', ';']).filter(|&i| rest.as_bytes()[i] == b'=') else {
            // A parameter without a value: skipped.
            rest = rest.split_once(';').map_or("", |(_, r)| r);
            continue;
        };
        let key = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start_matches([' ', '\t']);
        if let Some(inner) = after.strip_prefix('"') {
            let mut escaped = false;
            let end = inner
                .char_indices()
                .find(|&(_, c)| {
                    let closes = c == '"' && !escaped;
                    escaped = !escaped && c == '\\';
                    closes
                })
                .map(|(i, _)| i)
                .ok_or_else(|| format!("the value of {key} has no closing quote"))?;
            out.push((key, inner[..end].to_string(), true));
            rest = &inner[end + 1..];
        } else {
            let end = after.find(';').unwrap_or(after.len());
            out.push((key, after[..end].trim_end().to_string(), false));
            rest = &after[end..];
        }
    }
}

/// Decodes an RFC 5987 `ext-value`: `UTF-8'lang'percent%20encoded` (or ISO-8859-1).
fn ext_value(raw: &str) -> Result<String, String> {
    let bad = || format!("filename* is not charset'language'value (RFC 5987): {raw:?}");
    let (charset, rest) = raw.split_once('\'').ok_or_else(bad)?;
    let (_language, encoded) = rest.split_once('\'').ok_or_else(bad)?;
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut input = encoded.bytes();
    while let Some(b) = input.next() {
        if b == b'%' {
            let (high, low) = (input.next().ok_or_else(bad)?, input.next().ok_or_else(bad)?);
            let digit = |h: u8| (h as char).to_digit(16).ok_or_else(bad);
            bytes.push((digit(high)? * 16 + digit(low)?) as u8);
        } else if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            bytes.push(b);
        } else {
            return Err(bad());
        }
    }
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).map_err(|_| format!("filename* is not valid UTF-8: {raw:?}"))
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Ok(bytes.into_iter().map(char::from).collect())
    } else {
        Err(format!("filename* has the unsupported charset {charset:?} (use UTF-8)"))
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() || needle.is_empty() {
        return None;
    }
    memchr::memmem::find(&hay[from..], needle).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(disposition: &str) -> Result<Vec<Part>, ApiError> {
        let body = format!(
            "--XyZ\r\nContent-Disposition: {disposition}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n"
        );
        parse(Some("multipart/form-data; boundary=XyZ"), &Bytes::from(body))
    }

    fn file_name(disposition: &str) -> Option<String> {
        let parts = upload(disposition).unwrap_or_else(|e| panic!("{disposition}: {}", e.message));
        assert_eq!(&parts[0].data[..], b"hello");
        parts[0].filename.clone()
    }

    #[test]
    fn filename_star_wins_and_quoted_names_are_kept_as_written() {
        let name =
            file_name("form-data; name=\"file\"; filename=\"a%22b\"; filename*=UTF-8''a%22b%5C%0D%0A%C3%A9");
        assert_eq!(name.as_deref(), Some("a\"b\\\r\né"));
        // Either order; unknown parameters are ignored.
        let name =
            file_name("form-data; filename*=utf-8'en'%E6%97%A5; name=\"file\"; filename=\"x\"; z=\"1\"");
        assert_eq!(name.as_deref(), Some("日"));
        let name = file_name("form-data; name=\"file\"; filename*=ISO-8859-1''caf%E9");
        assert_eq!(name.as_deref(), Some("café"));
        // A browser's name: `;` inside quotes does not split, `%22` and backslashes stay.
        let name = file_name("form-data; name=\"file\"; filename=\"a;b%22c\\d.txt\"");
        assert_eq!(name.as_deref(), Some("a;b%22c\\d.txt"));
        // A backslash keeps a quote from closing the value (and stays).
        let name = file_name("form-data; name=\"file\"; filename=\"q\\\"d\"");
        assert_eq!(name.as_deref(), Some("q\\\"d"));
        let parts = upload("form-data; name=\"minorEdit\"").unwrap();
        assert_eq!((parts[0].name.as_str(), parts[0].filename.as_deref()), ("minorEdit", None));
    }

    #[test]
    fn a_broken_filename_star_is_refused() {
        for bad in [
            "form-data; name=\"file\"; filename*=UTF-8''a%2",
            "form-data; name=\"file\"; filename*=UTF-8''a%zz",
            "form-data; name=\"file\"; filename*=a.txt",
            "form-data; name=\"file\"; filename*=UTF-8''a b",
            "form-data; name=\"file\"; filename*=KOI8-R''a",
            "form-data; name=\"file\"; filename*=UTF-8''%FF",
            "form-data; name=\"file\"; filename*=\"UTF-8''a\"",
            "form-data; name=\"file\"; filename=\"unclosed",
        ] {
            let error = upload(bad).err().unwrap_or_else(|| panic!("{bad} was accepted"));
            assert_eq!(error.status, 400, "{bad}");
            assert!(error.message.starts_with("Invalid multipart request: "), "{}", error.message);
        }
    }
}
