//! Accepting the connections of `visivo serve`, with limits against clients that hold them open
//! (slowloris, half-open requests, readers that stop reading):
//!
//! * a request's headers must arrive within [`Limits::header_read_timeout`]; the same timeout
//!   closes keep-alive connections that wait for a next request;
//! * a connection on which nothing moves for [`Limits::idle_timeout`] while it waits to read or
//!   write is closed (live-reload streams send a keep-alive every 15 s, so they stay open);
//! * at most [`Limits::max_connections`] are served at once: further clients wait in the
//!   system's listen queue, which costs no file descriptor, until one closes.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

/// How long clients may hold connections and how many are served at once (`visivo serve`'s flags).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest wait for a request's headers, and for the next request on a kept-alive connection
    /// (default 10 s).
    pub header_read_timeout: Duration,
    /// A connection on which nothing moves for this long is closed (default 60 s).
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the listen queue (default 128).
    pub max_connections: usize,
}

impl Default for Limits {
    /// 128 connections leave room below a 256 file-descriptor limit (macOS's default) for the
    /// project's files and databases; a browser opens at most 6 per server.
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 128,
        }
    }
}

impl Limits {
    /// The limits given, the defaults for the others (`visivo serve`'s optional flags).
    pub fn or_default(
        header_read_timeout: Option<Duration>,
        idle_timeout: Option<Duration>,
        max_connections: Option<usize>,
    ) -> Self {
        let default = Limits::default();
        Limits {
            header_read_timeout: header_read_timeout.unwrap_or(default.header_read_timeout),
            idle_timeout: idle_timeout.unwrap_or(default.idle_timeout),
            max_connections: max_connections.unwrap_or(default.max_connections),
        }
    }
}

/// How long to wait before accepting again after `accept` failed (e.g. no file descriptor left).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Listens on `host` (a name or an address; IPv6 with or without brackets) and `port` (0: any
/// free one); returns the listener and its address as a URL, e.g. `http://[::1]:8000`.
pub async fn bind(host: &str, port: u16) -> io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind((host.trim_matches(['[', ']']), port)).await?;
    let port = listener.local_addr()?.port();
    let host = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        _ => host.to_string(),
    };
    Ok((listener, format!("http://{host}:{port}")))
}

/// Serves `app` on `listener` until the process ends.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        // A slot first, then accept: waiting clients stay in the listen queue.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let io = TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout));
        let connection = http.serve_connection(io, TowerToHyperService::new(app.clone()));
        tokio::spawn(async move {
            // A client that went away or timed out is no error of the server's.
            let _ = connection.await;
            drop(slot);
        });
    }
}

/// A stream that fails with `TimedOut` when it has waited `limit` for a read or write since
/// the last bytes moved in either direction.
struct IdleTimeout<S> {
    inner: S,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, limit: Duration) -> Self {
        IdleTimeout {
            inner,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }

    fn progress(&mut self) {
        let next = Instant::now() + self.limit;
        self.deadline.as_mut().reset(next);
    }

    /// The inner stream is not ready: wait, unless the deadline has passed.
    fn waiting<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle for too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Passes `result` on, noting progress when bytes moved.
    fn moved<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
        bytes: impl FnOnce(&T) -> bool,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Pending => self.waiting(cx),
            Poll::Ready(Ok(value)) => {
                if bytes(&value) {
                    self.progress();
                }
                Poll::Ready(Ok(value))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        let read = buf.filled().len() > before;
        this.moved(cx, result, |_| read)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.moved(cx, result, |n| *n > 0)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.moved(cx, result, |n| *n > 0)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_flush(cx);
        this.moved(cx, result, |_| false)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.moved(cx, result, |_| false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_url_names_the_port_taken_and_brackets_ipv6() {
        let (listener, url) = bind("127.0.0.1", 0).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(url, format!("http://127.0.0.1:{port}"));
        // Only where the machine has IPv6.
        if let Ok((listener, url)) = bind("[::1]", 0).await {
            let port = listener.local_addr().unwrap().port();
            assert_eq!(url, format!("http://[::1]:{port}"));
        }
    }
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn idle_streams_time_out_and_busy_ones_do_not() {
        let (client, server) = tokio::io::duplex(64);
        let mut server = IdleTimeout::new(server, Duration::from_secs(5));
        let mut client = client;
        let mut byte = [0u8; 1];
        for _ in 0..3 {
            tokio::time::advance(Duration::from_secs(4)).await;
            client.write_all(b"x").await.unwrap();
            server.read_exact(&mut byte).await.unwrap();
        }
        let err = server.read_exact(&mut byte).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
