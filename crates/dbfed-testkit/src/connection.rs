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

/// How long a connection taken by a `never_read` fault is held at most.
const HELD_UNREAD_FOR: Duration = Duration::from_secs(600);

/// Accepts TCP connections and wraps each in an [`AbortableStream`], or holds it unread when a
/// `never_read` fault is queued.
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
                Ok((stream, _)) if faults::take_never_read(&mut self.shared.lock()) => {
                    tracing::debug!("dbfed-testkit: holding a connection unread");
                    // Dropped (closed) when the testkit's runtime stops, or after the bound.
                    tokio::spawn(async move {
                        let _held = stream;
                        tokio::time::sleep(HELD_UNREAD_FOR).await;
                    });
                }
                Ok((stream, remote)) => {
                    // Small request/response exchanges; don't let Nagle delay them.
                    let _ = stream.set_nodelay(true);
                    return (AbortableStream::new(stream), remote);
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

/// A TCP stream that fails all I/O once its [`ConnectionAbort`] is triggered.
pub(crate) struct AbortableStream {
    inner: TcpStream,
    abort: ConnectionAbort,
}

impl AbortableStream {
    fn new(inner: TcpStream) -> Self {
        AbortableStream {
            inner,
            abort: ConnectionAbort::default(),
        }
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
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
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
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
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
