//! The `*_async` methods: a coroutine of `dbfed._futures.run` awaits an asyncio future that a
//! task on dbfed's runtime settles, through the future's event loop.

use futures::future::BoxFuture;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyAny, PyCFunction};

use crate::{errors, panics, runtime, thread_state};

/// A coroutine returning `convert(result)` of the core future `work()` makes (or raising its
/// error, or a panic in it, as a dbfed exception). `cached`, if given, is called first when the
/// coroutine runs; a value other than None is the result, without `work`.
pub(crate) fn coroutine<'py, T, W, C>(
    py: Python<'py>,
    cached: Option<Bound<'py, PyAny>>,
    work: W,
    convert: C,
) -> PyResult<Bound<'py, PyAny>>
where
    T: Send + 'static,
    W: Fn() -> BoxFuture<'static, dbfed::Result<T>> + Send + Sync + 'static,
    C: Fn(Python<'_>, T) -> PyResult<Py<PyAny>> + Copy + Send + Sync + 'static,
{
    static RUN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let start = PyCFunction::new_closure(py, None, None, move |args, _| -> PyResult<()> {
        let future = args.get_item(0)?;
        let event_loop = future
            .call_method0(intern!(future.py(), "get_loop"))?
            .unbind();
        let future = future.unbind();
        let work = work();
        runtime::spawn(async move {
            let result = panics::catch_future(work).await;
            // Without Python (it is shutting down) nobody is left to tell.
            let _ = thread_state::attach(|py| {
                let outcome = match result {
                    Ok(Ok(value)) => convert(py, value),
                    Ok(Err(err)) => Err(errors::to_py_err(py, &err)),
                    Err(panic) => Err(panics::to_py_err(&panic, py)),
                };
                settle(py, &event_loop, &future, outcome)
            });
        })
    })?;
    RUN.import(py, "dbfed._futures", "run")?
        .call1((start, cached))
}

/// Settles an asyncio future from a runtime thread, through its loop (`call_soon_threadsafe`).
fn settle(
    py: Python<'_>,
    event_loop: &Py<PyAny>,
    future: &Py<PyAny>,
    outcome: PyResult<Py<PyAny>>,
) -> PyResult<()> {
    static SETTLE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let settle = SETTLE.import(py, "dbfed._futures", "settle")?;
    let (value, error) = match outcome {
        Ok(value) => (value, py.None()),
        Err(err) => (py.None(), err.into_value(py).into_any()),
    };
    event_loop.call_method1(
        py,
        intern!(py, "call_soon_threadsafe"),
        (settle, future, value, error),
    )?;
    Ok(())
}
