//! dbfed's own threads (runtime workers, blocking pool, log forwarder) and Python: one thread
//! state per thread for its whole life, and no Python at all once the interpreter shuts down.
//!
//! `Python::attach` on a thread Python does not know creates a thread state and deletes it
//! again on release, each time under the interpreter's `HEAD_LOCK`. CPython before 3.11.8 /
//! 3.12 (gh-112275) takes that lock in a child after `os.fork()` before re-initialising it, so
//! a fork while one of dbfed's threads attaches (to log, run a callback or settle a future)
//! leaves the child hung. Threads that keep their thread state take the lock only when they
//! start and stop, and attaching is then just taking the GIL.
//!
//! When the interpreter finalizes, right after the `atexit` hooks, it deletes every other
//! thread's state, and a thread that then waits for the GIL is ended inside CPython
//! (`pthread_exit`), which unwinds through pyo3's guard and aborts the process ("Fatal Python
//! error: PyGILState_Release"). So dbfed's threads enter Python only through a gate that
//! [`close`] (run by dbfed's `atexit` hook) shuts for good, after waiting for those inside.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::ffi;
use pyo3::prelude::*;

/// The gate's closed flag (the top bit of [`GATE`]).
const CLOSED: usize = 1 << (usize::BITS - 1);
/// The longest `close` waits for dbfed's threads to leave Python (a source callback may still
/// run); one still inside after that is left to CPython, which ends it when it next waits.
const LEAVE_DEADLINE: Duration = Duration::from_secs(3);
/// How often `close` looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(1);

/// [`CLOSED`] once Python shuts down, plus how many of dbfed's threads are inside Python. An
/// atomic, not a lock: a lock held by a parent's thread at a fork stays locked in the child.
static GATE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The state this thread adopted and what `PyGILState_Ensure` returned then, if it did.
    static ADOPTED: Cell<Option<(*mut ffi::PyThreadState, ffi::PyGILState_STATE)>> =
        const { Cell::new(None) };
}

/// A thread's passage through the gate: while it lives, `close` waits.
struct Inside;

impl Inside {
    /// Enters the gate, unless Python shuts down.
    fn enter() -> Option<Self> {
        if GATE.fetch_add(1, Ordering::SeqCst) & CLOSED != 0 {
            GATE.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Self)
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        GATE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `Python::try_attach` for dbfed's own threads: runs `body` with the GIL, or returns `None`
/// once Python shuts down (and then never touches Python).
pub(crate) fn attach<R>(body: impl for<'py> FnOnce(Python<'py>) -> R) -> Option<R> {
    let _inside = Inside::enter()?;
    Python::try_attach(body)
}

/// Shuts the gate for good, and waits (with the GIL released, at most [`LEAVE_DEADLINE`]) for
/// the threads inside Python to leave. For dbfed's `atexit` hook.
pub(crate) fn close(py: Python<'_>) {
    GATE.fetch_or(CLOSED, Ordering::SeqCst);
    py.detach(|| {
        let deadline = Instant::now() + LEAVE_DEADLINE;
        while GATE.load(Ordering::SeqCst) != CLOSED && Instant::now() < deadline {
            std::thread::sleep(POLL_INTERVAL);
        }
    });
}

/// Forgets, in a child right after `fork()`, the parent's threads inside Python (the child
/// does not have them).
pub(crate) fn after_fork_in_child() {
    GATE.fetch_and(CLOSED, Ordering::SeqCst);
}

/// Runs `body` inside the gate (open: the interpreter has not begun to finalize) when an
/// interpreter runs; else does nothing.
fn with_live_interpreter(body: impl FnOnce()) {
    let Some(_inside) = Inside::enter() else {
        return;
    };
    // SAFETY: `Py_IsInitialized` is always safe to call.
    if unsafe { ffi::Py_IsInitialized() } != 0 {
        body();
    }
}

/// Gives the calling thread a Python thread state that outlives every `attach`, and releases
/// the GIL. For the start of a thread of dbfed's own; does nothing without an interpreter or
/// once it shuts down.
pub(crate) fn adopt() {
    if ADOPTED.get().is_some() {
        return;
    }
    // SAFETY: the interpreter runs and is not finalizing (`with_live_interpreter`), so a thread
    // that holds no GIL may call `PyGILState_Ensure`, which creates its state and takes the
    // GIL, and then `PyEval_SaveThread`, which lets go of the GIL and keeps the state (its
    // count stays 1, so later ensure/release pairs only take and drop the GIL).
    with_live_interpreter(|| unsafe {
        let ensured = ffi::PyGILState_Ensure();
        let state = ffi::PyEval_SaveThread();
        ADOPTED.set(Some((state, ensured)));
    });
}

/// Deletes the state `adopt` gave the calling thread. For the end of a thread of dbfed's own.
/// Once Python shuts down the state is left alone: finalization deletes it.
pub(crate) fn release() {
    let Some((state, ensured)) = ADOPTED.take() else {
        return;
    };
    // SAFETY: this thread adopted `state` and holds no GIL (nothing attached runs now), and
    // the interpreter runs and has not begun to finalize (`with_live_interpreter`), so
    // `PyEval_RestoreThread` takes the GIL with it, and `PyGILState_Release` brings its count
    // to 0, which deletes it.
    with_live_interpreter(|| unsafe {
        ffi::PyEval_RestoreThread(state);
        ffi::PyGILState_Release(ensured);
    });
}
