//! The answers hyper writes itself, before any endpoint sees the request — a request line
//! over its 64 KiB limit (414), an unreadable request line or header (400), headers too
//! large (431) — leave as problem+json like every other answer of the server. Each
//! connection is wrapped: a write that is exactly such a bodiless 4xx head (hyper's own,
//! on a connection it then closes) is replaced by the same status with a problem document
//! (French, as no `Accept-Language` could be read) and the security headers.

use crate::api::problem::{ApiError, Code};
use crate::i18n::Lang;
use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// No page of this server may be framed.
pub const FRAME_NONE: &str = "frame-ancestors 'none'";

/// The headers every answer carries: written by the endpoint (`http.rs`, whose documentation
/// page replaces the policy) and here on the answers hyper writes itself.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", FRAME_NONE),
];

/// Wraps an acceptor's connections (see the module documentation).
#[derive(Debug)]
pub struct ProblemAcceptor<A>(pub A);

impl<A: Acceptor> Acceptor for ProblemAcceptor<A> {
    type Io = ProblemIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (inner, local, remote, scheme) = self.0.accept().await?;
        Ok((ProblemIo { inner, pending: None }, local, remote, scheme))
    }
}

/// A connection whose framework-level error answers are rewritten.
#[derive(Debug)]
pub struct ProblemIo<T> {
    inner: T,
    /// The replacement being written, how much of it is written, and the length of the
    /// original write to report once it all is.
    pending: Option<(Vec<u8>, usize, usize)>,
}

/// The problem answer replacing `buf`, when `buf` is one of hyper's bodiless error heads.
fn replacement(buf: &[u8]) -> Option<Vec<u8>> {
    // Nearly every write is an endpoint's answer or a piece of its body: two comparisons of
    // bytes rule it out before anything is read as text (a page of 50 contacts, some
    // 50 KiB, was checked as UTF-8 on its way out).
    if !buf.starts_with(b"HTTP/1.1 4") || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = std::str::from_utf8(buf).ok()?;
    let code = match head.strip_prefix("HTTP/1.1 ")?.get(..4)? {
        "400 " => Code::MalformedRequest,
        "414 " => Code::UriTooLong,
        "431 " => Code::HeadersTooLarge,
        _ => return None,
    };
    let lower = head.to_ascii_lowercase();
    if !lower.contains("\r\ncontent-length: 0\r\n") || lower.contains("\r\ncontent-type:") {
        return None;
    }
    let request_id = uuid::Uuid::now_v7().to_string();
    let body = ApiError::new(code).render_json(Lang::Fr, &request_id, "");
    let mut out = String::with_capacity(head.len() + body.len() + 256);
    for line in head.trim_end_matches("\r\n").split("\r\n") {
        if !line.to_ascii_lowercase().starts_with("content-length:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("content-type: application/problem+json; charset=utf-8\r\n");
    out.push_str("content-language: fr\r\n");
    for (name, value) in SECURITY_HEADERS {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("x-request-id: {request_id}\r\ncontent-length: {}\r\n\r\n", body.len()));
    out.push_str(&body);
    Some(out.into_bytes())
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            match replacement(buf) {
                Some(rep) => this.pending = Some((rep, 0, buf.len())),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        loop {
            let Some((rep, done, original)) = this.pending.as_mut() else {
                return Poll::Ready(Ok(0));
            };
            if *done >= rep.len() {
                let n = *original;
                this.pending = None;
                return Poll::Ready(Ok(n));
            }
            match Pin::new(&mut this.inner).poll_write(cx, &rep[*done..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *done += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// A head and its body written together, as the socket takes them (hyper otherwise
    /// copies each body into its own buffer first); a single piece goes through
    /// [`Self::poll_write`], where hyper's bodiless error heads are replaced.
    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        if self.pending.is_some() {
            // A replacement half written goes on (what is asked to be written is the same).
            return self.poll_write(cx, &[]);
        }
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        match (filled.next(), filled.next()) {
            (Some(one), None) => self.poll_write(cx, one),
            _ => Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_bodiless_error_heads_are_replaced() {
        let hyper414 =
            b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Mon, 30 Nov 2026 12:41:44 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(hyper414).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\nconnection: close\r\n"), "{out}");
        assert!(out.contains("content-type: application/problem+json"));
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(!head.contains("content-length: 0"));
        let p: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(p["code"], "uri_too_long");
        assert!(replacement(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(replacement(b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(replacement(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n").is_none());
        assert!(replacement(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n").is_some());
    }

    /// Written in pieces together, an answer and its body go out as they are; a lone
    /// error head of hyper's is replaced whichever way it is written.
    #[test]
    fn vectored_writes_pass_through_and_error_heads_are_still_replaced() {
        use tokio::io::AsyncWriteExt;
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\n";
        let body = b"HTTP/1.1 414 ";
        let hyper414 = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        rt.block_on(async {
            let mut io = ProblemIo {
                inner: Vec::new(),
                pending: None,
            };
            assert!(io.is_write_vectored());
            let n = io.write_vectored(&[io::IoSlice::new(head), io::IoSlice::new(body)]).await.unwrap();
            assert_eq!(n, head.len() + body.len());
            io.write_all(body).await.unwrap();
            assert_eq!(io.inner, [&head[..], body, body].concat());
            for vectored in [true, false] {
                let mut io = ProblemIo {
                    inner: Vec::new(),
                    pending: None,
                };
                let n = if vectored {
                    io.write_vectored(&[io::IoSlice::new(&[]), io::IoSlice::new(hyper414)])
                        .await
                        .unwrap()
                } else {
                    io.write(hyper414).await.unwrap()
                };
                assert_eq!(n, hyper414.len());
                let out = String::from_utf8(io.inner).unwrap();
                assert!(out.contains("application/problem+json") && out.contains("uri_too_long"), "{out}");
            }
        });
    }
}
