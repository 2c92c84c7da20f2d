//! A TCP listener whose connections a handler can abort, so an injected fault can close the
//! socket without sending any HTTP response.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::faults;
use crate::state::Shared;

/// Accepts TCP connections and wraps each in an [`AbortableStream`].
pub(crate) struct AbortableListener {
    pub(crate) listener: TcpListener,
    pub(crate) shared: Arc<Shared>,
}

impl Listener for AbortableListener {
    type Io = AbortableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, remote)) => {
                    // Small request/response exchanges; don't let Nagle delay them.
                    let _ = stream.set_nodelay(true);
                    return (AbortableStream::new(stream, self.shared.clone()), remote);
                }
                Err(error) => {
                    tracing::warn!(%error, "dbfed-testkit: accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// Aborts one connection: once triggered, every read and write on it fails, so the server
/// closes the socket without writing another byte (with a TCP RST after [`Self::reset`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectionAbort(Arc<AbortFlags>);

#[derive(Debug, Default)]
struct AbortFlags {
    aborted: AtomicBool,
    reset: AtomicBool,
}

impl ConnectionAbort {
    /// Makes all further I/O on the connection fail; the socket is closed with a FIN.
    pub(crate) fn abort(&self) {
        self.0.aborted.store(true, Ordering::SeqCst);
    }

    /// Like [`Self::abort`], but the socket is closed with a TCP RST.
    pub(crate) fn reset(&self) {
        self.0.reset.store(true, Ordering::SeqCst);
        self.abort();
    }
}

impl Connected<IncomingStream<'_, AbortableListener>> for ConnectionAbort {
    fn connect_info(stream: IncomingStream<'_, AbortableListener>) -> Self {
        stream.io().abort.clone()
    }
}

/// A TCP stream that fails all I/O once its [`ConnectionAbort`] is triggered, and that a
/// `never_read` fault holds unread.
pub(crate) struct AbortableStream {
    inner: TcpStream,
    abort: ConnectionAbort,
    /// Where the `never_read` faults are looked up.
    shared: Arc<Shared>,
    reading: Reading,
}

/// What the next read on a connection meets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// The start of a request (the connection's first, or the next after a response was
    /// written), matched against the `never_read` faults before it is read.
    RequestStart,
    /// The rest of a request.
    Request,
    /// A request taken by a `never_read` fault: never read, never answered.
    Held,
}

impl AbortableStream {
    fn new(inner: TcpStream, shared: Arc<Shared>) -> Self {
        AbortableStream {
            inner,
            abort: ConnectionAbort::default(),
            shared,
            reading: Reading::RequestStart,
        }
    }

    /// At the start of a request, peeks at its first bytes, without reading them, and holds
    /// the connection when a `never_read` fault takes its path. `Pending` until they arrive.
    fn poll_request_start(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.reading != Reading::RequestStart {
            return Poll::Ready(Ok(()));
        }
        let mut peeked = [0u8; 512];
        let mut view = ReadBuf::new(&mut peeked);
        std::task::ready!(self.inner.poll_peek(cx, &mut view))?;
        let held = request_path(view.filled())
            .is_some_and(|path| faults::take_never_read(&mut self.shared.lock(), &path));
        self.reading = if held {
            tracing::debug!("dbfed-testkit: holding a request unread");
            Reading::Held
        } else {
            Reading::Request
        };
        Poll::Ready(Ok(()))
    }

    /// Whether the connection was aborted; after a reset, also sets `SO_LINGER` to zero so
    /// that closing the socket sends a RST.
    fn aborted(&self) -> bool {
        let flags = &self.abort.0;
        if flags.reset.swap(false, Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
        flags.aborted.load(Ordering::SeqCst)
    }
}

fn aborted_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by an injected fault",
    )
}

impl AsyncRead for AbortableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.aborted() {
            return Poll::Ready(Err(aborted_error()));
        }
        let this = self.get_mut();
        std::task::ready!(this.poll_request_start(cx))?;
        if this.reading == Reading::Held {
            // Never woken: the connection stays open, unread, until the testkit stops.
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

/// The path of the request line at the start of `bytes` (`GET /path HTTP/1.1`), if any.
fn request_path(bytes: &[u8]) -> Option<String> {
    let line = bytes.split(|byte| *byte == b'\n').next()?;
    let target = line.split(|byte| *byte == b' ').nth(1)?;
    Some(String::from_utf8_lossy(target).into_owned())
}

impl AsyncWrite for AbortableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.aborted() {
            return Poll::Ready(Err(aborted_error()));
        }
        let this = self.get_mut();
        let written = std::task::ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        if written > 0 && this.reading == Reading::Request {
            // A response is going out: the next read is the next request's start.
            this.reading = Reading::RequestStart;
        }
        Poll::Ready(Ok(written))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.aborted() {
            return Poll::Ready(Err(aborted_error()));
        }
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
