//! The one Tokio runtime of the library. Async calls are spawned on it and awaited from the
//! foreign side's executor (Kotlin coroutines, Swift tasks); blocking calls wait for it from the
//! calling thread. reqwest's connections and the core's background refreshes live on it.

use std::future::Future;
use std::sync::LazyLock;

use tokio::runtime::{Handle, Runtime};

use crate::error::DbfedError;
use crate::panics;

/// Worker threads: dbfed's work is a few HTTP requests an hour, so two are plenty.
const WORKER_THREADS: usize = 2;

/// The runtime, started on first use; `None` if it could not be started (reported by every call).
static RUNTIME: LazyLock<Option<Runtime>> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("dbfed-runtime")
        .enable_all()
        .build()
        .ok()
});

/// The runtime's handle, for the core's builders (refreshes are spawned on it).
pub(crate) fn handle() -> Result<Handle, DbfedError> {
    RUNTIME
        .as_ref()
        .map(|runtime| runtime.handle().clone())
        .ok_or_else(not_started)
}

/// Runs `body` inside the runtime's context, so that whatever the core spawns or builds there
/// (a background refresh, an HTTP client) belongs to this runtime; a panic in it is returned as
/// `DbfedError::Internal`.
pub(crate) fn in_context<T>(body: impl FnOnce() -> T) -> Result<T, DbfedError> {
    let handle = handle()?;
    let _entered = handle.enter();
    Ok(panics::catch(body)?)
}

/// Runs `future` on the runtime and awaits its result from any executor; a panic in it is
/// returned as `DbfedError::Internal`.
pub(crate) async fn run<T: Send + 'static>(
    future: impl Future<Output = Result<T, DbfedError>> + Send + 'static,
) -> Result<T, DbfedError> {
    let task = handle()?.spawn(panics::catch_future(future));
    task.await.unwrap_or_else(|_| Ok(Err(stopped())))?
}

/// Runs `future` on the runtime and blocks the calling thread until it is done (a panic in it
/// is returned as `DbfedError::Internal`). Never panics, whatever the thread (it waits for the
/// task's handle, not with `Runtime::block_on`).
pub(crate) fn block_on<T: Send + 'static>(
    future: impl Future<Output = Result<T, DbfedError>> + Send + 'static,
) -> Result<T, DbfedError> {
    let task = handle()?.spawn(panics::catch_future(future));
    futures::executor::block_on(task).unwrap_or_else(|_| Ok(Err(stopped())))?
}

/// A token call's answer: had from the cache without waiting, or the request that gets it, run
/// on the runtime; the async and the blocking variant of a call differ only in how they wait.
pub(crate) enum Answer<T, F> {
    /// Had without waiting.
    Ready(T),
    /// To be had from a request.
    Request(F),
}

impl<T, F> Answer<T, F>
where
    T: Send + 'static,
    F: Future<Output = Result<T, DbfedError>> + Send + 'static,
{
    /// The answer, awaited from any executor.
    pub(crate) async fn awaited(self) -> Result<T, DbfedError> {
        match self {
            Answer::Ready(value) => Ok(value),
            Answer::Request(request) => run(request).await,
        }
    }

    /// The answer, the calling thread blocked until it is had.
    pub(crate) fn blocking(self) -> Result<T, DbfedError> {
        match self {
            Answer::Ready(value) => Ok(value),
            Answer::Request(request) => block_on(request),
        }
    }
}

fn not_started() -> DbfedError {
    DbfedError::Internal {
        reason: "dbfed could not start its Tokio runtime".into(),
    }
}

fn stopped() -> DbfedError {
    DbfedError::Internal {
        reason: "the request was abandoned: its task on dbfed's runtime stopped".into(),
    }
}
