//! The one Tokio runtime of the extension, shared by the sync and the asyncio API, and rebuilt
//! in a child process after `os.fork()`.

use std::future::Future;
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::{errors, panics, thread_state};

/// Worker threads: dbfed's work is a few HTTP requests an hour, so two are plenty.
const WORKER_THREADS: usize = 2;
/// How often a blocked sync call wakes up to let Python handle signals (Ctrl-C).
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// The runtime of this process; empty until first use and again right after a fork. No lock
/// guards it: a lock held by a parent's thread at the moment of a fork stays locked in the child.
static RUNTIME: ArcSwapOption<Runtime> = ArcSwapOption::const_empty();

/// Runs `body` inside the runtime's context, so that anything the core spawns (a background
/// refresh, say) runs on this process's runtime; a panic in it is raised as `DbfedError`.
#[inline]
pub(crate) fn in_context<T>(body: impl FnOnce() -> T) -> PyResult<T> {
    let guarded =
        || panics::catch(body).map_err(|panic| Python::attach(|py| panics::to_py_err(&panic, py)));
    let current = RUNTIME.load();
    if let Some(runtime) = current.as_ref() {
        let _entered = runtime.enter();
        return guarded();
    }
    drop(current);
    let runtime = get()?;
    let _entered = runtime.enter();
    guarded()
}

/// Starts `future` on the runtime without waiting for it.
pub(crate) fn spawn(future: impl Future<Output = ()> + Send + 'static) -> PyResult<()> {
    get()?.spawn(future);
    Ok(())
}

/// Runs `future` on the runtime and waits for it with the GIL released, waking up regularly
/// so that a Ctrl-C interrupts the wait (the future itself runs on). A panic in it is raised as
/// `DbfedError`.
pub(crate) fn block_on<T: Send + 'static>(
    py: Python<'_>,
    future: impl Future<Output = T> + Send + 'static,
) -> PyResult<T> {
    let (sender, mut receiver) = sync_channel(1);
    get()?.spawn(async move {
        // The receiver is gone if the caller was interrupted; nobody needs the value then.
        let _ = sender.send(panics::catch_future(future).await);
    });
    loop {
        let received;
        (receiver, received) = py.detach(move || {
            let received = receiver.recv_timeout(SIGNAL_CHECK_INTERVAL);
            (receiver, received)
        });
        match received {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(panic)) => return Err(panics::to_py_err(&panic, py)),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(errors::base_error(
                    py,
                    "the request was abandoned: dbfed's runtime stopped",
                ));
            }
        }
    }
}

/// This process's runtime, created on first use (if two threads race to create it, the loser's
/// runtime is shut down and the winner's used).
fn get() -> PyResult<Arc<Runtime>> {
    if let Some(runtime) = RUNTIME.load_full() {
        return Ok(runtime);
    }
    let fresh = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("dbfed-runtime")
        .on_thread_start(thread_state::adopt)
        .on_thread_stop(thread_state::release)
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|err| {
            Python::attach(|py| {
                errors::base_error(py, &format!("cannot start dbfed's runtime: {err}"))
            })
        })?;
    let previous = RUNTIME.compare_and_swap(&None::<Arc<Runtime>>, Some(fresh.clone()));
    match previous.as_ref() {
        None => Ok(fresh),
        Some(winner) => {
            let winner = winner.clone();
            if let Ok(unused) = Arc::try_unwrap(fresh) {
                unused.shutdown_background();
            }
            Ok(winner)
        }
    }
}

/// Forgets the parent's runtime in a child process right after `fork()`; the next call builds
/// a new one. The parent's runtime is leaked, not dropped: its threads do not exist in the
/// child, and dropping it would wait for them forever.
#[pyfunction]
pub(crate) fn _after_fork_in_child() {
    std::mem::forget(RUNTIME.swap(None));
    crate::logging::after_fork_in_child();
    thread_state::after_fork_in_child();
}
