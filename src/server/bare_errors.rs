//! hyper answers a request it cannot parse (a garbage request line, a
//! duplicate `Content-Length`, obs-fold, a NUL in a header, a head over its
//! buffer) itself, with a bare `400`/`414`/`431` and an empty body, and
//! offers no hook to change that response. This wrapper around the
//! connection's stream recognises such a response as hyper writes it (an
//! error status line, and a head without the `x-request-id` every response
//! of ours carries) and writes Gcore's error shape with a request id in its
//! place. hyper closes the connection after it.
//!
//! The check costs a few byte comparisons per write: a response head
//! starts `HTTP/1.x`, and only 4xx and 5xx heads are searched for the id.
//! Bodies never start with `HTTP/1.` (JSON and the console's files), and
//! HTTP/2 frames are binary.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::http::connection_error_body;

/// A stream whose hyper-made error responses are replaced (module docs).
pub struct ShapeBareErrors<T> {
    inner: T,
    /// The replacement still to be written; once set, hyper's own bytes
    /// are dropped (it writes nothing after its error response).
    replacement: Option<(Vec<u8>, usize)>,
}

impl<T> ShapeBareErrors<T> {
    pub fn new(inner: T) -> Self {
        Self { inner, replacement: None }
    }
}

/// The status of a response head that hyper made itself, if `buf` is one.
fn bare_error_status(buf: &[u8]) -> Option<StatusCode> {
    if buf.len() < 16 || !buf.starts_with(b"HTTP/1.") || !matches!(buf[9], b'4' | b'5') {
        return None;
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = &buf[..head_end];
    let ours = head.windows(15).any(|w| w.eq_ignore_ascii_case(b"\r\nx-request-id:"));
    if ours {
        return None;
    }
    std::str::from_utf8(&buf[9..12]).ok()?.parse::<u16>().ok().and_then(|s| StatusCode::from_u16(s).ok())
}

/// Gcore's error response for what hyper refused, with a new request id.
fn shaped_response(status: StatusCode) -> Vec<u8> {
    let message = match status.as_u16() {
        414 => "the request target (path and query) is longer than 8 KiB",
        431 => "the request head is too large: at most 256 header fields of 16 KiB in all, and an 8 KiB target",
        _ => "the request is not valid HTTP/1.1: malformed request line or header fields",
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    tracing::debug!(request_id, status = status.as_u16(), "request refused before parsing: {message}");
    crate::metrics::record_request("-", "unparsed", status.as_u16(), 0.0);
    let body = connection_error_body(status, message, &request_id);
    let head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: {request_id}\r\n\
         x-should-retry: false\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    );
    [head.into_bytes(), body].concat()
}

impl<T: AsyncWrite + Unpin> ShapeBareErrors<T> {
    /// Writes what is left of the replacement; ready once it is all out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.replacement {
            if *written == bytes.len() {
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` as written: replaced if it is hyper's bare error head,
    /// dropped after one. `None` when it is to be written as it is.
    fn intercept(&mut self, buf: &[u8], len: usize) -> Option<usize> {
        if self.replacement.is_none() {
            let status = bare_error_status(buf)?;
            self.replacement = Some((shaped_response(status), 0));
        }
        Some(len)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ShapeBareErrors<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ShapeBareErrors<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.intercept(buf, buf.len()) {
            Some(n) => Poll::Ready(Ok(n)),
            None => Pin::new(&mut self.inner).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
        let total = bufs.iter().map(|b| b.len()).sum();
        match self.intercept(first, total) {
            Some(n) => Poll::Ready(Ok(n)),
            None => Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_error_heads_without_our_request_id_are_replaced() {
        let bare = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(bare_error_status(bare), Some(StatusCode::BAD_REQUEST));
        let big = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(bare_error_status(big), Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
        let ours = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\nx-request-id: abc\r\n\r\n{}";
        assert_eq!(bare_error_status(ours), None, "our own errors carry the id");
        assert_eq!(bare_error_status(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"), None);
        assert_eq!(bare_error_status(b"HTTP/1.1 100 Continue\r\n\r\n"), None);
        assert_eq!(bare_error_status(b"{\"exception_class\": \"HTTP/1.1 400 \"}"), None, "a body");
    }

    #[test]
    fn the_replacement_is_gcores_shape_with_a_request_id() {
        let response = String::from_utf8(shaped_response(StatusCode::BAD_REQUEST)).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["exception_class"], "ValidationError");
        let id = json["request_id"].as_str().unwrap();
        assert!(head.contains(&format!("x-request-id: {id}\r\n")), "{head}");
        assert!(head.contains(&format!("content-length: {}\r\n", body.len())), "{head}");
    }
}
