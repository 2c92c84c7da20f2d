//! One Python thread state per dbfed thread, for the thread's whole life.
//!
//! `Python::attach` on a thread Python does not know creates a thread state and deletes it
//! again on release, each time under the interpreter's `HEAD_LOCK`. CPython before 3.11.8 /
//! 3.12 (gh-112275) takes that lock in a child after `os.fork()` before re-initialising it, so
//! a fork while one of dbfed's threads attaches (to log, run a callback or settle a future)
//! leaves the child hung. Threads that keep their thread state take the lock only when they
//! start and stop, and attaching is then just taking the GIL.

use std::cell::Cell;

use pyo3::ffi;

thread_local! {
    /// The state this thread adopted and what `PyGILState_Ensure` returned then, if it did.
    static ADOPTED: Cell<Option<(*mut ffi::PyThreadState, ffi::PyGILState_STATE)>> =
        const { Cell::new(None) };
}

/// Gives the calling thread a Python thread state that outlives every `attach`, and releases
/// the GIL. For the start of a thread of dbfed's own; does nothing without an interpreter.
pub(crate) fn adopt() {
    if ADOPTED.get().is_some() {
        return;
    }
    // SAFETY: `Py_IsInitialized` is always safe to call. With an interpreter, a thread that
    // holds no GIL may call `PyGILState_Ensure`, which creates its state and takes the GIL,
    // and then `PyEval_SaveThread`, which lets go of the GIL and keeps the state (its count
    // stays 1, so later ensure/release pairs only take and drop the GIL).
    unsafe {
        if ffi::Py_IsInitialized() == 0 {
            return;
        }
        let ensured = ffi::PyGILState_Ensure();
        let state = ffi::PyEval_SaveThread();
        ADOPTED.set(Some((state, ensured)));
    }
}

/// Deletes the state `adopt` gave the calling thread. For the end of a thread of dbfed's own.
pub(crate) fn release() {
    let Some((state, ensured)) = ADOPTED.take() else {
        return;
    };
    // SAFETY: this thread adopted `state` and holds no GIL (nothing attached runs now), so
    // `PyEval_RestoreThread` takes the GIL with it, and `PyGILState_Release` brings its count
    // to 0, which deletes it. A finished interpreter is left alone.
    unsafe {
        if ffi::Py_IsInitialized() == 0 {
            return;
        }
        ffi::PyEval_RestoreThread(state);
        ffi::PyGILState_Release(ensured);
    }
}
