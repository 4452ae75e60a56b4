//! A small HTTP/1.1 client standing in for one browser: one keep-alive connection per origin,
//! a cookie jar, and redirects left to the caller (the scenarios follow them by hand, as a test
//! would, so that each hop is measured).
//!
//! It is written directly on tokio's `TcpStream` with `httparse` rather than on a general
//! client: a request is one `write` and its answer is read in the same task, so that the load
//! generator spends as little CPU per request as it can. On two cores it shares the machine
//! with the shop, and it must not be what limits the `/healthz` baseline.

use std::collections::HashMap;

use anyhow::{Context, anyhow, bail};
use bytes::{Buf, Bytes, BytesMut};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// An answer, read whole.
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Location`, made absolute.
    pub location: Option<String>,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `Location` of a redirect, or an error naming what was expected.
    pub fn redirect(&self, what: &str) -> anyhow::Result<&str> {
        if !(300..400).contains(&self.status) {
            bail!("{what}: expected a redirect, got {}", self.status);
        }
        self.location
            .as_deref()
            .ok_or_else(|| anyhow!("{what}: redirect without Location"))
    }

    /// Fails unless the status is `expected`.
    pub fn expect(&self, expected: u16, what: &str) -> anyhow::Result<()> {
        if self.status != expected {
            bail!("{what}: expected {expected}, got {}", self.status);
        }
        Ok(())
    }
}

/// A kept-alive connection and what has been read from it but not used yet.
struct Conn {
    stream: TcpStream,
    buf: BytesMut,
}

/// One browser: connections and cookies per origin (`host:port`).
#[derive(Default)]
pub struct Browser {
    conns: HashMap<String, Conn>,
    cookies: HashMap<String, Vec<(String, String)>>,
    /// Sent as `Accept-Encoding` when set.
    pub accept_encoding: Option<&'static str>,
    /// Requests sent so far.
    pub sent: u64,
    scratch: Vec<u8>,
}

/// `http://authority/path?query` split into the authority and the path with its query.
fn split(url: &str) -> anyhow::Result<(&str, &str)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("only http:// URLs are supported: {url}"))?;
    Ok(match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    })
}

/// The head of an answer.
struct Head {
    status: u16,
    location: Option<String>,
    set_cookies: Vec<String>,
    length: Option<usize>,
    chunked: bool,
    close: bool,
}

/// Failure of one exchange; `fresh` when nothing at all came back, so that a request on a
/// kept-alive connection the server had already closed can be sent again on a new one.
struct ExchangeError {
    error: anyhow::Error,
    nothing_received: bool,
}

impl Browser {
    /// A browser with no cookies and no connections.
    pub fn new(accept_encoding: Option<&'static str>) -> Self {
        Browser {
            accept_encoding,
            ..Browser::default()
        }
    }

    /// `GET url`.
    pub async fn get(&mut self, url: &str) -> anyhow::Result<Response> {
        self.send("GET", url, None, &[]).await
    }

    /// `POST url` with a URL-encoded form.
    pub async fn post_form(
        &mut self,
        url: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<Response> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            "POST",
            url,
            Some(body.as_bytes()),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await
    }

    /// Sends a request with `body` and extra `headers` and reads the whole answer.
    pub async fn send(
        &mut self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Response> {
        let (authority, path) = split(url)?;
        let mut req = std::mem::take(&mut self.scratch);
        req.clear();
        self.write_head(&mut req, method, authority, path, body, headers);
        if let Some(body) = body {
            req.extend_from_slice(body);
        }
        self.sent += 1;
        let result = self.exchange(authority, &req).await;
        self.scratch = req;
        let (head, body) = result?;
        if !head.set_cookies.is_empty() {
            let jar = self.cookies.entry(authority.to_owned()).or_default();
            for c in &head.set_cookies {
                store_cookie(jar, c);
            }
        }
        let location = head.location.map(|l| {
            if l.starts_with('/') {
                format!("http://{authority}{l}")
            } else {
                l
            }
        });
        Ok(Response {
            status: head.status,
            location,
            body,
        })
    }

    fn write_head(
        &self,
        req: &mut Vec<u8>,
        method: &str,
        authority: &str,
        path: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) {
        line(req, &[method, " ", path, " HTTP/1.1"]);
        line(req, &["host: ", authority]);
        line(req, &["user-agent: asiabill-shop-loadgen/0.1"]);
        if let Some(enc) = self.accept_encoding {
            line(req, &["accept-encoding: ", enc]);
        }
        if let Some(jar) = self.cookies.get(authority).filter(|j| !j.is_empty()) {
            req.extend_from_slice(b"cookie: ");
            for (i, (k, v)) in jar.iter().enumerate() {
                if i > 0 {
                    req.extend_from_slice(b"; ");
                }
                req.extend_from_slice(k.as_bytes());
                req.push(b'=');
                req.extend_from_slice(v.as_bytes());
            }
            req.extend_from_slice(b"\r\n");
        }
        for (k, v) in headers {
            line(req, &[k, ": ", v]);
        }
        if let Some(body) = body {
            line(req, &["content-length: ", &body.len().to_string()]);
        }
        req.extend_from_slice(b"\r\n");
    }

    /// Writes `req` and reads the answer, on the kept-alive connection when there is one
    /// (once more on a new connection if that one turns out to be closed).
    async fn exchange(&mut self, authority: &str, req: &[u8]) -> anyhow::Result<(Head, Bytes)> {
        if let Some(mut conn) = self.conns.remove(authority) {
            match round_trip(&mut conn, req).await {
                Ok((head, body)) => {
                    if !head.close {
                        self.conns.insert(authority.to_owned(), conn);
                    }
                    return Ok((head, body));
                }
                Err(e) if e.nothing_received => {}
                Err(e) => return Err(e.error),
            }
        }
        let stream = TcpStream::connect(authority)
            .await
            .with_context(|| format!("connecting to {authority}"))?;
        stream.set_nodelay(true)?;
        let mut conn = Conn {
            stream,
            buf: BytesMut::with_capacity(16 * 1024),
        };
        let (head, body) = round_trip(&mut conn, req).await.map_err(|e| e.error)?;
        if !head.close {
            self.conns.insert(authority.to_owned(), conn);
        }
        Ok((head, body))
    }
}

/// One request and its answer on `conn`.
async fn round_trip(conn: &mut Conn, req: &[u8]) -> Result<(Head, Bytes), ExchangeError> {
    let fail = |error: anyhow::Error, nothing_received: bool| ExchangeError {
        error,
        nothing_received,
    };
    conn.buf.clear();
    if let Err(e) = conn.stream.write_all(req).await {
        return Err(fail(e.into(), true));
    }
    let head = loop {
        if !conn.buf.is_empty()
            && let Some((head, used)) = parse_head(&conn.buf).map_err(|e| fail(e, false))?
        {
            conn.buf.advance(used);
            break head;
        }
        match conn.stream.read_buf(&mut conn.buf).await {
            Ok(0) => {
                let nothing = conn.buf.is_empty();
                return Err(fail(
                    anyhow!("connection closed before the answer"),
                    nothing,
                ));
            }
            Ok(_) => {}
            Err(e) => {
                let nothing = conn.buf.is_empty();
                return Err(fail(e.into(), nothing));
            }
        }
    };
    let body = read_body(conn, &head).await.map_err(|e| fail(e, false))?;
    Ok((head, body))
}

/// Parses the status line and headers at the start of `buf`; `None` until they are complete.
fn parse_head(buf: &[u8]) -> anyhow::Result<Option<(Head, usize)>> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let used = match response.parse(buf)? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(None),
    };
    let mut head = Head {
        status: response.code.unwrap_or(0),
        location: None,
        set_cookies: Vec::new(),
        length: None,
        chunked: false,
        close: false,
    };
    for h in response.headers.iter() {
        let value = || String::from_utf8_lossy(h.value).into_owned();
        if h.name.eq_ignore_ascii_case("content-length") {
            head.length = Some(value().trim().parse().context("content-length")?);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = value().to_ascii_lowercase().contains("chunked");
        } else if h.name.eq_ignore_ascii_case("location") {
            head.location = Some(value());
        } else if h.name.eq_ignore_ascii_case("set-cookie") {
            head.set_cookies.push(value());
        } else if h.name.eq_ignore_ascii_case("connection") {
            head.close = value().eq_ignore_ascii_case("close");
        }
    }
    Ok(Some((head, used)))
}

/// Makes sure `conn.buf` holds at least `n` bytes.
async fn fill(conn: &mut Conn, n: usize) -> anyhow::Result<()> {
    while conn.buf.len() < n {
        if conn.stream.read_buf(&mut conn.buf).await? == 0 {
            bail!("connection closed in the middle of a body");
        }
    }
    Ok(())
}

async fn read_body(conn: &mut Conn, head: &Head) -> anyhow::Result<Bytes> {
    if head.status == 204 || head.status == 304 || (100..200).contains(&head.status) {
        return Ok(Bytes::new());
    }
    if head.chunked {
        let mut body = BytesMut::new();
        loop {
            let (used, size) = loop {
                match httparse::parse_chunk_size(&conn.buf) {
                    Ok(httparse::Status::Complete((used, size))) => break (used, size),
                    Ok(httparse::Status::Partial) => {
                        let have = conn.buf.len();
                        fill(conn, have + 1).await?;
                    }
                    Err(_) => bail!("bad chunk size"),
                }
            };
            conn.buf.advance(used);
            let size = usize::try_from(size)?;
            if size == 0 {
                // No trailers from the servers measured here: just the closing line.
                fill(conn, 2).await?;
                conn.buf.advance(2);
                return Ok(body.freeze());
            }
            fill(conn, size + 2).await?;
            body.extend_from_slice(&conn.buf[..size]);
            conn.buf.advance(size + 2);
        }
    }
    match head.length {
        Some(n) => {
            fill(conn, n).await?;
            Ok(conn.buf.split_to(n).freeze())
        }
        None => {
            // Delimited by the end of the connection.
            while conn.stream.read_buf(&mut conn.buf).await? > 0 {}
            Ok(conn.buf.split().freeze())
        }
    }
}

/// Appends one header line (its parts, then CRLF).
fn line(req: &mut Vec<u8>, parts: &[&str]) {
    for p in parts {
        req.extend_from_slice(p.as_bytes());
    }
    req.extend_from_slice(b"\r\n");
}

/// Applies one `Set-Cookie` to `jar`: stores `name=value`, or removes it when the server
/// expires it (empty value or `Max-Age=0`).
fn store_cookie(jar: &mut Vec<(String, String)>, set_cookie: &str) {
    let mut parts = set_cookie.split(';');
    let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
        return;
    };
    let (name, value) = (name.trim(), value.trim());
    let expired = value.is_empty()
        || parts.any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p == "max-age=0" || p.starts_with("max-age=-")
        });
    jar.retain(|(k, _)| k != name);
    if !expired {
        jar.push((name.to_owned(), value.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_head, split, store_cookie};

    #[test]
    fn urls_split_into_authority_and_path() {
        assert_eq!(
            split("http://127.0.0.1:8080/a?b=c").ok(),
            Some(("127.0.0.1:8080", "/a?b=c"))
        );
        assert_eq!(split("http://h:1").ok(), Some(("h:1", "/")));
        assert!(split("https://h/").is_err());
    }

    #[test]
    fn heads_are_read_once_complete() {
        let raw = b"HTTP/1.1 303 See Other\r\nlocation: /cart\r\nset-cookie: a=b; Path=/\r\ncontent-length: 0\r\n\r\nrest";
        assert!(parse_head(&raw[..20]).ok().flatten().is_none());
        let (head, used) = parse_head(raw).ok().flatten().expect("complete");
        assert_eq!(head.status, 303);
        assert_eq!(head.location.as_deref(), Some("/cart"));
        assert_eq!(head.set_cookies, vec!["a=b; Path=/".to_owned()]);
        assert_eq!(head.length, Some(0));
        assert_eq!(&raw[used..], b"rest");
    }

    #[test]
    fn cookies_are_set_replaced_and_expired() {
        let mut jar = Vec::new();
        store_cookie(&mut jar, "shop_session=abc; Path=/; HttpOnly");
        store_cookie(&mut jar, "lang=en; Path=/");
        store_cookie(&mut jar, "shop_session=def; Path=/");
        assert_eq!(
            jar,
            vec![
                ("lang".to_owned(), "en".to_owned()),
                ("shop_session".to_owned(), "def".to_owned())
            ]
        );
        store_cookie(&mut jar, "lang=; Max-Age=0");
        assert_eq!(jar.len(), 1);
    }
}
