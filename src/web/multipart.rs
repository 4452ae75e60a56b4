//! A small reader of `multipart/form-data` bodies (RFC 7578), for the product form's image.
//!
//! The whole body is read first (its size is limited by the route), then split on the boundary.
//! Only what browsers send is understood: a `Content-Disposition: form-data` header with `name`
//! and, for files, `filename`, and an optional `Content-Type`.

/// One field of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The field name.
    pub name: String,
    /// The file name, for a file field.
    pub filename: Option<String>,
    /// The declared type, for a file field (not trusted).
    pub content_type: Option<String>,
    /// The value or the file's bytes.
    pub data: Vec<u8>,
}

impl Part {
    /// The value as text (a file field's bytes are not meant to be read this way).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// Why a body was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    /// The content type is not `multipart/form-data` with a boundary.
    #[error("not a multipart/form-data body with a boundary")]
    NoBoundary,
    /// The body does not follow the format.
    #[error("malformed multipart body")]
    Malformed,
}

/// The boundary named by a `Content-Type` header value.
fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let kind = params.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// `name="value"` parameters of a header value.
fn param(value: &str, key: &str) -> Option<String> {
    value
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| {
            let v = v.trim();
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v)
                .to_owned()
        })
}

/// Splits `body` into its parts.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, MultipartError> {
    let boundary = boundary(content_type).ok_or(MultipartError::NoBoundary)?;
    let delimiter = format!("--{boundary}");
    let next_part = format!("\r\n--{boundary}");
    let mut at =
        find(body, delimiter.as_bytes(), 0).ok_or(MultipartError::Malformed)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        let rest = body.get(at..).ok_or(MultipartError::Malformed)?;
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return Err(MultipartError::Malformed);
        }
        at += 2;
        let headers_end = find(body, b"\r\n\r\n", at).ok_or(MultipartError::Malformed)?;
        let headers =
            std::str::from_utf8(&body[at..headers_end]).map_err(|_| MultipartError::Malformed)?;
        let content_start = headers_end + 4;
        let content_end =
            find(body, next_part.as_bytes(), content_start).ok_or(MultipartError::Malformed)?;
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim();
            if key.eq_ignore_ascii_case("content-disposition") {
                name = param(value, "name");
                filename = param(value, "filename");
            } else if key.eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            }
        }
        parts.push(Part {
            name: name.ok_or(MultipartError::Malformed)?,
            filename,
            content_type,
            data: body[content_start..content_end].to_vec(),
        });
        at = content_end + next_part.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_read() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"sku\"\r\n\r\nMUG-1\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x00\x01\r\n\
--XyZ--\r\n";
        let parts = parse("multipart/form-data; boundary=XyZ", body).expect("parses");
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].text()),
            ("sku", "MUG-1".to_owned())
        );
        assert_eq!(parts[1].filename.as_deref(), Some("a.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[1].data, b"\x89PNG\r\n\x00\x01");
    }

    #[test]
    fn bad_bodies_are_refused() {
        assert_eq!(
            parse("application/x-www-form-urlencoded", b"a=1"),
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(
            parse(
                "multipart/form-data; boundary=\"b\"",
                b"--b\r\nno headers end"
            ),
            Err(MultipartError::Malformed)
        );
        assert_eq!(
            parse("multipart/form-data; boundary=b", b"--b--"),
            Ok(vec![])
        );
    }
}
